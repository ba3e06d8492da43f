public import Foundation
public import Engine
public import Domain

/// Why a referral cannot be made as asked.
public enum ReferralError: Error, Equatable, Sendable, LocalizedError {
    /// Only a partner with its own governance takes a referral.
    case notAPartner(String, partners: [String])
    /// The reply cannot be due before today.
    case replyByInPast

    public var errorDescription: String? {
        switch self {
        case .notAPartner(let name, let partners):
            return "\(name) is part of the partnership's own reporting lines; refer sideways to a partner with its own governance: \(partners.joined(separator: ", "))."
        case .replyByInPast: return "The day the reply is due cannot be in the past."
        }
    }
}

extension Flourish {
    /// The bodies an issue may be referred to: partners and bodies that keep their own
    /// governance (the Integrated Care System, the safeguarding partnerships).
    public func referralPartners() throws -> [GovernanceBody] {
        try governance.bodies().filter { $0.kind == .partner || $0.hasIndependentGovernance }
    }

    /// A body (its chair, or the secretariat for it) refers an issue to a partner, with the
    /// day the reply is due; past it, the body's chair and the secretariat are told.
    public func referToPartner(from group: String, partner: String, title: String, description: String, replyBy: String, by person: String) throws -> Referral {
        _ = try governance.body(group)
        let partners = try referralPartners()
        guard let target = partners.first(where: { $0.key == partner }) else {
            let name = (try? governance.body(partner).name) ?? partner
            throw ReferralError.notAPartner(name, partners: partners.map(\.name))
        }
        guard let due = CalendarDay(replyBy) else {
            throw WorkflowError.invalidField(event: "refer an issue", field: "replyBy", reason: Self.notADay(replyBy))
        }
        guard due >= time.day(of: clock.now()) else { throw ReferralError.replyByInPast }
        var data: [String: JSONValue] = ["group": .string(group), "partner": .string(target.key), "title": .string(title), "replyBy": .string(due.description)]
        if !description.isEmpty { data["description"] = .string(description) }
        let started = try engine.start("referral", data: data, computed: ["raisedBy": .string(person)], actor: try actor(person, at: group))
        return try Referral(started.instance)
    }

    /// The referrals the viewer may see (the access policy: the secretariat all, a body's members its own), open ones first.
    public func referrals(for viewer: Viewer) throws -> [Referral] {
        try Referral.records(try engine.instances(workflow: "referral", state: nil, limit: 100_000))
            .filter { try policy.sight(of: $0, for: viewer) != .none }
            .sorted { ($0.isOpen ? 0 : 1, $0.state == .overdue ? 0 : 1, $0.replyBy?.description ?? "") < ($1.isOpen ? 0 : 1, $1.state == .overdue ? 0 : 1, $1.replyBy?.description ?? "") }
    }

    /// A referral the viewer may see.
    public func referral(_ reference: RecordID<Referral>, for viewer: Viewer) throws -> Referral {
        let instance = try engine.instance(reference.instance)
        guard instance.workflow == "referral" else { throw WorkflowError.unknownInstance(reference.instance) }
        let referral = try Referral(instance)
        guard try policy.sight(of: referral, for: viewer) != .none else { throw WorkflowError.unknownInstance(reference.instance) }
        return referral
    }

    /// Records the partner's reply, agrees more time (a new day, with a reason), or withdraws
    /// the referral with a reason: the referring body's chair or the secretariat.
    public func fireReferral(_ reference: RecordID<Referral>, event: String, fields: [String: JSONValue], by person: String) throws -> Referral {
        let seen = try referral(reference, for: try viewer(for: person))
        if event == "extend" {
            guard let text = fields["replyBy"]?.stringValue, let day = CalendarDay(text) else {
                throw WorkflowError.invalidField(event: "extend", field: "replyBy", reason: Self.notADay(fields["replyBy"]?.stringValue ?? ""))
            }
            guard day >= time.day(of: clock.now()) else { throw ReferralError.replyByInPast }
        }
        try engine.fire(event, on: reference.instance, payload: fields, actor: try actor(person, at: seen.group), expectedVersion: seen.version)
        return try Referral(try engine.instance(reference.instance))
    }
}
