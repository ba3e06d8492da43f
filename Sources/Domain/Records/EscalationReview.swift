public import Foundation
public import Engine

/// One body's handling of an escalation (the escalation-review workflow, or escalation-top-review at the top body).
public struct EscalationReview: WorkflowRecord {
    public enum State: String, CaseIterable, Sendable, Equatable, CustomStringConvertible {
        /// As the workflow names it, wherever it is shown.
        public var description: String { rawValue }

        case awaiting
        case acknowledged
        case resolved
        case accepted
        case referredBack = "referred-back"
        case withdrawn
        case escalated
        case missed
        case overdue
        /// Paused by the secretariat: no deadline runs until it resumes.
        case paused
        /// Sent to another body to decide instead.
        case reassigned
    }
    public static let workflows = ["escalation-review", "escalation-top-review"]
    public let instance: Instance
    public let state: State
    public let escalation: String
    public let body: String
    public let fromBody: String?
    public let level: Int?
    public let respondBy: String?
    public let title: String
    public let severity: String?
    public let note: String?
    public let rationale: String?
    public let plan: String?
    public let planOwner: String?
    public let guidance: String?

    public init(_ instance: Instance) throws {
        state = try Self.checkedState(instance)
        self.instance = instance
        let d = RecordData(instance)
        escalation = d.text("escalation")
        body = d.text("body")
        fromBody = d.string("fromBody")
        level = d.int("level")
        respondBy = d.string("respondBy")
        title = d.text("title")
        severity = d.string("severity")
        note = d.string("note")
        rationale = d.string("rationale")
        plan = d.string("plan")
        planOwner = d.string("planOwner")
        guidance = d.string("guidance")
    }
}
