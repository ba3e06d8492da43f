public import Foundation
public import Engine
public import Domain
internal import SQLite

/// Why a view cannot be recorded or answered as asked.
public enum VoiceError: Error, Equatable, Sendable, LocalizedError {
    /// Only a participation group's views go in the register.
    case notAParticipationGroup(String, groups: [String])
    /// A group speaks to the bodies it works with.
    case notSpokenTo(group: String, body: String, bodies: [String])
    /// The day it was said cannot be after today.
    case heardInFuture
    /// A record it shaped must be an action, escalation, pledge or report section the responder can see.
    case unknownShaped(String)
    /// A participant's name is a chosen name only.
    case participantName(String)
    /// No such participant in the group now.
    case unknownParticipant(String)

    public var errorDescription: String? {
        switch self {
        case .notAParticipationGroup(let name, let groups):
            return "\(name) is not a participation group; views are recorded for one of: \(groups.joined(separator: ", "))."
        case .notSpokenTo(let group, let body, let bodies):
            return "\(group) does not speak to \(body); choose one of the bodies it speaks to: \(bodies.joined(separator: ", "))."
        case .heardInFuture: return "The day the group said it cannot be after today."
        case .unknownShaped(let id):
            return "\(id) is not an action, escalation, pledge or report section you can see; give the reference shown on its page, such as action-12."
        case .participantName(let why): return why
        case .unknownParticipant(let id): return "There is no current member \(id) in this group."
        }
    }
}

/// An earlier view whose question is like one about to be asked, and how like it is (0 to 1).
public struct EarlierQuestion: Sendable {
    public let entry: VoiceEntry
    public let likeness: Double
}

/// A member of a participation group: a chosen name and the day they joined, nothing else.
public struct Participant: Sendable, Equatable {
    public let id: Int
    public let group: String
    public let name: String
    public let joinedOn: CalendarDay?
}

/// A record a view shaped, as far as the viewer may see it: what kind of record and whose it is
/// always (the response says so publicly), its title and link only for those who may open it.
public struct ShapedRecord: Sendable {
    public let id: String
    /// "action", "escalation", "pledge" or "report section".
    public let kind: String
    /// Its title, when the viewer may see the record.
    public let title: String?
    /// The body (or organisation) it belongs to.
    public let owner: String
    /// Where its page is, when the viewer may open it.
    public let path: String?
}

/// A participation group as its public page shows it: how many members, what it said and what came of it.
public struct ParticipationGroupSummary: Sendable {
    public let group: GovernanceBody
    public let members: Int
    public let entries: Int
    public let responded: Int
    public let overdue: Int
}

extension Flourish {
    /// The partnership's participation groups (the voice of children, young people and families).
    public func participationGroups() throws -> [GovernanceBody] {
        try governance.bodies().filter { $0.kind == .participationGroup }
    }

    /// A participation group by key, or the reason it is not one.
    public func participationGroup(_ key: String) throws -> GovernanceBody {
        let body = try governance.body(key)
        guard body.kind == .participationGroup else {
            throw VoiceError.notAParticipationGroup(body.name, groups: try participationGroups().map(\.name))
        }
        return body
    }

    /// Each participation group with its counts, for `/voice`.
    public func participationGroupSummaries() throws -> [ParticipationGroupSummary] {
        let entries = try allVoiceEntries()
        let counts = try database.read { db in
            Dictionary(try db.query("SELECT body, COUNT(*) AS n FROM participants WHERE left_on IS NULL GROUP BY body").compactMap { r in
                r.string("body").map { ($0, r.int("n") ?? 0) }
            }, uniquingKeysWith: { a, _ in a })
        }
        return try participationGroups().map { g in
            let mine = entries.filter { $0.group == g.key }
            return ParticipationGroupSummary(group: g, members: counts[g.key] ?? 0, entries: mine.count,
                                             responded: mine.filter { $0.state == .responded }.count, overdue: mine.filter { $0.state == .overdue }.count)
        }
    }

    func allVoiceEntries() throws -> [VoiceEntry] {
        try VoiceEntry.records(try engine.instances(workflow: "voice", state: nil, limit: 100_000))
    }

    /// A participation group's lead (or the secretariat for it) records what the group said to a
    /// body it speaks to, in the group's words. The response is due the partnership's number of
    /// working days from today; the body's chair is told now and reminded before the day.
    public func recordVoice(group: String, body: String, heardOn: String, question: String, said: String,
                            areas: [String], priorities: [String], by person: String) throws -> VoiceEntry {
        let speaker = try participationGroup(group)
        let listener = try governance.body(body)
        guard speaker.worksWith.contains(listener.key) else {
            throw VoiceError.notSpokenTo(group: speaker.name, body: listener.name, bodies: speaker.worksWith.map { displayName("body", $0) })
        }
        guard let heard = CalendarDay(heardOn) else {
            throw WorkflowError.invalidField(event: "record a view", field: "heardOn", reason: Self.notADay(heardOn))
        }
        let today = time.day(of: clock.now())
        guard heard <= today else { throw VoiceError.heardInFuture }
        if !areas.isEmpty { try framework.checkAreas(areas) }
        for p in priorities { try framework.checkPriority(p) }
        let settings = partnership.voice
        let respondBy = try time.workingDays.adding(settings.responseWorkingDays, to: today)
        let remindOn = try time.workingDays.adding(WorkingDays(settings.responseWorkingDays.count - settings.reminderWorkingDays.count), to: today)
        var data: [String: JSONValue] = [
            "group": .string(speaker.key), "body": .string(listener.key), "heardOn": .string(heard.description),
            "question": .string(question), "said": .string(said),
        ]
        if !areas.isEmpty { data["areas"] = .array(areas.map(JSONValue.string)) }
        if !priorities.isEmpty { data["priorities"] = .array(priorities.map(JSONValue.string)) }
        let computed: [String: JSONValue] = ["respondBy": .string(respondBy.description), "remindOn": .string(remindOn.description), "recordedBy": .string(person)]
        let started = try engine.start("voice", data: data, computed: computed, actor: try actor(person, at: speaker.key))
        return try VoiceEntry(started.instance)
    }

    /// The register as the viewer may see it (anyone sees every entry's public part), optionally
    /// one group's or one body's: overdue first, then waiting, then answered, latest first.
    public func voiceEntries(group: String? = nil, body: String? = nil, for viewer: Viewer) throws -> [VoiceEntry] {
        try allVoiceEntries()
            .filter { (group == nil || $0.group == group) && (body == nil || $0.body == body) }
            .filter { try policy.sight(of: $0, for: viewer) != .none }
            .sorted { a, b in
                let rank = { (e: VoiceEntry) in e.state == .overdue ? 0 : e.state == .awaitingResponse ? 1 : 2 }
                if rank(a) != rank(b) { return rank(a) < rank(b) }
                return (a.heardOn?.description ?? "", a.id.rawValue) > (b.heardOn?.description ?? "", b.id.rawValue)
            }
    }

    /// One entry, as far as the viewer may see it (anyone sees its public part).
    public func voiceEntry(_ reference: RecordID<VoiceEntry>, for viewer: Viewer) throws -> VoiceEntry {
        let instance = try engine.instance(reference.instance)
        guard instance.workflow == "voice" else { throw WorkflowError.unknownInstance(reference.instance) }
        let sight = try policy.sight(of: instance, for: viewer)
        guard sight != .none else { throw WorkflowError.unknownInstance(reference.instance) }
        return try VoiceEntry(instance.showing(policy.visibleData(instance, sight: sight)))
    }

    /// Whether the viewer may publish the body's response to an entry (its chair, or the secretariat for it).
    public func mayRespond(to entry: VoiceEntry, viewer: Viewer) -> Bool {
        entry.isOpen && policy.speaksFor(group: entry.body, viewer: viewer)
    }

    /// The body the group spoke to publishes its response: "we did" with the records the view
    /// shaped, or "we could not" with the reason. The group's lead is told; the public page shows it.
    public func respondToVoice(_ reference: RecordID<VoiceEntry>, outcome: String, response: String, shaped: [String], by person: String) throws -> VoiceEntry {
        let viewer = try viewer(for: person)
        let entry = try voiceEntry(reference, for: viewer)
        var seen = Set<String>(), links: [String] = []
        for raw in shaped {
            let id = raw.trimmingCharacters(in: .whitespaces)
            guard !id.isEmpty, seen.insert(id).inserted else { continue }
            guard let instance = try? engine.instance(InstanceID(id)), ["action", "escalation", "pledge", "report-section"].contains(instance.workflow),
                  try policy.sight(of: instance, for: viewer) != .none else { throw VoiceError.unknownShaped(id) }
            links.append(id)
        }
        var fields: [String: JSONValue] = ["outcome": .string(outcome), "response": .string(response)]
        if !links.isEmpty { fields["shaped"] = .array(links.map(JSONValue.string)) }
        try engine.fire("respond", on: reference.instance, payload: fields, computed: ["respondedBy": .string(person)],
                        actor: try actor(person, at: entry.body), expectedVersion: entry.version)
        return try VoiceEntry(try engine.instance(reference.instance))
    }

    /// The records an entry's response says the view shaped, for the viewer.
    public func shapedRecords(of entry: VoiceEntry, for viewer: Viewer) throws -> [ShapedRecord] {
        try entry.shaped.compactMap { id -> ShapedRecord? in
            guard let instance = try? engine.instance(InstanceID(id)) else { return nil }
            let sees = try policy.sight(of: instance, for: viewer) != .none
            switch instance.workflow {
            case "action":
                let a = try Action(instance)
                return ShapedRecord(id: id, kind: "action", title: sees ? a.title : nil, owner: displayName("body", a.group), path: sees ? "/actions/\(id)" : nil)
            case "escalation":
                let e = try Escalation(instance)
                return ShapedRecord(id: id, kind: "escalation", title: sees ? e.title : nil, owner: displayName("body", e.group), path: sees ? "/escalations/\(id)" : nil)
            case "pledge":
                let p = try Pledge(instance)
                return ShapedRecord(id: id, kind: "pledge", title: sees ? recordName(instance) : nil, owner: displayName("organisation", p.organisation), path: sees ? "/pledges/\(id)" : nil)
            case "report-section":
                let s = try ReportSection(instance)
                return ShapedRecord(id: id, kind: "report section", title: sees ? "Annual report \(s.year.map(String.init) ?? ""): \(displayName("body", s.group))" : nil,
                                    owner: displayName("body", s.group), path: nil)
            default: return nil
            }
        }
    }

    /// The answered views that shaped a record (an action, escalation, pledge or report section),
    /// for its page: "young people's views shaped this".
    public func voiceShaping(_ id: InstanceID) throws -> [VoiceEntry] {
        try allVoiceEntries().filter { $0.shaped.contains(id.rawValue) }
    }

    /// Before a question is put to a group: when it, or something like it, was asked before (of
    /// any group), and what came back. Most alike first; nothing below a third alike.
    public func earlierQuestions(like text: String, limit: Int = 10) throws -> [EarlierQuestion] {
        let asked = QuestionLikeness.words(text)
        guard !asked.isEmpty else { return [] }
        return try allVoiceEntries()
            .map { EarlierQuestion(entry: $0, likeness: QuestionLikeness.likeness(asked, QuestionLikeness.words($0.question), said: QuestionLikeness.words($0.said))) }
            .filter { $0.likeness >= QuestionLikeness.threshold }
            .sorted { ($0.likeness, $0.entry.heardOn?.description ?? "") > ($1.likeness, $1.entry.heardOn?.description ?? "") }
            .prefix(limit).map { $0 }
    }

    // MARK: - Members

    /// A group's current members (chosen names): for its lead and the secretariat only.
    public func participants(of group: String, for viewer: Viewer) throws -> [Participant] {
        let g = try participationGroup(group)
        guard policy.speaksFor(group: g.key, viewer: viewer) else {
            throw WorkflowError.notPermitted(actor: viewer.person ?? "a visitor", event: "see the members of \(g.name)", allowed: ["its adult lead", "the secretariat"])
        }
        return try database.read { db in
            try db.query("SELECT id, body, name, joined_on FROM participants WHERE body = ? AND left_on IS NULL ORDER BY name COLLATE NOCASE, id", g.key).map(Self.participant)
        }
    }

    static func participant(_ r: Row) -> Participant {
        Participant(id: r.int("id") ?? 0, group: r.string("body") ?? "", name: r.string("name") ?? "", joinedOn: r.string("joined_on").flatMap(CalendarDay.init))
    }

    /// The lead (or the secretariat) adds a member by a chosen name: a first name or a name
    /// they choose, never contact details.
    public func addParticipant(to group: String, name: String, by person: String) throws -> Participant {
        let g = try participationGroup(group)
        let viewer = try viewer(for: person)
        guard policy.speaksFor(group: g.key, viewer: viewer) else {
            throw WorkflowError.notPermitted(actor: person, event: "add a member to \(g.name)", allowed: ["its adult lead", "the secretariat"])
        }
        let chosen = try Self.checkedParticipantName(name)
        let today = time.day(of: clock.now()), now = clock.now()
        return try database.write { db in
            try db.run("INSERT INTO participants (body, name, joined_on, added_by) VALUES (?, ?, ?, ?)", g.key, chosen, today.description, person)
            let id = Int(db.lastInsertRowID)
            try GovernanceRegister.log(db, at: now, actor: person, action: "participant-joined", detail: "member \(id) joined \(g.key)")
            return Participant(id: id, group: g.key, name: chosen, joinedOn: today)
        }
    }

    /// A member leaves the group: their chosen name is removed, not kept (nothing personal stays).
    public func removeParticipant(_ id: Int, from group: String, by person: String) throws {
        let g = try participationGroup(group)
        let viewer = try viewer(for: person)
        guard policy.speaksFor(group: g.key, viewer: viewer) else {
            throw WorkflowError.notPermitted(actor: person, event: "remove a member of \(g.name)", allowed: ["its adult lead", "the secretariat"])
        }
        let today = time.day(of: clock.now()), now = clock.now()
        try database.write { db in
            guard try db.queryOne("SELECT 1 FROM participants WHERE id = ? AND body = ? AND left_on IS NULL", id, g.key) != nil else {
                throw VoiceError.unknownParticipant(String(id))
            }
            try db.run("UPDATE participants SET left_on = ?, name = '' WHERE id = ?", today.description, id)
            try GovernanceRegister.log(db, at: now, actor: person, action: "participant-left", detail: "member \(id) left \(g.key)")
        }
    }

    /// A chosen name: 1 to 40 characters, no @, no run of digits (so no email address or phone number).
    static func checkedParticipantName(_ name: String) throws -> String {
        let chosen = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !chosen.isEmpty else { throw VoiceError.participantName("Enter the name the member chooses to be known by.") }
        guard chosen.count <= 40 else { throw VoiceError.participantName("A chosen name is at most 40 characters; a first name is enough.") }
        guard !chosen.contains("@"), chosen.range(of: "[0-9]{3,}", options: .regularExpression) == nil,
              !chosen.unicodeScalars.contains(where: { CharacterSet.controlCharacters.contains($0) }) else {
            throw VoiceError.participantName("Enter only a first name or a chosen name: no email address, phone number or other contact details.")
        }
        return chosen
    }
}

/// How alike two questions are: shared words (ignoring common ones and endings) over all words
/// used, so "How could we make CAMHS waiting times better?" finds "What would make waiting for CAMHS better?".
public enum QuestionLikeness {
    /// Below this, a question is not shown as asked before.
    public static let threshold = 0.34

    static let common: Set<String> = [
        "the", "and", "for", "you", "your", "are", "was", "were", "what", "how", "why", "when", "where", "who", "which", "would", "could",
        "should", "can", "will", "with", "that", "this", "they", "them", "their", "there", "about", "from", "have", "has", "had", "our",
        "we", "us", "do", "does", "did", "is", "be", "to", "of", "in", "on", "at", "a", "an", "it", "its", "or", "if", "so", "not", "any",
        "more", "most", "some", "into", "than", "then", "too", "very", "just", "also", "make", "made", "think", "feel", "like", "want",
    ]

    /// The words that carry a question's meaning, lower-cased, with plural and tense endings cut.
    public static func words(_ text: String) -> Set<String> {
        var out = Set<String>()
        for raw in text.lowercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber }) {
            var w = String(raw)
            guard w.count >= 3, !common.contains(w) else { continue }
            for ending in ["ing", "ed", "es", "s"] where w.hasSuffix(ending) && w.count - ending.count >= 4 {
                w.removeLast(ending.count)
                break
            }
            out.insert(w)
        }
        return out
    }

    /// Shared words over all words of the two questions; a question whose words all appear in an
    /// earlier answer counts a little too (the same subject, put another way).
    public static func likeness(_ asked: Set<String>, _ earlier: Set<String>, said: Set<String> = []) -> Double {
        guard !asked.isEmpty else { return 0 }
        let union = asked.union(earlier).count
        let byQuestion = union == 0 ? 0 : Double(asked.intersection(earlier).count) / Double(union)
        let byAnswer = 0.5 * Double(asked.intersection(earlier.union(said)).count) / Double(asked.count)
        return max(byQuestion, byAnswer)
    }
}
