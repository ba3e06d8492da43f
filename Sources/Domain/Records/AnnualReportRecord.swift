public import Foundation
public import Engine

/// A year's annual report being written (the annual-report workflow); `group` is the body that approves it.
public struct AnnualReportRecord: WorkflowRecord {
    public enum State: String, CaseIterable, Sendable, Equatable, CustomStringConvertible {
        /// As the workflow names it, wherever it is shown.
        public var description: String { rawValue }

        case collecting
        case compiled
        case approved
        case published
    }
    public static let workflows = ["annual-report"]
    public let instance: Instance
    public let state: State
    public let year: Int?
    public let group: String
    public let sectionsDueOn: CalendarDay?
    public let digest: String?
    public let missingSections: [String]
    public let note: String?

    public init(_ instance: Instance) throws {
        state = try Self.checkedState(instance)
        self.instance = instance
        let d = RecordData(instance)
        year = d.int("year")
        group = d.text("group")
        sectionsDueOn = d.day("sectionsDueOn")
        digest = d.string("digest")
        missingSections = d.strings("missingSections")
        note = d.string("note")
    }
}
