public import Foundation
public import Engine
internal import SQLite
public import Domain

/// What the front doors need of the engine and the database, through the services: records
/// read through the access policy, and the operator's own tasks (timers, the audit log, the
/// outbox, workflow versions). The web and the CLI reach nothing underneath.
extension Flourish {
    // MARK: - The operator's view

    /// The viewer the CLI reads as: the person `--as` names, as the web would show them; or,
    /// when that name is nobody in the directory (the operator's own login), the operator, who
    /// sees every record: the CLI runs beside the database file, which holds them all anyway.
    /// Writes are decided by the workflows' rules for the acting person either way.
    public func viewer(forOperator person: String) throws -> Viewer {
        if try directory.person(person) != nil { return try viewer(for: person) }
        return Viewer(person: person, name: person, isSecretariat: true, chairOf: [], boardOf: [], memberOf: [], organisations: [], isOperator: true)
    }

    /// The database file's path.
    public var databasePath: String { database.path }

    /// Whether the database answers (for a health check).
    public func checkDatabase() throws { _ = try database.read { try $0.queryOne("SELECT 1") } }

    /// Runs SQLite's `quick_check` over the whole file (at start-up and every so often while
    /// serving). A damaged file is remembered: writes are refused from then on and the health
    /// check says why, until a later check passes. Returns the problem, or nil when sound.
    @discardableResult
    public func checkIntegrity() throws -> String? {
        let lines = try database.quickCheck()
        integrityCheckedAt.withLock { $0 = clock.now() }
        return lines == ["ok"] ? nil : lines.prefix(3).joined(separator: "; ")
    }

    /// Why the database is known to be damaged, or nil.
    public var knownDamage: String? { database.knownDamage }

    /// When the last integrity check ran in this process (nil: none yet).
    public var lastIntegrityCheck: Date? { integrityCheckedAt.withLock { $0 } }

    /// The database's change counter: moves on every commit, in this process or another.
    public func changeCounter() throws -> Int64 { try database.changeCounter() }

    /// How many events the audit log holds.
    public func eventCount() throws -> Int { try database.read { try $0.queryOne("SELECT count(*) AS n FROM events")?.int("n") ?? 0 } }

    /// What an operator watches, read in one snapshot when the metrics are scraped.
    public struct OperationalFigures: Sendable, Equatable {
        /// Timers whose moment has passed but that no tick has fired yet.
        public let timersDue: Int
        /// When the longest-waiting of those fell due (nil: none is waiting).
        public let oldestTimerDueAt: Date?
        /// Outbox messages by status (pending, sending, sent, failed, undeliverable; every one named, zero or not).
        public let outbox: [String: Int]
        /// The audit log's last event: its sequence number and hash (0 and "" when empty).
        public let auditHeadSeq: Int64
        public let auditHeadHash: String
        /// The database file's and its write-ahead log's sizes in bytes.
        public let databaseBytes: Int64
        public let walBytes: Int64
        /// The free and the whole size of the file system that holds the database (0 when it cannot be read).
        public let diskFreeBytes: Int64
        public let diskSizeBytes: Int64
    }

    /// The figures an operator's dashboard and alerts read (see ``OperationalFigures``).
    public func operationalFigures() throws -> OperationalFigures {
        let now = clock.now().milliseconds
        let (due, oldest, outbox, head) = try database.read { db in
            let timers = try db.queryOne("SELECT count(*) AS n, min(due_at) AS oldest FROM timers WHERE status = 'pending' AND due_at <= ?", now)
            var byStatus = Dictionary(uniqueKeysWithValues: OutboxMessage.statuses.map { ($0, 0) })
            for row in try db.query("SELECT status, count(*) AS n FROM outbox GROUP BY status") {
                byStatus[row.string("status") ?? "", default: 0] = row.int("n") ?? 0
            }
            let head = try db.queryOne("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1")
            return (timers?.int("n") ?? 0, timers?.int64("oldest").map(Date.init(milliseconds:)), byStatus, head)
        }
        func size(_ path: String) -> Int64 {
            ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.int64Value ?? 0
        }
        let disk = diskSpace()
        return OperationalFigures(timersDue: due, oldestTimerDueAt: oldest, outbox: outbox,
                                  auditHeadSeq: head?.int64("seq") ?? 0, auditHeadHash: head?.string("hash") ?? "",
                                  databaseBytes: size(database.path), walBytes: size(database.path + "-wal"),
                                  diskFreeBytes: disk.free, diskSizeBytes: disk.size)
    }

    /// Free and whole bytes of the file system that holds the database (0 when it cannot be read).
    func diskSpace() -> (free: Int64, size: Int64) {
        let disk = try? FileManager.default.attributesOfFileSystem(forPath: URL(fileURLWithPath: database.path).deletingLastPathComponent().path)
        return ((disk?[.systemFreeSize] as? NSNumber)?.int64Value ?? 0, (disk?[.systemSize] as? NSNumber)?.int64Value ?? 0)
    }

    /// What the engine and the front door measured since this process started.
    public var engineObservations: EngineObservations { engine.observations }

    // MARK: - Workflows

    /// The newest version of every installed workflow.
    public var workflowDefinitions: [WorkflowDefinition] { engine.definitions }

    /// A workflow's newest definition, or a given installed version.
    public func workflowDefinition(_ name: String, version: Int? = nil) throws -> WorkflowDefinition {
        try version.map { try engine.definition(name, version: $0) } ?? engine.definition(name)
    }

    /// Every installed version of a workflow.
    public func workflowVersions(of name: String) -> [WorkflowDefinition] { engine.versions(of: name) }

    /// What moving live instances of older versions onto the newest would do; writes nothing.
    public func migrationPlan(_ workflow: String, mapping: [String: String]) throws -> MigrationPlan {
        try engine.migrationPlan(workflow, mapping: mapping)
    }

    /// Moves live instances of older versions onto the newest version (the operator's task).
    public func migrate(_ workflow: String, mapping: [String: String], by person: String) throws -> MigrationPlan {
        try engine.migrate(workflow, mapping: mapping, actor: Actor(person))
    }

    // MARK: - Timers, the audit log and the outbox

    /// Fires every timer due by now.
    /// Fires the timers that are due, and removes account links that expired (with any
    /// registration never confirmed).
    public func runDueTimers() throws -> [FiredTimer] {
        let fired = try engine.tick()
        try accounts.removeExpiredLinks(at: clock.now())
        return fired
    }

    /// Checks the hash chain of the whole audit log (and, given, that it ends at `expectedHead`).
    public func verifyAuditLog(expectedHead: String?) throws -> AuditChain.Report { try engine.verifyAuditLog(expectedHead: expectedHead) }

    /// A page of the outbox, newest first, with the total: a list is never cut without saying so.
    func outboxPage(status: String? = nil, _ request: PageRequest = .first(200)) throws -> ListPage<OutboxMessage> {
        let page = try engine.outboxPage(status: status, after: try request.number(), limit: request.limit)
        return ListPage(items: page.messages, total: page.total, next: page.next.map(String.init))
    }

    /// Messages in the outbox, oldest first, optionally in one status.
    public func outbox(status: String? = nil, limit: Int = 200) throws -> [OutboxMessage] { try engine.outbox(status: status, limit: limit) }

    // MARK: - Records, through the policy

    /// Records of a workflow (or all), optionally in a state, that the viewer may see, each with
    /// only the fields they may read.
    public func records(workflow: String?, state: String?, limit: Int, for viewer: Viewer) throws -> [Instance] {
        try engine.instances(workflow: workflow, state: state, limit: limit).compactMap { instance in
            let sight = try policy.sight(of: instance, for: viewer)
            return sight == .none ? nil : instance.showing(policy.visibleData(instance, sight: sight))
        }
    }

    /// A page of the records the viewer may see, newest first, with how many they may see in
    /// all: a list is never cut without saying so.
    ///
    /// - Parameter request: its `after` is the `next` of the page before (nil: the newest).
    public func recordsPage(workflow: String?, state: String?, _ request: PageRequest, for viewer: Viewer) throws -> ListPage<Instance> {
        try checkRecordsFilter(workflow: workflow, state: state)
        let limit = request.limit
        var shown: [Instance] = []
        var cursor = try request.number()
        // Fill the page from what the viewer may see, a batch at a time; the cursor is the
        // instance number the page ends at.
        page: while shown.count < limit {
            let (batch, more) = try engine.instancesPage(workflow: workflow, state: state, before: cursor, limit: limit)
            for instance in batch {
                cursor = try instanceNumber(instance.id)
                let sight = try policy.sight(of: instance, for: viewer)
                guard sight != .none else { continue }
                shown.append(instance.showing(policy.visibleData(instance, sight: sight)))
                if shown.count == limit { break page }
            }
            guard more != nil else { cursor = nil; break }
        }
        // A next page only when something older is left.
        let next = try cursor.flatMap { try engine.instancesPage(workflow: workflow, state: state, before: $0, limit: 1).instances.isEmpty ? nil : $0 }
        let total: Int
        if viewer.isSecretariat {
            total = try engine.countInstances(workflow: workflow, state: state)
        } else {
            // Counted as the viewer may see them: the total says nothing of records hidden from them.
            total = try engine.instances(workflow: workflow, state: state, limit: Int.max).filter { try policy.sight(of: $0, for: viewer) != .none }.count
        }
        return ListPage(items: shown, total: total, next: next.map(String.init))
    }

    func instanceNumber(_ id: InstanceID) throws -> Int64? {
        try database.read { try $0.queryOne("SELECT num FROM instances WHERE id = ?", id.rawValue)?.int64("num") }
    }

    /// A record as it stood at `moment`, rebuilt from the event log, as the viewer may see it
    /// (``AccessPolicy/sight(ofPast:current:seenNow:)``); nil when it did not exist yet.
    ///
    /// - Throws: ``WorkflowError/notPermitted(actor:event:allowed:)`` when the viewer sees only
    ///   the published part of a pledge that was not yet approved then (or did not exist yet:
    ///   the same answer, so asking at moment after moment does not tell when it was drafted).
    public func record(_ id: InstanceID, asOf moment: Date, for viewer: Viewer) throws -> Instance? {
        let (current, sight) = try record(id, for: viewer)
        let past = try engine.instance(id, asOf: moment)
        if past == nil && (sight == .whole || current.workflow != "pledge") { return nil }
        let pastSight = past.map { policy.sight(ofPast: $0, current: current, seenNow: sight) } ?? Sight.none
        guard let past, pastSight != .none else {
            throw WorkflowError.notPermitted(actor: viewer.person ?? "a visitor", event: "see \(id) as it stood before it was published",
                                             allowed: ["its organisation's contacts", "the secretariat"])
        }
        return past.showing(policy.visibleData(past, sight: pastSight))
    }

    /// A record's pending timers, for a viewer who sees the whole of it.
    public func pendingTimers(of id: InstanceID, for viewer: Viewer) throws -> [PendingTimer] {
        _ = try requireWhole(id, for: viewer)
        return try engine.pendingTimers(instance: id)
    }

    /// The events the viewer could fire on a record now, and why each other one is not open;
    /// the secretariat acting at the record's group or body counts as acting for it.
    public func availableEvents(on id: InstanceID, for viewer: Viewer) throws -> [EventAvailability] {
        let record = try requireWhole(id, for: viewer)
        guard let person = viewer.person else { return [] }
        let at = WorkflowRecords.body(actingAt: record)
        return try engine.availableEvents(on: id, actor: try actor(person, at: at))
    }

    /// The events the viewer may fire on a record now.
    public func eventsOpen(on id: InstanceID, for viewer: Viewer) throws -> Set<String> {
        Set(try availableEvents(on: id, for: viewer).filter(\.isAvailable).map(\.event))
    }

    /// Every problem the fields a person typed would meet firing `event` on the record now,
    /// all at once (a form shows each beside its field before anything is written).
    public func fieldProblems<Record>(firing event: String, on id: RecordID<Record>, fields: [String: JSONValue]) throws -> [WorkflowError] {
        try engine.fieldProblems(firing: event, on: id.instance, payload: fields)
    }

    /// The events the viewer may fire on a typed record now.
    public func eventsOpen<Record>(on id: RecordID<Record>, for viewer: Viewer) throws -> Set<String> {
        try eventsOpen(on: id.instance, for: viewer)
    }

    /// Starts an instance of any workflow: the door behind `flourish instance start`, with the
    /// framework's checks; fields only Flourish sets are refused by the engine.
    public func start(_ workflow: String, fields: [String: JSONValue], for viewer: Viewer, idempotencyKey: String?) throws -> FireResult {
        guard let person = viewer.person else { throw WorkflowError.notPermitted(actor: "a visitor", event: "start a \(workflow)", allowed: ["people who are signed in"]) }
        if let door = Self.ownDoors["\(workflow) start"] { throw WorkflowError.invalidField(event: "start", field: "event", reason: door) }
        try checkFrameworkTags(fields, event: "start", workflow: workflow)
        let at = fields["group"]?.stringValue ?? fields["body"]?.stringValue
        return try engine.start(workflow, data: fields, actor: try actor(person, at: at), idempotencyKey: idempotencyKey)
    }

    /// Pledges waiting for the secretariat's review, oldest first.
    public func pledgesAwaitingReview() throws -> [Pledge] {
        try Pledge.records(engine.instances(workflow: "pledge", state: "submitted", limit: 100_000))
    }
}

/// Trouble with the storage rather than with the request: nothing was written, and trying
/// again later can work. The front doors answer it as "not just now" (503 with Retry-After).
public enum StorageTrouble: Sendable, Equatable {
    case diskFull(String)
    case busy(String)
    /// The file is damaged: writes are refused until it is restored (see ``Flourish/checkIntegrity()``).
    case damaged(String)

    /// The trouble behind `error`, or nil when it is not the storage's.
    public init?(_ error: any Error) {
        guard let e = error as? SQLiteError else { return nil }
        if e.isDiskFull { self = .diskFull(e.message) } else if e.isBusy { self = .busy(e.message) } else if e.isDamage { self = .damaged(e.message) } else { return nil }
    }

    /// What the people using the service read: nothing was changed, and what to expect.
    public var explanation: String {
        switch self {
        case .diskFull: "The service cannot save changes just now because its storage is full. Nothing was changed; you can still read pages. Try again later."
        case .busy: "The service is busy. Nothing was changed. Try again in a moment."
        case .damaged: "The service cannot save changes because a check found its database damaged. Nothing was changed; you can still read pages. The people who run it are restoring it."
        }
    }

    /// The log's name for it.
    public var logMessage: String {
        switch self {
        case .diskFull: "database disk full"
        case .busy: "database busy"
        case .damaged: "database damaged"
        }
    }

    /// Seconds a client might wait before trying again.
    public var retryAfterSeconds: Int {
        switch self {
        case .diskFull: 60
        case .busy: 2
        case .damaged: 300
        }
    }

    /// Whether `error` is the database's own (any SQLite error), which no form can fix.
    public static func isStorageError(_ error: any Error) -> Bool { error is SQLiteError }

    /// What SQLite said.
    public var detail: String {
        switch self { case .diskFull(let m), .busy(let m), .damaged(let m): return m }
    }
    public var isDiskFull: Bool { if case .diskFull = self { return true } else { return false } }
}

extension Flourish {
    /// What a person reads for a key: a body's, person's, organisation's, area's or priority's
    /// name (as notifications say it), or the key itself when it names nothing known.
    ///
    /// - Parameter field: what the key is: `body`, `person`, `organisation`, `area` (or the
    ///   record field it sits in, such as `owner` or `group`).
    public func displayName(_ field: String, _ key: String) -> String {
        let name = try? database.read { db in try names.name(of: field, value: key, db: db) }
        return (name ?? nil) ?? key
    }

    /// ``displayName(_:_:)`` for many keys of one field, read together (a group page names the
    /// owners of hundreds of actions).
    public func displayNames(_ field: String, _ keys: some Sequence<String>) -> [String: String] {
        let unique = Set(keys)
        let found = (try? database.read { db in
            try unique.reduce(into: [String: String]()) { out, key in out[key] = try names.name(of: field, value: key, db: db) }
        }) ?? [:]
        return Dictionary(uniqueKeysWithValues: unique.map { ($0, found[$0] ?? $0) })
    }
}


extension Flourish {
    /// What a person calls a record, for a page's title or a message: its title or name when it
    /// has one ("Share school attendance data"), a pledge as its organisation's and year's
    /// ("Wensum Valley Bakery's pledge for 2026"), else its kind and number ("measure value 12").
    public func recordName(_ instance: Instance) -> String {
        if let title = instance.data["title"]?.stringValue, !title.isEmpty { return title }
        if let name = instance.data["name"]?.stringValue, !name.isEmpty { return name }
        if let organisation = instance.data["organisation"]?.stringValue {
            let who = displayName("organisation", organisation)
            if instance.workflow == "pledge" {
                return "\(who)’s pledge" + (instance.data["pledgeYear"]?.intValue.map { " for \($0)" } ?? "")
            }
            return "\(who): \(instance.workflow.replacingOccurrences(of: "-", with: " "))"
        }
        let number = instance.id.rawValue.split(separator: "-").last.map(String.init) ?? instance.id.rawValue
        return "\(instance.workflow.replacingOccurrences(of: "-", with: " ")) \(number)"
    }
}

extension Flourish {
    /// Tells `began` and `ended`, on the caller's thread, when a write starts and stops waiting
    /// for its group commit (the web server lets another worker answer requests meanwhile).
    public func whileWaitingForCommits(began: @escaping @Sendable () -> Void, ended: @escaping @Sendable () -> Void) {
        engine.whileWaitingForCommits(began: began, ended: ended)
    }
}
