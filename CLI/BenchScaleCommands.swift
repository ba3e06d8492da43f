import Foundation
import ArgumentParsing
import Services
import Benchmarks

/// `flourish bench reports` and `flourish bench timers`: how the annual report, the dashboard
/// and the timer tick scale, each beside a baseline measured in the same run.
enum BenchScaleCommands {
    static let all: [Command] = [reports, timers]


    static let reports = Command(
        ["bench", "reports"], "Time the annual report and the dashboard over a large generated partnership (build with -c release).",
        discussion: """
        Generates (or reuses, in --dir) a partnership of --organisations organisations pledging over
        --years years, with --actions actions, --measures measures and --escalations escalations,
        written through the same imports and services as real data. Then times, as the median of
        three: reading every workflow instance straight from SQLite (the baseline), the annual
        report for the latest year, the same report as of mid-year rebuilt from the event log, the
        signed-in dashboard page and the public pledge wall page.
        """,
        options: [OptionSpec("organisations", takesValue: true, valueName: "N", help: "Organisations (default 20000)."),
                  OptionSpec("years", takesValue: true, valueName: "N", help: "Pledge years (default 5)."),
                  OptionSpec("actions", takesValue: true, valueName: "N", help: "Actions (default 2000)."),
                  OptionSpec("measures", takesValue: true, valueName: "N", help: "Measures (default 50)."),
                  OptionSpec("escalations", takesValue: true, valueName: "N", help: "Escalations (default 500)."),
                  OptionSpec("dir", takesValue: true, valueName: "DIR", help: "Keep (and reuse) the generated database here.")],
        needsApp: false
    ) { inv in try benchmark { try ScaleBenchmarks.reports(inv) } }

    /// Signs in through the pages, as a browser would, and returns the session cookie.

    static let timers = Command(
        ["bench", "timers"], "Time `flourish tick` with many pending timers and few due, and with very many due at once (build with -c release).",
        discussion: """
        Approved pledges each get timers far in the future (--pending in all) and --due check-in
        timers already due. The baseline is the same tick on a database with the due timers only:
        a tick's cost should follow the due timers, not the pending ones. Then --all-due timers
        fall due at once and one tick fires them all.
        """,
        options: [OptionSpec("pending", takesValue: true, valueName: "N", help: "Timers pending in the future (default 1000000)."),
                  OptionSpec("due", takesValue: true, valueName: "N", help: "Timers due now (default 1000)."),
                  OptionSpec("all-due", takesValue: true, valueName: "N", help: "Timers due at once in the last measurement (default 100000)."),
                  OptionSpec("dir", takesValue: true, valueName: "DIR", help: "Where to put the scratch databases (default: a temporary folder).")],
        needsApp: false
    ) { inv in try benchmark { try ScaleBenchmarks.timers(inv) } }
}
