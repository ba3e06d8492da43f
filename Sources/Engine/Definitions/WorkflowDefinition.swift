internal import Foundation

/// A declared workflow: its states, transitions, who may fire each, and their effects.
///
/// Loaded from a JSON file in `Workflows/` by ``DefinitionLoader``, which validates it first.
public struct WorkflowDefinition: Sendable, Equatable {
    /// The workflow's name, e.g. "pledge".
    public let name: String
    /// Its version; a running instance keeps the version it started on.
    public let version: Int
    /// A short human title.
    public let title: String
    /// What the workflow is for.
    public let description: String
    /// Its states by name.
    public let states: [String: StateDefinition]
    /// The state every instance starts in.
    public let initial: String
    /// The states an instance ends in.
    public let finalStates: Set<String>
    /// The fields an instance is started with.
    public let startFields: [FieldSpec]
    /// Who may start an instance; anyone when empty.
    public let startedBy: [Authority]
    /// Effects carried out when an instance starts.
    public let startEffects: [Effect]
    /// Its transitions, in file order.
    public let transitions: [TransitionDefinition]
    /// SHA-256 of the definition's canonical JSON: two loads of the same content agree.
    public let digest: String
    /// The definition's JSON, as loaded.
    public let source: JSONValue

    /// The transitions that `event` can take from `state`.
    public func transition(for event: String, from state: String) -> TransitionDefinition? {
        transitions.first { $0.event == event && $0.from.contains(state) }
    }

    /// Every event name, in file order, without repeats.
    public var events: [String] {
        var seen = Set<String>()
        return transitions.map(\.event).filter { seen.insert($0).inserted }
    }

    /// Event names the engine writes itself; a definition may not use them.
    public static let reservedEvents: Set<String> = ["start", "migrate", "redact"]

    /// Whether `state` is final.
    public func isFinal(_ state: String) -> Bool { finalStates.contains(state) }
}

/// One state of a workflow.
public struct StateDefinition: Sendable, Equatable {
    public let name: String
    public let title: String
    public let description: String
}

/// Who may fire a transition: holders of a role, or people in a relation to the instance.
public enum Authority: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// A role such as "secretariat"; "system" is the engine's own timers.
    case role(String)
    /// A relation to the instance such as "organisation-contact" or "group-chair".
    case relation(String)

    public var description: String {
        switch self {
        case .role(let r): return "role \(r)"
        case .relation(let r): return "relation \(r)"
        }
    }
}

/// A field an event (or a start) carries, and so writes into the instance's data.
public struct FieldSpec: Sendable, Equatable {
    /// The kinds of value a field takes.
    public enum Kind: String, Sendable, Equatable, CaseIterable {
        case string, text, integer, number, boolean, date, datetime, url, email
        case stringList = "string-list"
        case object
    }
    public let name: String
    public let kind: Kind
    public let isRequired: Bool
    /// The only values allowed, when the field is a choice.
    public let allowedValues: [String]?
    /// The most characters a string may have.
    public let maxLength: Int?
    /// The most values a string list may hold.
    public let maxItems: Int?
    /// The most characters each value of a string list may have.
    public let maxItemLength: Int?
    /// Set only by Flourish (a flag, a date worked out from settings, a RAG from a value, a
    /// timer's due date): the engine refuses it from any caller, whichever door they came in by.
    public let isComputed: Bool

    public init(name: String, kind: Kind, isRequired: Bool = false, allowedValues: [String]? = nil, maxLength: Int? = nil,
                maxItems: Int? = nil, maxItemLength: Int? = nil, isComputed: Bool = false) {
        self.maxItems = maxItems
        self.maxItemLength = maxItemLength
        self.isComputed = isComputed
        self.name = name
        self.kind = kind
        self.isRequired = isRequired
        self.allowedValues = allowedValues
        self.maxLength = maxLength
    }
}

/// One transition: on `event`, from any of `from`, to `to`.
public struct TransitionDefinition: Sendable, Equatable {
    public let event: String
    public let title: String
    public let from: [String]
    public let to: String
    /// Who may fire it; any one suffices.
    public let by: [Authority]
    public let fields: [FieldSpec]
    public let effects: [Effect]
    /// Fixed values the transition writes into the data, whoever fires it.
    public var sets: [String: JSONValue] = [:]
}

/// When a timer falls due.
public enum TimerDelay: Sendable, Equatable {
    /// A calendar duration after the moment the timer starts.
    case after(ISODuration)
    /// A number of working days after the moment the timer starts.
    case afterWorkingDays(WorkingDays)
    /// The date (or date-time) held in an instance data field, plus an optional duration.
    case atField(String, offset: ISODuration?)
}

/// Where a notification goes.
public enum Recipient: Sendable, Equatable {
    case role(String)
    case relation(String)
    /// An email address held in an instance data field.
    case field(String)

    /// Who that is, in words: "the group's chair", "anyone with the role secretariat".
    public var inWords: String {
        switch self {
        case .role(let role): return "anyone with the role \(role.replacingOccurrences(of: "-", with: " "))"
        case .relation(let relation):
            let words = relation.split(separator: "-")
            guard words.count == 2 else { return "the record's \(relation.replacingOccurrences(of: "-", with: " "))" }
            return "the \(words[0])’s \(words[1])"  // group-chair: the group's chair
        case .field(let field): return "the address in \(field)"
        }
    }
}

/// A side effect of a transition, carried out in the same transaction.
public enum Effect: Sendable, Equatable {
    /// Start (or restart) the named timer, which fires `event` when due.
    case startTimer(name: String, event: String, delay: TimerDelay)
    /// Cancel the named timer if it is pending.
    case cancelTimer(name: String)
    /// Queue a notification in the outbox.
    case notify(template: String, to: Recipient, subject: String, body: String)
    /// Start an instance of another workflow, with data taken from this one.
    case open(workflow: String, data: [String: String])
    /// Run a named domain hook in the same transaction.
    case call(hook: String)
}
