public import Foundation
public import Engine

/// One entry of the voice register ("You said, we did", the voice workflow): what a
/// participation group said to a body, in its own words, and the body's published response.
///
/// Nothing in it names a young person: the group speaks as a group, and who recorded or
/// answered it is kept for the audit, never shown publicly.
public struct VoiceEntry: WorkflowRecord {
    public enum State: String, CaseIterable, Sendable, Equatable, CustomStringConvertible {
        /// As the workflow names it, wherever it is shown.
        public var description: String { rawValue }

        case awaitingResponse = "awaiting-response"
        case overdue
        case responded
    }

    /// What the body's response says happened.
    public enum Outcome: String, CaseIterable, Sendable, Equatable {
        /// Something changed because of what the group said.
        case weDid = "we-did"
        /// Nothing could change, and the response says why.
        case weCouldNot = "we-could-not"

        /// As the group's public page says it.
        public var inWords: String { self == .weDid ? "We did" : "We could not, because" }
    }

    public static let workflows = ["voice"]
    public let instance: Instance
    public let state: State
    /// The participation group that said it.
    public let group: String
    /// The body it was said to, which responds.
    public let body: String
    public let heardOn: CalendarDay?
    public let question: String
    /// What the group said, in its words.
    public let said: String
    public let areas: [String]
    public let priorities: [String]
    public let respondBy: CalendarDay?
    public let remindOn: CalendarDay?
    public let recordedBy: String?
    public let outcome: Outcome?
    public let response: String?
    /// The records it shaped: actions, escalations, pledges and report sections.
    public let shaped: [String]
    public let respondedBy: String?

    public init(_ instance: Instance) throws {
        state = try Self.checkedState(instance)
        self.instance = instance
        let d = RecordData(instance)
        group = d.text("group")
        body = d.text("body")
        heardOn = d.day("heardOn")
        question = d.text("question")
        said = d.text("said")
        areas = d.strings("areas")
        priorities = d.strings("priorities")
        respondBy = d.day("respondBy")
        remindOn = d.day("remindOn")
        recordedBy = d.string("recordedBy")
        outcome = d.string("outcome").flatMap(Outcome.init(rawValue:))
        response = d.string("response")
        shaped = d.strings("shaped")
        respondedBy = d.string("respondedBy")
    }

    /// Still waiting for the body's response.
    public var isOpen: Bool { state != .responded }
}
