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
    /// A server and the admin CLI: two Flourish instances, as two processes would be, on one file.
    static func twoProcesses() throws -> (server: Flourish, cli: Flourish, clock: TestClock, dir: URL) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("flourish-kept-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let library = try WorkflowLibrary(directory: repositoryRoot.appendingPathComponent("Workflows"))
        let london = PartnershipTime(timeZone: TimeZone(identifier: "Europe/London")!, workingDays: library.calendars["england-and-wales"]!)
        let clock = TestClock(london.parse("2026-06-01T10:00")!)
        let path = dir.appendingPathComponent("f.sqlite").path
        let server = try Flourish(databasePath: path, library: library, clock: clock, partnershipKey: "norfolk")
        let cli = try Flourish(databasePath: path, library: library, clock: clock, partnershipKey: "norfolk")
        return (server, cli, clock, dir)
    }

    /// The same, with "bo" (who has an account) made chair of a group by the admin CLI.
    static func twoProcessesWithAChair() throws -> (Flourish, Flourish, TestClock, URL, String) {
        let (server, cli, clock, dir) = try twoProcesses()
        let group = "norfolk-learning-board"
        _ = try cli.directory.addPerson(id: "bo", name: "Bo", email: "bo@example.org", at: clock.now())
        try cli.accounts.setPassword("quiet canal lantern 7391", for: "bo", at: clock.now())
        _ = try cli.directory.addMembership(person: "bo", body: group, role: "chair", at: clock.now())
        return (server, cli, clock, dir, group)
    }

    @Test func aChangeFromAnotherProcessIsSeenAtTheNextRead() throws {
        let (server, cli, clock, dir) = try Self.twoProcesses()
        defer { try? FileManager.default.removeItem(at: dir) }
        let board = "norfolk-learning-board"
        let name = try server.governance.body(board).name
        #expect(try server.governance.bodies().count == server.governance.bodies().count)

        // Another process (the admin CLI) adds a body and renames one by SQL.
        _ = try cli.directory.addPerson(id: "sec", name: "Sec", email: "sec@example.org", at: clock.now())
        _ = try cli.directory.addMembership(person: "sec", body: cli.partnership.topBody, role: "secretariat", at: clock.now())
        _ = try cli.addBody(key: "reading-task-group", name: "Reading Task Group", kind: "subgroup", reportsTo: [board], priority: nil, description: "", by: "sec")
        #expect(try server.governance.body("reading-task-group").reportsTo == [board])
        try cli.database.write { db in try db.run("UPDATE bodies SET name = ? WHERE key = ?", name + " (renamed)", board) }
        #expect(try server.governance.body(board).name == name + " (renamed)")
        try cli.database.write { db in try db.run("DELETE FROM body_links WHERE body = 'reading-task-group'") }
        #expect(try server.governance.body("reading-task-group").reportsTo == [])

        // A member of the learning board (a subgroup, despite its name) is no board member, until
        // another process makes it a board.
        _ = try cli.directory.addPerson(id: "bo", name: "Bo", email: "bo@example.org", at: clock.now())
        _ = try cli.directory.addMembership(person: "bo", body: board, role: "member", actor: "sec", at: clock.now())
        #expect(try server.viewer(for: "bo").boardOf == [])
        try cli.database.write { db in try db.run("UPDATE bodies SET kind = 'board' WHERE key = ?", board) }
        #expect(try server.viewer(for: "bo").boardOf == [board])
    }

    /// Issue 22: a signed-in person's reach and an API token's holder are kept between requests
    /// (every request read them afresh), and read again as soon as anything they are made from
    /// changes, whichever process changes it: a membership ended, an account disabled or a token
    /// revoked by the admin CLI is refused on the server's very next request.
    @Test func aViewerAndATokenHolderAreReadAgainOnceAnotherProcessChangesWhatTheyAreMadeFrom() throws {
        let (server, cli, clock, dir, group) = try Self.twoProcessesWithAChair()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(try server.viewer(for: "bo").chairOf == [group])
        #expect(try server.viewer(for: "bo").chairOf == [group], "kept")

        try cli.directory.endMembership(person: "bo", body: group, role: "chair", at: clock.now())
        #expect(try server.viewer(for: "bo").chairOf == [], "a membership ended elsewhere")
        try cli.database.write { db in try db.run("UPDATE people SET name = 'Bo Renamed' WHERE id = 'bo'") }
        #expect(try server.viewer(for: "bo").name == "Bo Renamed", "a person changed by SQL by hand")
        _ = try cli.directory.addOrganisation(key: "bo-bakery", name: "Bo's Bakery", sector: nil, sectors: [], at: clock.now())
        try cli.database.write { db in
            try db.run("UPDATE organisations SET kind = 'business' WHERE key = 'bo-bakery'")
            try db.run("UPDATE people SET organisation = 'bo-bakery' WHERE id = 'bo'")
        }
        #expect(try server.viewer(for: "bo").organisations == ["bo-bakery"], "an organisation the person now speaks for")
        try cli.database.write { db in try db.run("UPDATE organisations SET kind = NULL WHERE key = 'bo-bakery'") }
        #expect(try server.viewer(for: "bo").organisations == [], "an organisation changed by itself")

        let token = try cli.accounts.createToken(for: "bo", name: "kept", at: clock.now())
        #expect(try server.accounts.tokenHolder(token, at: clock.now())?.person == "bo")
        #expect(try server.accounts.tokenHolder(token, at: clock.now())?.person == "bo", "kept")
        #expect(try server.accounts.tokenHolder(token + "x", at: clock.now()) == nil)
        try cli.accounts.disable("bo", at: clock.now())
        #expect(try server.accounts.tokenHolder(token, at: clock.now()) == nil, "an account disabled elsewhere")
        try cli.accounts.enable("bo")
        let second = try cli.accounts.createToken(for: "bo", name: "second", scope: .read, at: clock.now())
        #expect(try server.accounts.tokenHolder(second, at: clock.now())?.scope == .read)
        let id = try #require(try cli.accounts.tokens(of: "bo").first { $0.name == "second" }?.id)
        _ = try cli.accounts.revokeToken(id, of: "bo", at: clock.now())
        #expect(try server.accounts.tokenHolder(second, at: clock.now()) == nil, "a token revoked elsewhere")
        try cli.database.write { db in try db.run("DELETE FROM api_tokens") }
        #expect(try server.accounts.tokenHolder(token, at: clock.now()) == nil, "tokens deleted by SQL by hand")
        // Expiry is a matter of time, not of a change: a kept token still expires.
        let third = try cli.accounts.createToken(for: "bo", name: "third", days: 1, at: clock.now())
        #expect(try server.accounts.tokenHolder(third, at: clock.now()) != nil)
        clock.advance(bySeconds: 2 * 86_400)
        #expect(try server.accounts.tokenHolder(third, at: clock.now()) == nil, "expired")
    }

    /// Issue 22: who is calling (a token's holder or a session's person, with their reach) is
    /// read in one read transaction, not one for the token and another for the reach; and what
    /// is kept still gives way at once to a change made by another process.
    @Test func aCallersTokenOrSessionAndReachAreReadInOneReadAndKeptOnlyUntilTheyChange() throws {
        let (server, cli, clock, dir, group) = try Self.twoProcessesWithAChair()
        defer { try? FileManager.default.removeItem(at: dir) }
        let token = try cli.accounts.createToken(for: "bo", name: "reads", days: 30, at: clock.now())
        let session = try cli.accounts.openSession(for: "bo", at: clock.now())

        #expect(try server.caller(bearing: token, at: clock.now())?.viewer.chairOf == [group])
        #expect(try server.caller(inSession: session, at: clock.now())?.chairOf == [group])
        for _ in 0..<3 {
            var reads = server.database.readTransactions
            #expect(try server.caller(bearing: token, at: clock.now())?.scope == .readWrite)
            #expect(server.database.readTransactions - reads == 1, "a token's holder and reach in one read")
            reads = server.database.readTransactions
            #expect(try server.caller(inSession: session, at: clock.now())?.person == "bo")
            #expect(server.database.readTransactions - reads == 1, "a session's person and reach in one read")
        }
        #expect(try server.caller(bearing: token + "x", at: clock.now()) == nil)
        #expect(try server.caller(inSession: session + "x", at: clock.now()) == nil)

        try cli.directory.endMembership(person: "bo", body: group, role: "chair", at: clock.now())
        #expect(try server.caller(bearing: token, at: clock.now())?.viewer.chairOf == [], "a membership ended elsewhere")
        #expect(try server.caller(inSession: session, at: clock.now())?.chairOf == [], "a membership ended elsewhere")
        try cli.accounts.endSession(session)
        #expect(try server.caller(inSession: session, at: clock.now()) == nil, "a session ended elsewhere")
        try cli.accounts.disable("bo", at: clock.now())
        #expect(try server.caller(bearing: token, at: clock.now()) == nil, "an account disabled elsewhere")
        try cli.accounts.enable("bo")
        #expect(try server.caller(bearing: token, at: clock.now()) == nil, "its tokens stay revoked")
        let again = try cli.accounts.createToken(for: "bo", name: "again", days: 1, at: clock.now())
        #expect(try server.caller(bearing: again, at: clock.now())?.viewer.person == "bo")
        clock.advance(bySeconds: 2 * 86_400)
        #expect(try server.caller(bearing: again, at: clock.now()) == nil, "a kept token still expires")
    }
}
