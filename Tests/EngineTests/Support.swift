import Foundation
@testable import Engine
import SQLite

/// The repository's root, found from this file's path.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

func temporaryDatabasePath() -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("flourish-engine-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir.appendingPathComponent("engine.sqlite").path
}

func readRepositoryJSON(_ path: String) throws -> JSONValue {
    try JSONValue.parse(String(contentsOf: repositoryRoot.appendingPathComponent(path), encoding: .utf8))
}

func makeLoader() throws -> DefinitionLoader {
    DefinitionLoader(schema: try readRepositoryJSON("Workflows/schema/workflow.schema.json"),
                     catalog: RoleCatalog(json: try readRepositoryJSON("Workflows/roles.json")))
}

/// A small bank-holiday calendar for tests: England and Wales 2026-2027.
let testCalendar = WorkingDayCalendar(
    key: "test", coversFrom: CalendarDay(year: 2026, month: 1, day: 1), coversTo: CalendarDay(year: 2027, month: 12, day: 31),
    holidays: [
        CalendarDay("2026-01-01")!: "New Year's Day", CalendarDay("2026-04-03")!: "Good Friday", CalendarDay("2026-04-06")!: "Easter Monday",
        CalendarDay("2026-05-04")!: "Early May bank holiday", CalendarDay("2026-05-25")!: "Spring bank holiday",
        CalendarDay("2026-08-31")!: "Summer bank holiday", CalendarDay("2026-12-25")!: "Christmas Day",
        CalendarDay("2026-12-28")!: "Boxing Day (substitute day)", CalendarDay("2027-01-01")!: "New Year's Day",
        CalendarDay("2027-03-26")!: "Good Friday", CalendarDay("2027-03-29")!: "Easter Monday",
    ])

let london = TimeZone(identifier: "Europe/London")!
let testTime = PartnershipTime(timeZone: london, workingDays: testCalendar)

/// A workflow small enough to reason about in property tests, with a timer and a notification.
let ticketDefinitionText = """
{
  "formatVersion": 1, "name": "ticket", "version": 1, "title": "Ticket",
  "states": { "open": {"title": "Open"}, "working": {"title": "Working"}, "waiting": {"title": "Waiting"},
              "done": {"title": "Done"}, "dropped": {"title": "Dropped"} },
  "initial": "open", "final": ["done", "dropped"],
  "startFields": { "title": {"type": "string", "required": true}, "owner": {"type": "string"} },
  "startEffects": [ { "startTimer": { "name": "respond", "afterWorkingDays": 2, "event": "nudge" } } ],
  "transitions": [
    { "event": "take", "from": ["open", "waiting"], "to": "working", "by": [{"role": "member"}], "effects": [ { "cancelTimer": "respond" } ] },
    { "event": "note", "from": ["open", "working", "waiting"], "to": "working", "by": [{"role": "member"}, {"relation": "owner"}],
      "fields": { "comment": {"type": "text", "required": true}, "rag": {"type": "string", "values": ["red", "amber", "green"]} } },
    { "event": "pause", "from": ["working"], "to": "waiting", "by": [{"role": "member"}],
      "effects": [ { "startTimer": { "name": "respond", "after": "P3D", "event": "nudge" } },
                   { "notify": { "template": "paused", "to": {"relation": "owner"}, "subject": "{{title}} is waiting", "body": "Please answer by {{due:respond}}." } } ] },
    { "event": "nudge", "from": ["open", "waiting"], "to": "waiting", "by": [{"role": "system"}] },
    { "event": "finish", "from": ["working"], "to": "done", "by": [{"role": "member"}], "fields": { "outcome": {"type": "text", "required": true} } },
    { "event": "drop", "from": ["open", "working", "waiting"], "to": "dropped", "by": [{"role": "member"}, {"role": "secretariat"}] }
  ]
}
"""

/// An engine over a fresh database with the ticket workflow and the shipped pledge workflow.
struct EngineFixture {
    let path: String
    let clock: TestClock
    let engine: WorkflowEngine
    let authorizer: StaticAuthorizer

    init(start: String = "2026-03-02T09:00:00Z", storedJSON: StoredJSON = .standard, path: String = temporaryDatabasePath(), more: [String] = []) throws {
        self.path = path
        let loader = try makeLoader()
        let ticket = try loader.load(ticketDefinitionText, file: "ticket.workflow.json")
        let pledge = try loader.load(String(contentsOf: repositoryRoot.appendingPathComponent("Workflows/pledge.workflow.json"), encoding: .utf8),
                                     file: "pledge.workflow.json")
        clock = TestClock(testTime.parse(start)!)
        authorizer = StaticAuthorizer(roles: ["member": ["mo", "mia"], "secretariat": ["sec"]],
                                      relationFields: ["owner": "owner", "organisation-contact": "contacts"],
                                      emails: ["mo": "mo@example.org", "olu": "olu@example.org", "sec": "sec@example.org"])
        let others = try more.enumerated().map { try loader.load($0.element, file: "more-\($0.offset).workflow.json") }
        engine = try WorkflowEngine(database: try Database(path: path), loader: loader, definitions: [ticket, pledge] + others, time: testTime,
                                    clock: clock, authorizer: authorizer, storedJSON: storedJSON)
    }

    /// Counts rows in a table, to show that a refused request wrote nothing.
    func count(_ table: String) throws -> Int {
        try engine.database.read { try $0.queryOne("SELECT COUNT(*) AS n FROM \(table)")?.int("n") ?? -1 }
    }

    func snapshot() throws -> [Int] { try ["instances", "events", "timers", "outbox"].map { try count($0) } }
}
