public import Foundation
public import Engine

/// A record's identifier, typed by the kind of record it names: a pledge's id cannot be passed
/// where an action's is wanted.
public struct RecordID<Record>: Hashable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    public let instance: InstanceID
    public init(_ instance: InstanceID) { self.instance = instance }
    public init(_ text: String) { instance = InstanceID(text) }
    public init(stringLiteral text: String) { instance = InstanceID(text) }
    public var rawValue: String { instance.rawValue }
    public var description: String { instance.rawValue }
}

/// A typed view of one workflow's instances: its states as an enum and its data as properties.
/// Each record type is the one place its instance data is mapped (see ``RecordData``); the
/// states are checked against the workflow definitions when the application starts, so a
/// renamed state fails there, not on a page.
public protocol WorkflowRecord: Sendable {
    associatedtype State: RawRepresentable, CaseIterable, Sendable, Equatable where State.RawValue == String
    /// The workflows whose instances are records of this type.
    static var workflows: [String] { get }
    /// The instance underneath, for the API's JSON and the engine's calls.
    var instance: Instance { get }
    var state: State { get }
    /// Reads the record from an instance of one of ``workflows``.
    init(_ instance: Instance) throws
}

extension WorkflowRecord {
    public var id: RecordID<Self> { RecordID(instance.id) }
    public var version: Int { instance.version }
    public var createdAt: Date { instance.createdAt }
    public var updatedAt: Date { instance.updatedAt }
    /// The record as JSON, for `--json` and the API.
    public func json(_ time: PartnershipTime) -> JSONValue { instance.json(time) }

    /// Reads the state, refusing an instance of another workflow or in a state the record does not know.
    static func checkedState(_ instance: Instance) throws -> State {
        guard workflows.contains(instance.workflow) else {
            throw RecordError.wrongWorkflow(instance: instance.id.rawValue, workflow: instance.workflow, expected: workflows)
        }
        guard let state = State(rawValue: instance.state) else {
            throw RecordError.unknownState(workflow: instance.workflow, state: instance.state, known: State.allCases.map(\.rawValue))
        }
        return state
    }

    /// The records among `instances` (those of this type's workflows).
    public static func records(_ instances: [Instance]) throws -> [Self] {
        try instances.filter { workflows.contains($0.workflow) }.map(Self.init)
    }

    /// Checks the record's states against its workflows' definitions: every state a definition
    /// declares is a case, and every case is a state of one of them.
    public static func checkStates(against definitions: [WorkflowDefinition]) throws {
        let mine = definitions.filter { workflows.contains($0.name) }
        guard !mine.isEmpty else { throw RecordError.missingWorkflow(workflows) }
        let declared = Set(mine.flatMap { $0.states.keys })
        let cases = Set(State.allCases.map(\.rawValue))
        guard declared == cases else {
            throw RecordError.statesDiffer(workflows: workflows, unknownToRecord: declared.subtracting(cases).sorted(), missingFromDefinitions: cases.subtracting(declared).sorted())
        }
    }
}

/// Why a record could not be read, or a record type does not match its workflow.
public enum RecordError: Error, Equatable, Sendable, LocalizedError {
    case wrongWorkflow(instance: String, workflow: String, expected: [String])
    case unknownState(workflow: String, state: String, known: [String])
    case missingWorkflow([String])
    case statesDiffer(workflows: [String], unknownToRecord: [String], missingFromDefinitions: [String])

    public var errorDescription: String? {
        switch self {
        case .wrongWorkflow(let instance, let workflow, let expected):
            return "\(instance) is a \(workflow), not a \(expected.joined(separator: " or "))."
        case .unknownState(let workflow, let state, let known):
            return "A \(workflow) is in state \"\(state)\", which Flourish does not know (it knows \(known.joined(separator: ", ")))."
        case .missingWorkflow(let names):
            return "No workflow definition called \(names.joined(separator: " or ")) is installed; Flourish needs it."
        case .statesDiffer(let workflows, let unknown, let missing):
            var parts: [String] = []
            if !unknown.isEmpty { parts.append("the definition has states Flourish does not know: \(unknown.joined(separator: ", "))") }
            if !missing.isEmpty { parts.append("Flourish expects states the definition lacks: \(missing.joined(separator: ", "))") }
            return "The \(workflows.joined(separator: " and ")) workflow does not match Flourish: \(parts.joined(separator: "; ")). Rename them back, or change Flourish with them."
        }
    }
}

/// Typed reads of an instance's data: the one place a record's fields are looked up by name.
public struct RecordData: Sendable {
    let data: [String: JSONValue]
    public init(_ instance: Instance) { data = instance.data }

    public func string(_ field: String) -> String? { data[field]?.stringValue }
    public func text(_ field: String) -> String { data[field]?.stringValue ?? "" }
    public func int(_ field: String) -> Int? { data[field]?.intValue }
    public func double(_ field: String) -> Double? { data[field]?.doubleValue }
    public func bool(_ field: String) -> Bool { data[field]?.boolValue ?? false }
    public func day(_ field: String) -> CalendarDay? { data[field]?.stringValue.flatMap(CalendarDay.init) }
    /// A list of strings (a single string reads as a list of one).
    public func strings(_ field: String) -> [String] {
        if let one = data[field]?.stringValue { return [one] }
        return data[field]?.arrayValue?.compactMap(\.stringValue) ?? []
    }
}

/// Every record type, for the start-up check.
public enum WorkflowRecords {
    public static let all: [any WorkflowRecord.Type] = [
        Pledge.self, OrganisationMembership.self, Action.self, Measure.self, Escalation.self, EscalationReview.self, AnnualReportRecord.self, ReportSection.self,
        Meeting.self, Referral.self, VoiceEntry.self, PledgeAsk.self,
    ]

    /// The body a record is acted on at (its group, or the body deciding a review), for who acts
    /// on whose behalf; nil for an organisation's records.
    public static func body(actingAt instance: Instance) -> String? {
        switch instance.workflow {
        case "action": return (try? Action(instance))?.group
        case "measure": return (try? Measure(instance))?.group
        case "escalation": return (try? Escalation(instance))?.group
        case "escalation-review", "escalation-top-review": return (try? EscalationReview(instance))?.body
        case "annual-report": return (try? AnnualReportRecord(instance))?.group
        case "report-section": return (try? ReportSection(instance))?.group
        case "meeting": return (try? Meeting(instance))?.group
        case "referral": return (try? Referral(instance))?.group
        // Answered at the body it was said to (it is recorded at the group, by its lead).
        case "voice": return (try? VoiceEntry(instance))?.body
        default: return nil
        }
    }

    /// Checks every record type's states against the installed definitions: a state renamed in
    /// a workflow file fails here, when the application starts, naming it.
    public static func check(_ definitions: [WorkflowDefinition]) throws {
        for record in all { try record.checkStates(against: definitions) }
    }
}
