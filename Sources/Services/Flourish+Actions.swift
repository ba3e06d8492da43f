public import Foundation
public import Engine
public import Domain
internal import SQLite

/// An action a group logs.
public struct ActionRequest: Sendable {
    public var group: String
    public var title: String
    public var description: String
    /// Defaults to the group's own priority.
    public var priority: String?
    public var areas: [String]
    public var owner: String
    public var dueDate: String
    public var item: String?

    public init(group: String, title: String, description: String = "", priority: String? = nil, areas: [String], owner: String, dueDate: String, item: String? = nil) {
        self.group = group
        self.title = title
        self.description = description
        self.priority = priority
        self.areas = areas
        self.owner = owner
        self.dueDate = dueDate
        self.item = item
    }
}

/// An action with its progress and the escalations it opened.
public struct ActionView: Sendable {
    public let action: Action
    public let rags: [RAGStatus]
    public let escalations: [Escalation]
    public var latestRAG: RAGStatus? { rags.last }
    public var trend: String { RAGStatus.trend(rags) }
    public var isOverdue: Bool { action.isOverdue }
}

/// How to filter actions.
public struct ActionFilter: Sendable {
    public var group: String?, priority: String?, area: String?, state: String?, rag: String?
    public var overdueOnly = false
    public init(group: String? = nil, priority: String? = nil, area: String? = nil, state: String? = nil, rag: String? = nil, overdueOnly: Bool = false) {
        self.group = group; self.priority = priority; self.area = area; self.state = state; self.rag = rag; self.overdueOnly = overdueOnly
    }
}

/// A measure to define.
public struct MeasureRequest: Sendable {
    public var group: String, name: String, unit: String, direction: String
    public var baseline: Double, target: Double, tolerance: Double
    public var frequency: String, area: String
    public var priority: String?
    public var successMeasure: String?
    /// In its area's core set, and where its data comes from (all optional).
    public var core = false
    public var dataSource: String?, dataset: String?, sharingAgreement: String?, arrives: String?

    public init(group: String, name: String, unit: String, direction: String, baseline: Double, target: Double, tolerance: Double,
                frequency: String, area: String, priority: String? = nil, successMeasure: String? = nil) {
        self.group = group; self.name = name; self.unit = unit; self.direction = direction
        self.baseline = baseline; self.target = target; self.tolerance = tolerance
        self.frequency = frequency; self.area = area; self.priority = priority; self.successMeasure = successMeasure
    }
}

/// A measure's value for one period: the one recorded last for it (a correction replaces the
/// value it corrects, keeping its place in the trend).
public struct MeasureValue: Sendable {
    public let period: String
    public let value: Double
    public let rag: RAGStatus
    public let recordedAt: Date
    /// The value a correction replaced; nil for a value recorded once.
    public let replaced: Double?

    /// As the API and `flourish measure show --json` give it: period, value, RAG, and the
    /// value a correction replaced when it is one.
    public var json: JSONValue {
        var j: [String: JSONValue] = ["period": .string(period), "value": .double(value), "rag": .string(rag.rawValue)]
        if let replaced { j["replaced"] = .double(replaced) }
        return .object(j)
    }

    /// A measure's values from its history, oldest first, one a period.
    static func values(of history: [EventRecord]) -> [MeasureValue] {
        var values: [MeasureValue] = []
        for event in history { if let value = recorded(by: event) { adding(value, to: &values) } }
        return values
    }

    /// The value an event recorded, if it recorded one: a value, or a correction of the latest.
    static func recorded(by event: EventRecord) -> MeasureValue? {
        guard event.event == "record" || event.event == "correct" else { return nil }
        return MeasureValue(period: event.payload["period"]?.stringValue ?? "", value: event.payload["value"]?.doubleValue ?? 0,
                            rag: RAGStatus(rawValue: event.payload["rag"]?.stringValue ?? "") ?? .red, recordedAt: event.occurredAt, replaced: nil)
    }

    /// The value recorded for `period` in `values`, however it was written ("2026 Q3" or "2026-q3").
    static func value(for period: String, in values: [MeasureValue]) -> MeasureValue? { values.last { MeasurePeriod.same($0.period, period) } }

    /// The value a correction may replace: the latest recorded, only (a correction of an
    /// earlier period would leave the measure's latest figures out of step).
    static func correctable(in values: [MeasureValue]) -> MeasureValue? { values.last }

    /// Refuses a second value for a period (``Flourish/recordMeasure(_:period:value:note:corrects:by:expectedVersion:idempotencyKey:)``)
    /// unless it corrects the latest value, and a correction with nothing to correct.
    static func checkOnePerPeriod(_ period: String, corrects: Bool, values: [MeasureValue], unit: String, time: PartnershipTime, event: String = "record") throws {
        let latest = correctable(in: values)
        guard let earlier = value(for: period, in: values) else {
            guard !corrects else {
                throw WorkflowError.invalidField(event: event, field: "period", reason: "has no value yet, so there is none to correct: record it as a new value"
                                                 + (latest.map { " (the latest value is for \($0.period))" } ?? ""))
            }
            return
        }
        let isLatest = latest.map { MeasurePeriod.same($0.period, period) } ?? false
        if corrects && isLatest { return }
        let said = "already has a value, \(JSONValue.double(earlier.value).canonicalString)\(unit.isEmpty ? "" : " " + unit) (\(earlier.rag.rawValue)), recorded on \(time.day(of: earlier.recordedAt).inWords)"
        throw WorkflowError.invalidField(event: event, field: "period", reason: isLatest
            ? "\(said); a measure has one value a period, so if that value is wrong, record this one as a correction of it"
            : "\(said), and only the latest value (for \(latest?.period ?? "")) can be corrected")
    }

    /// Adds `value` to `values`: a value for a period already there replaces it (a correction;
    /// values recorded twice before corrections were asked for read the same way).
    static func adding(_ value: MeasureValue, to values: inout [MeasureValue]) {
        guard let i = values.lastIndex(where: { MeasurePeriod.same($0.period, value.period) }) else { values.append(value); return }
        values[i] = MeasureValue(period: value.period, value: value.value, rag: value.rag, recordedAt: value.recordedAt, replaced: values[i].value)
    }
}

/// A measure with its recorded values.
public struct MeasureView: Sendable {
    public let measure: Measure
    public let values: [MeasureValue]
    public let escalations: [Escalation]
    public var isMissingValue: Bool { measure.isMissingValue }
    /// The value a correction may replace now (``MeasureValue/correctable(in:)``), if any.
    public var correctable: MeasureValue? { MeasureValue.correctable(in: values) }
    /// The value recorded for `period`, however it was written ("2026 Q3" or "2026-q3").
    public func value(for period: String) -> MeasureValue? { MeasureValue.value(for: period, in: values) }
}

extension Flourish {
    // MARK: - Actions

    /// Logs an action for a group. Its priority defaults to the group's own; its areas,
    /// priority and "what needs to happen" item are checked against the framework; the day it
    /// escalates if still overdue follows the partnership's tolerance.
    public func logAction(_ r: ActionRequest, by person: String, idempotencyKey: String? = nil) throws -> ActionView {
        let start = try actionStart(r, by: person)
        return try loggedAction(try engine.start("action", data: start.given, computed: start.computed, actor: start.actor, idempotencyKey: idempotencyKey))
    }

    /// Logs an action as ``logAction(_:by:idempotencyKey:)`` does, but returns once the start
    /// is checked and queued: `whenLogged` is called once, after the commit (or with the reason
    /// nothing was written), on the thread that led it. What is wrong with the request itself
    /// is thrown at once, before anything is queued.
    public func logAction(_ r: ActionRequest, by person: String, idempotencyKey: String? = nil,
                          whenLogged: @escaping @Sendable (Result<ActionView, any Error>) -> Void) throws {
        let start = try actionStart(r, by: person)
        engine.start("action", data: start.given, computed: start.computed, actor: start.actor, idempotencyKey: idempotencyKey) { [self] started in
            whenLogged(Result { try loggedAction(try started.get()) })
        }
    }

    /// An action's start, checked: its data split into what a caller gives and what the
    /// services work out, and who starts it.
    private func actionStart(_ r: ActionRequest, by person: String) throws -> (given: [String: JSONValue], computed: [String: JSONValue], actor: Actor) {
        // One read transaction for the group, the owner and who the person acts as.
        let (data, actor) = try database.read { db in (try actionData(r, in: db), try Self.actor(person, at: r.group, in: db)) }
        try refuseDueInThePast(data["dueDate"]?.stringValue, event: "log an action")
        let built = try engine.separatingComputed(data, workflow: "action", event: "start")
        return (built.given, built.computed, actor)
    }

    /// The view of an action just logged. A new action has no updates and has raised nothing:
    /// its view is the instance the commit returned. A replay answers with the action as it
    /// stands now.
    private func loggedAction(_ started: FireResult) throws -> ActionView {
        if !started.isReplay, started.instance.workflow == "action" { return ActionView(action: try Action(started.instance), rags: [], escalations: []) }
        return try action(RecordID(started.instance.id))
    }

    /// An action's starting data, every part checked: the group, areas, priority (the group's
    /// own by default), the strategy item, the due date and the owner.
    /// - Parameter requirePriority: false for work a decision sets (a follow-up at a group with
    ///   no priority of its own, of an escalation naming none), which may have no priority.
    func actionData(_ r: ActionRequest, requirePriority: Bool = true) throws -> [String: JSONValue] {
        try database.read { db in try actionData(r, requirePriority: requirePriority, in: db) }
    }

    /// An action's starting data as ``actionData(_:requirePriority:)``, read within `db`'s transaction.
    func actionData(_ r: ActionRequest, requirePriority: Bool = true, in db: Connection) throws -> [String: JSONValue] {
        let group = try governance.body(r.group, in: db)
        if r.title.trimmedOfSpaces.isEmpty { throw WorkflowError.missingField(event: "log an action", field: "title") }
        try framework.checkAreas(r.areas)
        let priority = r.priority ?? group.priority
        if priority == nil && requirePriority {
            throw WorkflowError.invalidField(event: "log an action", field: "priority", reason: "\(group.key) has no priority of its own, so name one (\(framework.priorities.map(\.key).joined(separator: ", ")))")
        }
        if let priority { try framework.checkPriority(priority) }
        if let item = r.item, let priority { try framework.checkItem(item, of: priority) }
        guard let due = CalendarDay(r.dueDate) else {
            throw WorkflowError.invalidField(event: "log an action", field: "dueDate", reason: Self.notADay(r.dueDate))
        }
        // Only the partnership's own people own actions: an organisation's contact (whose name is
        // theirs and the secretariat's to see) is refused as someone unknown is, in the same
        // words, so the answer does not tell whether a contact of that user name exists.
        guard let owner = try Directory.person(r.owner, in: db), try Self.mayOwnActions(owner.id, in: db) else {
            throw WorkflowError.invalidField(event: "log an action", field: "owner",
                                             reason: "should be one of the partnership's people (a member of its groups and boards); “\(r.owner)” is not")
        }
        var data: [String: JSONValue] = [
            "group": .string(group.key), "title": .string(r.title), "areas": .array(r.areas.map(JSONValue.string)),
            "owner": .string(owner.id), "dueDate": .string(due.description), "escalatesOn": .string(try escalatesOn(due).description),
        ]
        if let priority { data["priority"] = .string(priority) }
        if !r.description.isEmpty { data["description"] = .string(r.description) }
        if let org = owner.organisation { data["ownerOrganisation"] = .string(org) }
        if let item = r.item { data["item"] = .string(item) }
        return data
    }

    /// Why `text` is not a day, as its reader can act on it: a date of the right shape that no
    /// calendar has (2027-02-30 was told to be "written as YYYY-MM-DD", which it was).
    static func notADay(_ text: String) -> String {
        let shaped = text.range(of: "^[0-9]{4}-[0-9]{2}-[0-9]{2}$", options: .regularExpression) != nil
        return shaped ? "is not a day of the calendar: “\(text)” is written as a date, but there is no such day" : "should be a date written as YYYY-MM-DD, such as 2027-03-31"
    }

    /// A new action, or a new due date, is due today or later: one logged or moved into the past
    /// would be overdue, and past its escalation date, from the moment it is written. (An
    /// import brings history in with the dates it had.)
    func refuseDueInThePast(_ dueDate: String?, event: String) throws {
        guard let text = dueDate, let due = CalendarDay(text) else { return }
        let today = time.day(of: clock.now())
        if due < today {
            throw WorkflowError.invalidField(event: event, field: "dueDate", reason: "is in the past (\(due.inWords)); give today, \(today.inWords), or a later day")
        }
    }

    /// The day an action due on `due` escalates if still open: "overdue by more than N working
    /// days" is the start of the (N+1)th working day after the due date, whatever day of the week
    /// the due date falls on. A due date whose tolerance runs past the bank-holiday calendar is
    /// refused, naming `dueDate`.
    public func escalatesOn(_ due: CalendarDay) throws -> CalendarDay {
        do {
            return try time.workingDays.adding(WorkingDays(partnership.escalation.overdueToleranceWorkingDays.count + 1), to: due)
        } catch let e as CalendarError {
            // Said the way the date is out: one before the calendar's first year was "too late",
            // and its reader was sent to add later years to the calendar file.
            let calendar = time.workingDays
            let reason = due < calendar.coversFrom
                ? "is before \(calendar.coversFrom.inWords), where the partnership's working-day calendar begins; give a later date"
                : "is too late for the bank-holiday calendar to count its tolerance in working days (\(e.localizedDescription))"
            throw WorkflowError.invalidField(event: "schedule an action", field: "dueDate", reason: reason)
        }
    }

    /// Fires an action event (begin, update, block, unblock, complete, cancel) as its group's chair,
    /// or as the secretariat on the group's behalf.
    public func fireAction(_ reference: RecordID<Action>, event: String, fields: [String: JSONValue], expectedVersion: Int? = nil, by person: String) throws -> ActionView {
        let id = reference.instance
        let a = try engine.instance(id)
        guard a.workflow == "action" else { throw WorkflowError.unknownInstance(id) }
        try engine.fire(event, on: id, payload: fields, actor: try actor(person, at: try Action(a).group), expectedVersion: expectedVersion)
        return try action(reference)
    }

    /// Agrees a new due date (and so a new tolerance date).
    public func rescheduleAction(_ reference: RecordID<Action>, dueDate: String, reason: String, by person: String) throws -> ActionView {
        let id = reference.instance
        guard let due = CalendarDay(dueDate) else { throw WorkflowError.invalidField(event: "reschedule", field: "dueDate", reason: Self.notADay(dueDate)) }
        try refuseDueInThePast(due.description, event: "reschedule")
        let a = try engine.instance(id)
        guard a.workflow == "action" else { throw WorkflowError.unknownInstance(id) }
        try engine.fire("reschedule", on: id, payload: ["dueDate": .string(due.description), "reason": .string(reason)], computed: ["escalatesOn": .string(try escalatesOn(due).description)],
                        actor: try actor(person, at: try Action(a).group), expectedVersion: nil)
        return try action(reference)
    }

    /// An action with its RAG history and its escalations.
    /// The people an action can be owned by: the partnership's own people, not the pledging
    /// organisations' contacts (whose names are theirs and the secretariat's to see).
    public func actionOwners() throws -> [Person] {
        let contacts = try database.read { db in Set(try db.query(Self.pledgingContacts).compactMap { $0.string("id") }) }
        return try directory.people().filter { !contacts.contains($0.id) }
    }

    /// The people who speak for pledging organisations (their contacts): never an action's owner.
    static let pledgingContacts = "SELECT p.id FROM people p JOIN organisations o ON o.key = p.organisation WHERE o.kind IS NOT NULL"

    /// Whether `person` may own an action: one of ``actionOwners()``.
    static func mayOwnActions(_ person: String, in db: Connection) throws -> Bool {
        try db.queryOne("SELECT 1 FROM (\(pledgingContacts)) WHERE id = ?", person) == nil
    }

    /// An action the viewer may see, with only the escalations they may see.
    ///
    /// - Throws: ``WorkflowError/unknownInstance(_:)`` when there is none or the viewer may not see it.
    public func action(_ reference: RecordID<Action>, for viewer: Viewer) throws -> ActionView {
        let id = reference.instance
        let view = try action(reference)
        guard try policy.sight(of: view.action, for: viewer) == .whole else { throw WorkflowError.unknownInstance(id) }
        return ActionView(action: view.action, rags: view.rags, escalations: try view.escalations.filter { try policy.sight(of: $0, for: viewer) == .whole })
    }

    /// The updates posted on an action the viewer may see, oldest first.
    public func actionUpdates(_ reference: RecordID<Action>, for viewer: Viewer) throws -> [EventRecord] {
        let id = reference.instance
        return try history(of: id, for: viewer).events.filter { $0.event == "update" }
    }

    public func action(_ reference: RecordID<Action>) throws -> ActionView {
        let id = reference.instance
        let a = try engine.instance(id)
        guard a.workflow == "action" else { throw WorkflowError.unknownInstance(id) }
        return try actionView(try Action(a), escalations: try Escalation.records(instances(of: "escalation", whereData: "source", equals: id.rawValue)))
    }

    /// An action with its RAG updates (from its history) and the escalations it raised.
    func actionView(_ action: Action, escalations: [Escalation]) throws -> ActionView {
        let rags = try engine.history(of: action.id.instance).compactMap(ActionLedger.rag)
        return ActionView(action: action, rags: rags, escalations: escalations)
    }

    /// Actions, filtered by group, priority, area, state, latest RAG and overdue.
    /// The actions the viewer may see (partnership members: see ``AccessPolicy``), filtered.
    public func actions(_ filter: ActionFilter = ActionFilter(), for viewer: Viewer) throws -> [ActionView] {
        try check(filter)
        return try actions(filter, seenBy: viewer)
    }

    /// A group's actions the viewer may see, in the order its chair chases them: the open ones,
    /// overdue first, then soonest due; and the finished ones (completed or cancelled), latest
    /// due first.
    ///
    /// Kept for the viewer until anything is next committed (``ViewerAnswers``): a chair's
    /// group page, its pages of fifty and its counts are sorted once between writes, not once
    /// a view.
    public func actionsToChase(group: String, for viewer: Viewer) throws -> (open: [ActionView], finished: [ActionView]) {
        try chaseLists.value(group, for: viewer, counter: try? changeCounter()) { try sortedToChase(group: group, for: viewer) }
    }

    private func sortedToChase(group: String, for viewer: Viewer) throws -> (open: [ActionView], finished: [ActionView]) {
        let actions = try actions(ActionFilter(group: group), for: viewer)
        // Sorted by keys worked out once, equal keys kept in the order listed (newest first),
        // so hundreds of actions are not copied about while they are compared.
        func ordered(_ finished: Bool, _ key: (ActionView) -> (Int, Int), _ before: ((Int, Int), (Int, Int)) -> Bool) -> [ActionView] {
            actions.indices.filter { actions[$0].action.state.isFinished == finished }
                .map { (key: key(actions[$0]), index: $0) }
                .sorted { before($0.key, $1.key) || ($0.key == $1.key && $0.index < $1.index) }
                .map { actions[$0.index] }
        }
        let open = ordered(false, { ($0.isOverdue ? 0 : 1, $0.action.dueDate?.ordinal ?? .min) }, <)
        let finished = ordered(true, { (0, $0.action.dueDate?.ordinal ?? .min) }, >)
        return (open, finished)
    }

    /// The measures the viewer may see, optionally of one group or area.
    /// Each names only the escalations it raised that the viewer may see.
    public func measures(group: String? = nil, area: String? = nil, for viewer: Viewer) throws -> [MeasureView] {
        try checkMeasuresFilter(group: group, area: area)
        return try measures(group: group, area: area, seenBy: viewer).filter { try policy.sight(of: $0.measure, for: viewer) == .whole }
    }

    public func actions(_ filter: ActionFilter = ActionFilter()) throws -> [ActionView] {
        try check(filter)
        return try actions(filter, seenBy: nil)
    }

    /// The actions chosen by `filter`, only those `viewer` may see when one is given.
    private func actions(_ filter: ActionFilter, seenBy viewer: Viewer?) throws -> [ActionView] {
        // Every action and its ratings kept in step with the log (``ActionLedger``), newest first.
        let version = try figuresVersion()
        let kept = try actionLedger.records(app: self, version: version, group: filter.group)
        guard !kept.isEmpty else { return [] }
        // The escalations actions raised (oldest first), from the kept escalations.
        let escalations = try escalationLedger.records(app: self, version: version)
        // Each action chosen is copied once, into its view (hundreds on a group page).
        return try kept.compactMap { k -> ActionView? in
            let a = k.action
            if let s = filter.state, a.state.rawValue != s { return nil }
            if let p = filter.priority, a.priority != p { return nil }
            if let area = filter.area, !a.areas.contains(area) { return nil }
            if filter.overdueOnly, !a.isOverdue { return nil }
            if let r = filter.rag, k.rags.last?.rawValue != r { return nil }
            if let viewer, try policy.sight(of: a, for: viewer) != .whole { return nil }
            return ActionView(action: a, rags: k.rags, escalations: escalations.raised(by: a.id.rawValue, seenBy: viewer, policy: policy))
        }
    }

    // MARK: - Measures

    /// Defines a measure owned by a group, checked against the framework.
    public func defineMeasure(_ r: MeasureRequest, by person: String) throws -> MeasureView {
        let built = try engine.separatingComputed(try measureData(r), workflow: "measure", event: "start")
        let started = try engine.start("measure", data: built.given, computed: built.computed, actor: try actor(person, at: r.group))
        return try measure(RecordID(started.instance.id))
    }

    /// The frequencies a measure may be reported at.
    public static let measureFrequencies = ["monthly", "quarterly", "annually"]

    /// A measure's starting data, every part checked.
    func measureData(_ r: MeasureRequest) throws -> [String: JSONValue] {
        let group = try governance.body(r.group)
        if r.name.trimmingCharacters(in: .whitespaces).isEmpty { throw WorkflowError.missingField(event: "define a measure", field: "name") }
        try framework.checkAreas([r.area])
        if let p = r.priority ?? group.priority { try framework.checkPriority(p) }
        if let s = r.successMeasure {
            guard let p = r.priority ?? group.priority else {
                throw WorkflowError.invalidField(event: "define a measure", field: "priority", reason: "is needed to name a success measure, as \(group.key) has no priority of its own")
            }
            try framework.checkSuccessMeasure(s, of: p)
        }
        guard MeasureDirection(rawValue: r.direction) != nil else {
            throw WorkflowError.invalidField(event: "define a measure", field: "direction", reason: "should be one of: \(MeasureDirection.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard Self.measureFrequencies.contains(r.frequency) else {
            throw WorkflowError.invalidField(event: "define a measure", field: "frequency", reason: "should be one of: \(Self.measureFrequencies.joined(separator: ", "))")
        }
        // Each figure named for itself: a baseline of 1e309 was blamed on the tolerance.
        for (field, value) in [("baseline", r.baseline), ("target", r.target)] where !value.isFinite {
            throw WorkflowError.invalidField(event: "define a measure", field: field, reason: "should be an ordinary number such as 84.1, in the measure's unit")
        }
        guard r.tolerance >= 0, r.tolerance.isFinite else {
            throw WorkflowError.invalidField(event: "define a measure", field: "tolerance", reason: "should be a number of zero or more, in the measure's unit")
        }
        var data: [String: JSONValue] = [
            "group": .string(group.key), "name": .string(r.name), "unit": .string(r.unit), "direction": .string(r.direction),
            "baseline": .double(r.baseline), "target": .double(r.target), "tolerance": .double(r.tolerance), "frequency": .string(r.frequency),
            "area": .string(r.area), "valueDueOn": .string(nextValueDue(after: time.day(of: clock.now()), frequency: r.frequency).description),
        ]
        if let p = r.priority ?? group.priority { data["priority"] = .string(p) }
        if let s = r.successMeasure { data["successMeasure"] = .string(s) }
        if r.core { data["core"] = .bool(true) }
        for (field, value) in [("dataSource", r.dataSource), ("dataset", r.dataset), ("sharingAgreement", r.sharingAgreement), ("arrives", r.arrives)] {
            if let value = value?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty { data[field] = .string(value) }
        }
        return data
    }

    /// When the next value is due: one period on, by the frequency.
    func nextValueDue(after day: CalendarDay, frequency: String) -> CalendarDay {
        guard let period = ISODuration(frequency == "monthly" ? "P1M" : frequency == "quarterly" ? "P3M" : "P1Y") else { return day }
        return time.day(of: time.adding(period, to: time.moment(day, hour: 12)))
    }

    /// Records a measure's value for a period; its RAG against target and tolerance is worked
    /// out here, and a red one opens an escalation.
    /// A retry with the same idempotency key records nothing more.
    /// With `expectedVersion`, a measure changed since is refused as a conflict.
    ///
    /// A measure has one value a period: a value for a period already recorded is refused
    /// unless it `corrects` the latest value (a correction of an earlier period is refused, as
    /// is one with nothing to correct). A correction is about the value it replaces, not the
    /// next: it leaves alone when the next value is due and whether it is missing
    /// (``measureValueEvent(corrects:on:)``).
    public func recordMeasure(_ reference: RecordID<Measure>, period: String, value: Double, note: String?, corrects: Bool = false, by person: String,
                              expectedVersion: Int? = nil, idempotencyKey: String? = nil) throws -> MeasureView {
        let id = reference.instance
        let m = try engine.instance(id)
        guard m.workflow == "measure" else { throw WorkflowError.unknownInstance(id) }
        let event = try measureValueEvent(corrects: corrects, on: m)
        let payload = try measureValuePayload(m.data, period: period, value: value, note: note, event: event, corrects: corrects)
        let built = try engine.separatingComputed(payload, workflow: "measure", event: event)
        try engine.fire(event, on: id, payload: built.given, computed: built.computed, actor: try actor(person, at: try Measure(m).group),
                        expectedVersion: expectedVersion, idempotencyKey: idempotencyKey,
                        alongside: onePerPeriod(m, period: period, corrects: corrects, event: event))
        return try measure(reference)
    }

    /// The event a measure's value is written with: "record" for a value, "correct" for a
    /// correction of the latest, which (unlike a value) neither clears the missing-value flag
    /// nor restarts the next value's deadline, so a correction made while the next value is
    /// overdue leaves it flagged and the chair is not told again. A measure still on a version
    /// of the workflow from before "correct" (a database made earlier, until `flourish workflow
    /// migrate measure`) is corrected by a "record" that keeps the next value's due date.
    func measureValueEvent(corrects: Bool, on measure: Instance) throws -> String {
        guard corrects else { return "record" }
        let definition = try engine.definition(measure.workflow, version: measure.workflowVersion)
        return definition.transitions.contains { $0.event == "correct" } ? "correct" : "record"
    }

    /// The check that a measure keeps one value a period, for the engine to make inside the
    /// write of a "record" event (``MeasureValue/checkOnePerPeriod(_:corrects:values:unit:time:)``),
    /// by this door and the generic one alike: after the engine has asked who may record and
    /// checked the fields, so no one else learns a value from the refusal, and inside the write,
    /// so two at once cannot both pass. It reads the history committed before the event; a retry
    /// of a request carried out is answered as before.
    func onePerPeriod(_ measure: Instance, period: String, corrects: Bool, event: String = "record") -> @Sendable (Connection, FireResult) throws -> Void {
        let (engine, id, unit, time) = (engine, measure.id, measure.data["unit"]?.stringValue ?? "", time)
        return { _, fired in
            guard !fired.isReplay else { return }
            let values = MeasureValue.values(of: try engine.history(of: id).filter { $0.seq < fired.eventSeq })
            try MeasureValue.checkOnePerPeriod(period, corrects: corrects, values: values, unit: unit, time: time, event: event)
        }
    }

    /// A recorded value's payload: the value, its RAG against the measure's target and
    /// tolerance, and when the next one is due.
    ///
    /// A correction leaves when the next value is due alone: its own event ("correct") carries
    /// no due date, and a "record" that corrects (a measure on a version from before "correct")
    /// carries the measure's own.
    func measureValuePayload(_ measure: [String: JSONValue], period: String, value: Double, note: String?,
                             event: String = "record", corrects: Bool = false) throws -> [String: JSONValue] {
        guard value.isFinite else { throw WorkflowError.invalidField(event: "record", field: "value", reason: "should be a number") }
        if period.trimmingCharacters(in: .whitespaces).isEmpty { throw WorkflowError.missingField(event: "record", field: "period") }
        if let problem = MeasurePeriod.problem(with: period, frequency: measure["frequency"]?.stringValue ?? "quarterly") {
            throw WorkflowError.invalidField(event: "record", field: "period", reason: problem)
        }
        let rag = MeasureRAG.status(value: value, target: measure["target"]?.doubleValue ?? 0, tolerance: measure["tolerance"]?.doubleValue ?? 0,
                                    direction: MeasureDirection(rawValue: measure["direction"]?.stringValue ?? "") ?? .higherIsBetter)
        var payload: [String: JSONValue] = ["period": .string(period), "value": .double(value), "rag": .string(rag.rawValue)]
        if event == "record" {
            let next = JSONValue.string(nextValueDue(after: time.day(of: clock.now()), frequency: measure["frequency"]?.stringValue ?? "quarterly").description)
            payload["valueDueOn"] = corrects ? measure["valueDueOn"] ?? next : next
        }
        if let note { payload["note"] = .string(note) }
        return payload
    }

    /// A measure with its values and escalations.
    /// A measure the viewer may see, with only the escalations they may see.
    public func measure(_ reference: RecordID<Measure>, for viewer: Viewer) throws -> MeasureView {
        let view = try measure(reference)
        guard try policy.sight(of: view.measure, for: viewer) == .whole else { throw WorkflowError.unknownInstance(reference.instance) }
        return MeasureView(measure: view.measure, values: view.values, escalations: try view.escalations.filter { try policy.sight(of: $0, for: viewer) == .whole })
    }

    public func measure(_ reference: RecordID<Measure>) throws -> MeasureView {
        let id = reference.instance
        let m = try engine.instance(id)
        guard m.workflow == "measure" else { throw WorkflowError.unknownInstance(id) }
        return MeasureView(measure: try Measure(m), values: MeasureValue.values(of: try engine.history(of: id)),
                           escalations: try escalationRecords().raisedBy[id.rawValue] ?? [])
    }

    /// Measures, newest first, optionally of one group or area: the kept measures with their
    /// values (``MeasureLedger``), and the escalations each raised from the kept escalations.
    public func measures(group: String? = nil, area: String? = nil) throws -> [MeasureView] {
        try checkMeasuresFilter(group: group, area: area)
        return try measures(group: group, area: area, seenBy: nil)
    }

    /// The measures chosen, each with the escalations it raised that `viewer` may see (all when none is given).
    private func measures(group: String?, area: String?, seenBy viewer: Viewer?) throws -> [MeasureView] {
        let version = try figuresVersion()
        let escalations = try escalationLedger.records(app: self, version: version)
        return try measureLedger.records(app: self, version: version)
            .filter { m, _ in (group == nil || m.group == group) && (area == nil || m.area == area) }
            .map { m, values in MeasureView(measure: m, values: values, escalations: escalations.raised(by: m.id.rawValue, seenBy: viewer, policy: policy)) }
    }
}
