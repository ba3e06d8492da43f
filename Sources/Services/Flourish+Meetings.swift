public import Foundation
public import Engine
public import Domain
internal import SQLite

/// What a group brings to a meeting of the body it reports to: its actions by RAG, what is
/// overdue or red, and its measures outside tolerance.
public struct HighlightReport: Sendable {
    public let group: GovernanceBody
    public let openActions: Int
    public let red: Int, amber: Int, green: Int, noUpdate: Int
    public let overdue: [Action]
    /// Open actions whose latest update is red.
    public let redNow: [Action]
    /// Measures whose latest value is outside tolerance (red).
    public let measuresOutside: [Measure]
    /// Of those overdue, the ones whose due day passed since the body's previous meeting.
    public let overdueSince: [Action]
    /// Of those red, the ones last updated since the body's previous meeting.
    public let redSince: [Action]
    /// Escalations waiting at the group past their deadline: where escalation stops, this is
    /// how the bodies above hear of them (they take no decision on them).
    public let escalationsOverdue: [Escalation]
}

/// A meeting's agenda, built from what is waiting for the body.
public struct MeetingAgenda: Sendable {
    public let meeting: Meeting
    /// The body's last meeting before this one; its minutes are approved at this one.
    public let previous: Meeting?
    /// Escalations waiting at the body for a decision, overdue first: where escalation stops,
    /// an unanswered one stays here and comes back meeting after meeting.
    public let escalations: [(escalation: EscalationView, review: EscalationReview, overdue: Bool)]
    /// Decisions the body took that became work and are late.
    public let latePlans: [EscalationView]
    /// One highlight report for each group that reports to the body.
    public let highlightReports: [HighlightReport]
    /// Pledges approved since the previous meeting (for the body where escalation stops).
    public let pledgesApproved: Int?
    /// The decision log: what the body decided since its previous meeting, with minute references.
    public let decisions: [(escalation: EscalationView, review: EscalationReview)]
    /// Items the secretariat added.
    public let items: [String]
    /// What participation groups said to the body that still waits for its response, overdue
    /// first: it comes back on every agenda until the response is published.
    public var voiceOwed: [VoiceEntry] = []
}

extension Flourish {
    /// Schedules a meeting of a body (its chair, or the secretariat for it): when, and where or how to join.
    public func scheduleMeeting(of body: String, at startsAt: Date, place: String, by person: String) throws -> Meeting {
        _ = try governance.body(body)
        guard startsAt > clock.now() else {
            throw WorkflowError.invalidField(event: "schedule a meeting", field: "startsAt", reason: "is in the past; give a time to come")
        }
        var data: [String: JSONValue] = ["group": .string(body), "startsAt": .string(PartnershipTime.timestamp(startsAt))]
        let where_ = place.trimmingCharacters(in: .whitespacesAndNewlines)
        if !where_.isEmpty { data["place"] = .string(where_) }
        return try Meeting(try engine.start("meeting", data: data, actor: try actor(person, at: body)).instance)
    }

    /// A body's meetings, in time order (those the viewer may see).
    public func meetings(of body: String? = nil, for viewer: Viewer) throws -> [Meeting] {
        try Meeting.records(try engine.instances(workflow: "meeting", state: nil, limit: 100_000))
            .filter { (body == nil || $0.group == body) }
            .filter { try policy.sight(of: $0, for: viewer) != .none }
            .sorted { ($0.startsAt ?? .distantPast) < ($1.startsAt ?? .distantPast) }
    }

    /// A meeting the viewer may see (a body's members; anyone, where the body publishes its papers).
    public func meeting(_ reference: RecordID<Meeting>, for viewer: Viewer) throws -> Meeting {
        try Meeting(try meetingInstance(reference, for: viewer, atLeast: .publicPart))
    }

    /// Whether the viewer sees the meeting as one of the body (and may act on it), not as a
    /// reader of its published papers.
    public func isMember(of reference: RecordID<Meeting>, viewer: Viewer) -> Bool {
        (try? meetingInstance(reference, for: viewer, atLeast: .whole)) != nil
    }

    func meetingInstance(_ reference: RecordID<Meeting>, for viewer: Viewer, atLeast sight: Sight) throws -> Instance {
        let instance = try engine.instance(reference.instance)
        guard instance.workflow == "meeting", try policy.sight(of: instance, for: viewer) >= sight else { throw WorkflowError.unknownInstance(reference.instance) }
        return instance
    }

    /// Adds an item to a scheduled meeting's agenda.
    public func addAgendaItem(_ reference: RecordID<Meeting>, item: String, by person: String) throws -> Meeting {
        let m = try Meeting(try meetingInstance(reference, for: try viewer(for: person), atLeast: .whole))
        let text = item.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { throw WorkflowError.missingField(event: "add-item", field: "item") }
        try engine.fire("add-item", on: reference.instance, payload: ["items": .array((m.items + [text]).map(JSONValue.string))],
                        actor: try actor(person, at: m.group), expectedVersion: m.version)
        return try meeting(reference, for: try viewer(for: person))
    }

    /// Records that a meeting was held, with who was present (people of the partnership) and
    /// its notes; at the same time the previous meeting's minutes, if waiting, are approved here.
    public func holdMeeting(_ reference: RecordID<Meeting>, present: [String], notes: String, approvingPrevious: Bool, by person: String) throws -> Meeting {
        let viewer = try viewer(for: person)
        let m = try Meeting(try meetingInstance(reference, for: viewer, atLeast: .whole))
        let people = Set(try directory.people().map(\.id))
        if let unknown = present.first(where: { !people.contains($0) }) { throw DirectoryError.unknownPerson(unknown) }
        guard !present.isEmpty else { throw WorkflowError.missingField(event: "hold", field: "present") }
        if let starts = m.startsAt, starts > clock.now() {
            throw WorkflowError.invalidField(event: "hold", field: "present", reason: "cannot be recorded before the meeting starts (\(time.inWords(starts)))")
        }
        var payload: [String: JSONValue] = ["present": .array(present.map(JSONValue.string))]
        if !notes.isEmpty { payload["notes"] = .string(notes) }
        let actor = try actor(person, at: m.group)
        let previous = approvingPrevious ? try agenda(reference, for: viewer).previous.flatMap { $0.state == .held ? $0 : nil } : nil
        let now = clock.now()
        try engine.batch { tx in
            try tx.fire("hold", on: reference.instance, payload: payload, actor: actor, at: now)
            if let previous { try tx.fire("approve-minutes", on: previous.id.instance, payload: ["approvedAt": .string(m.id.rawValue)], actor: actor, at: now) }
        }
        return try meeting(reference, for: viewer)
    }

    /// Cancels a scheduled meeting, with the reason; it leaves the body's calendar feed.
    public func cancelMeeting(_ reference: RecordID<Meeting>, reason: String, by person: String) throws -> Meeting {
        let viewer = try viewer(for: person)
        let m = try Meeting(try meetingInstance(reference, for: viewer, atLeast: .whole))
        let text = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { throw WorkflowError.missingField(event: "cancel", field: "reason") }
        try engine.fire("cancel", on: reference.instance, payload: ["reason": .string(text)], actor: try actor(person, at: m.group), expectedVersion: m.version)
        return try meeting(reference, for: viewer)
    }

    /// The people who hold a role in a body now (not the secretariat), by name.
    public func bodyMembers(_ body: String) throws -> [Person] {
        let ids = Set(try directory.memberships().filter { $0.body == body && $0.role != .secretariat }.map(\.person))
        return try directory.people().filter { ids.contains($0.id) }.sorted { $0.name < $1.name }
    }

    /// A meeting's agenda, built from what waits for its body now.
    /// Someone reading a body's published papers sees the agenda its members see.
    public func agenda(_ reference: RecordID<Meeting>, for reader: Viewer) throws -> MeetingAgenda {
        let viewer = try policy.agendaViewer(of: try meetingInstance(reference, for: reader, atLeast: .publicPart), for: reader)
        let m = try meeting(reference, for: viewer)
        let all = try meetings(of: m.group, for: viewer)
        let previous = all.last { ($0.startsAt ?? .distantPast) < (m.startsAt ?? .distantPast) && ($0.state == .held || $0.state == .minutesApproved) }
        let since = previous?.startsAt ?? (m.startsAt ?? clock.now()).addingTimeInterval(-92 * 86_400)
        let escalations = try self.escalations(state: "open", for: viewer).flatMap { e in
            e.open.filter { $0.body == m.group }.map { review in (escalation: e, review: review, overdue: e.overdue.contains { $0.id == review.id }) }
        }.sorted { ($0.overdue ? 0 : 1, $0.review.respondBy ?? "") < ($1.overdue ? 0 : 1, $1.review.respondBy ?? "") }
        let latePlans = try plansInProgress(for: viewer).filter { $0.planIsLate && $0.escalation.acceptedAt == m.group }
        let decided: Set<String> = ["resolved", "accepted", "referred-back", "escalated"]
        let decisions = try self.escalations(for: viewer).flatMap { e in
            e.reviews.filter { $0.body == m.group && decided.contains($0.state.rawValue) && $0.instance.updatedAt >= since && $0.instance.updatedAt <= (m.startsAt ?? clock.now()).addingTimeInterval(86_400) }
                .map { (escalation: e, review: $0) }
        }
        let children = try governance.bodies().filter { $0.reportsTo.contains(m.group) && $0.kind != .partner }
        let actions = try self.actions(for: viewer).filter { !$0.action.state.isFinished }
        let measures = try self.measures(for: viewer).filter { $0.measure.state == .active }
        let sinceDay = time.day(of: since)
        let reports = try children.map { g -> HighlightReport in
            let waiting = try self.escalations(state: "open", for: policy.bodyViewer(g.key))
            let mine = actions.filter { $0.action.group == g.key }
            let red = mine.filter { $0.latestRAG == .red }
            let overdue = mine.filter(\.isOverdue)
            return HighlightReport(group: g, openActions: mine.count, red: red.count, amber: mine.filter { $0.latestRAG == .amber }.count,
                                   green: mine.filter { $0.latestRAG == .green }.count, noUpdate: mine.filter { $0.latestRAG == nil }.count,
                                   overdue: overdue.map(\.action), redNow: red.map(\.action),
                                   measuresOutside: measures.filter { $0.measure.group == g.key && $0.values.last?.rag == .red }.map(\.measure),
                                   overdueSince: overdue.filter { ($0.action.dueDate ?? sinceDay) >= sinceDay }.map(\.action),
                                   redSince: red.filter { $0.action.instance.updatedAt >= since }.map(\.action),
                                   escalationsOverdue: waiting.filter { $0.overdue.contains { $0.body == g.key } }.map(\.escalation))
        }
        var approved: Int?
        if m.group == partnership.escalation.stopsAt {
            approved = try database.read { db in
                try db.queryOne("SELECT COUNT(*) AS n FROM events WHERE event = 'approve' AND instance_id IN (SELECT id FROM instances WHERE workflow = 'pledge') AND occurred_at >= ?",
                                since.milliseconds)?.int("n") ?? 0
            }
        }
        var agenda = MeetingAgenda(meeting: m, previous: previous, escalations: escalations, latePlans: latePlans, highlightReports: reports,
                                   pledgesApproved: approved, decisions: decisions, items: m.items)
        agenda.voiceOwed = try voiceEntries(body: m.group, for: viewer).filter(\.isOpen)
        return agenda
    }

    /// A body's meetings as an iCalendar feed (times in UTC, with their place).
    public func meetingsFeed(of body: String, for viewer: Viewer) throws -> String {
        let group = try governance.body(body)
        let events = try meetings(of: body, for: viewer).filter { $0.state != .cancelled }.compactMap { m -> ICS.Event? in
            guard let start = m.startsAt else { return nil }
            return ICS.Event(uid: m.id.rawValue, start: start, end: start.addingTimeInterval(2 * 3600), summary: "\(group.name) meeting", location: m.place)
        }
        return ICS.calendar(name: "\(group.name): meetings", events: events, generatedAt: clock.now())
    }
}
