internal import Foundation
internal import SQLite

/// What moving live instances to a newer definition version would do.
public struct MigrationPlan: Sendable, Equatable {
    /// One instance's move.
    public struct Move: Sendable, Equatable {
        public let instance: InstanceID
        public let fromVersion: Int
        public let fromState: String
        /// The state it lands in; nil when the new version has no such state and no mapping covers it.
        public let toState: String?
    }
    public let workflow: String
    public let toVersion: Int
    public let moves: [Move]
    /// States with live instances that the new version lacks and no mapping covers, with counts.
    public var stranded: [String: Int] {
        moves.filter { $0.toState == nil }.reduce(into: [:]) { $0[$1.fromState, default: 0] += 1 }
    }
}

extension WorkflowEngine {
    /// Works out where each live instance of older versions would land on the newest version.
    ///
    /// - Parameter mapping: old state → new state, for states the new version no longer has.
    public func migrationPlan(_ workflow: String, mapping: [String: String] = [:]) throws -> MigrationPlan {
        let target = try definition(workflow)
        for (old, new) in mapping where target.states[new] == nil {
            throw WorkflowError.badMapping("\(old)=\(new) maps to \"\(new)\", which version \(target.version) does not have (it has \(target.states.keys.sorted().joined(separator: ", ")))")
        }
        return try database.read { db in try plan(db, target: target, mapping: mapping) }
    }

    private func plan(_ db: Connection, target: WorkflowDefinition, mapping: [String: String]) throws -> MigrationPlan {
        let rows = try db.query("SELECT id, workflow_version, state FROM instances WHERE workflow = ? AND workflow_version < ? ORDER BY num",
                                target.name, target.version)
        var moves: [MigrationPlan.Move] = []
        for row in rows {
            let version = row.int("workflow_version") ?? 0
            let state = row.string("state") ?? ""
            if let old = registry.definition(target.name, version: version), old.isFinal(state) { continue }
            let to = mapping[state] ?? (target.states[state] != nil ? state : nil)
            moves.append(.init(instance: InstanceID(row.string("id") ?? ""), fromVersion: version, fromState: state, toState: to))
        }
        return MigrationPlan(workflow: target.name, toVersion: target.version, moves: moves)
    }

    /// Moves every live instance of older versions onto the newest version, recording a
    /// `migrate` event for each; refused, with nothing changed, if any would be stranded.
    public func migrate(_ workflow: String, mapping: [String: String] = [:], actor: Actor) throws -> MigrationPlan {
        let target = try definition(workflow)
        _ = try migrationPlan(workflow, mapping: mapping)
        let at = clock.now()
        return try database.write { db in
            let plan = try plan(db, target: target, mapping: mapping)
            if !plan.stranded.isEmpty {
                throw WorkflowError.migrationWouldStrand(workflow: workflow, states: plan.stranded, toVersion: target.version)
            }
            for move in plan.moves {
                let instance = try loadInstance(db, move.instance)
                let to = move.toState!
                let occurred = max(at, instance.updatedAt)
                try db.run("UPDATE instances SET workflow_version = ?, state = ?, version = version + 1, updated_at = ? WHERE id = ?",
                           target.version, to, occurred.milliseconds, move.instance.rawValue)
                let rescheduled = try rescheduleTimers(db, of: instance, on: target, at: occurred)
                var payload: [String: JSONValue] = ["fromVersion": .integer(Int64(move.fromVersion)), "toVersion": .integer(Int64(target.version))]
                if !rescheduled.isEmpty { payload["rescheduledTimers"] = .array(rescheduled.map(JSONValue.string)) }
                _ = try appendEvent(db, instance: move.instance, version: instance.version + 1, event: "migrate", actor: actor,
                                    from: move.fromState, to: to, payload: payload, at: occurred, idempotencyKey: nil, requestDigest: nil)
            }
            return plan
        }
    }

    /// A migrated instance's pending timers follow the new version's rule for them: a timer
    /// due at a date held in the data (`at`, with any `offset`) is due when the new version
    /// says (a deadline that moved from the start of its day to the end of it moves with it).
    /// Timers counted from when they started, and timers the new version no longer starts,
    /// keep their due time. Returns the names of the timers whose due time changed.
    func rescheduleTimers(_ db: Connection, of instance: Instance, on target: WorkflowDefinition, at: Date) throws -> [String] {
        var rules: [String: (event: String, delay: TimerDelay)] = [:]
        for effect in target.startEffects + target.transitions.flatMap(\.effects) {
            if case .startTimer(let name, let event, let delay) = effect, case .atField = delay { rules[name] = (event, delay) }
        }
        var changed: [String] = []
        for row in try db.query("SELECT id, name, due_at FROM timers WHERE instance_id = ? AND status = 'pending' ORDER BY id", instance.id.rawValue) {
            guard let name = row.string("name"), let rule = rules[name], let id = row.int64("id") else { continue }
            let due = try dueMoment(rule.delay, data: instance.data, event: rule.event, timer: name, from: at)
            guard due.milliseconds != row.int64("due_at") else { continue }
            try db.run("UPDATE timers SET due_at = ?, event = ? WHERE id = ?", due.milliseconds, rule.event, id)
            changed.append(name)
        }
        return changed
    }
}
