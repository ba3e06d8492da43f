internal import Foundation
internal import SQLite

extension WorkflowEngine {
    /// Starts an instance inside the caller's transaction.
    /// - Parameter requestData: what the caller asked for, when `data` adds to it inside the
    ///   transaction; a retry is recognised by the request, not by what the first attempt derived.
    /// - Parameter computed: the fields only Flourish sets, worked out by the services; a caller's
    ///   `data` holding one is refused when the start is checked (`checkAuthority`).
    func performStart(_ db: Connection, workflow: String, data: [String: JSONValue], computed: [String: JSONValue] = [:], actor: Actor, idempotencyKey: String?,
                      at: Date, parent: InstanceID?, checkAuthority: Bool, requestData: [String: JSONValue]? = nil, prepared: PreparedStart? = nil) throws -> FireResult {
        let requestDigest = prepared.map(\.requestDigest) ?? startRequestDigest(workflow, data: requestData ?? data, actor: actor, idempotencyKey: idempotencyKey)
        if let replay = try replayed(db, key: idempotencyKey, requestDigest: requestDigest) { return replay }
        let plan = try prepared ?? prepareStart(workflow, data: data, computed: computed, at: at, checkAuthority: checkAuthority, requestDigest: requestDigest)
        let definition = plan.definition, data = plan.data
        let num = (try db.queryOne("SELECT COALESCE(MAX(num), 0) + 1 AS next FROM instances")?.int64("next")) ?? 1
        let id = InstanceID("\(workflow)-\(num)")
        let proposed = Instance(id: id, workflow: workflow, workflowVersion: definition.version, state: definition.initial, data: data,
                                version: 1, createdAt: at, updatedAt: at, parentID: parent)
        if checkAuthority, !definition.startedBy.isEmpty,
           try !definition.startedBy.contains(where: { try authorizer.holds($0, actor: actor, instance: proposed, db: db) }) {
            let article = "aeiou".contains(workflow.first ?? "x") ? "an" : "a"
            throw WorkflowError.notPermitted(actor: actor.id, event: "start \(article) \(workflow)", allowed: definition.startedBy.map(loader.catalog.phrase))
        }
        let stored = plan.stored
        try db.run("""
            INSERT INTO instances (num, id, workflow, workflow_version, state, data, data_format, version, created_at, updated_at, parent_id)
            VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?)
            """, arguments: [num, id.rawValue, workflow, definition.version, definition.initial, stored.text, stored.format,
                             at.milliseconds, at.milliseconds, parent?.rawValue])
        try updateLookups(db, id: id, from: nil, to: data)
        let seq = try appendEvent(db, instance: id, version: 1, event: "start", actor: actor, from: nil, to: definition.initial,
                                  payload: data, at: at, idempotencyKey: idempotencyKey, requestDigest: requestDigest, stored: (stored, plan.payloadDigest))
        try carryOut(definition.startEffects, db: db, instance: proposed, event: "start", actor: actor, seq: seq, at: at, isNew: true, dues: plan.dues)
        return FireResult(instance: proposed, eventSeq: seq, isReplay: false)
    }

    /// What a start works out before its transaction: the definition, the checked data, its
    /// stored form and digest, and when the timers its start effects begin fall due. None of
    /// it reads the database, so a start queued for a group commit works it out on the
    /// caller's thread and leaves the committing thread only the reads, the authority check
    /// and the writes.
    struct PreparedStart: Sendable {
        let definition: WorkflowDefinition
        let data: [String: JSONValue]
        let stored: (text: String, format: Int)
        let payloadDigest: String
        let requestDigest: String?
        /// Each timer's due moment, by its effect's place in the start effects.
        let dues: [Int: Date]
    }

    /// The digest a start's idempotency key is held to: a retry must ask for the same start.
    func startRequestDigest(_ workflow: String, data: [String: JSONValue], actor: Actor, idempotencyKey: String?) -> String? {
        idempotencyKey == nil ? nil
            : SHA256.hex(JSONValue.object(["start": .string(workflow), "data": .object(data), "actor": .string(actor.id)]).canonicalString)
    }

    /// Checks a start's data against its definition and works out what ``PreparedStart`` holds.
    /// - Throws: ``WorkflowError`` for a field only Flourish sets (when `checkAuthority`), or a
    ///   field missing or wrong.
    func prepareStart(_ workflow: String, data: [String: JSONValue], computed: [String: JSONValue], at: Date, checkAuthority: Bool,
                      requestDigest: String?) throws -> PreparedStart {
        let definition = try self.definition(workflow)
        if checkAuthority { try refuseComputed(data, fields: definition.startFields, event: "start") }
        let data = data.merging(computed) { _, worked in worked }
        try validatePayload(data, fields: definition.startFields, event: "start")
        let stored = storedJSON.encode(data)
        var dues: [Int: Date] = [:]
        for (index, effect) in definition.startEffects.enumerated() {
            // One that cannot be scheduled is left to the start's effects, to be refused where it always was: after the authority check.
            if case .startTimer(let name, _, let delay) = effect { dues[index] = try? dueMoment(delay, data: data, event: "start", timer: name, from: at) }
        }
        return PreparedStart(definition: definition, data: data, stored: stored, payloadDigest: SHA256.hex(stored.text), requestDigest: requestDigest, dues: dues)
    }

    /// Fires an event inside the caller's transaction.
    /// - Parameter computed: the fields only Flourish sets, worked out by the services; a
    ///   `payload` holding one is refused unless the engine itself fires the event.
    func performFire(_ db: Connection, event: String, id: InstanceID, payload: [String: JSONValue], computed: [String: JSONValue] = [:], actor: Actor,
                     expectedVersion: Int?, idempotencyKey: String?, at: Date) throws -> FireResult {
        let requestDigest = idempotencyKey == nil ? nil : SHA256.hex(JSONValue.object([
            "event": .string(event), "instance": .string(id.rawValue), "payload": .object(payload), "actor": .string(actor.id),
            "expectedVersion": expectedVersion.map { .integer(Int64($0)) } ?? .null,
        ]).canonicalString)
        if let replay = try replayed(db, key: idempotencyKey, requestDigest: requestDigest) { return replay }
        let instance = try loadInstance(db, id)
        let definition = try self.definition(instance.workflow, version: instance.workflowVersion)
        if let expectedVersion, expectedVersion != instance.version {
            throw WorkflowError.versionConflict(instance: id, expected: expectedVersion, actual: instance.version)
        }
        let transition = try permittedTransition(event, on: instance, definition: definition, actor: actor, db: db)
        if actor.id != Actor.system.id { try refuseComputed(payload, fields: transition.fields, event: event) }
        let given = payload.merging(computed) { _, worked in worked }
        try validatePayload(given, fields: transition.fields, event: event)
        // What the transition sets is part of what the event records, so replay needs nothing else.
        let payload = given.merging(transition.sets) { _, fixed in fixed }
        let newData = instance.data.merging(payload) { _, new in new }
        let newVersion = instance.version + 1
        let occurred = max(at, instance.updatedAt)
        let stored = storedJSON.encode(newData)
        // The state is left out of the statement when it stays: SQLite then leaves the
        // (workflow, state) index alone, one page fewer for the commit to write.
        let stateChanges = transition.to != instance.state
        try db.run("UPDATE instances SET \(stateChanges ? "state = ?, " : "")data = ?, data_format = ?, version = ?, updated_at = ? WHERE id = ? AND version = ?",
                   arguments: (stateChanges ? [transition.to] : []) + [stored.text, stored.format, newVersion, occurred.milliseconds, id.rawValue, instance.version])
        try updateLookups(db, id: id, from: instance.data, to: newData)
        let seq = try appendEvent(db, instance: id, version: newVersion, event: event, actor: actor, from: instance.state, to: transition.to,
                                  payload: payload, at: occurred, idempotencyKey: idempotencyKey, requestDigest: requestDigest)
        let after = Instance(id: id, workflow: instance.workflow, workflowVersion: instance.workflowVersion, state: transition.to,
                             data: newData, version: newVersion, createdAt: instance.createdAt, updatedAt: occurred, parentID: instance.parentID)
        // Kept once the version is committed: a rolled-back one never reaches the cache, where
        // another process's different write of the same version would find it.
        db.onCommitIfRoom { [decodedData] in decodedData.store(newData, for: id, version: newVersion) }
        try carryOut(transition.effects, db: db, instance: after, event: event, actor: actor, seq: seq, at: occurred)
        if definition.isFinal(transition.to) {
            // An ended instance has nothing left to wait for.
            try db.run("UPDATE timers SET status = 'cancelled', resolved_at = ?, note = 'instance ended' WHERE instance_id = ? AND status = 'pending'",
                       occurred.milliseconds, id.rawValue)
        }
        return FireResult(instance: after, eventSeq: seq, isReplay: false)
    }

    /// The transition `event` takes from the instance's state, after the checks a fire makes
    /// before anything else, in this order: who may fire the event at all (someone who may
    /// never fire it is told so, not what state the record is in), then whether the record's
    /// state allows it, then who may fire it from this state.
    func permittedTransition(_ event: String, on instance: Instance, definition: WorkflowDefinition, actor: Actor, db: Connection) throws -> TransitionDefinition {
        let candidates = definition.transitions.filter { $0.event == event }
        guard !candidates.isEmpty else { throw WorkflowError.unknownEvent(event: event, workflow: definition.name, known: definition.events) }
        // Each authority is asked about once: the second check below asks again about those
        // of the transition the first found, and the answer cannot change in between.
        var answers: [(Authority, Bool)] = []
        func holds(_ authority: Authority) throws -> Bool {
            if let known = answers.first(where: { $0.0 == authority }) { return known.1 }
            let answer = try authorizer.holds(authority, actor: actor, instance: instance, db: db)
            answers.append((authority, answer))
            return answer
        }
        guard try candidates.contains(where: { t in try t.by.contains(where: holds) }) else {
            var allowed: [String] = []
            for phrase in candidates.flatMap(\.by).map(loader.catalog.phrase) where !allowed.contains(phrase) { allowed.append(phrase) }
            throw WorkflowError.notPermitted(actor: actor.id, event: event, allowed: allowed)
        }
        if definition.isFinal(instance.state) { throw WorkflowError.finalState(instance: instance.id, state: instance.state) }
        guard let transition = definition.transition(for: event, from: instance.state) else {
            throw WorkflowError.wrongState(event: event, state: instance.state, allowedFrom: candidates.flatMap(\.from))
        }
        guard try transition.by.contains(where: holds) else {
            throw WorkflowError.notPermitted(actor: actor.id, event: event, allowed: transition.by.map(loader.catalog.phrase))
        }
        return transition
    }

    /// The first result of a request already made with this idempotency key, if any.
    private func replayed(_ db: Connection, key: String?, requestDigest: String?) throws -> FireResult? {
        guard let key, let row = try db.queryOne("SELECT seq, instance_id, request_digest FROM events WHERE idempotency_key = ?", key) else { return nil }
        guard row.string("request_digest") == requestDigest else { throw WorkflowError.idempotencyKeyReused(key) }
        let seq = row.int64("seq") ?? 0
        let id = InstanceID(row.string("instance_id") ?? "")
        let current = try loadInstance(db, id)
        let events = try db.query("SELECT * FROM events WHERE instance_id = ? AND seq <= ? ORDER BY seq", id.rawValue, seq).map { try decodeEvent($0) }
        let first = WorkflowEngine.replay(events, base: current, startVersion: try startVersion(db, current))
        return FireResult(instance: first, eventSeq: seq, isReplay: true)
    }

    /// Appends one event to the hash chain and returns its sequence number.
    func appendEvent(_ db: Connection, instance: InstanceID, version: Int, event: String, actor: Actor, from: String?, to: String,
                     payload: [String: JSONValue], at: Date, idempotencyKey: String?, requestDigest: String?,
                     stored encoded: (json: (text: String, format: Int), digest: String)? = nil) throws -> Int64 {
        let head = try db.queryOne("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1")
        let seq = (head?.int64("seq") ?? 0) + 1
        let previous = head?.string("hash") ?? AuditChain.genesis
        let stored = encoded?.json ?? storedJSON.encode(payload)
        let payloadDigest = encoded?.digest ?? SHA256.hex(stored.text)
        let link = AuditChain.Link(seq: seq, instanceID: instance.rawValue, instanceVersion: version, event: event, actor: actor.id,
                                   onBehalfOf: actor.onBehalfOf, fromState: from, toState: to, occurredAt: at.milliseconds,
                                   payloadDigest: payloadDigest, previousHash: previous)
        let hash = link.hash
        try db.run("""
            INSERT INTO events (seq, instance_id, instance_version, event, actor, on_behalf_of, from_state, to_state, payload,
                                payload_format, payload_digest, occurred_at, idempotency_key, request_digest, prev_hash, hash)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [seq, instance.rawValue, version, event, actor.id, actor.onBehalfOf, from, to, stored.text, stored.format,
                             payloadDigest, at.milliseconds, idempotencyKey, requestDigest, previous, hash])
        return seq
    }

    // MARK: - Effects

    /// - Parameter isNew: the instance was started in this transaction, so it has no timers
    ///   but those these effects start (instances are never deleted, so no id is used twice).
    /// - Parameter dues: due moments already worked out, by the effect's place in `effects`.
    func carryOut(_ effects: [Effect], db: Connection, instance: Instance, event: String, actor: Actor, seq: Int64, at: Date, isNew: Bool = false,
                  dues: [Int: Date] = [:]) throws {
        var startedHere: Set<String> = []
        for (index, effect) in effects.enumerated() {
            switch effect {
            case .startTimer(let name, let timerEvent, let delay):
                let due = try dues[index] ?? dueMoment(delay, data: instance.data, event: event, timer: name, from: at)
                // A timer of the same name still pending is restarted: none can be, on a new
                // instance, unless these effects started it.
                if !isNew || startedHere.contains(name) {
                    try db.run("UPDATE timers SET status = 'cancelled', resolved_at = ?, note = 'restarted' WHERE instance_id = ? AND name = ? AND status = 'pending'",
                               at.milliseconds, instance.id.rawValue, name)
                }
                startedHere.insert(name)
                try db.run("INSERT INTO timers (instance_id, name, event, due_at, status, created_at) VALUES (?, ?, ?, ?, 'pending', ?)",
                           instance.id.rawValue, name, timerEvent, due.milliseconds, at.milliseconds)
            case .cancelTimer(let name):
                try db.run("UPDATE timers SET status = 'cancelled', resolved_at = ?, note = ? WHERE instance_id = ? AND name = ? AND status = 'pending'",
                           at.milliseconds, "cancelled by \(event)", instance.id.rawValue, name)
            case .notify(let template, let recipient, let subject, let body):
                let addresses = try authorizer.addresses(for: recipient, instance: instance, db: db)
                if try withhold(template: template, recipients: addresses.isEmpty ? ["(\(recipient.inWords))"] : addresses, seq: seq, at: at, db: db) { continue }
                // A subject is one header line, whatever the fields put in it hold (String.onOneLine).
                let renderedSubject = try render(subject, instance: instance, db: db).onOneLine
                let renderedBody = try render(body, instance: instance, db: db)
                if addresses.isEmpty {
                    try db.run("INSERT INTO outbox (instance_id, event_seq, template, recipient, subject, body, created_at, status, last_error) VALUES (?, ?, ?, ?, ?, ?, ?, 'undeliverable', ?)",
                               arguments: [instance.id.rawValue, seq, template, "(\(recipient.inWords))", renderedSubject, renderedBody, at.milliseconds,
                                           "No one with an email address is \(recipient.inWords); add one, then retry."])
                }
                for address in addresses {
                    try db.run("INSERT INTO outbox (instance_id, event_seq, template, recipient, subject, body, created_at, status) VALUES (?, ?, ?, ?, ?, ?, ?, 'pending')",
                               arguments: [instance.id.rawValue, seq, template, address, renderedSubject, renderedBody, at.milliseconds])
                }
            case .open(let workflow, let mapping):
                var data: [String: JSONValue] = [:]
                for (field, source) in mapping {
                    data[field] = resolve(source, instance: instance, event: event)
                }
                _ = try performStart(db, workflow: workflow, data: data.filter { $0.value != .null }, actor: actor, idempotencyKey: nil,
                                     at: at, parent: instance.id, checkAuthority: false)
            case .call(let name):
                guard let hook = hooks.hook(name) else {
                    throw HookRefusal(code: "hook-missing", message: "The workflow calls \"\(name)\", which this program has not registered; nothing was changed.")
                }
                try hook.run(HookContext(instance: instance, event: event, actor: actor, at: at, db: db, engine: self, seq: seq))
            }
        }
    }

    /// Records a message as withheld, not queued, when it is about history being imported
    /// (an event dated before the import began); false when it is to be sent as usual.
    func withhold(template: String, recipients: [String], seq: Int64, at: Date, db: Connection) throws -> Bool {
        guard let w = withheldHistory.withLock({ $0 }), at < w.before else { return false }
        for recipient in recipients {
            try db.run("INSERT INTO outbox_withheld (event_seq, template, recipient, reason, withheld_at) VALUES (?, ?, ?, ?, ?)",
                       seq, template, recipient, w.reason, w.at.milliseconds)
        }
        return true
    }

    /// A mapping source: `$instance.id`, `$instance.workflow`, `$event`, `$data.FIELD`, or a literal.
    func resolve(_ source: String, instance: Instance, event: String) -> JSONValue {
        switch source {
        case "$instance.id": return .string(instance.id.rawValue)
        case "$instance.workflow": return .string(instance.workflow)
        case "$event": return .string(event)
        default:
            if source.hasPrefix("$data.") { return instance.data[String(source.dropFirst(6))] ?? .null }
            return .string(source)
        }
    }

    func dueMoment(_ delay: TimerDelay, data: [String: JSONValue], event: String, timer: String, from at: Date) throws -> Date {
        switch delay {
        case .after(let duration): return time.adding(duration, to: at)
        case .afterWorkingDays(let days):
            do { return try time.adding(days, to: at) }
            catch let error as CalendarError {
                throw WorkflowError.invalidField(event: event, field: timer, reason: "cannot be scheduled: \(error.localizedDescription)")
            }
        case .atField(let field, let offset):
            guard let text = data[field]?.stringValue else { throw WorkflowError.missingField(event: event, field: field) }
            guard let base = time.parse(text) else {
                throw WorkflowError.invalidField(event: event, field: field, reason: "should be a date written as YYYY-MM-DD")
            }
            return offset.map { time.adding($0, to: base) } ?? base
        }
    }

    /// Fills `{{field}}`, `{{instance}}`, `{{workflow}}`, `{{due:TIMER}}` and `{{dayBefore:FIELD}}` in a notification,
    /// as people read them: dates in words, keys as names, a deadline as its last day allowed.
    func render(_ template: String, instance: Instance, db: Connection) throws -> String {
        var out = ""
        var rest = Substring(template)
        // Braces found byte by byte (they are ASCII), not by comparing characters: an import
        // renders every message of every event it writes.
        func pair(_ byte: UInt8, in text: Substring) -> Range<String.Index>? {
            let bytes = text.utf8
            var i = bytes.startIndex
            while i != bytes.endIndex {
                let next = bytes.index(after: i)
                if bytes[i] == byte, next != bytes.endIndex, bytes[next] == byte { return i..<bytes.index(after: next) }
                i = next
            }
            return nil
        }
        while let open = pair(UInt8(ascii: "{"), in: rest) {
            out += rest[..<open.lowerBound]
            guard let close = pair(UInt8(ascii: "}"), in: rest[open.upperBound...]) else { out += rest[open.lowerBound...]; rest = ""; break }
            let name = String(rest[open.upperBound..<close.lowerBound]).trimmedOfSpaces
            rest = rest[close.upperBound...]
            switch name {
            case "instance": out += instance.id.rawValue
            case "workflow": out += instance.workflow
            default:
                if name.hasPrefix("dayBefore:"), let text = instance.data[String(name.dropFirst(10))]?.stringValue, let day = CalendarDay(text) {
                    // The last day of a period that ends when `day` begins: "to 1 April 2027".
                    out += day.adding(days: -1).inWords
                } else if name.hasPrefix("due:") {
                    let timer = String(name.dropFirst(4))
                    if let row = try db.queryOne("SELECT due_at FROM timers WHERE instance_id = ? AND name = ? AND status = 'pending'", instance.id.rawValue, timer),
                       let ms = row.int64("due_at") {
                        out += time.deadlineInWords(Date(milliseconds: ms))
                    } else {
                        out += "(no deadline set)"
                    }
                } else if let value = instance.data[name] {
                    // A key reads as its name: "Wensum Works Ltd", not "wensum-works-ltd".
                    func named(_ text: String) throws -> String {
                        if let day = CalendarDay(text) { return day.inWords }  // "9 February 2027", not 2027-02-09
                        return try names?.name(of: name, value: text, db: db) ?? text
                    }
                    switch value {
                    case .string(let s): out += try named(s)
                    case .array(let items): out += try items.map { try $0.stringValue.map(named) ?? $0.canonicalString }.joined(separator: ", ")
                    default: out += value.canonicalString
                    }
                }
            }
        }
        out += rest
        return out
    }
}
