import Foundation
import ArgumentParsing
import Services
import Benchmarks

/// `flourish bench reports` and `flourish bench timers`: how the annual report, the dashboard
/// and the timer tick scale, each beside a baseline measured in the same run.
enum BenchScaleCommands {
    static let all: [Command] = [reports, timers, growth]

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

    static let growth = Command(
        ["bench", "growth"], "Time the report, dashboard, wall, tick and an import at several sizes of partnership, to see how each grows (build with -c release).",
        discussion: """
        For each of --sizes organisation counts, generates (or reuses, in --dir) a partnership
        pledging over --years years, with an action for every 10 organisations and an escalation
        for every 40, through the same imports and services as real data. Then times (median of
        three, with the process's peak memory): reading every instance straight from SQLite (the
        baseline), this year's annual report, the dashboard and the pledge wall when nothing is
        kept, the same pages right after a write (a pledge approved) with the figures kept in step,
        a tick a week on, and an import of as many organisations into an empty partnership. Ends
        with each measurement's growth: its time per organisation at the largest size over that
        at the smallest (1 is linear).
        """,
        options: [OptionSpec("sizes", takesValue: true, valueName: "N,N,...", help: "Organisation counts (default 1000,5000,20000,100000)."),
                  OptionSpec("years", takesValue: true, valueName: "N", help: "Pledge years (default 2)."),
                  OptionSpec("dir", takesValue: true, valueName: "DIR", help: "Keep (and reuse) the generated databases here.")],
        needsApp: false
    ) { inv in try benchmark { try GrowthBenchmarks.run(inv) } }

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
