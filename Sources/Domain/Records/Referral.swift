public import Foundation
public import Engine

/// An issue a body referred sideways to a partner with its own governance (the referral workflow).
public struct Referral: WorkflowRecord {
    public enum State: String, CaseIterable, Sendable, Equatable, CustomStringConvertible {
        /// As the workflow names it, wherever it is shown.
        public var description: String { rawValue }

        case awaitingReply = "awaiting-reply"
        case overdue
        case replied
        case withdrawn
    }
    public static let workflows = ["referral"]
    public let instance: Instance
    public let state: State
    /// The referring body.
    public let group: String
    public let partner: String
    public let title: String
    public let description: String?
    public let replyBy: CalendarDay?
    public let raisedBy: String?
    public let reply: String?
    public let reason: String?

    public init(_ instance: Instance) throws {
        state = try Self.checkedState(instance)
        self.instance = instance
        let d = RecordData(instance)
        group = d.text("group")
        partner = d.text("partner")
        title = d.text("title")
        description = d.string("description")
        replyBy = d.day("replyBy")
        raisedBy = d.string("raisedBy")
        reply = d.string("reply")
        reason = d.string("reason")
    }

    /// Still waiting for the partner.
    public var isOpen: Bool { state == .awaitingReply || state == .overdue }
}
