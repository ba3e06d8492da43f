public import Foundation
public import Engine

/// A meeting of a board or group (the meeting workflow).
public struct Meeting: WorkflowRecord {
    public enum State: String, CaseIterable, Sendable, Equatable, CustomStringConvertible {
        /// As the workflow names it, wherever it is shown.
        public var description: String { rawValue }

        case scheduled
        case held
        case minutesApproved = "minutes-approved"
        case cancelled
    }
    public static let workflows = ["meeting"]
    public let instance: Instance
    public let state: State
    /// The body meeting.
    public let group: String
    public let startsAt: Date?
    public let place: String?
    /// Items the secretariat added to the agenda.
    public let items: [String]
    /// Who was present (people's identifiers), once held.
    public let present: [String]
    public let notes: String?
    /// The meeting that approved its minutes.
    public let approvedAt: String?
    /// Why it was cancelled.
    public let cancelReason: String?

    public init(_ instance: Instance) throws {
        state = try Self.checkedState(instance)
        self.instance = instance
        let d = RecordData(instance)
        group = d.text("group")
        startsAt = d.string("startsAt").flatMap { ISO8601DateFormatter().date(from: $0) }
        place = d.string("place")
        items = d.strings("items")
        present = d.strings("present")
        notes = d.string("notes")
        approvedAt = d.string("approvedAt")
        cancelReason = d.string("reason")
    }
}
