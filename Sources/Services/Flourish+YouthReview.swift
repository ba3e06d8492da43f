public import Foundation
public import Engine
public import Domain
internal import SQLite

/// Why the youth review stops something, or cannot be done as asked.
public enum YouthReviewError: Error, Equatable, Sendable, LocalizedError {
    /// With the youth review on, a pledge goes to the panel before it is published.
    case notSent(panel: String)
    /// The panel has not given its view yet, and its deadline has not passed.
    case awaitingPanel(panel: String, reviewBy: String)
    case notSubmitted(String)
    case alreadySent(String, batch: String)
    case notInBatch(String)
    case commentNeeded
    case nothingToSend
    /// The youth panel's statement is not in the annual report yet.
    case statementAwaited(panel: String)
    case off

    public var errorDescription: String? {
        switch self {
        case .notSent(let panel): return "The youth review is on: send this pledge to the \(panel) before publishing it."
        case .awaitingPanel(let panel, let by): return "The \(panel) have until \(by) to give their view on this pledge; publish it once they have, or after that day."
        case .notSubmitted(let id): return "\(id) is not a pledge waiting for review; only submitted pledges go to the youth panel."
        case .alreadySent(let id, let batch): return "\(id) is already with the youth panel (\(batch))."
        case .notInBatch(let id): return "\(id) is not one of the pledges sent to the panel in this batch."
        case .commentNeeded: return "Enter the panel's comment: what they think, in their words."
        case .nothingToSend: return "Choose at least one pledge to send to the youth panel."
        case .statementAwaited(let panel): return "The \(panel)'s statement is not in the report yet; it is approved once young people have had their say."
        case .off: return "The youth review is off; the secretariat switches it on first."
        }
    }
}

/// The youth review as the secretariat switched it on: which participation group reviews
/// pledges before they are published, and how many working days it has for a batch.
public struct YouthReviewSetting: Sendable, Equatable {
    public let panel: GovernanceBody
    public let workingDays: WorkingDays
    public let since: Date
}

/// A batch of pledges sent to the youth panel (the youth-review workflow).
public struct YouthReviewBatch: Sendable {
    public let instance: Instance
    public let panel: String
    public let pledges: [String]
    public let reviewBy: CalendarDay?
    /// The panel's view of each pledge it has given one on: "endorse" or "comment", with its words.
    public let views: [String: (view: String, comment: String?)]

    public var id: InstanceID { instance.id }
    /// Still with the panel (neither finished nor past its deadline).
    public var isOpen: Bool { instance.state == "with-the-panel" }
    public var state: String { instance.state }
}

extension Flourish {
    /// The youth review in force, if the secretariat switched it on.
    public func youthReviewSetting() throws -> YouthReviewSetting? {
        let row = try database.read { db in try db.queryOne("SELECT panel, working_days, switched_on_at FROM youth_review_settings WHERE switched_off_at IS NULL ORDER BY id DESC LIMIT 1") }
        guard let row, let panel = row.string("panel"), let body = try? governance.body(panel) else { return nil }
        return YouthReviewSetting(panel: body, workingDays: WorkingDays(row.int("working_days") ?? 10), since: Date(milliseconds: row.int64("switched_on_at") ?? 0))
    }

    /// The secretariat switches the youth review on (a participation group reviews pledges
    /// before they are published, and writes its statement in the annual report) or off.
    public func switchYouthReview(on: Bool, panel: String? = nil, workingDays: Int = 10, by person: String) throws -> YouthReviewSetting? {
        try requireSecretariat(try viewer(for: person), doing: on ? "switch the youth review on" : "switch the youth review off")
        let now = clock.now()
        if on {
            let group = try participationGroup(panel ?? "")
            guard (1...60).contains(workingDays) else {
                throw WorkflowError.invalidField(event: "switch the youth review on", field: "workingDays", reason: "should be from 1 to 60 working days")
            }
            try database.write { db in
                try db.run("UPDATE youth_review_settings SET switched_off_at = ?, switched_off_by = ? WHERE switched_off_at IS NULL", now.milliseconds, person)
                try db.run("INSERT INTO youth_review_settings (panel, working_days, switched_on_at, switched_on_by) VALUES (?, ?, ?, ?)", group.key, workingDays, now.milliseconds, person)
                try GovernanceRegister.log(db, at: now, actor: person, action: "youth-review-on", detail: "\(group.key) reviews pledges within \(workingDays) working days")
            }
        } else {
            try database.write { db in
                try db.run("UPDATE youth_review_settings SET switched_off_at = ?, switched_off_by = ? WHERE switched_off_at IS NULL", now.milliseconds, person)
                try GovernanceRegister.log(db, at: now, actor: person, action: "youth-review-off", detail: "pledges are published without the youth panel")
            }
        }
        return try youthReviewSetting()
    }

    /// Every batch sent to the youth panel, newest first.
    public func youthReviewBatches() throws -> [YouthReviewBatch] {
        try engine.instances(workflow: "youth-review", state: nil, limit: 10_000).map { try youthReviewBatch($0) }.sorted { $0.instance.createdAt > $1.instance.createdAt }
    }

    func youthReviewBatch(_ instance: Instance) throws -> YouthReviewBatch {
        let d = RecordData(instance)
        var views: [String: (String, String?)] = [:]
        for e in try engine.history(of: instance.id) where e.event == "give-view" {
            if let p = e.payload["pledge"]?.stringValue, let v = e.payload["view"]?.stringValue { views[p] = (v, e.payload["comment"]?.stringValue) }
        }
        return YouthReviewBatch(instance: instance, panel: d.text("group"), pledges: d.strings("pledges"), reviewBy: d.day("reviewBy"), views: views)
    }

    /// Whether the viewer may open the youth review: the secretariat, and the panel's lead.
    public func seesYouthReview(_ viewer: Viewer) throws -> Bool {
        if viewer.isSecretariat { return true }
        guard let panel = try youthReviewSetting()?.panel.key else { return false }
        return policy.speaksFor(group: panel, viewer: viewer)
    }

    /// The batches the viewer may see (the secretariat all; a panel's members their panel's), newest first.
    public func youthReviewBatches(for viewer: Viewer) throws -> [YouthReviewBatch] {
        try youthReviewBatches().filter { try policy.sight(of: $0.instance, for: viewer) == .whole }
    }

    /// A batch, for the secretariat and the panel's lead.
    public func youthReviewBatch(_ id: InstanceID, for viewer: Viewer) throws -> YouthReviewBatch {
        let instance = try engine.instance(id)
        guard instance.workflow == "youth-review", try policy.sight(of: instance, for: viewer) == .whole else { throw WorkflowError.unknownInstance(id) }
        return try youthReviewBatch(instance)
    }

    /// The batch a pledge was last sent in, if any.
    public func youthReview(of pledge: InstanceID) throws -> YouthReviewBatch? {
        try youthReviewBatches().first { $0.pledges.contains(pledge.rawValue) }
    }

    /// Submitted pledges the youth panel has not had yet.
    public func pledgesForYouthReview() throws -> [Pledge] {
        let sent = Set(try youthReviewBatches().flatMap(\.pledges))
        return try Pledge.records(try engine.instances(workflow: "pledge", state: "submitted", limit: 100_000)).filter { !sent.contains($0.id.rawValue) }
    }

    /// The secretariat sends submitted pledges to the youth panel as one batch, due back the
    /// setting's working days from today; the panel's lead is told.
    public func sendForYouthReview(_ pledges: [String], by person: String) throws -> YouthReviewBatch {
        try requireSecretariat(try viewer(for: person), doing: "send pledges to the youth panel")
        guard let setting = try youthReviewSetting() else { throw YouthReviewError.off }
        let unique = pledges.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        guard !unique.isEmpty else { throw YouthReviewError.nothingToSend }
        let batches = try youthReviewBatches()
        for id in unique {
            guard let instance = try? engine.instance(InstanceID(id)), instance.workflow == "pledge", instance.state == "submitted" else { throw YouthReviewError.notSubmitted(id) }
            if let batch = batches.first(where: { $0.pledges.contains(id) }) { throw YouthReviewError.alreadySent(id, batch: batch.id.rawValue) }
        }
        let reviewBy = try time.workingDays.adding(setting.workingDays, to: time.day(of: clock.now()))
        let started = try engine.start("youth-review", data: ["group": .string(setting.panel.key), "pledges": .array(unique.map(JSONValue.string))],
                                       computed: ["reviewBy": .string(reviewBy.description), "sentBy": .string(person)], actor: Actor(person))
        return try youthReviewBatch(started.instance)
    }

    /// The panel's lead records the panel's view of one pledge in a batch: it endorses it, or
    /// comments (with its words); or says the panel has finished the batch.
    public func giveYouthView(_ batch: InstanceID, pledge: String, view: String, comment: String?, by person: String) throws -> YouthReviewBatch {
        let current = try youthReviewBatch(batch, for: try viewer(for: person))
        guard current.pledges.contains(pledge) else { throw YouthReviewError.notInBatch(pledge) }
        let words = comment?.trimmingCharacters(in: .whitespacesAndNewlines).nilIfEmpty
        if view == "comment", words == nil { throw YouthReviewError.commentNeeded }
        var fields: [String: JSONValue] = ["pledge": .string(pledge), "view": .string(view)]
        if let words { fields["comment"] = .string(words) }
        try engine.fire("give-view", on: batch, payload: fields, actor: try actor(person, at: current.panel), expectedVersion: current.instance.version)
        return try youthReviewBatch(try engine.instance(batch))
    }

    /// The panel's lead says the panel has finished the batch: the secretariat may go on.
    public func finishYouthReview(_ batch: InstanceID, by person: String) throws -> YouthReviewBatch {
        let current = try youthReviewBatch(batch, for: try viewer(for: person))
        try engine.fire("finish", on: batch, payload: [:], actor: try actor(person, at: current.panel), expectedVersion: current.instance.version)
        return try youthReviewBatch(try engine.instance(batch))
    }

    /// With the youth review on, a pledge is published only after the panel has had it: its
    /// view given, the batch finished, or the batch's deadline passed. Checked wherever a pledge
    /// is approved (the review page, the CLI, the API's generic event).
    func checkYouthReview(before approving: InstanceID) throws {
        guard let setting = try youthReviewSetting() else { return }
        guard let batch = try youthReview(of: approving) else { throw YouthReviewError.notSent(panel: setting.panel.name) }
        if batch.isOpen && batch.views[approving.rawValue] == nil {
            throw YouthReviewError.awaitingPanel(panel: displayName("body", batch.panel), reviewBy: batch.reviewBy?.inWords ?? "its deadline")
        }
    }
}

extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}
