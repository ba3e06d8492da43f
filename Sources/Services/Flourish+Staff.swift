public import Foundation
import Engine
public import Domain

/// How the outbox's messages leave: a sendmail-compatible command and the From header.
public struct MailSettings: Sendable, Equatable {
    public var command: String
    public var from: String
    public init(command: String = Flourish.defaultSendmail, from: String = "FLOURISH Pledge <flourish@localhost>") {
        self.command = command; self.from = from
    }
    /// From `FLOURISH_SENDMAIL` and `FLOURISH_MAIL_FROM`, as `outbox send` reads them.
    public init(environment: [String: String]) {
        self.init(command: environment["FLOURISH_SENDMAIL"].flatMap { $0.isEmpty ? nil : $0 } ?? Flourish.defaultSendmail,
                  from: environment["FLOURISH_MAIL_FROM"].flatMap { $0.isEmpty ? nil : $0 } ?? "FLOURISH Pledge <flourish@localhost>")
    }
}

/// The secretariat's work on the partnership itself, for the web: the governance graph, the
/// directory's memberships and member organisations, and the outbox. Each call names the
/// viewer; only the secretariat may make them (``requireSecretariat(_:doing:)``), through the
/// web or the CLI (where the operator, `--as` nobody in the directory, counts as the secretariat).
extension Flourish {
    /// The one rule for the partnership's own set-up: only the secretariat changes it.
    func requireSecretariat(_ viewer: Viewer, doing what: String) throws {
        guard viewer.isSecretariat else {
            throw WorkflowError.notPermitted(actor: viewer.person ?? "a visitor", event: what, allowed: ["the secretariat"])
        }
    }

    /// Adds a group, board or partner to the governance graph; its key is made from its name.
    public func addBody(name: String, kind: String, reportsTo: [String], priority: String?, description: String, by viewer: Viewer) throws -> GovernanceBody {
        try addBody(key: PledgingOrganisations.slug(name), name: name, kind: kind, reportsTo: reportsTo, priority: priority, description: description, by: viewer)
    }

    /// Adds a group, board or partner to the governance graph under a key of the caller's choosing.
    public func addBody(key: String, name: String, kind: String, reportsTo: [String], priority: String?, description: String, by viewer: Viewer) throws -> GovernanceBody {
        try requireSecretariat(viewer, doing: "add a group")
        return try addBody(key: key, name: name, kind: kind, reportsTo: reportsTo, priority: priority, description: description, by: viewer.person ?? "")
    }

    /// Retires a body (refused while it has open work or bodies reporting to it).
    public func retireBody(_ key: String, reason: String, by viewer: Viewer) throws {
        try requireSecretariat(viewer, doing: "retire \(key)")
        guard !reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw WorkflowError.missingField(event: "retire", field: "reason") }
        try retireBody(key, reason: reason, by: viewer.person ?? "")
    }

    /// Gives a person in the directory a role in a body.
    public func addMembership(person: String, body: String, role: String, by viewer: Viewer) throws -> Membership {
        try requireSecretariat(viewer, doing: "give \(person) a role")
        let bodies = try governance.bodies().map(\.key)
        guard bodies.contains(body) else { throw GovernanceError.unknownBody(body, valid: bodies) }
        return try directory.addMembership(person: person, body: body, role: role, actor: viewer.person ?? "", at: clock.now())
    }

    /// Ends a person's role in a body; the history keeps it.
    public func endMembership(person: String, body: String, role: String, by viewer: Viewer) throws {
        try requireSecretariat(viewer, doing: "end \(person)'s role")
        try directory.endMembership(person: person, body: body, role: role, actor: viewer.person ?? "", at: clock.now())
    }

    /// Adds a member organisation of the partnership (its key made from its name).
    public func addMemberOrganisation(name: String, sector: String?, by viewer: Viewer) throws -> MemberOrganisation {
        try addMemberOrganisation(key: PledgingOrganisations.slug(name), name: name, sector: sector, by: viewer)
    }

    /// Sends the outbox's waiting messages now.
    public func sendOutbox(_ mail: MailSettings, by viewer: Viewer) throws -> OutboxSendReport {
        try requireSecretariat(viewer, doing: "send the outbox")
        return try sendOutbox(command: mail.command, from: mail.from)
    }

    /// Queues failed messages to be sent again: the given ones, or every failed one.
    public func retryOutbox(ids: [Int64], by viewer: Viewer) throws -> [Int64] {
        try requireSecretariat(viewer, doing: "retry messages")
        return try retryOutbox(ids: ids)
    }
}
