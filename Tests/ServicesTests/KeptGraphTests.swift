import Foundation
import Testing
import Engine
import Domain
import SQLite
@_spi(Harness) @testable import Services

/// Issue 22: the governance graph is kept between requests (every signed-in request reads it to
/// work out the viewer's boards, and every action checks its group), and read again as soon as
/// anything changes it: this process, another process on the same file, or SQL by hand.
@Suite struct KeptGraphTests {
    @Test func aChangeFromAnotherProcessIsSeenAtTheNextRead() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("flourish-kept-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let library = try WorkflowLibrary(directory: repositoryRoot.appendingPathComponent("Workflows"))
        let london = PartnershipTime(timeZone: TimeZone(identifier: "Europe/London")!, workingDays: library.calendars["england-and-wales"]!)
        let clock = TestClock(london.parse("2026-06-01T10:00")!)
        let path = dir.appendingPathComponent("f.sqlite").path
        let server = try Flourish(databasePath: path, library: library, clock: clock, partnershipKey: "norfolk")
        let board = "norfolk-learning-board"
        let name = try server.governance.body(board).name
        #expect(try server.governance.bodies().count == server.governance.bodies().count)

        // Another process (the admin CLI) adds a body and renames one by SQL.
        let cli = try Flourish(databasePath: path, library: library, clock: clock, partnershipKey: "norfolk")
        _ = try cli.directory.addPerson(id: "sec", name: "Sec", email: "sec@example.org", at: clock.now())
        try cli.directory.addMembership(person: "sec", body: cli.partnership.topBody, role: "secretariat", at: clock.now())
        try cli.addBody(key: "reading-task-group", name: "Reading Task Group", kind: "subgroup", reportsTo: [board], priority: nil, description: "", by: "sec")
        #expect(try server.governance.body("reading-task-group").reportsTo == [board])
        try cli.database.write { db in try db.run("UPDATE bodies SET name = ? WHERE key = ?", name + " (renamed)", board) }
        #expect(try server.governance.body(board).name == name + " (renamed)")
        try cli.database.write { db in try db.run("DELETE FROM body_links WHERE body = 'reading-task-group'") }
        #expect(try server.governance.body("reading-task-group").reportsTo == [])

        // A member of the learning board (a subgroup, despite its name) is no board member, until
        // another process makes it a board.
        _ = try cli.directory.addPerson(id: "bo", name: "Bo", email: "bo@example.org", at: clock.now())
        try cli.directory.addMembership(person: "bo", body: board, role: "member", actor: "sec", at: clock.now())
        #expect(try server.viewer(for: "bo").boardOf == [])
        try cli.database.write { db in try db.run("UPDATE bodies SET kind = 'board' WHERE key = ?", board) }
        #expect(try server.viewer(for: "bo").boardOf == [board])
    }
}
