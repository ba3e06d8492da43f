import Foundation
import ArgumentParsing
import Services
import Domain
import Engine

/// `flourish person add|list`, `flourish member add|list`.
enum DirectoryCommands {
    static let all: [Command] = [personAdd, personList, memberAdd, memberEnd, memberList, orgAdd, orgList]

    static let personAdd = Command(
        ["person", "add"], "Add a person who acts in the partnership.",
        arguments: "ID",
        options: [OptionSpec("name", takesValue: true, valueName: "NAME", help: "Their full name (required)."),
                  OptionSpec("email", takesValue: true, valueName: "EMAIL", help: "Where their notifications go."),
                  OptionSpec("organisation", takesValue: true, valueName: "KEY", help: "The member organisation they work for.")]
    ) { inv in
        let id = try inv.positional(0, "ID: a short identifier such as sam.jones")
        try inv.expectPositionals(atMost: 1)
        let name = try inv.required("name", "NAME")
        let app = try inv.app
        let person = try app.addPerson(id: id, name: name, email: inv.arguments.value("email"), organisation: inv.arguments.value("organisation"), by: try inv.viewer)
        inv.output(["id": .string(person.id), "name": .string(person.name), "email": person.email.map(JSONValue.string) ?? .null]) {
            "Added \(person.name) as \(person.id)."
        }
    }

    static let personList = Command(["person", "list"], "List people.", options: pagingOptions(after: "PERSON")) { inv in
        try inv.expectPositionals(atMost: 0)
        let request = try inv.pageRequest()
        let people = try inv.app.people(for: try inv.viewer)
        inv.outputPage(try ListPage(people, request) { $0.id }, request, name: "people", none: "No people yet.",
                       json: { ["id": .string($0.id), "name": .string($0.name), "email": $0.email.map(JSONValue.string) ?? .null] }) {
            "\($0.id)  \($0.name)" + ($0.email.map { "  <\($0)>" } ?? "")
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
        let body = try inv.required("body", "BODY")
        let role = try inv.required("role", "ROLE")
        let app = try inv.app
        let m = try app.addMembership(person: person, body: body, role: role, by: try inv.viewer)
        inv.output(["person": .string(m.person), "body": .string(m.body), "role": .string(m.role.rawValue)]) {
            "\(m.person) is now \(m.role.rawValue) of \(app.displayName("body", m.body))."
        }
    }

    static let memberEnd = Command(
        ["member", "end"], "End a person's role in a body (kept in the history).",
        arguments: "PERSON",
        options: [OptionSpec("body", takesValue: true, valueName: "BODY", help: "The body's key (required)."),
                  OptionSpec("role", takesValue: true, valueName: "ROLE", help: "The role that ends (required).")]
    ) { inv in
        let person = try inv.positional(0, "PERSON: the person's identifier")
        try inv.expectPositionals(atMost: 1)
        let body = try inv.required("body", "BODY")
        let role = try inv.required("role", "ROLE")
        let app = try inv.app
        try app.endMembership(person: person, body: body, role: role, by: try inv.viewer)
        inv.output(["person": .string(person), "body": .string(body), "role": .string(role), "ended": true]) { "\(app.displayName("person", person)) is no longer \(role) of \(app.displayName("body", body))." }
    }

    static let orgAdd = Command(
        ["member-org", "add"], "Add a member organisation of the partnership, with its sector.",
        arguments: "KEY",
        options: [OptionSpec("name", takesValue: true, valueName: "NAME", help: "Its name (required)."),
                  OptionSpec("sector", takesValue: true, valueName: "SECTOR", help: "Its sector, e.g. health or social-care.")]
    ) { inv in
        let key = try inv.positional(0, "KEY: e.g. norfolk-county-council")
        try inv.expectPositionals(atMost: 1)
        let name = try inv.required("name", "NAME")
        let app = try inv.app
        let org = try app.addMemberOrganisation(key: key, name: name, sector: inv.arguments.value("sector"), by: try inv.viewer)
        inv.output(["key": .string(org.key), "name": .string(org.name), "sector": org.sector.map(JSONValue.string) ?? .null]) {
            "Added \(org.name) (\(org.key))" + (org.sector.map { ", sector \($0)." } ?? ".")
        }
    }

    static let orgList = Command(["member-org", "list"], "List member organisations and their sectors.", options: pagingOptions(after: "KEY")) { inv in
        try inv.expectPositionals(atMost: 0)
        let request = try inv.pageRequest()
        let orgs = try inv.app.directory.organisations()
        inv.outputPage(try ListPage(orgs, request) { $0.key }, request, name: "organisations", none: "No member organisations yet.",
                       json: { ["key": .string($0.key), "name": .string($0.name), "sector": $0.sector.map(JSONValue.string) ?? .null] }) {
            "\($0.key)  \($0.sector ?? "-")  \($0.name)"
        }
    }

    static let memberList = Command(["member", "list"], "List active memberships.", options: pagingOptions(after: "PERSON@BODY/ROLE")) { inv in
        try inv.expectPositionals(atMost: 0)
        let request = try inv.pageRequest()
        let app = try inv.app
        let items = try app.memberships(for: try inv.viewer)
        inv.outputPage(try ListPage(items, request) { "\($0.person)@\($0.body)/\($0.role.rawValue)" }, request, name: "memberships", none: "No memberships yet.",
                       json: { ["person": .string($0.person), "body": .string($0.body), "role": .string($0.role.rawValue)] }) {
            "\(app.displayName("body", $0.body))  \($0.role.rawValue)  \(app.displayName("person", $0.person)) (\($0.person))"
        }
    }
}
