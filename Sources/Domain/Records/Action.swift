public import Foundation
public import Engine

/// A group's action against its priority (the action workflow).
public struct Action: WorkflowRecord {
    public enum State: String, CaseIterable, Sendable, Equatable, CustomStringConvertible {
        /// As the workflow names it, wherever it is shown.
        public var description: String { rawValue }

        case planned
        case inProgress = "in-progress"
        case blocked
        case completed
        case cancelled

        /// Completed or cancelled: no longer open, so no longer counted, chased or escalated.
        public var isFinished: Bool { self == .completed || self == .cancelled }
    }
    public static let workflows = ["action"]
    public let instance: Instance
    public let state: State
    public let group: String
    public let title: String
    public let description: String?
    public let priority: String?
    public let areas: [String]
    public let owner: String
    public let ownerOrganisation: String?
    public let dueDate: CalendarDay?
    public let escalatesOn: CalendarDay?
    public let item: String?
    public let isOverdue: Bool
    public let blockedBy: String?
    public let outcomeNote: String?
    public let reason: String?
    /// The escalation whose decision set it, and how: "plan" or "follow-up".
    public let escalation: String?
    public let escalationWork: String?

    public init(_ instance: Instance) throws {
        state = try Self.checkedState(instance)
        self.instance = instance
        let d = RecordData(instance)
        group = d.text("group")
        title = d.text("title")
        description = d.string("description")
        priority = d.string("priority")
        areas = d.strings("areas")
        owner = d.text("owner")
        ownerOrganisation = d.string("ownerOrganisation")
        dueDate = d.day("dueDate")
        escalatesOn = d.day("escalatesOn")
        item = d.string("item")
        isOverdue = d.bool("overdue")
        blockedBy = d.string("blockedBy")
        outcomeNote = d.string("outcomeNote")
        reason = d.string("reason")
        escalation = d.string("escalation")
        escalationWork = d.string("escalationWork")
    }
}
