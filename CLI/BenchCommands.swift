import Foundation
import ArgumentParsing
import Services
import Benchmarks

/// `flourish bench engine` and `flourish stress write`: measurement and crash-test drivers.
enum BenchCommands {
    static let all: [Command] = [engine, stressWrite]

    static let engine = Command(
        ["bench", "engine"], "Measure durable transitions per second against raw SQLite commits (build with -c release).",
        discussion: """
        Runs in a fresh temporary folder and reports, in one run and under the same settings
        (WAL, synchronous=FULL): raw single-row SQLite commits per second (the baseline), the
        engine's durable transitions per second for one caller (one transaction per event), in
        batches, and with many concurrent callers sharing commits (group commit), with ratios.
        """,
        options: [OptionSpec("events", takesValue: true, valueName: "N", help: "Events per measurement (default 3000)."),
                  OptionSpec("callers", takesValue: true, valueName: "N", help: "Concurrent callers for group commit (default 64)."),
                  OptionSpec("dir", takesValue: true, valueName: "DIR", help: "Where to put the scratch databases (default: a temporary folder)."),
                  OptionSpec("only", takesValue: true, valueName: "MEASUREMENT",
                             help: "Only group-commit (the concurrent callers' rate alone, for a harness that pairs it with its own measurement round by round) or single-caller (the paired rounds of one caller against raw commits alone, to profile).")],
        needsApp: false
    ) { inv in try benchmark { try EngineBenchmarks.durableTransitions(inv) } }


    static let stressWrite = Command(
        ["stress", "write"], "Write a stream of transitions, printing each client token once its commit is acknowledged (for crash tests).",
        discussion: "Each event carries its token as its idempotency key, so after a crash the tokens printed can be looked for in the log.",
        options: [OptionSpec("count", takesValue: true, valueName: "N", help: "Events per thread (default 100000)."),
                  OptionSpec("threads", takesValue: true, valueName: "N", help: "Concurrent writers (default 4)."),
                  OptionSpec("prefix", takesValue: true, valueName: "TEXT", help: "Token prefix (default: a random one).")]
    ) { inv in try benchmark { try EngineBenchmarks.stressWrite(inv) } }

}

