public import Foundation
import Engine
import SQLite
public import Domain

/// Who a message from the secretariat goes to: a set of people chosen by what they need to do.
public enum Audience: Sendable, Equatable {
    /// Chairs and vice-chairs of the groups whose annual report section is still asked for.
    case chairsWithSectionsDue
    /// The contacts of organisations whose scheme membership lapses this month unless they renew.
    case organisationsLapsingThisMonth
    /// Every contact of a pledging organisation in a district.
    case contactsInDistrict(String)
    /// Everyone who holds a role in a body.
    case membersOf(String)

    /// The audience from a form's answers (`kind`, and the district or body it names).
    public init?(kind: String, district: String?, body: String?) {
        switch kind {
        case "chairs-with-sections-due": self = .chairsWithSectionsDue
        case "organisations-lapsing": self = .organisationsLapsingThisMonth
        case "district": guard let district else { return nil }; self = .contactsInDistrict(district)
        case "body": guard let body else { return nil }; self = .membersOf(body)
        default: return nil
        }
    }
}

/// One person a message goes to, and why they are in the audience.
public struct MessageRecipient: Sendable, Equatable {
    public let person: String
    public let name: String
    public let email: String
    /// "Chair of Early Prevention Board: section due 31 January 2027".
    public let because: String
}

/// Why a message cannot be queued, in words for the form.
public enum MessageError: Error, LocalizedError, Equatable {
    case noSubject, subjectTooLong, noBody, bodyTooLong
    case unknownDistrict(String), nobodyInAudience

    public var field: String {
        switch self {
        case .noSubject, .subjectTooLong: return "subject"
        case .noBody, .bodyTooLong: return "body"
        case .unknownDistrict, .nobodyInAudience: return "audience"
        }
    }

    public var errorDescription: String? {
        switch self {
        case .noSubject: return "Enter a subject"
        case .subjectTooLong: return "The subject must be one line of at most 200 characters"
        case .noBody: return "Enter the message"
        case .bodyTooLong: return "The message must be at most 10,000 characters"
        case .unknownDistrict(let d): return "There is no district \(d); choose one from the list"
        case .nobodyInAudience: return "Nobody with an email address is in that group of people just now; choose another"
        }
    }
}

extension Flourish {
    /// The people in an audience who have an email address, each once, by name.
    public func recipients(_ audience: Audience, by viewer: Viewer) throws -> [MessageRecipient] {
        try requireSecretariat(viewer, doing: "message people")
        var found: [(person: String, because: String)] = []
        switch audience {
        case .chairsWithSectionsDue:
            let due = try ReportSection.records(engine.instances(workflow: "report-section", state: "requested", limit: 100_000))
            let memberships = try directory.memberships()
            for section in due {
                for m in memberships where m.body == section.group && (m.role == .chair || m.role == .viceChair) {
                    found.append((m.person, "\(m.role == .chair ? "Chair" : "Vice chair") of \(displayName("body", m.body)): section due \(section.dueOn?.inWords ?? "soon")"))
                }
            }
        case .organisationsLapsingThisMonth:
            let today = time.day(of: clock.now())
            let lapsing = try OrganisationMembership.records(engine.instances(workflow: "scheme-membership", state: "renewal-due", limit: 1_000_000))
                .filter { $0.lapsesOn.map { $0.year == today.year && $0.month == today.month } ?? false }
            for membership in lapsing {
                let name = displayName("organisation", membership.organisation)
                for contact in try organisationContacts(membership.organisation) {
                    found.append((contact, "\(name): lapses \(membership.lapsesOn?.inWords ?? "this month") unless it renews"))
                }
            }
        case .contactsInDistrict(let district):
            guard let named = partnership.districts.first(where: { $0.key == district }) else { throw MessageError.unknownDistrict(district) }
            for organisation in try database.read({ db in try db.query("SELECT key, name FROM organisations WHERE district = ? ORDER BY name", district) }) {
                let key = organisation.string("key") ?? ""
                for contact in try organisationContacts(key) { found.append((contact, "\(organisation.string("name") ?? key), \(named.name)")) }
            }
        case .membersOf(let body):
            let group = try governance.body(body)
            for m in try directory.memberships() where m.body == group.key {
                found.append((m.person, "\(m.role.inWords.capitalized) of \(group.name)"))
            }
        }
        var seen = Set<String>()
        let people = Dictionary(try directory.people().map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        return found.compactMap { entry -> MessageRecipient? in
            guard let p = people[entry.person], let email = p.email, seen.insert(entry.person).inserted else { return nil }
            return MessageRecipient(person: p.id, name: p.name, email: email, because: entry.because)
        }.sorted { $0.name < $1.name }
    }

    /// The people who are an organisation's contacts.
    func organisationContacts(_ key: String) throws -> [String] {
        try database.read { db in try PledgingOrganisations.contactsReceivingMail(of: key, db: db) }
    }

    /// Every problem with a message, all at once, for the form.
    public func messageProblems(subject: String, body: String) -> [MessageError] {
        let subject = subject.trimmingCharacters(in: .whitespacesAndNewlines), body = body.trimmingCharacters(in: .whitespacesAndNewlines)
        var problems: [MessageError] = []
        if subject.isEmpty { problems.append(.noSubject) } else if subject.count > 200 || subject.contains(where: \.isNewline) { problems.append(.subjectTooLong) }
        if body.isEmpty { problems.append(.noBody) } else if body.count > 10_000 { problems.append(.bodyTooLong) }
        return problems
    }

    /// Refuses a message with a problem, before anything is queued.
    public func checkMessage(subject: String, body: String) throws {
        if let first = messageProblems(subject: subject, body: body).first { throw first }
    }

    /// Queues one email per person in the audience through the outbox, all or none, and
    /// records who sent what to how many in the partnership's change log.
    /// - Returns: who it was queued for.
    public func queueMessage(to audience: Audience, subject: String, body: String, by viewer: Viewer) throws -> [MessageRecipient] {
        try checkMessage(subject: subject, body: body)
        let recipients = try recipients(audience, by: viewer)
        guard !recipients.isEmpty else { throw MessageError.nobodyInAudience }
        let now = clock.now()
        let subject = subject.trimmingCharacters(in: .whitespacesAndNewlines), text = body.trimmingCharacters(in: .whitespacesAndNewlines)
        try database.write { db in
            for r in recipients {
                try accounts.queueMessage(template: "secretariat-message", to: r.email, subject: subject,
                                          body: "Dear \(r.name),\n\n\(text)\n\n\(viewer.name)\nfor the Alliance secretariat\n\n(You are receiving this as: \(r.because).)\n",
                                          at: now, db: db)
            }
            try GovernanceRegister.log(db, at: now, actor: viewer.person ?? "", action: "message", detail: "\"\(subject)\" to \(recipients.count) \(recipients.count == 1 ? "person" : "people")")
        }
        return recipients
    }
}
