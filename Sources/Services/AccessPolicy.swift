public import Foundation
public import Engine
public import Domain
internal import SQLite

/// The person a service call is made for, with what their memberships and organisations let
/// them reach. Every read and write through the services names one; the web builds it from a
/// session or an API token, the CLI from `--as`.
public struct Viewer: Sendable, Equatable {
    /// Their user name; nil for an anonymous visitor.
    public let person: String?
    public let name: String
    /// Holds a secretariat membership of any body.
    public let isSecretariat: Bool
    /// Bodies they chair or vice-chair.
    public let chairOf: [String]
    /// Boards they sit on (any role but secretariat).
    public let boardOf: [String]
    /// Every body they belong to in any role but secretariat: chair, vice-chair, member, commissioner.
    public let memberOf: [String]
    /// Pledging organisations they are a contact for.
    public let organisations: [String]
    /// The operator at the server running the CLI as nobody in the directory (their own login):
    /// they set the partnership up, so they act as the secretariat and for any account.
    public let isOperator: Bool

    public init(person: String?, name: String, isSecretariat: Bool, chairOf: [String], boardOf: [String], memberOf: [String], organisations: [String],
                isOperator: Bool = false) {
        self.person = person; self.name = name; self.isSecretariat = isSecretariat || isOperator
        self.chairOf = chairOf; self.boardOf = boardOf; self.memberOf = memberOf; self.organisations = organisations
        self.isOperator = isOperator
    }

    /// A visitor who is not signed in.
    public static let anonymous = Viewer(person: nil, name: "", isSecretariat: false, chairOf: [], boardOf: [], memberOf: [], organisations: [])

    public var isSignedIn: Bool { person != nil }

    /// Someone inside the partnership's governance: the secretariat, or a member of any board
    /// or group. Partnership members read every group's actions and measures (see
    /// ``AccessPolicy``); an organisation's contact is not one by being a contact.
    public var isPartnershipMember: Bool { isSecretariat || !memberOf.isEmpty }
}

/// How much of one record a viewer may see.
public enum Sight: Int, Sendable, Comparable {
    /// Nothing: the record is answered as if it did not exist.
    case none
    /// What the public pages show (a published pledge's text, areas and year); nothing personal,
    /// no review comments, no drafts.
    case publicPart
    /// All of it.
    case whole

    public static func < (a: Sight, b: Sight) -> Bool { a.rawValue < b.rawValue }
}

/// The one access policy: which records a viewer may see, and which of their fields. The
/// README's visibility table is its specification; the authorization-matrix test checks the
/// table against every route.
///
/// Writes are decided by the workflow definitions (who may fire each event, through
/// ``MembershipAuthorizer``) and by the fields the server owns (refused by the engine); a write
/// is only attempted on a record the viewer may see whole.
public struct AccessPolicy: Sendable {
    /// A published pledge's fields anyone may read: what the public pledge page shows.
    public static let publicPledgeFields: Set<String> = [
        "organisation", "pledgeYear", "text", "areas", "theme", "priority", "ask", "yearStarts", "yearEnds", "outcome", "evidence", "evidenceLink", "reached",
    ]
    /// The pledge events whose (public) part anyone may read in a published pledge's history:
    /// from its approval on. Drafts, edits, review comments and rejections stay private.
    public static let publicPledgeEvents: Set<String> = [
        "approve", "check-in-due", "report-reminder-due", "year-ended", "report-overdue", "report",
    ]
    /// A voice register entry's fields anyone may read: what the group said and the body's
    /// response. Who recorded or answered it stays inside.
    public static let publicVoiceFields: Set<String> = [
        "group", "body", "heardOn", "question", "said", "areas", "priorities", "respondBy", "outcome", "response", "shaped",
    ]
    /// The voice events anyone may read in an entry's history: the response.
    public static let publicVoiceEvents: Set<String> = ["respond", "response-overdue"]
    /// The pledge states in which a pledge can be public (on the wall, or reported on).
    static let publishedPledgeStates: Set<String> = ["approved", "reported"]

    let app: Flourish

    /// How much of `instance` the viewer may see.
    public func sight(of instance: Instance, for viewer: Viewer) throws -> Sight {
        if viewer.isSecretariat { return .whole }
        switch instance.workflow {
        case "pledge":
            guard let pledge = try? Pledge(instance) else { return .none }
            if viewer.organisations.contains(pledge.organisation) { return .whole }
            if try pledgeIsPublished(instance) { return .publicPart }
            // A youth panel reads what the public would of a pledge sent to it for review.
            return try isWithYouthPanel(instance.id, viewer: viewer) ? .publicPart : .none
        case "scheme-membership":
            // Holds the contact's name and email: their own organisation's contacts only.
            guard let membership = try? OrganisationMembership(instance) else { return .none }
            return viewer.organisations.contains(membership.organisation) ? .whole : .none
        case "action", "measure":
            return viewer.isPartnershipMember ? .whole : .none
        case "escalation":
            return try sees(escalationOn: escalationPath(instance), viewer: viewer) ? .whole : .none
        case "escalation-review", "escalation-top-review":
            guard let parent = (try? EscalationReview(instance))?.escalation, let escalation = try? app.engine.instance(InstanceID(parent)),
              escalation.workflow == "escalation" else { return .none }
            return try sight(of: escalation, for: viewer)
        case "meeting":
            // The body's members (and the secretariat) see its meetings and their papers; anyone
            // reads the papers of a body that publishes them (``Partnership/papersPublic``).
            guard let meeting = try? Meeting(instance) else { return .none }
            return viewer.memberOf.contains(meeting.group) ? .whole : app.partnership.papersPublic.contains(meeting.group) ? .publicPart : .none
        case "referral":
            // The referring body's members; the partner is outside the system.
            guard let referral = try? Referral(instance) else { return .none }
            return viewer.memberOf.contains(referral.group) ? .whole : .none
        case "youth-review":
            // A batch of pledges before publication: the youth panel reviewing it and the secretariat.
            guard let group = instance.data["group"]?.stringValue else { return .none }
            return viewer.memberOf.contains(group) ? .whole : .none
        case "pledge-ask":
            // Published for every organisation to answer; who published it stays with the secretariat.
            return .publicPart
        case "voice":
            // "You said, we did" is published: anyone reads what a participation group said and
            // the response (no names). The group's lead and the body it spoke to see it whole.
            guard let entry = try? VoiceEntry(instance) else { return .none }
            return viewer.memberOf.contains(entry.group) || viewer.memberOf.contains(entry.body) ? .whole : .publicPart
        case "report-section":
            guard let section = try? ReportSection(instance) else { return .none }
            return viewer.memberOf.contains(section.group) ? .whole : .none
        case "annual-report":
            // The body that approves it (the Alliance) reads the compiled draft, the same rule as the
            // report's own pages: not while sections are still being collected (the record and its
            // history answered its members through the instance routes then).
            guard let report = try? AnnualReportRecord(instance) else { return .none }
            return maySeeDraftReport(approvedBy: report.group, state: instance.state, viewer: viewer) ? .whole : .none
        default:
            return .none
        }
    }

    /// How much of a record as it stood at an earlier moment the viewer may see, who sees
    /// `now` of it today. A pledge seen only in part is shown as it was from its approval on, as
    /// its public history is (its text no longer changes then); a youth panel's pledge, as it
    /// stands. Its drafts, and the text before changes a reviewer asked for, stay with its
    /// organisation and the secretariat, as its history's private events do.
    public func sight(ofPast past: Instance, current: Instance, seenNow now: Sight) -> Sight {
        guard now == .publicPart, past.workflow == "pledge" else { return now }
        return AnnualReportBuilder.approvedStates.contains(past.state) || past.version == current.version ? .publicPart : .none
    }

    /// How much of a typed record the viewer may see.
    public func sight(of record: some WorkflowRecord, for viewer: Viewer) throws -> Sight {
        try sight(of: record.instance, for: viewer)
    }

    /// Whether the viewer sits on a youth panel that a pledge was sent to for review.
    func isWithYouthPanel(_ pledge: InstanceID, viewer: Viewer) throws -> Bool {
        let panels = Set(viewer.memberOf).intersection(app.partnership.participationGroups.map(\.key))
        guard !panels.isEmpty, let batch = try app.youthReview(of: pledge) else { return false }
        return panels.contains(batch.panel)
    }

    /// Whether a pledge is public: approved and its organisation on the wall, or reported on.
    public func pledgeIsPublished(_ pledge: Instance) throws -> Bool {
        guard pledge.workflow == "pledge", Self.publishedPledgeStates.contains(pledge.state) else { return false }
        if pledge.state == "reported" { return true }
        return try app.isOnWall(pledge.id)
    }

    /// The bodies an escalation has reached: the group that raised it and every body it has
    /// waited at. Their members see it.
    public func escalationPath(_ escalation: Instance) throws -> [String] {
        Self.path(raisedBy: try Escalation(escalation).group, reviews: try EscalationReview.records(app.reviews(of: escalation.id)))
    }

    static func path(raisedBy group: String, reviews: [EscalationReview]) -> [String] {
        path(raisedBy: group, reviewedAt: reviews.map(\.body))
    }

    /// The bodies an escalation has reached, from the bodies its reviews were at (in any order).
    static func path(raisedBy group: String, reviewedAt reviewBodies: [String]) -> [String] {
        var bodies = [group]
        for body in reviewBodies where !bodies.contains(body) { bodies.append(body) }
        return bodies
    }

    /// Whether the viewer sees an escalation whose path is `path`: the secretariat, and the
    /// members of any body on it. The one rule for every escalation, however it was read.
    public func sees(escalationOn path: [String], viewer: Viewer) -> Bool {
        viewer.isSecretariat || !Set(path).isDisjoint(with: viewer.memberOf)
    }

    /// Whether the viewer sees an escalation already read with its reviews (its path is known).
    public func sees(_ view: EscalationView, viewer: Viewer) -> Bool {
        sees(escalationOn: Self.path(raisedBy: view.escalation.group, reviews: view.reviews), viewer: viewer)
    }

    /// Whether the viewer is one of a group's chairs or vice-chairs (who write its report section).
    public func chairs(group: String, viewer: Viewer) -> Bool { viewer.chairOf.contains(group) }

    /// Whether the viewer is a contact of a pledging organisation (who renew its pledge).
    public func isContact(of organisation: String, viewer: Viewer) -> Bool { viewer.organisations.contains(organisation) }

    /// The record's data as the viewer may see it: all of it, the public fields, or nothing.
    public func visibleData(_ instance: Instance, sight: Sight) -> [String: JSONValue] {
        switch sight {
        case .whole: return instance.data
        case .none: return [:]
        case .publicPart:
            switch instance.workflow {
            case "pledge": return instance.data.filter { Self.publicPledgeFields.contains($0.key) }
            case "voice": return instance.data.filter { Self.publicVoiceFields.contains($0.key) }
            case "pledge-ask": return instance.data
            default: return [:]
            }
        }
    }

    /// The record's events as the viewer may see them: all of them, or (for a published
    /// pledge) its public events with only their public fields and without who did them.
    public func visibleHistory(_ instance: Instance, events: [EventRecord], sight: Sight) -> [EventRecord] {
        switch sight {
        case .whole: return events
        case .none: return []
        case .publicPart:
            let (publicEvents, publicFields): (Set<String>, Set<String>)
            switch instance.workflow {
            case "pledge": (publicEvents, publicFields) = (Self.publicPledgeEvents, Self.publicPledgeFields)
            case "voice": (publicEvents, publicFields) = (Self.publicVoiceEvents, Self.publicVoiceFields)
            default: return []
            }
            return events.filter { publicEvents.contains($0.event) }.map { e in
                e.showing(e.payload.filter { publicFields.contains($0.key) })
            }
        }
    }

    /// Whether the viewer speaks for a group: its chairs and vice-chairs, and the secretariat
    /// acting on its behalf. They log its actions, raise its issues and write its report section.
    public func speaksFor(group: String, viewer: Viewer) -> Bool {
        viewer.isSecretariat || viewer.chairOf.contains(group)
    }

    /// Whether the viewer may see a body's meetings: its members and the secretariat, and
    /// anyone where the body publishes its papers.
    public func seesMeetings(of body: String, viewer: Viewer) -> Bool {
        viewer.isSecretariat || viewer.memberOf.contains(body) || app.partnership.papersPublic.contains(body)
    }

    /// The viewer an agenda is built for: the viewer, or for someone reading a body's published
    /// papers, the body's members (what its members see is what it publishes).
    func agendaViewer(of meeting: Instance, for viewer: Viewer) throws -> Viewer {
        guard try sight(of: meeting, for: viewer) == .publicPart, let group = (try? Meeting(meeting))?.group else { return viewer }
        return bodyViewer(group)
    }

    /// What a body's members see: the view a highlight report is written from (a group reports
    /// what it sees to the body above, which may not see it otherwise).
    func bodyViewer(_ body: String) -> Viewer {
        Viewer(person: nil, name: body, isSecretariat: false, chairOf: [], boardOf: [], memberOf: [body], organisations: [])
    }

    /// Whether the viewer speaks for a pledging organisation: its contacts, and the secretariat.
    public func speaksFor(organisation: String, viewer: Viewer) -> Bool {
        viewer.isSecretariat || viewer.organisations.contains(organisation)
    }

    /// The groups the viewer runs: their own for a chair; every body but partners for the secretariat.
    public func groupsRun(by viewer: Viewer) throws -> [GovernanceBody] {
        let bodies = try app.governance.bodies()
        return viewer.isSecretariat ? bodies.filter { $0.kind != .partner } : bodies.filter { viewer.chairOf.contains($0.key) }
    }

    /// The boards whose decisions the viewer follows: the boards they sit on; every board for the secretariat.
    public func boardsFollowed(by viewer: Viewer) throws -> [String] {
        viewer.isSecretariat ? try app.governance.bodies().filter { $0.kind == .board }.map(\.key) : viewer.boardOf
    }

    /// The organisations on the viewer's "My organisation" page: those they are a contact for;
    /// every organisation for the secretariat when it is a contact for none.
    public func organisationsShown(to viewer: Viewer) throws -> [String] {
        viewer.isSecretariat && viewer.organisations.isEmpty ? try app.organisations().map(\.organisation.key) : viewer.organisations
    }

    /// The annual report's states in which the approving body reads it whole: from when it is
    /// compiled for their approval.
    public static let reportStatesForApproval: Set<String> = ["compiled", "approved", "published"]

    /// Whether the viewer may read a year's annual report before it is published (its live
    /// figures and the groups' sections): the secretariat; and the approving body's members
    /// once it is compiled for them to approve (or before any report is started, when there
    /// are no sections to read). A group's section is otherwise its group's own until then.
    public func maySeeDraftReport(approvedBy body: String, state: String?, viewer: Viewer) -> Bool {
        if viewer.isSecretariat { return true }
        guard viewer.memberOf.contains(body) else { return false }
        return state.map(Self.reportStatesForApproval.contains) ?? true
    }
}

extension Flourish {
    /// The access policy over this partnership.
    public var policy: AccessPolicy { AccessPolicy(app: self) }

    /// Works out a person's reach from their memberships and the organisations they speak for.
    /// (One read: every request signed in asks for it.)
    ///
    /// A viewer is kept until people, memberships, organisations or the governance graph change
    /// (`directory_changes` and `governance_changes`, moved by triggers in the change's own
    /// transaction, whichever process makes it), so a membership ended is seen on the next request.
    public func viewer(for person: String) throws -> Viewer {
        try database.read { try keptViewer(for: person, in: $0) }
    }

    /// The viewer as kept, or read afresh, within the caller's read.
    func keptViewer(for person: String, in db: Connection) throws -> Viewer {
        let counts = try db.queryOne("SELECT (SELECT n FROM directory_changes) AS directory, (SELECT n FROM governance_changes) AS governance")
        let directory = counts?.int64("directory") ?? -1, graph = counts?.int64("governance") ?? -1
        if let kept = keptViewers.viewer(person, at: directory, graph) { return kept }
        let viewer = try Self.viewer(for: person, in: db, governance: governance)
        keptViewers.keep(viewer, for: person, at: directory, graph)
        return viewer
    }

    /// Who is calling with an API token, and what the token may do, if it is live: the token
    /// and its holder's reach read together, in one read (every API request asks for both).
    public func caller(bearing token: String, at now: Date) throws -> (viewer: Viewer, scope: APIToken.Scope)? {
        let digest = Accounts.digest(token)
        guard let (live, viewer) = try database.read({ db -> (KeptTokens.Live, Viewer)? in
            guard let live = try accounts.liveToken(digest, in: db) else { return nil }
            return (live, try keptViewer(for: live.person, in: db))
        }), let holder = try accounts.using(live, digest: digest, at: now) else { return nil }
        return (viewer, holder.scope)
    }

    /// Who is signed in with a session cookie, if the session is live: the session and the
    /// person's reach read together, in one read (every signed-in page asks for both).
    public func caller(inSession token: String, at now: Date) throws -> Viewer? {
        let digest = Accounts.digest(token)
        guard let (row, viewer) = try database.read({ db -> (Row, Viewer)? in
            guard let row = try accounts.sessionRow(digest, in: db), let person = row.string("person_id") else { return nil }
            return (row, try keptViewer(for: person, in: db))
        }), try accounts.using(row, digest: digest, at: now) != nil else { return nil }
        return viewer
    }

    /// A viewer read afresh, in one read transaction.
    static func viewer(for person: String, in db: Connection, governance: GovernanceRegister) throws -> Viewer {
        let memberships = try Directory.memberships(of: person, in: db)
        let boards = Set(try governance.activeBodies(db).filter { $0.kind == .board }.map(\.key))
        let name = try Directory.person(person, in: db)?.name ?? person
        let bodies = memberships.filter { $0.role != .secretariat }.map(\.body)
        return Viewer(person: person, name: name,
                      isSecretariat: memberships.contains { $0.role == .secretariat },
                      chairOf: memberships.filter { $0.role == .chair || $0.role == .viceChair }.map(\.body),
                      boardOf: bodies.filter { boards.contains($0) },
                      memberOf: Array(Set(bodies)).sorted(),
                      organisations: try Self.organisationKeys(contactedBy: person, in: db))
    }

    /// A record as the viewer may see it: its data cut to the fields they may read.
    ///
    /// - Throws: ``WorkflowError/unknownInstance(_:)`` when it does not exist or the viewer may
    ///   not see it (the two are not told apart).
    public func record(_ id: InstanceID, for viewer: Viewer) throws -> (instance: Instance, sight: Sight) {
        let instance = try engine.instance(id)
        let sight = try policy.sight(of: instance, for: viewer)
        guard sight > .none else { throw WorkflowError.unknownInstance(id) }
        return (instance.showing(policy.visibleData(instance, sight: sight)), sight)
    }

    /// A record's events, oldest first, as the viewer may see them; it follows the record's
    /// visibility (see ``AccessPolicy/visibleHistory(_:events:sight:)``).
    public func history(of id: InstanceID, for viewer: Viewer) throws -> (instance: Instance, events: [EventRecord]) {
        let (instance, sight) = try record(id, for: viewer)
        return (instance, policy.visibleHistory(instance, events: try engine.history(of: id), sight: sight))
    }

    /// A pledge the viewer may manage (its organisation's contacts, the secretariat).
    public func pledge(_ reference: RecordID<Pledge>, for viewer: Viewer) throws -> Pledge {
        let id = reference.instance
        let pledge = try requireWhole(id, for: viewer)
        guard pledge.workflow == "pledge" else { throw WorkflowError.unknownInstance(id) }
        return try Pledge(pledge)
    }

    /// Requires the viewer to see the whole of a record before acting on it; a record they may
    /// not see is answered as missing, one they see only in public as not theirs to change.
    public func requireWhole(_ id: InstanceID, for viewer: Viewer) throws -> Instance {
        let (instance, sight) = try record(id, for: viewer)
        guard sight == .whole else {
            throw WorkflowError.notPermitted(actor: viewer.person ?? "a visitor", event: "change \(id.rawValue)", allowed: ["its organisation's contacts", "the secretariat"])
        }
        return instance
    }
}

/// Who may reach a route or command at all, before the policy decides record by record.
public enum Access: String, Sendable, CaseIterable {
    /// Anyone, signed in or not.
    case everyone
    /// Anyone signed in.
    case signedIn
    /// A contact for a pledging organisation (or the secretariat).
    case organisationContact
    /// A chair or vice-chair of a group (or the secretariat).
    case chair
    /// The partnership's secretariat.
    case secretariat
    /// A member of a board (or the secretariat).
    case boardMember

    /// Who that is, in words for a refusal.
    public var audience: String {
        switch self {
        case .everyone, .signedIn: return "people who are signed in"
        case .organisationContact: return "an organisation's contacts"
        case .chair: return "group chairs and vice-chairs"
        case .secretariat: return "the Alliance secretariat"
        case .boardMember: return "board members"
        }
    }
}

extension Viewer {
    /// Whether the viewer may reach something open to `access`.
    public func may(_ access: Access) -> Bool {
        guard person != nil else { return access == .everyone }
        switch access {
        case .everyone, .signedIn: return true
        case .organisationContact: return isSecretariat || !organisations.isEmpty
        case .chair: return isSecretariat || !chairOf.isEmpty
        case .secretariat: return isSecretariat
        case .boardMember: return isSecretariat || !boardOf.isEmpty
        }
    }
}

/// Viewers by person, as read at one count of `directory_changes` and `governance_changes`;
/// forgotten all at once when either moves, and at most `limit` of them.
final class KeptViewers: @unchecked Sendable {  // `counts` and `viewers` guarded by `lock`
    private let lock = NSLock()
    private var counts: (directory: Int64, graph: Int64) = (-1, -1)
    private var viewers: [String: Viewer] = [:]
    let limit = 10_000

    func viewer(_ person: String, at directory: Int64, _ graph: Int64) -> Viewer? {
        lock.withLock { counts == (directory, graph) && directory >= 0 ? viewers[person] : nil }
    }

    func keep(_ viewer: Viewer, for person: String, at directory: Int64, _ graph: Int64) {
        lock.withLock {
            if counts != (directory, graph) || viewers.count >= limit { (counts, viewers) = ((directory, graph), [:]) }
            viewers[person] = viewer
        }
    }
}
