public import Foundation
public import Engine

/// An organisation's pledge for one year (the pledge workflow).
public struct Pledge: WorkflowRecord {
    public enum State: String, CaseIterable, Sendable, Equatable, CustomStringConvertible {
        /// As the workflow names it, wherever it is shown.
        public var description: String { rawValue }

        case draft
        case submitted
        case changesRequested = "changes-requested"
        case approved
        case reportDue = "report-due"
        case reportOverdue = "report-overdue"
        case reported
        case unreported
        case rejected
        case withdrawn

        /// Approved, and its year's report not yet in: the states with a report to come.
        public var awaitsItsReport: Bool { self == .approved || self == .reportDue || self == .reportOverdue }
    }
    public static let workflows = ["pledge"]
    public let instance: Instance
    public let state: State
    public let organisation: String
    public let contacts: [String]
    public let pledgeYear: Int?
    public let text: String
    public let areas: [String]
    public let theme: String?
    public let priority: String?
    /// The partnership's ask it answers, if any.
    public let ask: String?
    public let repeatsLastYear: Bool
    public let reviewComment: String?
    public let reason: String?
    public let yearStarts: CalendarDay?
    public let yearEnds: CalendarDay?
    public let checkInOn: CalendarDay?
    public let reportReminderOn: CalendarDay?
    public let reportDueOn: CalendarDay?
    public let outcome: String?
    public let evidence: String?
    public let evidenceLink: String?
    /// How many children and young people its report says it reached.
    public let reached: Int?

    public init(_ instance: Instance) throws {
        state = try Self.checkedState(instance)
        self.instance = instance
        let d = RecordData(instance)
        organisation = d.text("organisation")
        contacts = d.strings("contacts")
        pledgeYear = d.int("pledgeYear")
        text = d.text("text")
        areas = d.strings("areas")
        theme = d.string("theme")
        priority = d.string("priority")
        ask = d.string("ask")
        repeatsLastYear = d.bool("repeatsLastYear")
        reviewComment = d.string("reviewComment")
        reason = d.string("reason")
        yearStarts = d.day("yearStarts")
        yearEnds = d.day("yearEnds")
        checkInOn = d.day("checkInOn")
        reportReminderOn = d.day("reportReminderOn")
        reportDueOn = d.day("reportDueOn")
        outcome = d.string("outcome")
        evidence = d.string("evidence")
        evidenceLink = d.string("evidenceLink")
        reached = d.int("reached")
    }
}
