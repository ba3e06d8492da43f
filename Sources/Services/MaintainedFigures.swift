import Foundation
import Engine
import Domain

/// A year's report figures kept in step with the event log rather than rebuilt after every
/// event: the year's pledges are counted once (``PledgeTally``), then each event after that
/// changes the count by what it changed (the pledge's part taken away as it was, added as it
/// is). Actions, escalations and escalation reviews are kept as the facts the counting
/// rules read of each (``AnnualReportBuilder/ActionFacts``), read again only when a record
/// changes, and counted the same way (``ActivityTally``); measures and groups' sections (tens)
/// are kept as they stand. Building the report from them reads nothing from SQLite but what
/// changed, and counts nothing again but the measures.
///
/// A rebuild request (``Flourish/requestFiguresRebuild(by:)``) starts it again from the
/// records themselves; the property test checks it always equals that.
final class ReportLedger: @unchecked Sendable {  // every var guarded by `lock`
    let year: Int
    private let lock = NSLock()
    /// The last event counted, 0 for none yet (the next update reads everything).
    private var through: Int64 = 0
    private var rebuilds: Int64 = -1
    private var facts: [InstanceID: PledgeFacts] = [:]
    private var tally = PledgeTally()
    /// Measures and groups' sections as they stand (tens), and the facts the counting rules read
    /// of every action, escalation and escalation review (thousands).
    private var others: [String: [Instance]] = [:]
    private var positions: [InstanceID: Int] = [:]
    private var actions: [InstanceID: AnnualReportBuilder.ActionFacts] = [:]
    private var escalations: [InstanceID: AnnualReportBuilder.EscalationFacts] = [:]
    private var reviews: [InstanceID: AnnualReportBuilder.ReviewFacts] = [:]
    /// Those facts counted, as of a moment after every one of them (the distant future): a
    /// change takes off a record's facts before and adds its facts now.
    private var activity: ActivityTally?
    private var measureEvents: [InstanceID: [EventRecord]] = [:]
    private var organisations: [String: AnnualReportBuilder.Organisation?] = [:]

    init(year: Int) { self.year = year }

    /// Brings the figures up to date with the log (from the start after a rebuild request) and
    /// builds the report as of now.
    func report(app: Flourish, rebuilds requested: Int64) throws -> AnnualReport {
        try lock.withLock {
            if requested != rebuilds { reset(); rebuilds = requested }
            let builder = try app.reportBuilder()
            try update(app, builder)
            let (starts, ends) = app.reportYear(year)
            let now = app.clock.now()
            let snapshot = EngineSnapshot(moment: now, instances: others, events: measureEvents)
            // Counted afresh only when a record is dated at or after now (a clock set back).
            let kept = activity.flatMap { $0.isTheSame(asOf: now) ? $0 : nil }
            return builder.build(year: year, starts: starts, ends: ends, snapshot: snapshot, pledges: tally,
                                 activity: kept ?? ActivityTally(window: builder.window(starts: starts, ends: ends, moment: now), actions: Array(actions.values),
                                                                 escalations: Array(escalations.values), reviews: Array(reviews.values)))
        }
    }

    /// The pledge counts as they stand (for the property test).
    func pledgeTally(app: Flourish) throws -> PledgeTally {
        try lock.withLock { try update(app, try app.reportBuilder()); return tally }
    }

    private func reset() {
        through = 0; facts = [:]; tally = PledgeTally(); others = [:]; positions = [:]; measureEvents = [:]; organisations = [:]
        actions = [:]; escalations = [:]; reviews = [:]; activity = nil
    }

    private func update(_ app: Flourish, _ builder: AnnualReportBuilder) throws {
        if through == 0 {
            // Every organisation at once, rather than one query each as their pledges are met.
            try app.database.read { db in
                for row in try db.query("SELECT key, kind, district FROM organisations WHERE kind IS NOT NULL") {
                    organisations[row.string("key") ?? ""] = .some(AnnualReportBuilder.Organisation(kind: row.string("kind") ?? "", district: row.string("district") ?? ""))
                }
            }
        }
        if activity == nil {
            let (starts, ends) = app.reportYear(year)
            activity = ActivityTally(window: builder.window(starts: starts, ends: ends, moment: .distantFuture))
        }
        // Each changed record counted as it is read (one at a time, not the year's pledges at once).
        let changes = try app.engine.changes(since: through, of: Set(Flourish.reportWorkflows), eventsOf: ["measure"],
                                             narrowing: ["pledge": ("pledgeYear", Int64(year))]) { [self] instance in
            switch instance.workflow {
            case "pledge":
                let now = try pledgeFacts(instance, app: app)
                if let before = facts[instance.id] { tally.remove(before) }
                tally.add(now)
                facts[instance.id] = now
            case "action":
                let now = AnnualReportBuilder.actionFacts(instance)
                if let before = actions.updateValue(now, forKey: instance.id) { activity?.remove(before) }
                activity?.add(now)
            case "escalation":
                let now = AnnualReportBuilder.escalationFacts(instance)
                if let before = escalations.updateValue(now, forKey: instance.id) { activity?.remove(before) }
                activity?.add(now)
            case "escalation-review", "escalation-top-review":
                let now = builder.reviewFacts(instance)
                if let before = reviews.updateValue(now, forKey: instance.id) { activity?.remove(before) }
                activity?.add(now)
            default: keep(instance)
            }
        }
        for event in changes.events { measureEvents[event.instanceID, default: []].append(event) }
        for id in changes.redacted { measureEvents[id] = try app.engine.history(of: id) }
        if through == 0 { handBackFreedMemory() }
        through = changes.through
    }

    private func keep(_ instance: Instance) {
        if let at = positions[instance.id] {
            others[instance.workflow]?[at] = instance
        } else {
            positions[instance.id] = others[instance.workflow, default: []].count
            others[instance.workflow, default: []].append(instance)
        }
    }

    private func pledgeFacts(_ pledge: Instance, app: Flourish) throws -> PledgeFacts {
        let key = pledge.data["organisation"]?.stringValue ?? ""
        if organisations[key] == nil {
            organisations[key] = .some(try app.database.read { db in
                try db.queryOne("SELECT kind, district FROM organisations WHERE key = ? AND kind IS NOT NULL", key).map {
                    AnnualReportBuilder.Organisation(kind: $0.string("kind") ?? "", district: $0.string("district") ?? "")
                }
            })
        }
        // A pledge withdrawn before it was ever submitted was never made.
        let wasSubmitted = try pledge.state != "withdrawn" || app.engine.history(of: pledge.id).contains { $0.event == "submit" }
        return AnnualReportBuilder.facts(of: pledge, organisation: organisations[key] ?? nil, wasSubmitted: wasSubmitted)
    }
}

/// The report ledgers, one a year, made when a year's figures are first asked for.
final class ReportLedgers: @unchecked Sendable {  // `ledgers` guarded by `lock`
    private let lock = NSLock()
    private var ledgers: [Int: ReportLedger] = [:]
    func ledger(_ year: Int) -> ReportLedger {
        lock.withLock {
            if let l = ledgers[year] { return l }
            let l = ReportLedger(year: year)
            ledgers[year] = l
            return l
        }
    }
}

/// The public pledge wall kept in step with the event log: approved pledges of organisations
/// whose membership is active (or due for renewal), newest approval first, with their search
/// texts and counts by area. Each event changes it by what it changed: a pledge approved,
/// withdrawn or ending its year goes on or off; a membership lapsing or renewed takes its
/// organisation's pledges off or puts them back. Nothing else is read again.
final class WallLedger: @unchecked Sendable {  // every var guarded by `lock`
    static let activeMembership: Set<String> = ["active", "renewal-due"]
    private struct Candidate { var entry: WallEntry; var search: String; var key: SortKey }
    /// Newest approval first, then the later record first.
    private struct SortKey: Comparable {
        let approved: Int64, num: Int64
        static func < (a: SortKey, b: SortKey) -> Bool { (a.approved, a.num) > (b.approved, b.num) }
    }
    private struct Organisation { let name: String, kind: String, district: String }

    private let lock = NSLock()
    private var through: Int64 = 0
    private var rebuilds: Int64 = -1
    /// Pledges in the approved state of organisations whose membership is active, as the wall
    /// shows them; those of organisations whose membership is not (`dormant`) by their
    /// organisation alone, read again should it become active (most pledges of a partnership
    /// years old are of memberships long lapsed: the wall holds what it may show).
    private var candidates: [InstanceID: Candidate] = [:]
    private var dormant: [InstanceID: String] = [:]
    /// Every approved pledge of each organisation, shown or dormant.
    private var candidatesOf: [String: Set<InstanceID>] = [:]
    private var memberships: [InstanceID: (organisation: String, active: Bool)] = [:]
    private var activeMemberships: [String: Int] = [:]
    private var organisations: [String: Organisation?] = [:]
    private var wall = Flourish.WallIndex()
    /// The wall's order, beside its entries, and where each pledge on it sorts.
    private var keys: [SortKey] = []
    private var onWall: [InstanceID: SortKey] = [:]

    /// Whether the wall has been built at all (it is then kept in step, an event at a time).
    var isBuilt: Bool { lock.withLock { through > 0 } }

    /// The wall brought up to date with the log (from the start after a rebuild request). When
    /// nothing has happened since (`version` is what it was), it is the wall as it stands, with
    /// nothing read: the lock is held for no SQL, so readers of an unchanged wall do not queue.
    func index(app: Flourish, version: (seq: Int64, rebuilds: Int64)) throws -> Flourish.WallIndex {
        try lock.withLock {
            if version.rebuilds == rebuilds && version.seq == through && through > 0 { return wall }
            let requested = version.rebuilds
            if requested != rebuilds {
                through = 0; candidates = [:]; dormant = [:]; candidatesOf = [:]; memberships = [:]; activeMemberships = [:]; organisations = [:]
                wall = Flourish.WallIndex(); keys = []; onWall = [:]
                rebuilds = requested
            }
            try update(app)
            return wall
        }
    }

    private func update(_ app: Flourish) throws {
        let first = through == 0
        if first {
            try app.database.read { db in
                for row in try db.query("SELECT key, name, kind, district FROM organisations") {
                    organisations[row.string("key") ?? ""] = .some(Organisation(name: row.string("name") ?? "", kind: row.string("kind") ?? "", district: row.string("district") ?? ""))
                }
            }
        }
        var approvals: [InstanceID: Int64] = [:]
        if first {
            // When each approved pledge was approved, in one reading.
            try app.database.read { db in
                for row in try db.query("SELECT e.instance_id, MIN(e.occurred_at) AS at FROM events e JOIN instances i ON i.id = e.instance_id WHERE i.workflow = 'pledge' AND i.state = 'approved' AND e.event = 'approve' GROUP BY e.instance_id") {
                    approvals[InstanceID(row.string("instance_id") ?? "")] = row.int64("at") ?? 0
                }
            }
        }
        var touched: Set<InstanceID> = []
        // Each changed pledge and membership taken in as it is read, one at a time.
        let changes = try app.engine.changes(since: through, of: ["pledge", "scheme-membership"],
                                             startingIn: ["pledge": ["approved"], "scheme-membership": Array(Self.activeMembership)]) { [self] instance in
            let organisation = instance.data["organisation"]?.stringValue ?? ""
            if instance.workflow == "scheme-membership" {
                let active = Self.activeMembership.contains(instance.state)
                let before = memberships[instance.id]
                if before?.active == true { activeMemberships[before!.organisation, default: 0] -= 1 }
                if active { activeMemberships[organisation, default: 0] += 1 }
                memberships[instance.id] = (organisation, active)
                if before?.active != active { touched.formUnion(candidatesOf[organisation] ?? []) }
                return
            }
            touched.insert(instance.id)
            if let old = candidates.removeValue(forKey: instance.id) { candidatesOf[old.entry.organisation]?.remove(instance.id) }
            if let old = dormant.removeValue(forKey: instance.id) { candidatesOf[old]?.remove(instance.id) }
            guard instance.state == "approved", try self.organisation(organisation, app: app) != nil else { return }
            candidatesOf[organisation, default: []].insert(instance.id)
            if (activeMemberships[organisation] ?? 0) > 0 {
                candidates[instance.id] = try candidate(instance, approved: approvals[instance.id], app: app)
            } else {
                dormant[instance.id] = organisation
            }
        }
        // Each pledge touched goes on or off the wall as it now should be.
        for id in touched {
            if wall.pledges.contains(id) { takeOff(id) }
            guard let organisation = candidates[id]?.entry.organisation ?? dormant[id] else { continue }
            if (activeMemberships[organisation] ?? 0) > 0 {
                if candidates[id] == nil {
                    // Its organisation's membership is active again: the pledge is read to go back on.
                    dormant[id] = nil
                    candidates[id] = try candidate(app.engine.instance(id), approved: nil, app: app)
                }
                if let c = candidates[id] { putOn(c) }
            } else if candidates[id] != nil {
                // Off the wall until its organisation's membership is active: only its reference is kept.
                candidates[id] = nil
                dormant[id] = organisation
            }
        }
        if first { handBackFreedMemory() }
        through = changes.through
    }

    /// An approved pledge as the wall shows it, with its search text and place in the order.
    private func candidate(_ instance: Instance, approved known: Int64?, app: Flourish) throws -> Candidate? {
        let organisation = instance.data["organisation"]?.stringValue ?? ""
        guard instance.state == "approved", let org = try self.organisation(organisation, app: app) else { return nil }
        let approved = try known ?? app.database.read { db in
            try db.queryOne("SELECT MIN(occurred_at) AS at FROM events WHERE instance_id = ? AND event = 'approve'", instance.id.rawValue)?.int64("at") ?? 0
        }
        let data = instance.data
        var entry = WallEntry(pledge: instance.id, organisation: organisation, organisationName: org.name, kind: org.kind, district: org.district,
                              text: data["text"]?.stringValue ?? "", areas: data["areas"]?.arrayValue?.compactMap(\.stringValue) ?? [],
                              theme: data["theme"]?.stringValue, priority: data["priority"]?.stringValue, pledgeYear: data["pledgeYear"]?.intValue ?? 0,
                              approvedOn: Date(milliseconds: approved))
        entry.ask = data["ask"]?.stringValue
        let num = Int64(instance.id.rawValue.split(separator: "-").last ?? "") ?? 0
        return Candidate(entry: entry, search: Flourish.normalise(entry.text + " " + entry.organisationName), key: SortKey(approved: approved, num: num))
    }

    private func organisation(_ key: String, app: Flourish) throws -> Organisation? {
        if let known = organisations[key] { return known }
        let found = try app.database.read { db in
            try db.queryOne("SELECT name, kind, district FROM organisations WHERE key = ?", key).map {
                Organisation(name: $0.string("name") ?? "", kind: $0.string("kind") ?? "", district: $0.string("district") ?? "")
            }
        }
        organisations[key] = .some(found)
        return found
    }

    /// Where a key goes in the wall's order.
    private func position(of key: SortKey) -> Int {
        var low = 0, high = keys.count
        while low < high {
            let mid = (low + high) / 2
            if keys[mid] < key { low = mid + 1 } else { high = mid }
        }
        return low
    }

    private func putOn(_ c: Candidate) {
        let at = position(of: c.key)
        onWall[c.entry.pledge] = c.key
        keys.insert(c.key, at: at)
        wall.entries.insert(c.entry, at: at)
        wall.searchTexts.insert(c.search, at: at)
        wall.pledges.insert(c.entry.pledge)
        for a in c.entry.areas { wall.countsByArea[a, default: 0] += 1 }
    }

    private func takeOff(_ id: InstanceID) {
        guard let key = onWall.removeValue(forKey: id) else { return }
        let at = position(of: key)
        let entry = wall.entries.remove(at: at)
        keys.remove(at: at)
        wall.searchTexts.remove(at: at)
        wall.pledges.remove(id)
        for a in entry.areas {
            wall.countsByArea[a, default: 0] -= 1
            if wall.countsByArea[a] == 0 { wall.countsByArea[a] = nil }
        }
    }
}

/// How many pledges answer each of the partnership's asks (not rejected or withdrawn), kept in
/// step with the event log: counted once, then changed by the pledges each event changed.
/// (The dashboard read every pledge of every year to count them, on every view.)
final class AskTally: @unchecked Sendable {  // every var guarded by `lock`
    static let notCounted: Set<String> = ["rejected", "withdrawn"]
    private let lock = NSLock()
    private var through: Int64 = 0
    private var rebuilds: Int64 = -1
    /// Each pledge answering an ask, and whether it counts.
    private var answering: [InstanceID: (ask: String, counts: Bool)] = [:]
    private var made: [String: Int] = [:]

    /// Pledges made per ask, up to date with the log.
    func pledgesPerAsk(app: Flourish, version: (seq: Int64, rebuilds: Int64)) throws -> [String: Int] {
        try lock.withLock {
            if version.rebuilds == rebuilds && version.seq == through && through > 0 { return made }
            if version.rebuilds != rebuilds { through = 0; answering = [:]; made = [:]; rebuilds = version.rebuilds }
            if through == 0 {
                // The first count reads only the pledges that answer an ask, in SQL.
                try app.database.read { db in
                    through = try db.queryOne("SELECT COALESCE(MAX(seq), 0) AS seq FROM events")?.int64("seq") ?? 0
                    for row in try db.query("SELECT id, state, json_extract(data, '$.ask') AS ask FROM instances WHERE workflow = 'pledge' AND json_extract(data, '$.ask') IS NOT NULL") {
                        count(InstanceID(row.string("id") ?? ""), ask: row.string("ask"), state: row.string("state") ?? "")
                    }
                }
                return made
            }
            let changes = try app.engine.changes(since: through, of: ["pledge"])
            for pledge in changes.instances { count(pledge.id, ask: pledge.data["ask"]?.stringValue, state: pledge.state) }
            through = changes.through
            return made
        }
    }

    /// Takes a pledge's old part away and adds its new one. Called with `lock` held.
    private func count(_ id: InstanceID, ask: String?, state: String) {
        if let before = answering.removeValue(forKey: id), before.counts {
            made[before.ask, default: 0] -= 1
            if made[before.ask] == 0 { made[before.ask] = nil }
        }
        guard let ask else { return }
        let counts = !Self.notCounted.contains(state)
        answering[id] = (ask, counts)
        if counts { made[ask, default: 0] += 1 }
    }
}

/// Every escalation with its reviews and the actions it set, kept in step with the event log:
/// after a write only the instances it changed are read (the dashboard and the agendas list
/// every escalation; reading them all again after each of fifty writes a second kept a core
/// busy over a large partnership).
final class EscalationLedger: @unchecked Sendable {  // every var guarded by `lock`
    static let workflows: Set<String> = Set(["escalation", "action"] + EscalationHooks.reviewWorkflows)

    private let lock = NSLock()
    private var through: Int64 = 0
    private var rebuilds: Int64 = -1
    /// The escalations, reviews and escalation actions, and the order they were started in.
    private var instances: [InstanceID: Instance] = [:]
    /// Each escalation read as a record once, when it changes (an action's or measure's page
    /// lists the escalations it raised; decoding them on every view was a tenth of a group page).
    private var escalationRecords: [InstanceID: Escalation] = [:]
    private var started: [InstanceID] = []
    private var records = Flourish.EscalationRecords(escalations: [], reviews: [:], work: [:], raisedBy: [:], paths: [:])

    /// The records brought up to date with the log (from the start after a rebuild request).
    func records(app: Flourish, version: (seq: Int64, rebuilds: Int64)) throws -> Flourish.EscalationRecords {
        try lock.withLock {
            if version.rebuilds == rebuilds && version.seq == through && through > 0 { return records }
            if version.rebuilds != rebuilds {
                through = 0; instances = [:]; escalationRecords = [:]; started = []
                rebuilds = version.rebuilds
            }
            let first = through == 0
            let changes = try app.engine.changes(since: through, of: Self.workflows)
            guard changes.through != through || first else { return records }
            // Actions that are not an escalation's work (most actions) are not kept here.
            let relevant = changes.instances.filter { $0.workflow != "action" || $0.data["escalation"]?.stringValue != nil }
            // A write that changed none of them (logging an action, say) leaves the records as they are.
            guard first || !relevant.isEmpty else { through = changes.through; return records }
            // Read before anything kept is changed, so a record that cannot be read changes nothing.
            let read = try relevant.filter { $0.workflow == "escalation" }.map(Escalation.init)
            for escalation in read { escalationRecords[escalation.id.instance] = escalation }
            for instance in relevant where instances.updateValue(instance, forKey: instance.id) == nil { started.append(instance.id) }
            if first { handBackFreedMemory() }
            through = changes.through
            var escalations: [Instance] = [], reviews: [String: [Instance]] = [:], work: [String: [Instance]] = [:], raisedBy: [String: [Escalation]] = [:]
            var reviewedAt: [String: [String]] = [:]
            for id in started {
                guard let instance = instances[id] else { continue }
                if instance.workflow == "escalation" {
                    escalations.append(instance)
                    if let source = instance.data["source"]?.stringValue, let record = escalationRecords[id] { raisedBy[source, default: []].append(record) }
                } else if let escalation = instance.data["escalation"]?.stringValue {
                    if instance.workflow == "action" { work[escalation, default: []].append(instance) } else {
                        reviews[escalation, default: []].append(instance)
                        if let body = instance.data["body"]?.stringValue { reviewedAt[escalation, default: []].append(body) }
                    }
                }
            }
            var paths: [String: [String]] = [:]
            for (id, escalation) in escalationRecords {
                paths[id.rawValue] = AccessPolicy.path(raisedBy: escalation.group, reviewedAt: reviewedAt[id.rawValue] ?? [])
            }
            records = Flourish.EscalationRecords(escalations: escalations.reversed(), reviews: reviews, work: work, raisedBy: raisedBy, paths: paths)
            return records
        }
    }
}

/// Every action with the RAG ratings its updates gave, kept in step with the event log: a
/// group page filters them in memory rather than reading every action and each one's history
/// (a group page over a large partnership read 2,000 actions and 400 histories).
final class ActionLedger: @unchecked Sendable {  // every var guarded by `lock`
    private let lock = NSLock()
    private var through: Int64 = 0
    private var rebuilds: Int64 = -1
    /// Read as records once, when they change, not on every page that lists them.
    private var actions: [InstanceID: Kept] = [:]
    private var started: [InstanceID] = []
    private var rags: [InstanceID: [RAGStatus]] = [:]
    /// An action with its ratings, oldest first. A class, so that listing thousands again after
    /// a write, or a group's hundreds for a page, copies references rather than the records.
    final class Kept: Sendable {
        let action: Action
        let rags: [RAGStatus]
        init(_ action: Action, _ rags: [RAGStatus]) { self.action = action; self.rags = rags }
    }
    /// Newest first.
    private var kept: [Kept] = []
    /// The same, each group's alone (a group page lists one group's of thousands).
    private var keptByGroup: [String: [Kept]] = [:]

    static func rag(of event: EventRecord) -> RAGStatus? {
        event.event == "update" ? event.payload["rag"]?.stringValue.flatMap(RAGStatus.init(rawValue:)) : nil
    }

    /// The actions brought up to date with the log (from the start after a rebuild request):
    /// every one, or only `group`'s.
    func records(app: Flourish, version: (seq: Int64, rebuilds: Int64), group: String? = nil) throws -> [Kept] {
        try lock.withLock {
            try update(app: app, version: version)
            guard let group else { return kept }
            return keptByGroup[group] ?? []
        }
    }

    /// Reads what changed since the last update. Called with `lock` held.
    private func update(app: Flourish, version: (seq: Int64, rebuilds: Int64)) throws {
        if version.rebuilds == rebuilds && version.seq == through && through > 0 { return }
        if version.rebuilds != rebuilds {
            through = 0; actions = [:]; started = []; rags = [:]
            rebuilds = version.rebuilds
        }
        let first = through == 0
        let changes = try app.engine.changes(since: through, of: ["action"], eventsOf: ["action"])
        guard changes.through != through || first else { return }
        // A write that changed no action (most of a busy day's) leaves the lists as they are.
        guard first || !changes.instances.isEmpty else { through = changes.through; return }
        // Read before anything kept is changed, so a record that cannot be read changes nothing.
        let changed = try changes.instances.map(Action.init)
        var redacted: [InstanceID: [RAGStatus]] = [:]
        // A redaction rewrote the payloads of earlier events: that action's ratings are read again whole.
        for id in changes.redacted { redacted[id] = try app.engine.history(of: id).compactMap(Self.rag) }
        for event in changes.events where !changes.redacted.contains(event.instanceID) {
            if let rag = Self.rag(of: event) { rags[event.instanceID, default: []].append(rag) }
        }
        rags.merge(redacted) { _, whole in whole }
        // Every event of an action changes its instance, so the changed instances are every
        // action whose record or ratings changed; the others keep their boxes.
        var added: [Kept] = []
        for action in changed {
            let id = action.id.instance, box = Kept(action, rags[id] ?? [])
            if actions.updateValue(box, forKey: id) == nil { started.append(id); added.append(box) }
        }
        through = changes.through
        if first { handBackFreedMemory() }
        if !first && added.count == changed.count {
            // Only new actions (an action logged): each goes in front, oldest first so the newest leads.
            for box in added {
                kept.insert(box, at: 0)
                keptByGroup[box.action.group, default: []].insert(box, at: 0)
            }
            return
        }
        kept = started.reversed().compactMap { actions[$0] }
        keptByGroup = Dictionary(grouping: kept, by: \.action.group)
    }
}

/// Every measure with the values recorded for it, kept in step with the event log: a group
/// page lists its measures from here rather than reading every measure and each one's
/// history on every view (a quarter of a group page's time over a large partnership).
final class MeasureLedger: @unchecked Sendable {  // every var guarded by `lock`
    private let lock = NSLock()
    private var through: Int64 = 0
    private var rebuilds: Int64 = -1
    private var measures: [InstanceID: Measure] = [:]
    private var started: [InstanceID] = []
    private var values: [InstanceID: [MeasureValue]] = [:]
    /// Newest first (as the records list them), with each one's values, oldest first.
    private var kept: [(measure: Measure, values: [MeasureValue])] = []

    /// The measures brought up to date with the log (from the start after a rebuild request).
    func records(app: Flourish, version: (seq: Int64, rebuilds: Int64)) throws -> [(measure: Measure, values: [MeasureValue])] {
        try lock.withLock {
            if version.rebuilds == rebuilds && version.seq == through && through > 0 { return kept }
            if version.rebuilds != rebuilds {
                through = 0; measures = [:]; started = []; values = [:]
                rebuilds = version.rebuilds
            }
            let first = through == 0
            let changes = try app.engine.changes(since: through, of: ["measure"], eventsOf: ["measure"])
            guard changes.through != through || first else { return kept }
            // A write that changed no measure leaves the list as it is.
            guard first || !changes.instances.isEmpty else { through = changes.through; return kept }
            // Read before anything kept is changed, so a record that cannot be read changes nothing.
            let changed = try changes.instances.map(Measure.init)
            var redacted: [InstanceID: [MeasureValue]] = [:]
            // A redaction rewrote the payloads of earlier events: that measure's values are read again whole.
            for id in changes.redacted { redacted[id] = MeasureValue.values(of: try app.engine.history(of: id)) }
            for measure in changed where measures.updateValue(measure, forKey: measure.id.instance) == nil { started.append(measure.id.instance) }
            for event in changes.events where !changes.redacted.contains(event.instanceID) {
                if let value = MeasureValue.recorded(by: event) { MeasureValue.adding(value, to: &values[event.instanceID, default: []]) }
            }
            values.merge(redacted) { _, whole in whole }
            through = changes.through
            kept = started.reversed().compactMap { id in measures[id].map { ($0, values[id] ?? []) } }
            return kept
        }
    }
}
