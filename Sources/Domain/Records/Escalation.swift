public import Foundation
public import Engine

/// An issue raised from a group and escalated up the governance graph (the escalation workflow).
public struct Escalation: WorkflowRecord {
    public enum State: String, CaseIterable, Sendable, Equatable, CustomStringConvertible {
        /// As the workflow names it, wherever it is shown.
        public var description: String { rawValue }

        case open
        /// Accepted into a plan at a body; its actions are being carried out.
        case inPlan = "in-plan"
        case closed
        case withdrawn
    }
    public static let workflows = ["escalation"]
    public let instance: Instance
    public let state: State
    public let group: String
    public let title: String
    public let description: String?
    public let severity: String
    public let priorities: [String]
    public let areas: [String]
    public let raisedBy: String?
    public let function: String?
    public let trigger: String?
    public let source: String?
    public let outcome: String?
    public let decidedBy: String?
    public let reason: String?
    /// The plan it was accepted into, and where.
    public let plan: String?
    public let acceptedAt: String?

    public init(_ instance: Instance) throws {
        state = try Self.checkedState(instance)
        self.instance = instance
        let d = RecordData(instance)
        group = d.text("group")
        title = d.text("title")
        description = d.string("description")
        severity = d.text("severity")
        priorities = d.strings("priorities")
        areas = d.strings("areas")
        raisedBy = d.string("raisedBy")
        function = d.string("function")
        trigger = d.string("trigger")
        source = d.string("source")
        outcome = d.string("outcome")
        decidedBy = d.string("decidedBy")
        reason = d.string("reason")
        plan = d.string("plan")
        acceptedAt = d.string("acceptedAt")
    }
}
