public import Foundation
public import Engine

/// A group's section of a year's annual report (the report-section workflow).
public struct ReportSection: WorkflowRecord {
    public enum State: String, CaseIterable, Sendable, Equatable, CustomStringConvertible {
        /// As the workflow names it, wherever it is shown.
        public var description: String { rawValue }

        case requested
        case submitted
        case missed
    }
    public static let workflows = ["report-section"]
    public let instance: Instance
    public let state: State
    public let year: Int?
    public let group: String
    public let report: String
    public let dueOn: CalendarDay?
    public let reminderOn: CalendarDay?
    public let text: String?

    public init(_ instance: Instance) throws {
        state = try Self.checkedState(instance)
        self.instance = instance
        let d = RecordData(instance)
        year = d.int("year")
        group = d.text("group")
        report = d.text("report")
        dueOn = d.day("dueOn")
        reminderOn = d.day("reminderOn")
        text = d.string("text")
    }
}
