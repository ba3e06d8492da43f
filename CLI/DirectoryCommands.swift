import Foundation
import ArgumentParsing
import Services
import Domain
import Engine

/// `flourish person add|list`, `flourish member add|list`.
enum DirectoryCommands {
    static let all: [Command] = [personAdd, personList, memberAdd, memberList]

    static let personAdd = Command(
        ["person", "add"], "Add a person who acts in the partnership.",
        arguments: "ID",
        options: [OptionSpec("name", takesValue: true, valueName: "NAME", help: "Their full name (required)."),
                  OptionSpec("email", takesValue: true, valueName: "EMAIL", help: "Where their notifications go.")]
    ) { inv in
        let id = try inv.positional(0, "ID: a short identifier such as sam.jones")
        try inv.expectPositionals(atMost: 1)
        guard let name = inv.arguments.value("name") else { throw UsageError("missing --name NAME") }
        let app = try inv.app
        let person = try app.directory.addPerson(id: id, name: name, email: inv.arguments.value("email"), actor: inv.actor.id, at: app.clock.now())
        inv.output(["id": .string(person.id), "name": .string(person.name), "email": person.email.map(JSONValue.string) ?? .null]) {
            "Added \(person.name) as \(person.id)."
        }
    }

    static let personList = Command(["person", "list"], "List people.") { inv in
        try inv.expectPositionals(atMost: 0)
        let people = try inv.app.directory.people()
        inv.output(.array(people.map { ["id": .string($0.id), "name": .string($0.name), "email": $0.email.map(JSONValue.string) ?? .null] })) {
            people.isEmpty ? "No people yet." : people.map { "\($0.id)  \($0.name)" + ($0.email.map { "  <\($0)>" } ?? "") }.joined(separator: "\n")
        }
    }

    static let memberAdd = Command(
        ["member", "add"], "Give a person a role in a body.",
        arguments: "PERSON",
        options: [OptionSpec("body", takesValue: true, valueName: "BODY", help: "The body's key (required)."),
                  OptionSpec("role", takesValue: true, valueName: "ROLE", help: "chair, vice-chair, member, secretariat or commissioner (required).")]
    ) { inv in
        let person = try inv.positional(0, "PERSON: the person's identifier")
        try inv.expectPositionals(atMost: 1)
        guard let body = inv.arguments.value("body") else { throw UsageError("missing --body BODY") }
        guard let role = inv.arguments.value("role") else { throw UsageError("missing --role ROLE") }
        let app = try inv.app
        let m = try app.directory.addMembership(person: person, body: body, role: role, actor: inv.actor.id, at: app.clock.now())
        inv.output(["person": .string(m.person), "body": .string(m.body), "role": .string(m.role.rawValue)]) {
            "\(m.person) is now \(m.role.rawValue) of \(m.body)."
        }
    }

    static let memberList = Command(["member", "list"], "List active memberships.") { inv in
        try inv.expectPositionals(atMost: 0)
        let items = try inv.app.directory.memberships()
        inv.output(.array(items.map { ["person": .string($0.person), "body": .string($0.body), "role": .string($0.role.rawValue)] })) {
            items.isEmpty ? "No memberships yet." : items.map { "\($0.body)  \($0.role.rawValue)  \($0.person)" }.joined(separator: "\n")
        }
    }
}
