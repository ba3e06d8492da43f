public import Foundation
public import Engine

/// An organisation's membership of the pledge scheme (the scheme-membership workflow): it holds the contact's personal data.
public struct OrganisationMembership: WorkflowRecord {
    public enum State: String, CaseIterable, Sendable, Equatable, CustomStringConvertible {
        /// As the workflow names it, wherever it is shown.
        public var description: String { rawValue }

        case active
        case renewalDue = "renewal-due"
        case lapsed
        case withdrawn
    }
    public static let workflows = ["scheme-membership"]
    public let instance: Instance
    public let state: State
    public let organisation: String
    public let contacts: [String]
    public let contactName: String?
    public let contactEmail: String?
    public let pledge: String?
    public let renewalDueOn: CalendarDay?
    public let renewalReminderOn: CalendarDay?
    public let lapsesOn: CalendarDay?
    public let reason: String?

    public init(_ instance: Instance) throws {
        state = try Self.checkedState(instance)
        self.instance = instance
        let d = RecordData(instance)
        organisation = d.text("organisation")
        contacts = d.strings("contacts")
        contactName = d.string("contactName")
        contactEmail = d.string("contactEmail")
        pledge = d.string("pledge")
        renewalDueOn = d.day("renewalDueOn")
        renewalReminderOn = d.day("renewalReminderOn")
        lapsesOn = d.day("lapsesOn")
        reason = d.string("reason")
    }
}
