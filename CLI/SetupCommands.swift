import Foundation
import ArgumentParsing
import Services
import Engine

/// `flourish init`, `flourish backup` and `flourish doctor`.
enum SetupCommands {
    static let all: [Command] = [initialise, backup, doctor]

    static let doctor = Command(
        ["doctor"], "Check what would hurt in production: file system, integrity, replication, clock, timers, disk, mail.",
        discussion: """
        Reads only. Exits 0 when every check is ok, 1 when any warns or finds a problem. The same
        checks run when `flourish serve` starts, which prints what is not ok. Replication is
        looked for through FLOURISH_REPLICATED and Litestream's state beside the database; the
        mail command is FLOURISH_SENDMAIL or /usr/sbin/sendmail.
        """
    ) { inv in
        try inv.expectPositionals(atMost: 0)
        let findings = try inv.app.doctor(doctorSettings(inv.environment))
        inv.output(["findings": .array(findings.map { ["check": .string($0.check), "level": .string($0.level.rawValue), "detail": .string($0.detail)] }),
                    "ok": .bool(findings.allSatisfy { $0.level == .ok })]) {
            findings.map { "\($0.level == .ok ? "ok     " : $0.level == .warning ? "WARNING" : "PROBLEM") \($0.check): \($0.detail)" }.joined(separator: "\n")
        }
        if !findings.allSatisfy({ $0.level == .ok }) { throw ExitStatus(code: 1) }
    }

    /// How this process runs, for the doctor's checks: from the environment, as the commands read it.
    static func doctorSettings(_ environment: [String: String]) -> DoctorSettings {
        DoctorSettings(replicated: FlourishCLI.isReplicated(environment),
                       sendmailCommand: environment["FLOURISH_SENDMAIL"].flatMap { $0.isEmpty ? nil : $0 } ?? Flourish.defaultSendmail)
    }

    static let backup = Command(
        ["backup"], "Copy the database to FILE while Flourish runs, and check the copy (integrity and audit log).",
        arguments: "FILE",
        discussion: """
        Safe while the server is writing: SQLite's online backup takes one consistent snapshot.
        The copy is written beside FILE under a temporary name and renamed only once complete,
        then opened and checked; a copy that does not check out is removed. To restore, stop
        Flourish, move the old database (and its -wal and -shm files) aside, and copy FILE in.
        """,
        options: [OptionSpec("replace", help: "Overwrite FILE if it exists (otherwise an existing FILE is refused).")]
    ) { inv in
        let destination = try inv.positional(0, "FILE: where to write the copy, e.g. flourish-2026-11-25.sqlite")
        try inv.expectPositionals(atMost: 1)
        let source = inv.databasePath
        guard FileManager.default.fileExists(atPath: source) else {
            throw UsageError("there is no database at \(source) to back up; give the right one with --db or FLOURISH_DB")
        }
        if FileManager.default.fileExists(atPath: destination) && !inv.arguments.flag("replace") {
            throw UsageError("\(destination) already exists; choose another name, or pass --replace to overwrite it")
        }
        let report = try inv.app.backup(to: destination, replacing: inv.arguments.flag("replace"))
        inv.output(["file": .string(destination), "pages": .integer(Int64(report.copy.pages)), "bytes": .integer(Int64(report.copy.bytes)),
                    "integrity": .string(report.integrity.joined(separator: "; ")), "auditEventsChecked": .integer(Int64(report.audit.eventsChecked)),
                    "auditHead": .string(report.audit.head)]) {
            let size = ByteCountFormatter.string(fromByteCount: Int64(report.copy.bytes), countStyle: .file)
            return "Backed up \(source) to \(destination) (\(size)). The copy checks out: integrity ok, audit log intact "
                + "(\(report.audit.eventsChecked) event\(report.audit.eventsChecked == 1 ? "" : "s"), head \(report.audit.head))."
        }
    }

    static let initialise = Command(
        ["init"], "Create the database (when missing) and install the workflows.",
        discussion: "Safe to run again: it only adds what is missing. With --demo, a new database is filled with the demo partnership's\npeople, accounts, organisations, pledges, actions, measures and escalations.",
        options: [OptionSpec("demo", help: "Load the demo data into a new, empty database.")]
    ) { inv in
        try inv.expectPositionals(atMost: 0)
        let app = try inv.app
        let defs = app.workflowDefinitions
        let demo = inv.arguments.flag("demo") ? try app.loadDemo() : []
        inv.output(["database": .string(app.databasePath), "workflows": .array(defs.map { .string("\($0.name)@\($0.version)") }),
                    "demoAccounts": .array(demo.map { ["person": .string($0.person), "name": .string($0.name), "does": .string($0.does)] })]) {
            "Database ready at \(app.databasePath) with workflows: \(defs.map { "\($0.name) (version \($0.version))" }.joined(separator: ", "))."
                + (demo.isEmpty ? "" : "\n" + demoAccountsText(demo))
        }
    }

    /// The demo accounts, as printed by `init --demo` and `serve --demo`.
    static func demoAccountsText(_ accounts: [DemoAccount]) -> String {
        let width = accounts.map(\.person.count).max() ?? 0
        return "Demo data loaded. Sign in as any of these, with the password \(Flourish.demoPassword):\n"
            + accounts.map { "  " + $0.person.padding(toLength: width, withPad: " ", startingAt: 0) + "  \($0.name): \($0.does)" }.joined(separator: "\n")
    }
}
