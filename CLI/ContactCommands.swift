import Foundation
import ArgumentParsing
import Services
import Engine

/// `flourish org contacts|invite-contact|remove-contact|main-contact` and `flourish user invite`:
/// the administrator's side of the web's account journeys.
enum ContactCommands {
    static let all: [Command] = [contacts, inviteContact, removeContact, mainContact, invite]

    static let siteURLOption = OptionSpec("site-url", takesValue: true, valueName: "URL",
                                          help: "The site's address, for the link in the email (default FLOURISH_SITE_URL, else http://127.0.0.1:8080).")

    /// The site's address for links in emails sent from the command line.
    static func siteURL(_ inv: Invocation) throws -> String {
        let url = inv.arguments.value("site-url") ?? inv.environment["FLOURISH_SITE_URL"] ?? "http://127.0.0.1:8080"
        guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme ?? ""), parsed.host != nil, parsed.query == nil else {
            throw UsageError("--site-url takes the site's address, such as https://flourish.example.org (not \"\(url)\")")
        }
        return url.hasSuffix("/") ? String(url.dropLast()) : url
    }

    static let contacts = Command(["org", "contacts"], "List an organisation's contacts, the main one first.", arguments: "ORG") { inv in
        let key = try inv.positional(0, "ORG: the organisation's key (see `flourish org list`)")
        try inv.expectPositionals(atMost: 1)
        let list = try inv.app.contacts(of: key, for: try inv.viewer)
        inv.output(.array(list.map { ["person": .string($0.person), "name": .string($0.name), "email": $0.email.map(JSONValue.string) ?? .null,
                                      "main": .bool($0.isMain), "account": .bool($0.hasAccount), "invited": .bool($0.isInvited)] })) {
            list.map { "\($0.person)  \($0.name)  \($0.email ?? "-")\($0.isMain ? "  main contact" : "")\($0.hasAccount ? "  can sign in" : $0.isInvited ? "  invited" : "  no account")" }
                .joined(separator: "\n")
        }
    }

    static let inviteContact = Command(
        ["org", "invite-contact"], "Add a colleague as another contact of an organisation and email them an invitation to choose a password.",
        arguments: "ORG", options: [OptionSpec("name", takesValue: true, valueName: "NAME", help: "Their full name (required)."),
                                    OptionSpec("email", takesValue: true, valueName: "EMAIL", help: "Their email address (required)."), siteURLOption]
    ) { inv in
        let key = try inv.positional(0, "ORG: the organisation's key")
        try inv.expectPositionals(atMost: 1)
        let made = try inv.app.inviteColleague(to: key, name: try inv.required("name", "NAME"), email: try inv.required("email", "EMAIL"),
                                               by: try inv.viewer, siteURL: try siteURL(inv))
        inv.output(["person": .string(made.person), "organisation": .string(key), "invited": true]) {
            "\(made.name) is a contact of \(key) as \(made.person); an invitation is in the outbox (`flourish outbox send` sends it)."
        }
    }

    static let removeContact = Command(["org", "remove-contact"], "Remove a contact from an organisation (not the main contact, not the last).", arguments: "ORG PERSON") { inv in
        let key = try inv.positional(0, "ORG: the organisation's key")
        let person = try inv.positional(1, "PERSON: the contact's user name (see `flourish org contacts ORG`)")
        try inv.expectPositionals(atMost: 2)
        try inv.app.removeContact(person, from: key, by: try inv.viewer)
        inv.output(["person": .string(person), "organisation": .string(key), "removed": true]) { "\(person) is no longer a contact of \(key)." }
    }

    static let mainContact = Command(["org", "main-contact"], "Hand an organisation's main contact over to another of its contacts.", arguments: "ORG PERSON") { inv in
        let key = try inv.positional(0, "ORG: the organisation's key")
        let person = try inv.positional(1, "PERSON: the contact who takes over")
        try inv.expectPositionals(atMost: 2)
        try inv.app.handOverMainContact(of: key, to: person, by: try inv.viewer)
        inv.output(["person": .string(person), "organisation": .string(key), "main": true]) { "\(person) is now the main contact of \(key)." }
    }

    static let invite = Command(
        ["user", "invite"], "Email someone in the directory an invitation to choose their password (the secretariat); a new one replaces any earlier.",
        arguments: "PERSON", options: [siteURLOption]
    ) { inv in
        let person = try inv.positional(0, "PERSON: the person's identifier")
        try inv.expectPositionals(atMost: 1)
        try inv.app.invite(person, by: try inv.viewer, siteURL: try siteURL(inv))
        inv.output(["person": .string(person), "invited": true]) { "An invitation to \(person) is in the outbox; it works for 7 days (`flourish outbox send` sends it)." }
    }
}
