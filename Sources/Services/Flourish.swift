public import Foundation
public import Engine
public import Domain
public import SQLite
import Synchronization

/// Why the application could not be set up.
public enum SetupError: Error, Equatable, Sendable, LocalizedError {
    case unknownPartnership(String, known: [String])
    case missingFramework(String, partnership: String)
    case missingCalendar(String, partnership: String)
    case notEmpty(String)

    public var errorDescription: String? {
        switch self {
        case .unknownPartnership(let key, let known):
            return "There is no partnership \"\(key)\" in Workflows/partnerships. Known: \(known.joined(separator: ", ")). Pass --partnership KEY or set FLOURISH_PARTNERSHIP."
        case .missingFramework(let key, let p): return "The \(p) partnership uses the framework \"\(key)\", which is not in Workflows/framework."
        case .missingCalendar(let key, let p): return "The \(p) partnership counts working days with the calendar \"\(key)\", which is not in Workflows/calendars."
        case .notEmpty(let path): return "\(path) already holds records, so the demo data was not loaded. Use a new file (--db) for the demo."
        }
    }
}

/// The application both front doors call: the database, the workflow library, the engine
/// and the directory, opened together.
public final class Flourish: Sendable {
    /// The database and the engine stay behind the services: the web and the CLI read and
    /// write only through service calls that apply the access policy. The benchmark harness and
    /// the tests reach them as `@_spi(Harness)`.
    @_spi(Harness) public let database: Database
    public let library: WorkflowLibrary
    @_spi(Harness) public let engine: WorkflowEngine
    public let directory: Directory
    /// Sign-in accounts, sessions and API tokens.
    public let accounts: Accounts
    /// The partnership's names for the keys its records hold (the same in messages, pages and the CLI).
    public let names: PartnershipNames
    public let clock: any WorkflowClock
    public let time: PartnershipTime
    /// When ``checkIntegrity()`` last ran.
    let integrityCheckedAt = Mutex<Date?>(nil)
    /// The wall and this year's report, kept until the next event.
    let readCache = ReadCache()
    /// Each year's report figures, kept in step with the event log.
    let reportLedgers = ReportLedgers()
    /// The public pledge wall, kept in step with the event log.
    let wallLedger = WallLedger()
    /// Every escalation with its reviews and plan actions, kept in step with the event log.
    let escalationLedger = EscalationLedger()
    /// Every action with its RAG ratings, kept in step with the event log.
    let actionLedger = ActionLedger()
    /// Each group's actions in the order its chair chases them, kept per viewer until the next commit.
    let chaseLists = ViewerAnswers<(open: [ActionView], finished: [ActionView])>()
    /// Every measure with its recorded values, kept in step with the event log.
    let measureLedger = MeasureLedger()
    /// Pledges answering each ask, kept in step with the event log.
    let askTally = AskTally()
    /// Signed-in people's reach, kept until what it is made from changes (see ``viewer(for:)``).
    let keptViewers = KeptViewers()
    /// The partnership this database runs.
    public let partnership: Partnership
    /// Its outcomes framework.
    public let framework: Framework
    /// Its governance graph as it stands.
    public let governance: GovernanceRegister

    /// The partnership used when none is named.
    public static let defaultPartnership = "norfolk"

    /// The data fields instances are looked up by among very many of their workflow: an
    /// organisation's membership and pledges (tens of thousands in a large partnership), the
    /// escalations raised from an action or measure (`source`: every overdue action asks on
    /// each tick whether one is open, so without the lookup a tick read every escalation once
    /// per overdue action and grew with the square of the partnership), and an escalation's
    /// reviews and actions (`escalation`). A lookup row is written when an instance starts
    /// with the field, and again only when the field's value changes. Other lookups (a year's
    /// annual report, a report's sections) narrow by workflow first and stay small.
    static let lookupFields = ["organisation", "source", "escalation"]

    /// Opens (creating when missing) the database at `databasePath`.
    ///
    /// - Parameters:
    ///   - databasePath: the SQLite file.
    ///   - library: the checked Workflows folder.
    ///   - clock: where "now" comes from.
    ///   - partnershipKey: which partnership file the database runs (one database per partnership).
    ///   - replicated: Litestream streams this database and runs its checkpoints, so this
    ///     process leaves them alone (`FLOURISH_REPLICATED=1`; see the README's deployment).
    /// - Throws: ``SetupError`` when the partnership, its framework or its calendar is missing.
    public init(databasePath: String, library: WorkflowLibrary, clock: any WorkflowClock, partnershipKey: String = Flourish.defaultPartnership,
                replicated: Bool = false) throws {
        guard let partnership = library.partnerships[partnershipKey] else {
            throw SetupError.unknownPartnership(partnershipKey, known: library.partnerships.keys.sorted())
        }
        guard let framework = library.frameworks[partnership.framework] else {
            throw SetupError.missingFramework(partnership.framework, partnership: partnership.key)
        }
        guard let calendar = library.calendars[partnership.calendar] else {
            throw SetupError.missingCalendar(partnership.calendar, partnership: partnership.key)
        }
        database = try Database(path: databasePath)
        if replicated { try database.setAutomaticCheckpoints(false) }
        self.library = library
        self.clock = clock
        self.partnership = partnership
        self.framework = framework
        time = PartnershipTime(timeZone: partnership.timeZone, workingDays: calendar)
        directory = try Directory(database: database)
        accounts = try Accounts(database: database, passwordPolicy: library.passwordPolicy)
        try PublishedReports.migrator.migrate(database)
        governance = try GovernanceRegister(database: database, partnership: partnership, at: clock.now())
        names = PartnershipNames(framework: framework, partnership: partnership)
        engine = try WorkflowEngine(database: database, loader: library.loader, definitions: library.definitions, time: time,
                                    clock: clock, authorizer: MembershipAuthorizer(boardBodies: partnership.boardKeys, partnership: partnership),
                                    names: names)
        // The typed records know each workflow's states: a renamed one fails here, not on a page.
        try WorkflowRecords.check(engine.definitions)
        try engine.indexData(fields: Self.lookupFields)
        EscalationHooks(partnership: partnership).register(with: engine)
        PledgeHooks(partnership: partnership).register(with: engine)
        ActionHooks(partnership: partnership).register(with: engine)
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
