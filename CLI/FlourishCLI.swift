import Foundation
import ArgumentParsing
import Services
import Engine

/// The `flourish` command: finds the command, parses its options, runs it, and turns
/// errors into messages and exit codes.
enum FlourishCLI {
    static let version = "0.1.0"

    static let globalOptions: [OptionSpec] = [
        OptionSpec("db", takesValue: true, valueName: "FILE", help: "The database file (or FLOURISH_DB; default flourish.sqlite here)."),
        OptionSpec("as", takesValue: true, valueName: "PERSON", help: "Who is acting; recorded in the audit log (or FLOURISH_AS)."),
        OptionSpec("now", takesValue: true, valueName: "DATETIME", help: "Pretend it is this moment (or FLOURISH_NOW), e.g. 2026-04-01T09:00."),
        OptionSpec("json", help: "Print machine-readable JSON."),
        OptionSpec("workflows", takesValue: true, valueName: "DIR", help: "The Workflows folder (or FLOURISH_WORKFLOWS)."),
        OptionSpec("partnership", takesValue: true, valueName: "KEY", help: "The partnership this database runs (or FLOURISH_PARTNERSHIP; default norfolk)."),
        OptionSpec("help", short: "h", help: "Show help for the command."),
    ]

    static var commands: [Command] {
        WorkflowCommands.all + InstanceCommands.all + AuditCommands.all + DirectoryCommands.all + SetupCommands.all + GovernanceCommands.all + EscalationCommands.all + ReferralCommands.all + MeetingCommands.all + VoiceCommands.all + AskCommands.all + EvidenceCommands.all + YouthReviewCommands.all + PledgeCommands.all + ActionCommands.all + UserCommands.all + ContactCommands.all + ReportCommands.all + ExportCommands.all + ServeCommands.all + BenchCommands.all + BenchScaleCommands.all
    }

    static func run(_ arguments: [String], environment: [String: String]) -> Int32 {
        if arguments.isEmpty || arguments == ["--help"] || arguments == ["-h"] || arguments == ["help"] {
            print(overview())
            return 0
        }
        if arguments == ["--version"] {
            print("flourish \(version)")
            return 0
        }
        let words = leadingWords(arguments)
        guard let command = commands.filter({ words.starts(with: $0.path) }).max(by: { $0.path.count < $1.path.count }) else {
            let group = words.first ?? arguments[0]
            let verbs = commands.filter { $0.path.first == group }
            if !verbs.isEmpty {
                if arguments.contains("--help") || arguments.contains("-h") || words.count == 1 {
                    print(groupHelp(group, verbs))
                    return words.count == 1 && !(arguments.contains("--help") || arguments.contains("-h")) ? 2 : 0
                }
                return usageFailure("unknown command 'flourish \(words.prefix(2).joined(separator: " "))'", usage: "flourish \(group) <verb>", helpHint: "flourish \(group) --help")
            }
            return usageFailure("unknown command '\(group)'", usage: "flourish <command> [options]", helpHint: "flourish --help")
        }
        let parsed: ParsedArguments
        do {
            var p = try ArgumentParser.parse(arguments, options: globalOptions + command.options)
            var remaining = command.path
            p.positionals.removeAll { word in
                if let first = remaining.first, first == word { remaining.removeFirst(); return true }
                return false
            }
            parsed = p
        } catch let error as ArgumentError {
            return usageFailure(error.message, usage: command.usage, helpHint: "flourish \(command.name) --help")
        } catch {
            return usageFailure("\(error)", usage: command.usage, helpHint: "flourish \(command.name) --help")
        }
        if parsed.flag("help") {
            print(help(for: command))
            return 0
        }
        let londonParser = PartnershipTime(timeZone: TimeZone(identifier: "Europe/London")!,
                                           workingDays: WorkingDayCalendar(key: "none", coversFrom: CalendarDay(year: 1970, month: 1, day: 1), coversTo: CalendarDay(year: 2200, month: 1, day: 1), holidays: [:]))
        let clock: any WorkflowClock
        if let now = parsed.value("now") ?? environment["FLOURISH_NOW"].flatMap({ $0.isEmpty ? nil : $0 }) {
            guard let moment = londonParser.parse(now) else {
                return usageFailure("--now takes a date (2026-04-01) or date-time (2026-04-01T09:00:00Z), not '\(now)'", usage: command.usage, helpHint: "flourish \(command.name) --help")
            }
            // `--now 0000-01-01` was taken, and would have stamped records with year 0.
            guard (1970..<2200).contains(londonParser.day(of: moment).year) else {
                return usageFailure("--now must be a moment from 1970 to 2199, not '\(now)'", usage: command.usage, helpHint: "flourish \(command.name) --help")
            }
            clock = FixedClock(moment)
        } else {
            clock = SystemClock()
        }
        let actorID = parsed.value("as") ?? environment["FLOURISH_AS"] ?? environment["USER"] ?? "admin"
        let dbPath = parsed.value("db") ?? environment["FLOURISH_DB"].flatMap { $0.isEmpty ? nil : $0 } ?? "flourish.sqlite"
        let workflowsDir = parsed.value("workflows")
        let partnershipKey = parsed.value("partnership") ?? environment["FLOURISH_PARTNERSHIP"].flatMap { $0.isEmpty ? nil : $0 } ?? Flourish.defaultPartnership
        let invocation = Invocation(command: command, arguments: parsed, environment: environment, isJSON: parsed.flag("json"),
                                    actor: Actor(actorID), clock: clock, databasePath: dbPath) {
            // A command that only reads refuses a database that is not there: a mistyped --db
            // made a new, empty one and reported "The audit log is intact: 0 events checked."
            if Self.onlyReads(command), !FileManager.default.fileExists(atPath: dbPath) { throw NoDatabase(path: dbPath) }
            let library = try WorkflowLibrary(directory: try WorkflowLibrary.locate(explicit: workflowsDir, environment: environment))
            return try Flourish(databasePath: dbPath, library: library, clock: clock, partnershipKey: partnershipKey,
                                replicated: Self.isReplicated(environment))
        }
        do {
            try command.run(invocation)
            return 0
        } catch let error as UsageError {
            return usageFailure(error.message, usage: command.usage, helpHint: "flourish \(command.name) --help")
        } catch let error as FilterError {
            // A list filter naming nothing there is: the option at fault, and what it may be.
            return usageFailure("--\(error.field): \(error.localizedDescription)", usage: command.usage, helpHint: "flourish \(command.name) --help")
        } catch let error as ExitStatus {
            return error.code
        } catch let WorkflowError.notPermitted(who, event, allowed) where who == actorID && Self.isNobody(who, in: invocation) {
            // `--as secretariat` was told "secretariat may not ...; only the secretariat may":
            // the name is no one's, so say that rather than blame a role.
            fail(WorkflowError.notPermitted(actor: "'\(who)'", event: event, allowed: allowed), json: parsed.flag("json"),
                 adding: " No one in the directory has the user name '\(who)': give --as the user name of a person who may (see `flourish person list`).")
            return 1
        } catch {
            fail(error, json: parsed.flag("json"))
            return 1
        }
    }

    /// Commands that only read the database: on a path with no database they refuse rather
    /// than make one. (Commands that write make it, as `init` does, so a fresh folder can be set
    /// up command by command.)
    /// (`workflow`, `tree` and `framework` read the definitions and the partnership's file, and
    /// answer without a database.)
    static func onlyReads(_ command: Command) -> Bool {
        if command.path.first == "workflow" { return false }
        let verb = command.path.last ?? ""
        if ["list", "show", "verify", "agenda", "coverage", "badge", "get", "search", "members", "tokens", "status", "published", "calendar"].contains(verb) { return true }
        return ["history", "doctor", "backup", "export", "report annual"].contains { command.path.joined(separator: " ").hasPrefix($0) }
    }

    /// Whether the acting name is no person in the directory (the database already open).
    static func isNobody(_ name: String, in invocation: Invocation) -> Bool {
        guard let app = try? invocation.app else { return false }
        do { return try app.directory.person(name) == nil } catch { return false }
    }

    /// FLOURISH_REPLICATED=1 (or true, yes): Litestream replicates the database and runs its
    /// checkpoints, so no Flourish process (server or CLI) checkpoints on its own.
    static func isReplicated(_ environment: [String: String]) -> Bool {
        ["1", "true", "yes"].contains(environment["FLOURISH_REPLICATED"]?.lowercased() ?? "")
    }

    /// Prints a refused request: `Error: <message>` on stderr (and problem JSON on stdout with --json).
    static func fail(_ error: any Error, json: Bool, adding more: String = "") {
        let message = ((error as? any LocalizedError)?.errorDescription ?? "\(error)") + more
        FileHandle.standardError.write(Data("Error: \(message)\n".utf8))
        if json {
            var problem: [String: JSONValue] = ["title": .string(message)]
            if let e = error as? WorkflowError {
                problem["code"] = .string(e.code)
                if let field = e.field { problem["field"] = .string(field) }
            }
            print(JSONValue.object(["error": .object(problem)]).prettyString)
        }
    }

    static func usageFailure(_ message: String, usage: String, helpHint: String) -> Int32 {
        FileHandle.standardError.write(Data("Error: \(message)\nUsage: \(usage)\nSee '\(helpHint)'.\n".utf8))
        return 2
    }

    /// The words before the first option, skipping global options' values.
    static func leadingWords(_ arguments: [String]) -> [String] {
        var words: [String] = []
        var i = 0
        let valued = Set(globalOptions.filter(\.takesValue).map { "--" + $0.name })
        while i < arguments.count, words.count < 2 {
            let a = arguments[i]
            if valued.contains(a) { i += 2; continue }
            if a.hasPrefix("-") { i += 1; continue }
            words.append(a)
            i += 1
        }
        return words
    }

    static func overview() -> String {
        var lines = ["flourish: FLOURISH pledges and partnership governance, run as declared workflows on SQLite.", "",
                     "Usage: flourish <command> [options]", "", "Commands:"]
        let width = commands.map { $0.name.count }.max() ?? 10
        for c in commands { lines.append("  \(c.name.padding(toLength: width + 2, withPad: " ", startingAt: 0))\(c.abstract)") }
        lines += ["", "Global options:"]
        lines += optionLines(globalOptions)
        lines += ["", "Exit status: 0 success, 1 refused or invalid request (stderr says why), 2 usage error.",
                  "See 'flourish <command> --help' for a command's options."]
        return lines.joined(separator: "\n")
    }

    static func groupHelp(_ group: String, _ verbs: [Command]) -> String {
        var lines = ["Usage: flourish \(group) <verb> [options]", "", "Verbs:"]
        let width = verbs.map { $0.name.count }.max() ?? 10
        for c in verbs { lines.append("  \(c.name.padding(toLength: width + 2, withPad: " ", startingAt: 0))\(c.abstract)") }
        return lines.joined(separator: "\n")
    }

    static func help(for command: Command) -> String {
        var lines = [command.abstract, "", "Usage: \(command.usage)"]
        if !command.discussion.isEmpty { lines += ["", command.discussion] }
        if !command.options.isEmpty { lines += ["", "Options:"] + optionLines(command.options) }
        lines += ["", "Global options:"] + optionLines(globalOptions)
        return lines.joined(separator: "\n")
    }

    static func optionLines(_ options: [OptionSpec]) -> [String] {
        let rendered = options.map { o in
            (o.short.map { "-\($0), " } ?? "") + "--\(o.name)" + (o.takesValue ? " \(o.valueName)" : "")
        }
        let width = rendered.map(\.count).max() ?? 10
        return zip(rendered, options).map { "  \($0.padding(toLength: width + 2, withPad: " ", startingAt: 0))\($1.help)" }
    }
}

/// Ends a command with a given exit status after it has printed its own output.
struct ExitStatus: Error {
    let code: Int32
}

/// A command that only reads, pointed at a path with no database.
struct NoDatabase: Error, LocalizedError {
    let path: String
    var errorDescription: String? {
        "There is no database at \(path). Check --db (or FLOURISH_DB); `flourish init` makes a new one. Nothing was created."
    }
}
