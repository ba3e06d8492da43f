public import Foundation

/// One problem found in a definition file, with where it is and what to do about it.
public struct DefinitionProblem: Sendable, Equatable, CustomStringConvertible {
    /// The file, as given.
    public let file: String
    /// Line and column of the offending element.
    public let location: SourceLocation
    /// The JSON Pointer of the offending element ("" for the whole document).
    public let pointer: String
    /// A stable code for the kind of problem, e.g. "unreachable-state".
    public let code: String
    /// What is wrong.
    public let message: String
    /// What to do about it.
    public let hint: String

    public init(file: String, location: SourceLocation, pointer: String, code: String, message: String, hint: String) {
        self.file = file
        self.location = location
        self.pointer = pointer
        self.code = code
        self.message = message
        self.hint = hint
    }

    /// `file:line:column: error[code] at pointer: message. hint`
    public var description: String {
        "\(file):\(location.line):\(location.column): error[\(code)] at \(pointer.isEmpty ? "/" : pointer): \(message) \(hint)"
    }

    /// The problem as JSON, for `--json`.
    public var json: JSONValue {
        ["file": .string(file), "line": .integer(Int64(location.line)), "column": .integer(Int64(location.column)),
         "pointer": .string(pointer), "code": .string(code), "message": .string(message), "hint": .string(hint)]
    }
}

/// A definition that could not be loaded, with every problem found in it.
public struct DefinitionError: Error, Sendable, LocalizedError {
    public let problems: [DefinitionProblem]
    public init(problems: [DefinitionProblem]) { self.problems = problems }
    public var errorDescription: String? {
        "The workflow definition has \(problems.count) problem\(problems.count == 1 ? "" : "s"):\n" + problems.map(\.description).joined(separator: "\n")
    }
}

/// The roles and relations that workflows may name (`Workflows/roles.json`).
public struct RoleCatalog: Sendable, Equatable {
    public let roles: [String: String]
    public let relations: [String: String]
    /// Domain hooks a `call` effect may name.
    public let hooks: [String: String]
    /// How to name each role and relation in a sentence ("the secretariat").
    public let phrases: [String: String]

    public init(roles: [String: String], relations: [String: String], hooks: [String: String] = [:], phrases: [String: String] = [:]) {
        self.roles = roles
        self.relations = relations
        self.hooks = hooks
        self.phrases = phrases
    }

    /// Who holds `authority`, in words: "the secretariat", "its owner".
    public func phrase(for authority: Authority) -> String {
        switch authority {
        case .role(let r): return phrases["role:" + r] ?? "someone with the role \(r)"
        case .relation(let r): return phrases["relation:" + r] ?? "someone in the relation \(r)"
        }
    }

    /// Reads a catalog from its JSON.
    public init(json: JSONValue) {
        roles = (json["roles"]?.objectValue ?? [:]).compactMapValues(\.stringValue)
        relations = (json["relations"]?.objectValue ?? [:]).compactMapValues(\.stringValue)
        hooks = (json["hooks"]?.objectValue ?? [:]).compactMapValues(\.stringValue)
        phrases = (json["phrases"]?.objectValue ?? [:]).compactMapValues(\.stringValue)
    }
}
