import Foundation
import Testing
@testable import Domain
import Engine
import SQLite

func freshDirectory() throws -> Directory {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("flourish-domain-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return try Directory(database: try Database(path: dir.appendingPathComponent("d.sqlite").path))
}

let moment = Date(timeIntervalSince1970: 1_780_000_000)

@Suite struct DirectoryTests {
    @Test func peopleAndMembershipsAreKept() throws {
        let d = try freshDirectory()
        _ = try d.addPerson(id: "sam.jones", name: "  Sam Jones ", email: "sam@example.org", at: moment)
        _ = try d.addMembership(person: "sam.jones", body: "early-prevention-board", role: "chair", at: moment)
        #expect(try d.people() == [Person(id: "sam.jones", name: "Sam Jones", email: "sam@example.org", organisation: nil)])
        #expect(try d.memberships() == [Membership(person: "sam.jones", body: "early-prevention-board", role: .chair)])
    }

    @Test func organisationsCarryASectorAndPeopleBelongToThem() throws {
        let d = try freshDirectory()
        let sectors = ["health", "social-care"]
        #expect(throws: DirectoryError.unknownSector("finance", valid: sectors)) { try d.addOrganisation(key: "bank", name: "Bank", sector: "finance", sectors: sectors, at: moment) }
        _ = try d.addOrganisation(key: "nhs-trust", name: "NHS Trust", sector: "health", sectors: sectors, at: moment)
        #expect(throws: DirectoryError.self) { try d.addPerson(id: "pat", name: "Pat", email: nil, organisation: "nobody", at: moment) }
        let pat = try d.addPerson(id: "pat", name: "Pat", email: nil, organisation: "nhs-trust", at: moment)
        #expect(pat.organisation == "nhs-trust")
        #expect(try d.organisations() == [MemberOrganisation(key: "nhs-trust", name: "NHS Trust", sector: "health")])
        _ = try d.addMembership(person: "pat", body: "b", role: "member", at: moment)
        try d.endMembership(person: "pat", body: "b", role: "member", at: moment)
        #expect(try d.memberships().isEmpty)
        #expect(throws: DirectoryError.noSuchMembership(person: "pat", body: "b", role: "member")) { try d.endMembership(person: "pat", body: "b", role: "member", at: moment) }
    }

    @Test func badInputIsRefusedWithAMessageAndNothingWritten() throws {
        let d = try freshDirectory()
        #expect(throws: DirectoryError.invalidPersonID("Sam Jones")) { try d.addPerson(id: "Sam Jones", name: "Sam", email: nil, at: moment) }
        #expect(throws: DirectoryError.invalidEmail("sam@")) { try d.addPerson(id: "sam", name: "Sam", email: "sam@", at: moment) }
        #expect(throws: DirectoryError.emptyName) { try d.addPerson(id: "sam", name: "   ", email: nil, at: moment) }
        #expect(try d.people().isEmpty)
        _ = try d.addPerson(id: "sam", name: "Sam", email: nil, at: moment)
        #expect(throws: DirectoryError.personExists("sam")) { try d.addPerson(id: "sam", name: "Sam", email: nil, at: moment) }
        #expect(throws: DirectoryError.unknownRole("boss")) { try d.addMembership(person: "sam", body: "b", role: "boss", at: moment) }
        #expect(throws: DirectoryError.unknownPerson("kim")) { try d.addMembership(person: "kim", body: "b", role: "chair", at: moment) }
        _ = try d.addMembership(person: "sam", body: "b", role: "chair", at: moment)
        #expect(throws: DirectoryError.membershipExists(person: "sam", body: "b", role: "chair")) { try d.addMembership(person: "sam", body: "b", role: "chair", at: moment) }
        #expect(try d.memberships().count == 1)
        #expect(DirectoryError.unknownPerson("kim").localizedDescription == "There is no person kim. Add them first with `flourish person add kim --name NAME`.")
    }
}

@Suite struct MembershipAuthorizerTests {
    func instance(_ data: [String: JSONValue]) -> Instance {
        Instance(id: "x-1", workflow: "x", workflowVersion: 1, state: "s", data: data, version: 1, createdAt: moment, updatedAt: moment, parentID: nil)
    }

    @Test func rolesAndRelationsComeFromMemberships() throws {
        let d = try freshDirectory()
        for (id, email) in [("sec", "sec@example.org"), ("chair", "chair@example.org"), ("board", "board@example.org"), ("olu", "olu@example.org")] {
            _ = try d.addPerson(id: id, name: id, email: email, at: moment)
        }
        _ = try d.addMembership(person: "sec", body: "alliance", role: "secretariat", at: moment)
        _ = try d.addMembership(person: "chair", body: "learning-board", role: "chair", at: moment)
        _ = try d.addMembership(person: "board", body: "alliance", role: "member", at: moment)
        let auth = MembershipAuthorizer(boardBodies: ["alliance"])
        let action = instance(["group": "learning-board", "contacts": ["olu"], "owner": "olu"])
        let review = instance(["body": "alliance"])
        try d.database.read { (db: Connection) throws -> Void in
            #expect(try auth.holds(.role("secretariat"), actor: Actor("sec"), instance: action, db: db))
            #expect(try !auth.holds(.role("secretariat"), actor: Actor("chair"), instance: action, db: db))
            #expect(try auth.holds(.relation("group-chair"), actor: Actor("chair"), instance: action, db: db))
            #expect(try !auth.holds(.relation("group-chair"), actor: Actor("board"), instance: action, db: db))
            #expect(try auth.holds(.role("board-member"), actor: Actor("board"), instance: action, db: db))
            #expect(try auth.holds(.relation("body-member"), actor: Actor("board"), instance: review, db: db))
            #expect(try !auth.holds(.relation("body-decider"), actor: Actor("board"), instance: review, db: db))  // members do not decide by default
            #expect(try !auth.holds(.relation("body-decider"), actor: Actor("sec"), instance: review, db: db))
            #expect(try auth.holds(.relation("body-decider"), actor: Actor("sec", onBehalfOf: "alliance"), instance: review, db: db))
            #expect(try !auth.holds(.relation("body-decider"), actor: Actor("chair", onBehalfOf: "alliance"), instance: review, db: db))
            #expect(try auth.holds(.relation("organisation-contact"), actor: Actor("olu"), instance: action, db: db))
            #expect(try auth.holds(.relation("owner"), actor: Actor("olu"), instance: action, db: db))
            #expect(try !auth.holds(.role("system"), actor: Actor("sec"), instance: action, db: db))
            #expect(try auth.holds(.role("system"), actor: .system, instance: action, db: db))
            #expect(try !auth.holds(.role("secretariat"), actor: .system, instance: action, db: db))
            #expect(try auth.addresses(for: .role("secretariat"), instance: action, db: db) == ["sec@example.org"])
            #expect(try auth.addresses(for: .relation("group-chair"), instance: action, db: db) == ["chair@example.org"])
            #expect(try auth.addresses(for: .relation("organisation-contact"), instance: action, db: db) == ["olu@example.org"])
        }
    }
}
