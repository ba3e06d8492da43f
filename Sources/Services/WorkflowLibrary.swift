public import Foundation
public import Engine
public import Domain

/// Why the workflow library could not be loaded.
public enum LibraryError: Error, Sendable, LocalizedError {
    case notFound(searched: [String])
    case unreadable(file: String, why: String)
    case invalid(DefinitionError)

    public var code: String {
        switch self {
        case .notFound: return "workflows-not-found"
        case .unreadable: return "workflows-unreadable"
        case .invalid: return "invalid-definition"
        }
    }

    public var errorDescription: String? {
        switch self {
        case .notFound(let searched):
            return "The Workflows folder was not found (looked in \(searched.joined(separator: ", "))). Pass --workflows DIR or set FLOURISH_WORKFLOWS."
        case .unreadable(let file, let why): return "\(file) cannot be read: \(why)"
        case .invalid(let error): return error.localizedDescription
        }
    }
}

/// Everything in the `Workflows/` folder: the definition schema, the role catalog, the
/// bank-holiday calendars and the workflow definitions, each checked as it is read.
public struct WorkflowLibrary: Sendable {
    /// The folder it was read from.
    public let directory: URL
    public let loader: DefinitionLoader
    public let catalog: RoleCatalog
    public let calendars: [String: WorkingDayCalendar]
    public let definitions: [WorkflowDefinition]
    /// Outcomes frameworks by key (`framework/*.json`).
    public let frameworks: [String: Framework]
    /// Partnerships by key (`partnerships/*.json`), each checked against its framework.
    public let partnerships: [String: Partnership]
    /// The rules for new passwords, with the common passwords from `passwords/common-passwords.txt`.
    public let passwordPolicy: PasswordPolicy

    /// Finds the Workflows folder: `explicit`, then FLOURISH_WORKFLOWS, then the working
    /// directory and its parents, then beside the executable and its parents.
    public static func locate(explicit: String?, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> URL {
        var candidates: [URL] = []
        if let explicit { candidates.append(URL(fileURLWithPath: explicit)) }
        else if let env = environment["FLOURISH_WORKFLOWS"], !env.isEmpty { candidates.append(URL(fileURLWithPath: env)) }
        else {
            var dir = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
            for _ in 0..<6 { candidates.append(dir.appendingPathComponent("Workflows")); dir.deleteLastPathComponent() }
            var exe = URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath().deletingLastPathComponent()
            for _ in 0..<6 { candidates.append(exe.appendingPathComponent("Workflows")); exe.deleteLastPathComponent() }
        }
        for candidate in candidates where FileManager.default.fileExists(atPath: candidate.appendingPathComponent("schema/workflow.schema.json").path) {
            return candidate.standardizedFileURL
        }
        throw LibraryError.notFound(searched: Array(Set(candidates.map { $0.standardizedFileURL.path })).sorted())
    }

    /// Reads and checks the whole folder.
    /// - Throws: ``LibraryError`` naming the first unreadable file, or every problem in the definitions.
    public init(directory: URL) throws {
        self.directory = directory
        let schema = try Self.readJSON(directory.appendingPathComponent("schema/workflow.schema.json"))
        catalog = RoleCatalog(json: try Self.readJSON(directory.appendingPathComponent("roles.json")))
        loader = DefinitionLoader(schema: schema, catalog: catalog)
        var calendars: [String: WorkingDayCalendar] = [:]
        let calendarDir = directory.appendingPathComponent("calendars")
        for file in Self.files(in: calendarDir, suffix: ".json") {
            do {
                let calendar = try WorkingDayCalendar(json: try Self.readJSON(file))
                calendars[calendar.key] = calendar
            } catch let error as CalendarError {
                throw LibraryError.unreadable(file: file.path, why: error.localizedDescription)
            }
        }
        self.calendars = calendars
        let files = Self.files(in: directory, suffix: ".workflow.json")
        let names = Set(files.compactMap { try? JSONValue.parse(String(contentsOf: $0, encoding: .utf8))["name"]?.stringValue })
        var problems: [DefinitionProblem] = []
        var definitions: [WorkflowDefinition] = []
        for file in files {
            let text: String
            do { text = try String(contentsOf: file, encoding: .utf8) } catch {
                throw LibraryError.unreadable(file: file.path, why: error.localizedDescription)
            }
            do { definitions.append(try loader.load(text, file: "Workflows/" + file.lastPathComponent, knownWorkflows: names)) }
            catch let error as DefinitionError { problems += error.problems }
        }
        var frameworks: [String: Framework] = [:]
        for file in Self.files(in: directory.appendingPathComponent("framework"), suffix: ".json") {
            let framework = Framework(json: try Self.readJSON(file))
            frameworks[framework.key] = framework
        }
        var partnerships: [String: Partnership] = [:]
        for file in Self.files(in: directory.appendingPathComponent("partnerships"), suffix: ".json") {
            let text: String
            do { text = try String(contentsOf: file, encoding: .utf8) } catch {
                throw LibraryError.unreadable(file: file.path, why: error.localizedDescription)
            }
            let frameworkKey = (try? JSONValue.parse(text))?["framework"]?.stringValue ?? "flourish"
            do {
                let partnership = try PartnershipLoader.load(text, file: "Workflows/partnerships/" + file.lastPathComponent,
                                                             knownPriorities: frameworks[frameworkKey].map { Set($0.priorityKeys) })
                partnerships[partnership.key] = partnership
            } catch let error as DefinitionError { problems += error.problems }
        }
        if !problems.isEmpty { throw LibraryError.invalid(DefinitionError(problems: problems)) }
        self.definitions = definitions
        self.frameworks = frameworks
        self.partnerships = partnerships
        let passwords = directory.appendingPathComponent("passwords/common-passwords.txt")
        do {
            passwordPolicy = PasswordPolicy(commonPasswords: try String(contentsOf: passwords, encoding: .utf8))
        } catch {
            throw LibraryError.unreadable(file: passwords.path, why: error.localizedDescription)
        }
    }

    /// The names of the workflow definitions in the folder.
    public var workflowNames: Set<String> { Set(definitions.map(\.name)) }

    public static func files(in directory: URL, suffix: String) -> [URL] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(suffix) }.sorted().map { directory.appendingPathComponent($0) }
    }

    public static func readJSON(_ file: URL) throws -> JSONValue {
        let text: String
        do { text = try String(contentsOf: file, encoding: .utf8) } catch {
            throw LibraryError.unreadable(file: file.path, why: "it is missing or not UTF-8 text")
        }
        do { return try JSONValue.parse(text) } catch let error as JSONSyntaxError {
            throw LibraryError.unreadable(file: file.path, why: "line \(error.location.line), column \(error.location.column): \(error.message)")
        }
    }
}
