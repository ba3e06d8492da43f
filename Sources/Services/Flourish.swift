public import Foundation
public import Engine
public import Domain
public import SQLite

/// The application both front doors call: the database, the workflow library, the engine
/// and the directory, opened together.
public final class Flourish: Sendable {
    public let database: Database
    public let library: WorkflowLibrary
    public let engine: WorkflowEngine
    public let directory: Directory
    public let clock: any WorkflowClock
    public let time: PartnershipTime

    /// Opens (creating when missing) the database at `databasePath`.
    ///
    /// - Parameters:
    ///   - databasePath: the SQLite file.
    ///   - library: the checked Workflows folder.
    ///   - clock: where "now" comes from.
    ///   - timeZone: the partnership's time zone.
    ///   - calendarKey: which bank-holiday calendar counts working days.
    public init(databasePath: String, library: WorkflowLibrary, clock: any WorkflowClock,
                timeZone: TimeZone = TimeZone(identifier: "Europe/London")!, calendarKey: String = "england-and-wales") throws {
        database = try Database(path: databasePath)
        self.library = library
        self.clock = clock
        let calendar = library.calendars[calendarKey]
            ?? WorkingDayCalendar(key: "weekends-only", coversFrom: CalendarDay(year: 2000, month: 1, day: 1), coversTo: CalendarDay(year: 2100, month: 12, day: 31), holidays: [:])
        time = PartnershipTime(timeZone: timeZone, workingDays: calendar)
        directory = try Directory(database: database)
        engine = try WorkflowEngine(database: database, loader: library.loader, definitions: library.definitions, time: time,
                                    clock: clock, authorizer: MembershipAuthorizer())
    }

    /// Builds an event's or a start's payload from `name=value` texts, typed by the fields it declares.
    ///
    /// - Throws: ``WorkflowError/unexpectedField(event:field:accepted:)`` for a name the event does not take.
    public func payload(fromTexts texts: [(String, String)], fields: [FieldSpec], event: String) throws -> [String: JSONValue] {
        var out: [String: JSONValue] = [:]
        for (name, text) in texts {
            guard let spec = fields.first(where: { $0.name == name }) else {
                throw WorkflowError.unexpectedField(event: event, field: name, accepted: fields.map(\.name))
            }
            out[name] = spec.value(fromText: text)
        }
        return out
    }

    /// The fields `event` takes on the instance's definition (from any state).
    public func fields(of event: String, on id: InstanceID) throws -> [FieldSpec] {
        let instance = try engine.instance(id)
        let definition = try engine.definition(instance.workflow, version: instance.workflowVersion)
        guard let t = definition.transition(for: event, from: instance.state) ?? definition.transitions.first(where: { $0.event == event }) else {
            throw WorkflowError.unknownEvent(event: event, workflow: definition.name, known: definition.events)
        }
        return t.fields
    }
}
