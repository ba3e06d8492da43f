public import Foundation
public import SQLite
import Synchronization

/// Runs declared workflows durably on SQLite.
///
/// Every change goes through one transaction: the guard is checked, the event is appended
/// to the hash-chained log, the instance's state and data are updated, timers are started
/// or cancelled and notifications queued. A refused request changes nothing and says why.
/// Concurrent callers share transactions (group commit) and each is answered only after
/// its event is on disk.
public final class WorkflowEngine: Sendable {
    /// The database the engine writes to.
    public let database: Database
    /// Time-zone and working-day arithmetic for timers.
    public let time: PartnershipTime
    /// Where "now" comes from.
    public let clock: any WorkflowClock
    /// Who may do what.
    public let authorizer: any Authorizer
    /// Names for keys in notifications (none: keys as they are).
    let names: (any DisplayNames)?
    /// How stored JSON is versioned.
    public let storedJSON: StoredJSON
    let loader: DefinitionLoader
    let registry = DefinitionRegistry()
    let commits: CommitQueue
    /// Commit times, group-commit batch sizes and timer lateness, for the server's metrics.
    public let observations = EngineObservations()
    let decodedData = DecodedDataCache()
    /// The data fields instances are looked up by (``indexData(fields:)``).
    let lookups = Mutex<Set<String>>([])
    /// Messages of history being imported, withheld instead of queued (nil at any other time).
    let withheldHistory = Mutex<MessageWithholding?>(nil)
    let hooks: HookRegistry

    /// Opens the engine on `database`, bringing its tables up to date and installing
    /// `definitions` (each name and version once; the same version with other content is refused).
    ///
    /// - Throws: ``WorkflowError/definitionChanged(workflow:version:)``, or a database error.
    public init(database: Database, loader: DefinitionLoader, definitions: [WorkflowDefinition], time: PartnershipTime,
                clock: any WorkflowClock, authorizer: any Authorizer, storedJSON: StoredJSON = .standard,
                hooks: [String: any EffectHook] = [:], names: (any DisplayNames)? = nil) throws {
        self.hooks = HookRegistry(hooks)
        self.names = names
        self.database = database
        self.loader = loader
        self.time = time
        self.clock = clock
        self.authorizer = authorizer
        self.storedJSON = storedJSON
        self.commits = CommitQueue(database: database, observations: observations)
        try EngineSchema.migrator.migrate(database)
        try install(definitions)
    }

    // MARK: - Definitions

    /// Records definitions in the database and makes them available; old versions stay, so
    /// running instances keep the version they started on.
    public func install(_ definitions: [WorkflowDefinition]) throws {
        let now = clock.now()
        try database.write { db in
            for definition in definitions {
                if let row = try db.queryOne("SELECT digest FROM workflow_definitions WHERE name = ? AND version = ?", definition.name, definition.version) {
                    if row.string("digest") != definition.digest {
                        throw WorkflowError.definitionChanged(workflow: definition.name, version: definition.version)
                    }
                } else {
                    try db.run("INSERT INTO workflow_definitions (name, version, digest, body, installed_at) VALUES (?, ?, ?, ?, ?)",
                               definition.name, definition.version, definition.digest, definition.source.canonicalString, now.milliseconds)
                }
            }
        }
        for definition in definitions { registry.add(definition) }
        // Versions installed earlier whose files are gone still run their instances.
        let stored = try database.read { db in try db.query("SELECT name, version, body FROM workflow_definitions") }
        for row in stored {
            let name = row.string("name") ?? "", version = row.int("version") ?? 0
            if registry.definition(name, version: version) == nil, let body = row.string("body") {
                registry.add(try loader.load(body, file: "database:\(name)@\(version)", schemaOnly: true))
            }
        }
    }

    /// Registers the domain hook that `call` effects named `name` run.
    public func register(hook: any EffectHook, as name: String) { hooks.register(name, hook) }

    /// Tells `began` when a caller starts waiting for its write's group commit and `ended` when
    /// it has its answer, on the caller's thread: the web server lets another worker take
    /// requests meanwhile, so threads waiting for an `fsync` do not cap how many writes share it.
    public func whileWaitingForCommits(began: @escaping @Sendable () -> Void, ended: @escaping @Sendable () -> Void) {
        commits.whileWaiting(began: began, ended: ended)
    }

    /// The newest version of each workflow.
    public var definitions: [WorkflowDefinition] { registry.names.compactMap { registry.current($0) } }

    /// The newest version of a workflow.
    public func definition(_ name: String) throws -> WorkflowDefinition {
        guard let d = registry.current(name) else { throw WorkflowError.unknownWorkflow(name, known: registry.names) }
        return d
    }

    /// A given version of a workflow.
    public func definition(_ name: String, version: Int) throws -> WorkflowDefinition {
        guard let d = registry.definition(name, version: version) else { throw WorkflowError.unknownWorkflow("\(name) version \(version)", known: registry.names) }
        return d
    }

    /// Every installed version of a workflow, oldest first.
    public func versions(of name: String) -> [WorkflowDefinition] { registry.versions(name) }

    // MARK: - Starting and firing

    /// Starts an instance of the newest version of `workflow`.
    ///
    /// - Parameters:
    ///   - workflow: the workflow's name.
    ///   - data: the start fields.
    ///   - actor: who starts it (checked against the definition's `startedBy`).
    ///   - idempotencyKey: a retry with the same key returns the first result and writes nothing.
    /// - Returns: the new instance.
    ///   - alongside: writes of the caller's own (a registration's rows, say) made in the same
    ///     transaction, before the start; if either fails, neither happens.
    ///   - dataFrom: more start data computed inside the transaction, after `alongside` (keys it made, say).
    @discardableResult
    public func start(_ workflow: String, data: [String: JSONValue], computed: [String: JSONValue] = [:], actor: Actor, idempotencyKey: String? = nil,
                      alongside: (@Sendable (Connection) throws -> Void)? = nil,
                      dataFrom: (@Sendable (Connection) throws -> [String: JSONValue])? = nil) throws -> FireResult {
        try commits.submit(startWork(workflow, data: data, computed: computed, actor: actor, idempotencyKey: idempotencyKey, alongside: alongside, dataFrom: dataFrom))
    }

    /// Starts an instance as ``start(_:data:computed:actor:idempotencyKey:alongside:dataFrom:)``
    /// does, but returns at once: `whenCommitted` is called once with the result after the
    /// start has committed (or with the reason nothing was written), on the thread that led
    /// the commit. A web worker that starts one this way is free for the next request while
    /// the commit is on its way.
    public func start(_ workflow: String, data: [String: JSONValue], computed: [String: JSONValue] = [:], actor: Actor, idempotencyKey: String? = nil,
                      whenCommitted: @escaping @Sendable (Result<FireResult, any Error>) -> Void) {
        commits.enqueue(startWork(workflow, data: data, computed: computed, actor: actor, idempotencyKey: idempotencyKey, alongside: nil, dataFrom: nil),
                        whenCommitted: whenCommitted)
    }

    /// A start's work inside the write transaction, timed now.
    private func startWork(_ workflow: String, data: [String: JSONValue], computed: [String: JSONValue], actor: Actor, idempotencyKey: String?,
                           alongside: (@Sendable (Connection) throws -> Void)?,
                           dataFrom: (@Sendable (Connection) throws -> [String: JSONValue])?) -> @Sendable (Connection) throws -> FireResult {
        let at = clock.now()
        // With no data worked out inside the transaction, everything the start can know
        // without the database is worked out here, on the caller's thread. A start that fails
        // here goes the whole way inside, so its refusal comes where it always did (a retry
        // of an earlier start is answered before its data is checked).
        let requestDigest = startRequestDigest(workflow, data: data, actor: actor, idempotencyKey: idempotencyKey)
        let prepared = dataFrom == nil
            ? try? prepareStart(workflow, data: data, computed: computed, at: at, checkAuthority: true, requestDigest: requestDigest) : nil
        return { db in
            if let key = idempotencyKey, try db.queryOne("SELECT 1 FROM events WHERE idempotency_key = ?", key) != nil {
                // A retry: skip the caller's own writes and let the start return the first result.
                return try self.performStart(db, workflow: workflow, data: data, computed: computed, actor: actor, idempotencyKey: key, at: at, parent: nil, checkAuthority: true)
            }
            try alongside?(db)
            // What dataFrom works out is the services' own, like `computed`.
            let worked = computed.merging(try dataFrom?(db) ?? [:]) { _, new in new }
            return try self.performStart(db, workflow: workflow, data: data, computed: worked, actor: actor, idempotencyKey: idempotencyKey, at: at, parent: nil,
                                         checkAuthority: true, requestData: data, prepared: prepared)
        }
    }

    /// Starts an instance and, in the same transaction, the children it needs from the start
    /// (an annual report's section tasks, say): all of them or none. Each child is checked
    /// against its own definition's `startedBy` with the same actor.
    @discardableResult
    public func start(_ workflow: String, data: [String: JSONValue], actor: Actor,
                      children: @escaping @Sendable (Instance) -> [(workflow: String, data: [String: JSONValue])]) throws -> (parent: Instance, children: [Instance]) {
        let at = clock.now()
        return try commits.submit { db in
            let parent = try self.performStart(db, workflow: workflow, data: data, actor: actor, idempotencyKey: nil, at: at, parent: nil, checkAuthority: true).instance
            let made = try children(parent).map { child in
                try self.performStart(db, workflow: child.workflow, data: child.data, actor: actor, idempotencyKey: nil, at: at, parent: parent.id, checkAuthority: true).instance
            }
            return (parent, made)
        }
    }

    /// Fires `event` on an instance.
    ///
    /// - Parameters:
    ///   - event: the event's name.
    ///   - id: the instance.
    ///   - payload: the fields the event carries.
    ///   - actor: who fires it.
    ///   - expectedVersion: the version the caller last saw; a different current version is a conflict. Nil skips the check.
    ///   - idempotencyKey: a retry with the same key returns the first result and writes nothing.
    /// - Throws: ``WorkflowError`` saying exactly why, when the event is refused (nothing is written).
    @discardableResult
    ///   - alongside: writes of the caller's own made in the same transaction after the event
    ///     (a published report's frozen snapshot, say), given the result; if either fails, neither happens.
    public func fire(_ event: String, on id: InstanceID, payload: [String: JSONValue] = [:], computed: [String: JSONValue] = [:], actor: Actor,
                     expectedVersion: Int?, idempotencyKey: String? = nil,
                     alongside: (@Sendable (Connection, FireResult) throws -> Void)? = nil) throws -> FireResult {
        let at = clock.now()
        return try commits.submit { db in
            let result = try self.performFire(db, event: event, id: id, payload: payload, computed: computed, actor: actor, expectedVersion: expectedVersion, idempotencyKey: idempotencyKey, at: at)
            try alongside?(db, result)
            return result
        }
    }

    /// Work a decision sets: an instance to start when the decision is taken (an action of a
    /// plan an escalation was accepted into, say).
    public struct SetWork: Sendable {
        public let workflow: String
        public let data: [String: JSONValue]
        public let computed: [String: JSONValue]
        public init(workflow: String, data: [String: JSONValue], computed: [String: JSONValue] = [:]) {
            self.workflow = workflow; self.data = data; self.computed = computed
        }
    }

    /// Fires `event` on an instance and, in the same transaction, starts the work the decision
    /// sets, each a child of the instance decided on: all of it or none. Who may start the
    /// work is not asked again, for the event's own `by` rule has just been asked of `actor`;
    /// each start is still checked against its definition's fields. A retry with the same
    /// idempotency key returns the first result and starts nothing.
    @discardableResult
    public func fire(_ event: String, on id: InstanceID, payload: [String: JSONValue] = [:], computed: [String: JSONValue] = [:], actor: Actor,
                     expectedVersion: Int?, idempotencyKey: String? = nil, setting work: [SetWork]) throws -> (decision: FireResult, work: [Instance]) {
        let at = clock.now()
        return try commits.submit { db in
            let result = try self.performFire(db, event: event, id: id, payload: payload, computed: computed, actor: actor, expectedVersion: expectedVersion,
                                              idempotencyKey: idempotencyKey, at: at)
            if result.isReplay { return (result, []) }
            let started = try work.map { w in
                let definition = try self.definition(w.workflow)
                try refuseComputed(w.data, fields: definition.startFields, event: "start")
                return try self.performStart(db, workflow: w.workflow, data: w.data, computed: w.computed, actor: actor, idempotencyKey: nil, at: at,
                                             parent: id, checkAuthority: false).instance
            }
            return (result, started)
        }
    }

    /// Splits data the services built in full into what a caller could give and what only
    /// Flourish sets (the fields the newest definition marks `computed` on `event`, or on the
    /// start when `event` is "start"), to pass as `data`/`payload` and `computed`.
    public func separatingComputed(_ data: [String: JSONValue], workflow: String, event: String) throws -> (given: [String: JSONValue], computed: [String: JSONValue]) {
        let definition = try self.definition(workflow)
        let fields = event == "start" ? definition.startFields : definition.transitions.filter { $0.event == event }.flatMap(\.fields)
        let computed = Set(fields.filter(\.isComputed).map(\.name))
        return (data.filter { !computed.contains($0.key) }, data.filter { computed.contains($0.key) })
    }

    /// The instance a request with this idempotency key was carried out on, or nil when no
    /// request has used the key.
    public func instance(doneWithIdempotencyKey key: String) throws -> InstanceID? {
        try database.read { db in try db.queryOne("SELECT instance_id FROM events WHERE idempotency_key = ?", key)?.string("instance_id").map { InstanceID($0) } }
    }

    /// One request in a batch for ``fireBatch(_:)``.
    public struct FireRequest: Sendable {
        public let event: String, id: InstanceID, payload: [String: JSONValue], actor: Actor, expectedVersion: Int?, idempotencyKey: String?
        public init(event: String, id: InstanceID, payload: [String: JSONValue] = [:], actor: Actor, expectedVersion: Int? = nil, idempotencyKey: String? = nil) {
            self.event = event; self.id = id; self.payload = payload; self.actor = actor
            self.expectedVersion = expectedVersion; self.idempotencyKey = idempotencyKey
        }
    }

    /// Fires several events in one transaction; each succeeds or fails on its own.
    public func fireBatch(_ requests: [FireRequest]) throws -> [Result<FireResult, WorkflowError>] {
        let at = clock.now()
        return try database.write { db in
            requests.map { r in
                do {
                    return .success(try db.savepoint { db in
                        try self.performFire(db, event: r.event, id: r.id, payload: r.payload, actor: r.actor, expectedVersion: r.expectedVersion, idempotencyKey: r.idempotencyKey, at: at)
                    })
                } catch let error as WorkflowError {
                    return .failure(error)
                } catch {
                    return .failure(.invalidField(event: r.event, field: "-", reason: error.localizedDescription))
                }
            }
        }
    }

    /// Refuses, as ``fire(_:on:payload:computed:actor:expectedVersion:idempotencyKey:alongside:)``
    /// would and with the same error, when `actor` may not fire `event` on the instance as it
    /// stands, or its state does not allow it; writes nothing. For a service with rules of its
    /// own to check before an event (a setting, another record), so that who may, and what
    /// state the record is in, are still said first.
    public func checkMayFire(_ event: String, on id: InstanceID, actor: Actor) throws {
        try database.read { db in
            let instance = try loadInstance(db, id)
            _ = try permittedTransition(event, on: instance, definition: try definition(instance.workflow, version: instance.workflowVersion), actor: actor, db: db)
        }
    }

    /// The events `actor` could fire on an instance now, and why each other one is not open.
    public func availableEvents(on id: InstanceID, actor: Actor) throws -> [EventAvailability] {
        try database.read { db in
            let instance = try self.loadInstance(db, id)
            let definition = try self.definition(instance.workflow, version: instance.workflowVersion)
            return try definition.events.map { event in
                let candidates = definition.transitions.filter { $0.event == event }
                let title = candidates.first?.title ?? event
                if definition.isFinal(instance.state) {
                    return EventAvailability(event: event, title: title, isAvailable: false, reason: "It has ended (\(instance.state)).", fields: [])
                }
                guard let t = definition.transition(for: event, from: instance.state) else {
                    let from = candidates.flatMap(\.from)
                    return EventAvailability(event: event, title: title, isAvailable: false, reason: "Only when it is \(from.joined(separator: " or ")).", fields: candidates.first?.fields ?? [])
                }
                if try !t.by.contains(where: { try self.authorizer.holds($0, actor: actor, instance: instance, db: db) }) {
                    return EventAvailability(event: event, title: title, isAvailable: false, reason: "Only \(t.by.map(self.loader.catalog.phrase).joined(separator: " or ")).", fields: t.fields)
                }
                return EventAvailability(event: event, title: title, isAvailable: true, reason: "", fields: t.fields)
            }
        }
    }

    // MARK: - Reading

    /// An instance as it stands now.
    public func instance(_ id: InstanceID) throws -> Instance {
        try database.read { db in try self.loadInstance(db, id) }
    }

    /// Every problem the fields a person gives would meet firing `event` on the instance as it
    /// is now (fields Flourish works out itself aside): what a form reports all at once before
    /// anything is written. Empty when the event cannot be fired from here at all; firing says why.
    public func fieldProblems(firing event: String, on id: InstanceID, payload: [String: JSONValue]) throws -> [WorkflowError] {
        let instance = try self.instance(id)
        let definition = try self.definition(instance.workflow, version: instance.workflowVersion)
        guard let transition = definition.transition(for: event, from: instance.state) else { return [] }
        return payloadProblems(payload, fields: transition.fields.filter { !$0.isComputed }, event: event)
    }

    /// Instances, newest first, optionally of one workflow and in one state.
    public func instances(workflow: String? = nil, state: String? = nil, limit: Int = 100) throws -> [Instance] {
        try database.read { db in
            var sql = "SELECT * FROM instances WHERE 1 = 1"
            var args: [any SQLiteBindable] = []
            if let workflow { sql += " AND workflow = ?"; args.append(workflow) }
            if let state { sql += " AND state = ?"; args.append(state) }
            sql += " ORDER BY num DESC LIMIT ?"
            args.append(limit)
            return try db.query(sql, arguments: args).map { try self.decodeInstance($0) }
        }
    }

    /// Instances newest first, `limit` at a time: those made before instance number `before`
    /// (all the newest when nil), with the number to pass for the next page (nil: the last).
    public func instancesPage(workflow: String? = nil, state: String? = nil, before: Int64? = nil, limit: Int) throws -> (instances: [Instance], next: Int64?) {
        try database.read { db in
            var sql = "SELECT * FROM instances WHERE 1 = 1"
            var args: [any SQLiteBindable] = []
            if let workflow { sql += " AND workflow = ?"; args.append(workflow) }
            if let state { sql += " AND state = ?"; args.append(state) }
            if let before { sql += " AND num < ?"; args.append(before) }
            sql += " ORDER BY num DESC LIMIT ?"
            args.append(limit + 1)
            let rows = try db.query(sql, arguments: args)
            let page = try rows.prefix(limit).map { try self.decodeInstance($0) }
            return (page, rows.count > limit ? rows[limit - 1].int64("num") : nil)
        }
    }

    /// How many instances there are (of a workflow, in a state).
    public func countInstances(workflow: String? = nil, state: String? = nil) throws -> Int {
        try database.read { db in
            var sql = "SELECT count(*) AS n FROM instances WHERE 1 = 1"
            var args: [any SQLiteBindable] = []
            if let workflow { sql += " AND workflow = ?"; args.append(workflow) }
            if let state { sql += " AND state = ?"; args.append(state) }
            return try db.query(sql, arguments: args).first?.int("n") ?? 0
        }
    }

    /// Every event of an instance, oldest first.
    public func history(of id: InstanceID) throws -> [EventRecord] {
        try database.read { db in
            _ = try self.loadInstance(db, id)
            return try db.query("SELECT * FROM events WHERE instance_id = ? ORDER BY seq", id.rawValue).map { try self.decodeEvent($0) }
        }
    }

    /// The histories of several instances, each oldest first, read together in one read (a page
    /// listing a group's measures with their values read one history a measure).
    public func histories(of ids: [InstanceID]) throws -> [InstanceID: [EventRecord]] {
        guard !ids.isEmpty else { return [:] }
        return try database.read { db in
            var histories: [InstanceID: [EventRecord]] = [:]
            for start in stride(from: 0, to: ids.count, by: 500) {
                let part = ids[start..<min(start + 500, ids.count)]
                let marks = Array(repeating: "?", count: part.count).joined(separator: ", ")
                try db.forEachRow("SELECT * FROM events WHERE instance_id IN (\(marks)) ORDER BY seq", arguments: part.map(\.rawValue)) { row in
                    let event = try self.decodeEvent(row)
                    histories[event.instanceID, default: []].append(event)
                }
            }
            return histories
        }
    }

    /// The instance as it stood at `moment`, rebuilt from the event log; nil if it did not exist yet.
    public func instance(_ id: InstanceID, asOf moment: Date) throws -> Instance? {
        try database.read { db in
            let events = try db.query("SELECT * FROM events WHERE instance_id = ? AND occurred_at <= ? ORDER BY seq", id.rawValue, moment.milliseconds)
                .map { try self.decodeEvent($0) }
            guard !events.isEmpty else {
                _ = try self.loadInstance(db, id)
                return nil
            }
            let current = try self.loadInstance(db, id)
            return WorkflowEngine.replay(events, base: current, startVersion: try self.startVersion(db, current))
        }
    }

    /// Rebuilds an instance from its events (all of them, or a prefix).
    ///
    /// - Parameters:
    ///   - events: the events to fold, oldest first.
    ///   - base: the instance now (for what the log does not hold: id, workflow, parent).
    ///   - startVersion: the definition version it started on.
    static func replay(_ events: [EventRecord], base: Instance, startVersion: Int) -> Instance {
        var data: [String: JSONValue] = [:]
        var state = base.state
        var workflowVersion = startVersion
        for event in events {
            if event.event == "migrate" {
                workflowVersion = event.payload["toVersion"]?.intValue ?? workflowVersion
            } else if event.event == "redact" {
                for field in event.payload["fields"]?.arrayValue?.compactMap(\.stringValue) ?? [] where data[field] != nil {
                    data[field] = WorkflowEngine.redactedMarker
                }
            } else {
                data.merge(event.payload) { _, new in new }
            }
            state = event.toState
        }
        return Instance(id: base.id, workflow: base.workflow, workflowVersion: workflowVersion, state: state, data: data,
                        version: events.last?.instanceVersion ?? 0, createdAt: events.first?.occurredAt ?? base.createdAt,
                        updatedAt: events.last?.occurredAt ?? base.updatedAt, parentID: base.parentID)
    }

    /// The definition version an instance started on: before its first migration, or the one it has.
    func startVersion(_ db: Connection, _ instance: Instance) throws -> Int {
        let row = try db.queryOne("SELECT payload, payload_format FROM events WHERE instance_id = ? AND event = 'migrate' ORDER BY seq LIMIT 1", instance.id.rawValue)
        guard let row else { return instance.workflowVersion }
        return try storedJSON.decode(row.string("payload") ?? "{}", format: row.int("payload_format") ?? 1)["fromVersion"]?.intValue ?? instance.workflowVersion
    }

    // MARK: - Internals shared by the engine's files

    func loadInstance(_ db: Connection, _ id: InstanceID) throws -> Instance {
        // The data column is read and parsed only when the cache does not hold this version.
        guard let row = try db.queryOne("SELECT id, workflow, workflow_version, state, version, created_at, updated_at, parent_id FROM instances WHERE id = ?", id.rawValue) else {
            throw WorkflowError.unknownInstance(id)
        }
        let version = row.int("version") ?? 0
        let data: [String: JSONValue]
        if let cached = decodedData.data(for: id, version: version) {
            data = cached
        } else {
            let stored = try db.queryOne("SELECT data, data_format FROM instances WHERE id = ?", id.rawValue)
            data = try storedJSON.decode(stored?.string("data") ?? "{}", format: stored?.int("data_format") ?? 1)
            decodedData.store(data, for: id, version: version)
        }
        return Instance(id: id, workflow: row.string("workflow") ?? "", workflowVersion: row.int("workflow_version") ?? 1,
                        state: row.string("state") ?? "", data: data, version: version,
                        createdAt: Date(milliseconds: row.int64("created_at") ?? 0), updatedAt: Date(milliseconds: row.int64("updated_at") ?? 0),
                        parentID: row.string("parent_id").map { InstanceID($0) })
    }

    func decodeInstance(_ row: Row) throws -> Instance {
        Instance(id: InstanceID(row.string("id") ?? ""), workflow: row.string("workflow") ?? "",
                 workflowVersion: row.int("workflow_version") ?? 1, state: row.string("state") ?? "",
                 data: try storedJSON.decode(row.string("data") ?? "{}", format: row.int("data_format") ?? 1),
                 version: row.int("version") ?? 0, createdAt: Date(milliseconds: row.int64("created_at") ?? 0),
                 updatedAt: Date(milliseconds: row.int64("updated_at") ?? 0), parentID: row.string("parent_id").map { InstanceID($0) })
    }

    func decodeEvent(_ row: Row) throws -> EventRecord {
        EventRecord(seq: row.int64("seq") ?? 0, instanceID: InstanceID(row.string("instance_id") ?? ""),
                    instanceVersion: row.int("instance_version") ?? 0, event: row.string("event") ?? "",
                    actor: row.string("actor") ?? "", onBehalfOf: row.string("on_behalf_of"),
                    fromState: row.string("from_state"), toState: row.string("to_state") ?? "",
                    payload: try storedJSON.decode(row.string("payload") ?? "{}", format: row.int("payload_format") ?? 1),
                    occurredAt: Date(milliseconds: row.int64("occurred_at") ?? 0), hash: row.string("hash") ?? "",
                    isRedacted: row.int("redacted") == 1)
    }
}

/// The domain hooks `call` effects name; set once the domain is built on the engine.
final class HookRegistry: @unchecked Sendable {  // `hooks` guarded by `lock`
    private let lock = NSLock()
    private var hooks: [String: any EffectHook]
    init(_ hooks: [String: any EffectHook]) { self.hooks = hooks }
    func hook(_ name: String) -> (any EffectHook)? { lock.withLock { hooks[name] } }
    func register(_ name: String, _ hook: any EffectHook) { lock.withLock { hooks[name] = hook } }
}

/// Decoded instance data by instance and version, so a busy instance's JSON is parsed once
/// per change rather than once per event. Every change to an instance's data bumps its
/// version, so a version match means the data is the same.
final class DecodedDataCache: @unchecked Sendable {  // `entries` guarded by `lock`
    private let lock = NSLock()
    private var entries: [InstanceID: (version: Int, data: [String: JSONValue])] = [:]
    private let capacity = 4096

    func data(for id: InstanceID, version: Int) -> [String: JSONValue]? {
        lock.withLock { entries[id].flatMap { $0.version == version ? $0.data : nil } }
    }

    func store(_ data: [String: JSONValue], for id: InstanceID, version: Int) {
        lock.withLock {
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[id] = (version, data)
        }
    }
}

extension Date {
    /// Milliseconds since 1970, as stored.
    public var milliseconds: Int64 { Int64((timeIntervalSince1970 * 1000).rounded()) }
    /// The moment `milliseconds` after 1970.
    public init(milliseconds: Int64) { self.init(timeIntervalSince1970: Double(milliseconds) / 1000) }
}
