public import Foundation
public import Engine
public import Domain
internal import SQLite

/// What an organisation pledges.
public struct PledgeRequest: Sendable {
    public var organisation: String
    public var text: String
    public var areas: [String]
    public var theme: String?
    public var priority: String?
    /// The pledge year; by default the current one.
    public var pledgeYear: Int?
    /// The partnership's ask it answers (an open pledge ask), if any.
    public var ask: String?

    public init(organisation: String, text: String, areas: [String], theme: String? = nil, priority: String? = nil, pledgeYear: Int? = nil) {
        self.organisation = organisation
        self.text = text
        self.areas = areas
        self.theme = theme
        self.priority = priority
        self.pledgeYear = pledgeYear
    }
}

/// A pledging organisation with its scheme membership.
public struct OrganisationView: Sendable {
    public let organisation: PledgingOrganisation
    public let membership: OrganisationMembership?
    public let pledges: [Pledge]
    /// Whether it shows on the public wall: it has a pledge there (approved and current, its
    /// membership active or renewal due). A membership alone, with no pledge, is not on the wall.
    public let isOnWall: Bool
}

/// One pledge on the public wall: nothing personal, only what the organisation pledged.
public struct WallEntry: Sendable, Equatable {
    public let pledge: InstanceID
    public let organisation: String
    public let organisationName: String
    public let kind: String
    public let district: String
    public let text: String
    public let areas: [String]
    public let theme: String?
    public let priority: String?
    /// The partnership's ask it answers, if any.
    public var ask: String? = nil
    public let pledgeYear: Int
    public let approvedOn: Date
}

/// How to filter the wall.
public struct WallFilter: Sendable {
    public var area: String?
    public var kind: String?
    public var district: String?
    public var theme: String?
    public var search: String?
    public init(area: String? = nil, kind: String? = nil, district: String? = nil, theme: String? = nil, search: String? = nil) {
        self.area = area
        self.kind = kind
        self.district = district
        self.theme = theme
        self.search = search
    }
}

extension Flourish {
    // MARK: - Organisations

    /// Registers an organisation for the pledge scheme: the organisation, its contact and its
    /// membership are written in one transaction, after every check has passed.
    public func registerOrganisation(_ r: OrganisationRegistration, by person: String, idempotencyKey: String? = nil) throws -> OrganisationView {
        try registerOrganisation(r, by: person, idempotencyKey: idempotencyKey, alsoWriting: nil)
    }

    func registerOrganisation(_ r: OrganisationRegistration, by person: String, idempotencyKey: String?,
                                      alsoWriting: (@Sendable (Connection, String, Date) throws -> Void)?) throws -> OrganisationView {
        let kinds = partnership.organisationKinds.map(\.key), districts = partnership.districts.map(\.key), sizes = partnership.sizeBands.map(\.key)
        let now = clock.now()
        let result = LockedBox<(key: String, contact: String)?>(nil)
        // The membership's data needs the keys the insert makes, so they are made first in the same transaction.
        let started = try engine.start("scheme-membership", data: [:], actor: Actor(person), idempotencyKey: idempotencyKey) { db in
            let made = try PledgingOrganisations.insert(r, kinds: kinds, districts: districts, sizeBands: sizes, db: db, at: now)
            try alsoWriting?(db, made.contact, now)
            result.value = made
        } dataFrom: { _ in
            guard let made = result.value else { return [:] }
            return ["organisation": .string(made.key), "contacts": [.string(made.contact)],
                    "contactName": .string(r.contactName.trimmingCharacters(in: .whitespacesAndNewlines)), "contactEmail": .string(r.contactEmail)]
        }
        let key = try OrganisationMembership(started.instance).organisation
        return try organisation(key)
    }

    /// A pledging organisation, its membership and its pledges.
    public func organisation(_ key: String) throws -> OrganisationView {
        guard let org = try database.read({ db in try PledgingOrganisations.load(key, db: db) }) else { throw RegistrationError.unknownOrganisation(key) }
        let membership = try instances(of: "scheme-membership", whereData: "organisation", equals: key).last.map(OrganisationMembership.init)
        let pledges = try Pledge.records(instances(of: "pledge", whereData: "organisation", equals: key))
        let wall = try wallIndex().pledges
        return OrganisationView(organisation: org, membership: membership, pledges: pledges, isOnWall: pledges.contains { wall.contains($0.id.instance) })
    }

    /// An organisation its contacts or the secretariat may see, with its membership (which holds
    /// the contact's personal data).
    ///
    /// - Throws: ``RegistrationError/unknownOrganisation(_:)`` when there is none or the viewer is neither.
    public func organisation(_ key: String, for viewer: Viewer) throws -> OrganisationView {
        guard viewer.isSecretariat || viewer.organisations.contains(key) else { throw RegistrationError.unknownOrganisation(key) }
        return try organisation(key)
    }

    /// The organisations the viewer may see whole: all of them for the secretariat, their own for a contact.
    public func organisations(for viewer: Viewer) throws -> [OrganisationView] {
        viewer.isSecretariat ? try organisations() : try viewer.organisations.map { try organisation($0) }
    }

    /// Every pledging organisation, by name.
    public func organisations() throws -> [OrganisationView] {
        let keys = try database.read { db in try db.query("SELECT key FROM organisations WHERE kind IS NOT NULL ORDER BY name").compactMap { $0.string("key") } }
        return try keys.map { try organisation($0) }
    }

    /// The pledging organisations a person is a contact for (its contacts are the people it names).
    public func organisationKeys(contactedBy person: String) throws -> [String] {
        try database.read { db in try Self.organisationKeys(contactedBy: person, in: db) }
    }

    static func organisationKeys(contactedBy person: String, in db: Connection) throws -> [String] {
        try db.query("SELECT o.key FROM people p JOIN organisations o ON o.key = p.organisation WHERE p.id = ? AND o.kind IS NOT NULL ORDER BY o.name", person)
            .compactMap { $0.string("key") }
    }

    /// Instances of a workflow whose data field equals a value, oldest first.
    func instances(of workflow: String, whereData field: String, equals value: some SQLiteBindable & Sendable) throws -> [Instance] {
        let ids = try database.read { db in
            try db.query(engine.instanceIDsSQL(whereData: field, valueIsText: value is String), workflow, value)
                .compactMap { $0.string("id") }
        }
        return try ids.map { try engine.instance(InstanceID($0)) }
    }

    /// Withdraws an organisation from the scheme (its contacts or the secretariat).
    public func withdrawOrganisation(_ key: String, reason: String?, by person: String) throws -> OrganisationView {
        let view = try organisation(key)
        guard let membership = view.membership else { throw RegistrationError.unknownOrganisation(key) }
        try engine.fire("withdraw", on: membership.id.instance, payload: reason.map { ["reason": .string($0)] } ?? [:], actor: Actor(person), expectedVersion: membership.version)
        return try organisation(key)
    }

    /// Reinstates a lapsed or withdrawn organisation (the secretariat).
    public func reinstateOrganisation(_ key: String, reason: String, by person: String) throws -> OrganisationView {
        let view = try organisation(key)
        guard let membership = view.membership else { throw RegistrationError.unknownOrganisation(key) }
        try engine.fire("reinstate", on: membership.id.instance, payload: ["reason": .string(reason)], actor: Actor(person), expectedVersion: membership.version)
        return try organisation(key)
    }

    /// Erases an organisation's contact details on request (UK GDPR): the contact's name and
    /// email go from the directory, from the registration's event payloads (by redaction, so
    /// the audit log still verifies) and from the outbox. Pledges and their history stay.
    func eraseContact(of key: String, reason: String, by person: String) throws -> Int {
        let view = try organisation(key)
        var erased = 0
        let now = clock.now()
        try database.write { db in
            for contact in view.organisation.contacts {
                guard let row = try db.queryOne("SELECT email FROM people WHERE id = ? AND erased_at IS NULL", contact) else { continue }
                if let email = row.string("email") {
                    try db.run("UPDATE outbox SET recipient = '[erased]', body = '[erased]' WHERE recipient = ? AND status IN ('sent', 'failed', 'undeliverable')", email)
                    try db.run("UPDATE outbox SET recipient = '[erased]', body = '[erased]', status = 'undeliverable', last_error = 'contact erased on request' WHERE recipient = ? AND status IN ('pending', 'sending')", email)
                }
                try db.run("UPDATE people SET name = '[erased]', email = NULL, erased_at = ? WHERE id = ?", now.milliseconds, contact)
                erased += 1
            }
            try db.run("UPDATE organisations SET contact_erased_at = ? WHERE key = ?", now.milliseconds, key)
            try GovernanceRegister.log(db, at: now, actor: person, action: "erase-contact", detail: "\(key): \(reason)")
        }
        if let membership = view.membership {
            try engine.redact(fields: ["contactName", "contactEmail"], in: membership.id.instance, actor: Actor(person), reason: reason)
        }
        return erased
    }

    // MARK: - Pledges

    /// The pledge year a new pledge is for, by default.
    public func currentPledgeYear() -> Int {
        let today = time.day(of: clock.now())
        if case .schemeYear(let month, let day) = partnership.pledges.year, today < CalendarDay(year: today.year, month: month, day: day) {
            return today.year - 1
        }
        return today.year
    }

    /// Drafts a pledge for an organisation, checking its areas, theme and priority, and
    /// flagging it to the reviewer when it repeats the organisation's previous pledge.
    public func createPledge(_ r: PledgeRequest, by person: String, idempotencyKey: String? = nil) throws -> Instance {
        // Who may comes before whether the organisation exists: someone who speaks for no
        // organisation of that key is told the same whether or not there is one.
        guard policy.speaksFor(organisation: r.organisation, viewer: try viewer(forOperator: person)) else {
            throw WorkflowError.notPermitted(actor: person, event: "pledge for \(r.organisation)", allowed: ["its contacts", "the secretariat"])
        }
        let view = try organisation(r.organisation)
        try checkPledgeTags(areas: r.areas, theme: r.theme, priority: r.priority)
        let year = r.pledgeYear ?? currentPledgeYear()
        // A new pledge is for the pledge year running (or the one just ended, or the next, a
        // renewal made early); earlier years' pledges are history, for `import pledges`. A year
        // of 99999 was drafted, flagged as repeating an earlier pledge, and approved.
        let years = (currentPledgeYear() - 1)...(currentPledgeYear() + 1)
        guard years.contains(year) else {
            throw WorkflowError.invalidField(event: "draft a pledge", field: "pledgeYear",
                                             reason: "should be \(years.lowerBound), \(years.lowerBound + 1) or \(years.upperBound), not \(year); earlier years' pledges come in through an import of pledges")
        }
        var data: [String: JSONValue] = [
            "organisation": .string(r.organisation), "contacts": .array(view.organisation.contacts.map(JSONValue.string)),
            "pledgeYear": .integer(Int64(year)), "text": .string(r.text), "areas": .array(r.areas.map(JSONValue.string)),
            "repeatsLastYear": .bool(repeatsEarlierPledge(r.text, of: view, before: year)),
        ]
        if let t = r.theme { data["theme"] = .string(t) }
        if let p = r.priority { data["priority"] = .string(p) }
        if let ask = r.ask, !ask.isEmpty { data["ask"] = .string(try openAsk(ask).id.rawValue) }
        let built = try engine.separatingComputed(data, workflow: "pledge", event: "start")
        return try engine.start("pledge", data: built.given, computed: built.computed, actor: Actor(person), idempotencyKey: idempotencyKey).instance
    }

    /// Edits a draft pledge (or one with changes requested).
    public func editPledge(_ reference: RecordID<Pledge>, text: String?, areas: [String]?, theme: String?, priority: String?, expectedVersion: Int?, by person: String) throws -> Instance {
        let id = reference.instance
        let pledge = try pledgeToActOn(reference, by: person)
        // An empty theme or priority clears it.
        try checkPledgeTags(areas: areas, theme: theme == "" ? nil : theme, priority: priority == "" ? nil : priority)
        var payload: [String: JSONValue] = [:]
        if let text {
            payload["text"] = .string(text)
            let record = try Pledge(pledge)
            payload["repeatsLastYear"] = .bool(repeatsEarlierPledge(text, of: try organisation(record.organisation), before: record.pledgeYear ?? currentPledgeYear()))
        }
        if let areas { payload["areas"] = .array(areas.map(JSONValue.string)) }
        if let theme { payload["theme"] = theme.isEmpty ? .null : .string(theme) }
        if let priority { payload["priority"] = priority.isEmpty ? .null : .string(priority) }
        let built = try engine.separatingComputed(payload, workflow: "pledge", event: "edit")
        return try engine.fire("edit", on: id, payload: built.given, computed: built.computed, actor: Actor(person), expectedVersion: expectedVersion).instance
    }

    /// Approves and publishes a pledge, with its pledge year's dates worked out from the partnership's settings.
    public func approvePledge(_ reference: RecordID<Pledge>, comment: String?, expectedVersion: Int?, by person: String) throws -> Instance {
        let id = reference.instance
        _ = try pledgeToActOn(reference, by: person)
        // Who may approve, and whether the pledge is waiting for it, are said before the youth review's rule.
        try engine.checkMayFire("approve", on: id, actor: Actor(person))
        try checkYouthReview(before: id)
        var payload: [String: JSONValue] = [:]
        if let comment { payload["reviewComment"] = .string(comment) }
        return try engine.fire("approve", on: id, payload: payload, computed: try pledgeYearDates(approvedOn: time.day(of: clock.now())),
                               actor: Actor(person), expectedVersion: expectedVersion).instance
    }

    /// Fires any other pledge event (submit, request-changes, reject, report, withdraw, close-unreported).
    public func firePledge(_ reference: RecordID<Pledge>, event: String, fields: [String: JSONValue], expectedVersion: Int?, by person: String) throws -> Instance {
        let id = reference.instance
        _ = try pledgeToActOn(reference, by: person)
        try checkReached(fields, event: event)
        if event == "approve" {
            try engine.checkMayFire(event, on: id, actor: Actor(person))
            try checkYouthReview(before: id)
        }
        return try engine.fire(event, on: id, payload: fields, actor: Actor(person), expectedVersion: expectedVersion).instance
    }

    /// A pledge a person is about to act on. One they may not see at all is answered as missing,
    /// as a page would answer it, before anything else is checked: acting on someone else's
    /// draft tells nothing of it. The workflow then says whether they may act.
    func pledgeToActOn(_ reference: RecordID<Pledge>, by person: String) throws -> Instance {
        let id = reference.instance
        let pledge = try engine.instance(id)
        guard pledge.workflow == "pledge", try policy.sight(of: pledge, for: try viewer(forOperator: person)) > .none else { throw WorkflowError.unknownInstance(id) }
        return pledge
    }

    /// The most children and young people a pledge's report may say it reached: more than live
    /// in any partnership, so a typo of extra noughts is caught.
    static let mostReached = 1_000_000

    /// A report's count of children and young people reached is a whole number from 0.
    func checkReached(_ fields: [String: JSONValue], event: String) throws {
        guard let value = fields["reached"], value != .null else { return }
        guard let n = value.intValue, n >= 0, n <= Self.mostReached else {
            throw WorkflowError.invalidField(event: event, field: "reached", reason: "should be the number of children and young people reached, a whole number from 0 to \(Self.mostReached)")
        }
    }

    func checkPledgeTags(areas: [String]?, theme: String?, priority: String?) throws {
        if let areas { try framework.checkAreas(areas) }
        if let priority { try framework.checkPriority(priority) }
        let themes = partnership.pledges.themes.map(\.key)
        if let theme, !themes.contains(theme) {
            throw WorkflowError.invalidField(event: "pledge", field: "theme", reason: "should be one of: \(themes.joined(separator: ", "))")
        }
    }

    /// Whether `text` repeats the organisation's pledge for an earlier year ("at least one new thing each year").
    func repeatsEarlierPledge(_ text: String, of view: OrganisationView, before year: Int) -> Bool {
        Self.repeatsEarlierPledge(text, earlier: view.pledges.map { ($0.pledgeYear, Self.normalise($0.text)) }, before: year)
    }

    /// The rule: a pledge repeats an earlier one when an earlier year's pledge, its wording
    /// normalised, says the same (`earlier`: each pledge's year and normalised wording).
    static func repeatsEarlierPledge(_ text: String, earlier: [(year: Int?, normalText: String)], before year: Int) -> Bool {
        let normal = normalise(text)
        return earlier.contains { ($0.year ?? year) < year && $0.normalText == normal }
    }

    static func normalise(_ text: String) -> String {
        text.lowercased().split { !$0.isLetter && !$0.isNumber }.joined(separator: " ")
    }

    // MARK: - The public wall

    /// The public pledge wall: approved pledges in their pledge year, of organisations whose
    /// membership is active (or due for renewal), filtered, newest first; and how many per area.
    public func wall(_ filter: WallFilter = WallFilter()) throws -> (entries: [WallEntry], countsByArea: [String: Int]) {
        try check(filter)
        let wall = try wallIndex()
        let search = filter.search.map(Self.normalise).flatMap { $0.isEmpty ? nil : $0 }
        guard filter.area != nil || filter.kind != nil || filter.district != nil || filter.theme != nil || search != nil else {
            return (wall.entries, wall.countsByArea)  // the kept wall itself, not a copy
        }
        var entries: [WallEntry] = []
        var counts: [String: Int] = [:]
        for (entry, searchText) in zip(wall.entries, wall.searchTexts) {
            if let a = filter.area, !entry.areas.contains(a) { continue }
            if let k = filter.kind, entry.kind != k { continue }
            if let d = filter.district, entry.district != d { continue }
            if let t = filter.theme, entry.theme != t { continue }
            if let search, !searchText.contains(search) { continue }
            entries.append(entry)
            for a in entry.areas { counts[a, default: 0] += 1 }
        }
        return (entries, counts)
    }

    /// Every pledge on the wall, newest first, each with its text ready for searching, and the
    /// count per area; kept until the next event.
    struct WallIndex: Sendable, Equatable {
        var entries: [WallEntry] = []
        /// The pledges on the wall, for asking whether one is, without a scan.
        var pledges: Set<InstanceID> = []
        var searchTexts: [String] = []
        var countsByArea: [String: Int] = [:]
    }

    /// Whether a pledge is on the public wall now.
    func isOnWall(_ pledge: InstanceID) throws -> Bool { try wallIndex().pledges.contains(pledge) }

    /// The wall, kept in step with the event log (``WallLedger``).
    func wallIndex() throws -> WallIndex {
        try wallLedger.index(app: self, version: try figuresVersion())
    }

    func storedData(_ row: Row) throws -> [String: JSONValue] {
        try engine.storedJSON.decode(row.string("data") ?? "{}", format: row.int("data_format") ?? 1)
    }
}

/// A value set inside a transaction closure and read after it.
final class LockedBox<Value>: @unchecked Sendable {  // `stored` guarded by `lock`
    private let lock = NSLock()
    private var stored: Value
    init(_ value: Value) { stored = value }
    var value: Value {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}
