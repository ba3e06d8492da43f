import Foundation
import Benchmarks
import ArgumentParsing
import Services
import Engine

/// Thrown by a command to end with a usage error (exit 2).
struct UsageError: Error {
    let message: String
    init(_ message: String) { self.message = message }
}

/// One `flourish <group> [<verb>]` command.
struct Command: Sendable {
    /// The words that name it, e.g. ["workflow", "validate"].
    let path: [String]
    /// One line for the command list.
    let abstract: String
    /// The positional arguments, for the usage line, e.g. "FILE...".
    let arguments: String
    /// Longer help, shown by `--help`.
    let discussion: String
    /// The options it takes besides the global ones.
    let options: [OptionSpec]
    /// Whether it needs the database and engine opened.
    let needsApp: Bool
    let run: @Sendable (Invocation) throws -> Void

    init(_ path: [String], _ abstract: String, arguments: String = "", discussion: String = "", options: [OptionSpec] = [],
         needsApp: Bool = true, run: @escaping @Sendable (Invocation) throws -> Void) {
        self.path = path
        self.abstract = abstract
        self.arguments = arguments
        self.discussion = discussion
        self.options = options
        self.needsApp = needsApp
        self.run = run
    }

    var name: String { path.joined(separator: " ") }
    var usage: String { "flourish \(name)" + (arguments.isEmpty ? "" : " \(arguments)") + " [options]" }
}

/// What a running command has to hand: its arguments, the global settings and the app.
final class Invocation {
    let command: Command
    let arguments: ParsedArguments
    let environment: [String: String]
    let isJSON: Bool
    let actor: Actor
    let clock: any WorkflowClock
    /// The database file named by --db or FLOURISH_DB (or the default), opened or not.
    let databasePath: String
    private let appFactory: () throws -> Flourish
    private var opened: Flourish?

    init(command: Command, arguments: ParsedArguments, environment: [String: String], isJSON: Bool, actor: Actor,
         clock: any WorkflowClock, databasePath: String, appFactory: @escaping () throws -> Flourish) {
        self.databasePath = databasePath
        self.command = command
        self.arguments = arguments
        self.environment = environment
        self.isJSON = isJSON
        self.actor = actor
        self.clock = clock
        self.appFactory = appFactory
    }

    /// The application, opened on first use.
    var app: Flourish {
        get throws {
            if let opened { return opened }
            let made = try appFactory()
            opened = made
            return made
        }
    }

    /// Whom the command reads for: the person `--as` names, or the operator (see
    /// ``Flourish/viewer(forOperator:)``).
    var viewer: Viewer {
        get throws { try app.viewer(forOperator: actor.id) }
    }

    var positionals: [String] { arguments.positionals }

    /// The positional at `index`, or a usage error naming it.
    func positional(_ index: Int, _ name: String) throws -> String {
        guard index < positionals.count else { throw UsageError("missing \(name)") }
        return positionals[index]
    }

    /// The value of an option the command cannot do without, or a usage error naming it.
    func required(_ option: String, _ valueName: String = "VALUE") throws -> String {
        guard let value = arguments.value(option) else { throw UsageError("missing --\(option) \(valueName)") }
        return value
    }

    /// The one record a command acts on, named by its only positional (`name` says what it is,
    /// e.g. "MEETING: e.g. meeting-60"); a usage error when missing or followed by more.
    func onlyRecord(_ name: String) throws -> InstanceID {
        let id = InstanceID(try positional(0, name))
        try expectPositionals(atMost: 1)
        return id
    }

    /// The one record argument, which must be of `workflow` by its ID (`pledge show action-8`
    /// showed the action): said from the ID alone, telling nothing of whether it exists.
    func onlyRecord(_ name: String, ofKind workflow: String) throws -> InstanceID {
        let id = try onlyRecord(name)
        let number = id.rawValue.dropFirst(workflow.count + 1)
        guard id.rawValue.hasPrefix(workflow + "-"), !number.isEmpty, number.allSatisfy(\.isNumber) else {
            let article = "aeiou".contains(workflow.first ?? "x") ? "an" : "a"
            throw UsageError("\(id.rawValue) is not \(article) \(workflow): its ID looks like \(workflow)-12 (see `flourish \(workflow) list`)")
        }
        return id
    }

    /// Refuses extra positionals beyond `count`.
    func expectPositionals(atMost count: Int) throws {
        if positionals.count > count { throw UsageError("unexpected argument '\(positionals[count])'") }
    }

    /// Writes a line to standard output.
    func say(_ text: String) { print(text) }

    /// Writes JSON to standard output.
    func emit(_ json: JSONValue) { print(json.prettyString) }

    /// Writes the human text, or the JSON when `--json` was given.
    func output(_ json: @autoclosure () -> JSONValue, text: () -> String) {
        if isJSON { emit(json()) } else { print(text(), terminator: text().hasSuffix("\n") ? "" : "\n") }
    }

    /// `name=value` pairs from repeated `--field` options.
    func fieldTexts() throws -> [(String, String)] {
        var seen: Set<String> = []
        return try (arguments.values["field"] ?? []).map { item in
            guard let eq = item.firstIndex(of: "="), eq != item.startIndex else {
                throw UsageError("--field takes NAME=VALUE (got '\(item)')")
            }
            let name = String(item[..<eq])
            // `--field text=a --field text=b` kept the last without a word.
            guard seen.insert(name).inserted else { throw UsageError("--field \(name) was given more than once; give each field once") }
            return (name, String(item[item.index(after: eq)...]))
        }
    }

    /// A JSON object given with `--data`, if any.
    func dataObject() throws -> [String: JSONValue]? {
        guard let text = arguments.value("data") else { return nil }
        do {
            guard let object = try JSONValue.parse(text).objectValue else { throw UsageError("--data must be a JSON object, e.g. '{\"text\": \"...\"}'") }
            return object
        } catch let error as JSONSyntaxError {
            throw UsageError("--data is not valid JSON: \(error.message) at column \(error.location.column)")
        }
    }

    /// Parses a date or date-time option in the partnership's zone.
    func moment(_ option: String) throws -> Date? {
        guard let text = arguments.value(option) else { return nil }
        guard let date = try app.time.parse(text) else {
            throw UsageError("--\(option) takes a date (2026-04-01) or date-time (2026-04-01T09:00:00Z), not '\(text)'")
        }
        return date
    }

    /// An integer option.
    /// `--expect-version N`: the version last seen, 1 or more (-5 was said to be "changed by someone else").
    func expectedVersion() throws -> Int? {
        guard let n = try integer("expect-version") else { return nil }
        guard n >= 1 else { throw UsageError("--expect-version takes the version you last saw (1 or more, from `flourish instance show`), not '\(n)'") }
        return n
    }

    func integer(_ option: String) throws -> Int? {
        guard let text = arguments.value(option) else { return nil }
        guard let n = Int(text) else { throw UsageError("--\(option) takes a whole number, not '\(text)'") }
        return n
    }
}

extension Invocation: BenchInvocation {
    func value(_ option: String) -> String? { arguments.value(option) }
    func benchOutput(_ json: JSONValue, _ text: () -> String) { output(json, text: text) }
}

/// Runs a benchmark, reporting its out-of-range options as usage errors.
func benchmark(_ body: () throws -> Void) throws {
    do { try body() } catch let e as BenchUsageError { throw UsageError(e.message) }
}

// MARK: - Lists, a page at a time

/// The `--limit` and `--after` options every list takes.
func pagingOptions(defaultLimit: Int = PageRequest.defaultLimit, after valueName: String = "ID") -> [OptionSpec] {
    [OptionSpec("limit", takesValue: true, valueName: "N", help: "At most N (default \(defaultLimit))."),
     OptionSpec("after", takesValue: true, valueName: valueName, help: "The page after \(valueName), the last one shown (the page before says which).")]
}

extension Invocation {
    /// The page `--limit` and `--after` ask for.
    func pageRequest(defaultLimit: Int = PageRequest.defaultLimit) throws -> PageRequest {
        do {
            return try PageRequest(after: arguments.value("after"), limitText: arguments.value("limit"), defaultLimit: defaultLimit, maximum: PageRequest.terminalMaximum)
        } catch let error as PagingError {
            throw UsageError("--\(error.field): \(error.localizedDescription)")
        }
    }

    /// Writes one page of a list: as JSON `{name: [...], total, next}`, or as lines ending with
    /// how many there are in all and the command for the next page, so a list never stops
    /// short without saying so.
    ///
    /// - Parameters:
    ///   - order: how the list is ordered, when people need telling ("newest first").
    ///   - none: what to say when the list is empty.
    func outputPage<Item>(_ page: ListPage<Item>, _ request: PageRequest, name: String, order: String? = nil, none: String,
                          json: (Item) -> JSONValue, line: (Item) -> String) {
        output(["\(name)": .array(page.items.map(json)), "total": .integer(Int64(page.total)), "next": page.next.map(JSONValue.string) ?? .null]) {
            if page.items.isEmpty { return page.total == 0 ? none : "No more after \(request.after ?? "the start") (\(page.total) in all)." }
            var lines = page.items.map(line)
            if let next = page.next {
                lines.append("Showing \(page.items.count) of \(page.total)\(order.map { ", \($0)" } ?? ""); for the next \(request.limit): \(commandLine(limit: request.limit, after: next))")
            } else if request.after != nil {
                lines.append("That is the last page (\(page.total) in all).")
            } else if page.total > 1 {
                lines.append("\(page.total) in all.")
            }
            return lines.joined(separator: "\n")
        }
    }

    /// This command as typed, with the page options set to `limit` and `after`.
    func commandLine(limit: Int, after: String) -> String {
        var words = ["flourish"] + command.path + positionals.map(Self.shellQuoted)
        for (name, values) in arguments.values.sorted(by: { $0.key < $1.key }) where name != "limit" && name != "after" {
            for value in values { words += ["--\(name)", Self.shellQuoted(value)] }
        }
        for flag in arguments.flags.sorted() where flag != "json" { words.append("--\(flag)") }
        words += ["--limit", String(limit), "--after", Self.shellQuoted(after)]
        return words.joined(separator: " ")
    }

    static func shellQuoted(_ word: String) -> String {
        let plain = word.allSatisfy { $0.isLetter || $0.isNumber || "-_./:=@,+".contains($0) }
        return plain && !word.isEmpty ? word : "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
