public import Foundation
public import Engine
public import Domain

/// What someone raising an escalation says about it.
public struct EscalationRequest: Sendable {
    public var group: String
    public var title: String
    public var description: String
    public var severity: String
    public var priorities: [String]
    public var areas: [String]
    public var function: String?

    public init(group: String, title: String, description: String = "", severity: String, priorities: [String] = [], areas: [String], function: String? = nil) {
        self.group = group
        self.title = title
        self.description = description
        self.severity = severity
        self.priorities = priorities
        self.areas = areas
        self.function = function
    }
}

/// One action of the plan a body accepts an escalation into.
public struct PlannedAction: Sendable, Equatable {
    public var title: String
    /// The group that carries it out: the deciding body or a group reporting up to it.
    public var group: String
    public var owner: String
    /// YYYY-MM-DD.
    public var dueDate: String

    public init(title: String, group: String, owner: String, dueDate: String) {
        self.title = title; self.group = group; self.owner = owner; self.dueDate = dueDate
    }
}

/// An escalation with the reviews it has opened at each body, and the work its decisions set.
public struct EscalationView: Sendable {
    public let escalation: Escalation
    public let reviews: [EscalationReview]
    /// Reviews still waiting for a decision.
    public let open: [EscalationReview]
    /// Open reviews past their response deadline.
    public let overdue: [EscalationReview]
    /// The actions of the plan it was accepted into, oldest first.
    public var plan: [Action] = []
    /// Follow-ups of guidance it was referred back with.
    public var followUps: [Action] = []
    /// The version of the escalation principles it started under (none before versions were kept).
    public var principlesVersion: Int? { reviews.first?.instance.data["principlesVersion"]?.intValue }

    /// Plan actions completed, of all.
    public var planProgress: (done: Int, of: Int) { (plan.filter { $0.state == .completed }.count, plan.count) }
    /// Whether an action of its plan is past its due date and not done.
    public var planIsLate: Bool { plan.contains(where: \.isOverdue) }
}

/// One review waiting for a body's decision, with its escalation.
public struct WaitingReview: Sendable {
    public let escalation: EscalationView
    public let review: EscalationReview
    /// Past the day it was to be answered by.
    public let isOverdue: Bool
}

/// What the escalation console lists (``Flourish/escalationConsole(at:severity:overdueOnly:)``).
public struct EscalationConsole: Sendable {
    /// The waiting reviews the filters chose, overdue first, then by respond-by day.
    public let waiting: [WaitingReview]
    /// Reviews waiting in all, and how many of them are overdue, whatever the filters.
    public let waitingInAll: Int, overdueInAll: Int
    /// The bodies where at least one review waits.
    public let bodiesWaiting: Set<String>
}

/// The decisions a body can take on an escalation.
public enum EscalationOutcome: String, Sendable, CaseIterable {
    case resolved
    case accepted
    case referredBack = "referred-back"
    case escalated

    /// The review workflow's event for this outcome.
    public var event: String {
        switch self {
        case .resolved: return "resolve"
        case .accepted: return "accept"
        case .referredBack: return "refer-back"
        case .escalated: return "escalate"
        }
    }
}

extension Flourish {
    /// Raises an escalation from a group: areas, priorities, severity and the group are
    /// checked first, and the secretariat raising it is recorded as acting for the group.
    public func raiseEscalation(_ request: EscalationRequest, by person: String, idempotencyKey: String? = nil) throws -> EscalationView {
        _ = try governance.body(request.group)
        try framework.checkAreas(request.areas)
        for p in request.priorities { try framework.checkPriority(p) }
        try checkSeverity(request.severity)
        var data: [String: JSONValue] = [
            "group": .string(request.group), "title": .string(request.title), "severity": .string(request.severity),
            "areas": .array(request.areas.map(JSONValue.string)), "raisedBy": .string(person), "trigger": "raised-by-hand",
        ]
        if !request.description.isEmpty { data["description"] = .string(request.description) }
        if !request.priorities.isEmpty { data["priorities"] = .array(request.priorities.map(JSONValue.string)) }
        if let f = request.function { data["function"] = .string(f) }
        let built = try engine.separatingComputed(data, workflow: "escalation", event: "start")
        let started = try engine.start("escalation", data: built.given, computed: built.computed, actor: try actor(person, at: request.group), idempotencyKey: idempotencyKey)
        return try escalation(RecordID(started.instance.id))
    }

    /// Refuses a severity the principles do not name.
    func checkSeverity(_ severity: String) throws {
        let severities = partnership.escalation.severities.map(\.key)
        guard severities.contains(severity) else { throw EscalationError.unknownSeverity(severity, valid: severities) }
    }

    /// An escalation's reviews, one for each body it has waited at, oldest first.
    func reviews(of escalation: InstanceID) throws -> [Instance] {
        try EscalationHooks.reviewWorkflows.flatMap { try instances(of: $0, whereData: "escalation", equals: escalation.rawValue) }
    }

    /// The escalations the viewer may see (those on a path through a body they belong to),
    /// filtered as ``escalations(body:state:overdueOnly:)``.
    public func escalations(body: String? = nil, state: String? = nil, overdueOnly: Bool = false, for viewer: Viewer) throws -> [EscalationView] {
        try escalations(body: body, state: state, overdueOnly: overdueOnly).filter { policy.sees($0, viewer: viewer) }
    }

    /// An escalation the viewer may see, with its reviews.
    ///
    /// - Throws: ``WorkflowError/unknownInstance(_:)`` when there is none or the viewer may not see it.
    public func escalation(_ reference: RecordID<Escalation>, for viewer: Viewer) throws -> EscalationView {
        let id = reference.instance
        let view = try escalation(reference)
        guard policy.sees(view, viewer: viewer) else { throw WorkflowError.unknownInstance(id) }
        return view
    }

    /// An escalation and its reviews.
    public func escalation(_ reference: RecordID<Escalation>) throws -> EscalationView {
        let id = reference.instance
        let escalation = try engine.instance(id)
        guard escalation.workflow == "escalation" else { throw WorkflowError.unknownInstance(id) }
        return try escalationView(escalation, reviews: try reviews(of: id), work: try instances(of: "action", whereData: "escalation", equals: id.rawValue))
    }

    /// An escalation with its reviews and the actions it set (each oldest first).
    func escalationView(_ escalation: Instance, reviews: [Instance], work: [Instance]) throws -> EscalationView {
        let reviews = try EscalationReview.records(reviews)
            .sorted { ($0.level ?? 0, $0.id.rawValue) < ($1.level ?? 0, $1.id.rawValue) }
        let open = try reviews.filter { try !engine.definition($0.instance.workflow, version: $0.instance.workflowVersion).isFinal($0.instance.state) }
        let now = clock.now()
        let overdue = open.filter { review in
            guard review.state != .paused, let text = review.respondBy, let due = time.parse(text) else { return false }
            return due < now
        }
        var view = EscalationView(escalation: try Escalation(escalation), reviews: reviews, open: open, overdue: overdue)
        let work = try Action.records(work)
        view.plan = work.filter { $0.escalationWork == "plan" }
        view.followUps = work.filter { $0.escalationWork == "follow-up" }
        return view
    }

    /// The review of `escalation` still open at `body`.
    public func openReview(of escalation: InstanceID, at body: String) throws -> Instance {
        let view = try self.escalation(RecordID(escalation))
        guard let review = view.open.first(where: { $0.body == body }) else {
            throw EscalationError.noOpenReview(escalation: escalation.rawValue, body: body, open: view.open.map(\.body))
        }
        return review.instance
    }

    /// A member of the body (or the secretariat on its behalf) acknowledges the escalation there.
    public func acknowledgeEscalation(_ reference: RecordID<Escalation>, at body: String, note: String?, by person: String) throws -> EscalationView {
        try fire("acknowledge", atReviewOf: reference, at: body, payload: note.map { ["note": .string($0)] } ?? [:], by: person)
    }

    /// Fires `event` on the escalation's open review at `body`, as `person` there, after
    /// checking they may see the escalation; `payload` may be worked out from the review.
    func fire(_ event: String, atReviewOf reference: RecordID<Escalation>, at body: String, by person: String,
              payload: (Instance) throws -> [String: JSONValue]) throws -> EscalationView {
        _ = try escalation(reference, for: try viewer(for: person))
        let review = try openReview(of: reference.instance, at: body)
        try engine.fire(event, on: review.id, payload: try payload(review), actor: try actor(person, at: body), expectedVersion: review.version)
        return try escalation(reference)
    }

    func fire(_ event: String, atReviewOf reference: RecordID<Escalation>, at body: String, payload: [String: JSONValue], by person: String) throws -> EscalationView {
        try fire(event, atReviewOf: reference, at: body, by: person) { _ in payload }
    }

    /// A deadline the secretariat sets by its day: the end of that working day (5pm).
    func endOfWorkingDay(_ day: CalendarDay) -> Date { time.moment(day, hour: 17) }

    /// Someone who may decide at the body decides: resolved, accepted into a plan, referred back, or escalated further.
    /// Accepting starts the plan's actions with the decision; referring back starts a follow-up
    /// at the raising group (``workSet(by:at:on:plan:fields:)``): all of it or none.
    ///
    /// A retry with the same idempotency key, once the decision is recorded, returns the
    /// escalation and records nothing more.
    /// With `expectedVersion` (the escalation's version, its ETag), an escalation changed since
    /// (concluded, withdrawn) is refused as a conflict.
    public func decideEscalation(_ reference: RecordID<Escalation>, at body: String, outcome: String, fields: [String: JSONValue], plan: [PlannedAction] = [],
                                 by person: String, expectedVersion: Int? = nil, idempotencyKey: String? = nil) throws -> EscalationView {
        let id = reference.instance
        guard let outcome = EscalationOutcome(rawValue: outcome) else { throw EscalationError.unknownOutcome(outcome) }
        // Someone the escalation has never reached is told nothing of it, not even where it waits.
        let seen = try escalation(reference, for: try viewer(for: person))
        if let key = idempotencyKey, let done = try engine.instance(doneWithIdempotencyKey: key) {
            // The review it decided is closed now, so the retry is recognised before looking for an open one.
            guard try reviews(of: id).contains(where: { $0.id == done }) else { throw WorkflowError.idempotencyKeyReused(key) }
            return try escalation(reference)
        }
        if let expectedVersion, expectedVersion != seen.escalation.version {
            throw WorkflowError.versionConflict(instance: id, expected: expectedVersion, actual: seen.escalation.version)
        }
        let review = try openReview(of: id, at: body)
        let work = try workSet(by: outcome, at: body, on: seen.escalation, plan: plan, fields: fields)
        try engine.fire(outcome.event, on: review.id, payload: fields, actor: try actor(person, at: body), expectedVersion: review.version,
                        idempotencyKey: idempotencyKey, setting: work)
        return try escalation(reference)
    }

    /// Decisions becoming work: the escalations in a plan the viewer may see, late ones first
    /// (a plan is late when one of its actions is past its due date and not done).
    public func plansInProgress(for viewer: Viewer) throws -> [EscalationView] {
        try escalations(state: "in-plan", for: viewer).sorted { ($0.planIsLate ? 0 : 1, $0.escalation.createdAt) < ($1.planIsLate ? 0 : 1, $1.escalation.createdAt) }
    }

    /// The bodies an escalation may wait at for a decision: the partnership's bodies at or below
    /// where escalation stops (not partners, not the bodies above it, which receive reports).
    public func bodiesThatDecide() throws -> [GovernanceBody] {
        let routing = EscalationRouting(principles: partnership.escalation, bodies: try governance.bodies())
        return routing.bodies.filter { routing.takesDecisions($0.key) }
    }

    /// The groups a body deciding an escalation may set work for: itself and the groups that
    /// report up to it (not partners).
    public func planGroups(at body: String) throws -> [GovernanceBody] {
        let bodies = try governance.bodies()
        var below: Set<String> = [body]
        var changed = true
        while changed {
            changed = false
            for b in bodies where !below.contains(b.key) && b.kind != .partner && b.reportsTo.contains(where: below.contains) {
                below.insert(b.key)
                changed = true
            }
        }
        return bodies.filter { below.contains($0.key) && $0.kind != .partner }
    }

    /// The work a decision starts with it: a plan's actions when accepted (at least one, each
    /// at the deciding body or a group reporting to it, with an owner from the partnership's
    /// people and a due date not in the past), or, when referred back, a follow-up at the
    /// raising group for its chair, due in the raising group's response time.
    func workSet(by outcome: EscalationOutcome, at body: String, on escalation: Escalation, plan: [PlannedAction],
                 fields: [String: JSONValue]) throws -> [WorkflowEngine.SetWork] {
        func work(_ request: ActionRequest, _ kind: String) throws -> WorkflowEngine.SetWork {
            var data = try actionData(request, requirePriority: false)
            data["escalation"] = .string(escalation.id.rawValue)
            data["escalationWork"] = .string(kind)
            let split = try engine.separatingComputed(data, workflow: "action", event: "start")
            return WorkflowEngine.SetWork(workflow: "action", data: split.given, computed: split.computed)
        }
        func priority(of group: String) throws -> String? { try governance.body(group).priority ?? escalation.priorities.first }
        switch outcome {
        case .accepted:
            guard !plan.isEmpty else { throw EscalationError.planNeedsActions }
            let allowed = try planGroups(at: body)
            let today = time.day(of: clock.now())
            return try plan.map { p in
                guard allowed.contains(where: { $0.key == p.group }) else {
                    throw EscalationError.planGroupNotBelow(p.group, body: try governance.body(body).name)
                }
                if let due = CalendarDay(p.dueDate), due < today { throw EscalationError.planDueInPast(p.title) }
                // The action names its escalation, never its words: every partnership member reads
                // every action, and only those on the escalation's path read the escalation.
                return try work(ActionRequest(group: p.group, title: p.title, description: "Part of the plan accepted at \(try governance.body(body).name) for \(escalation.id).",
                                              priority: try priority(of: p.group), areas: escalation.areas, owner: p.owner, dueDate: p.dueDate), "plan")
            }
        case .referredBack:
            let group = try governance.body(escalation.group)
            let chairs = try directory.memberships().filter { $0.body == group.key && ($0.role == .chair || $0.role == .viceChair) }
                .sorted { ($0.role == .chair ? 0 : 1) < ($1.role == .chair ? 0 : 1) }
            let people = Set(try directory.people().map(\.id))
            guard let owner = chairs.first?.person ?? escalation.raisedBy.flatMap({ people.contains($0) ? $0 : nil }) else { return [] }
            let due = try time.workingDays.adding(partnership.escalation.responseTime(at: group), to: time.day(of: clock.now()))
            let decider = try governance.body(body).name
            // Named by the escalation's ID, not its title or the guidance: those are for the
            // escalation's path to read, and every partnership member reads every action.
            return [try work(ActionRequest(group: group.key, title: "Follow up the guidance from \(decider) on \(escalation.id)",
                                           description: "Referred back by \(decider); the guidance is with \(escalation.id).", priority: try priority(of: group.key),
                                           areas: escalation.areas, owner: owner, dueDate: due.description), "follow-up")]
        case .resolved, .escalated:
            return []
        }
    }

    /// The secretariat closes an escalation whose plan will not be finished as it stands (an
    /// action cancelled, the need gone), with a reason; the raising group's chair is told.
    public func closeEscalation(_ reference: RecordID<Escalation>, reason: String, by person: String) throws -> EscalationView {
        let seen = try escalation(reference, for: try viewer(for: person))
        let why = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !why.isEmpty else { throw WorkflowError.missingField(event: "close", field: "reason") }
        try engine.fire("close", on: reference.instance, payload: ["reason": .string(why)],
                        computed: ["outcome": .string("closed with its plan unfinished"), "decidedBy": .string(person)],
                        actor: try actor(person, at: seen.escalation.group), expectedVersion: seen.escalation.version)
        return try escalation(reference)
    }

    /// The secretariat gives a body more time to decide: a new deadline at the end of the
    /// working day on `day`, later than the one it replaces, with a reason the history keeps;
    /// the body's deciders are told.
    public func extendEscalationDeadline(_ reference: RecordID<Escalation>, at body: String, to day: CalendarDay, reason: String, by person: String) throws -> EscalationView {
        let newDeadline = endOfWorkingDay(day)
        return try fire("extend", atReviewOf: reference, at: body, by: person) { review in
            let current = try EscalationReview(review).respondBy.flatMap { time.parse($0) }
            if newDeadline <= clock.now() || current.map({ newDeadline <= $0 }) ?? false {
                throw EscalationError.deadlineNotLater(current: current.map { time.inWords($0) } ?? "none")
            }
            return ["respondBy": .string(PartnershipTime.timestamp(newDeadline)), "reason": .string(reason)]
        }
    }

    /// The secretariat pauses an escalation at a body (waiting on something outside the
    /// partnership): its deadline stops, and the body's deciders are told.
    public func pauseEscalation(_ reference: RecordID<Escalation>, at body: String, reason: String, by person: String) throws -> EscalationView {
        try fire("pause", atReviewOf: reference, at: body, payload: ["reason": .string(reason)], by: person)
    }

    /// The secretariat resumes a paused escalation with a new deadline (the end of the working
    /// day on `day`, after now); the body's deciders are told.
    public func resumeEscalation(_ reference: RecordID<Escalation>, at body: String, until day: CalendarDay, reason: String, by person: String) throws -> EscalationView {
        let deadline = endOfWorkingDay(day)
        return try fire("resume", atReviewOf: reference, at: body, by: person) { _ in
            guard deadline > clock.now() else { throw EscalationError.deadlineNotLater(current: "now") }
            return ["respondBy": .string(PartnershipTime.timestamp(deadline)), "reason": .string(reason)]
        }
    }

    /// The secretariat sends an escalation waiting at one body to another to decide instead
    /// (a body of the partnership not already deciding it), with a reason; both bodies' people
    /// see it, and the first body's deciders are told nothing more is needed.
    public func reassignEscalation(_ reference: RecordID<Escalation>, at body: String, to target: String, reason: String, by person: String) throws -> EscalationView {
        try fire("reassign", atReviewOf: reference, at: body, payload: ["reassignTo": .string(target), "reason": .string(reason)], by: person)
    }

    /// Withdraws an escalation with a reason (its raiser or the secretariat); its open reviews close.
    public func withdrawEscalation(_ reference: RecordID<Escalation>, reason: String, by person: String) throws -> EscalationView {
        let seen = try escalation(reference, for: try viewer(for: person))
        try engine.fire("withdraw", on: reference.instance, payload: ["reason": .string(reason)], actor: try actor(person, at: seen.escalation.group),
                        expectedVersion: seen.escalation.version)
        return try escalation(reference)
    }

    /// Merges an escalation into another about the same thing: it is withdrawn, its reason
    /// naming the one it joins by ID (both histories show it), and the other goes on. The
    /// other's title is not copied: the merged one's path may not be the other's, and only its
    /// own path reads an escalation.
    public func mergeEscalation(_ reference: RecordID<Escalation>, into other: RecordID<Escalation>, reason: String, by person: String) throws -> EscalationView {
        guard reference != other else { throw EscalationError.cannotMerge("An escalation cannot be merged into itself; choose another.") }
        let viewer = try viewer(for: person)
        let target = try escalation(other, for: viewer)
        guard target.escalation.state == .open else { throw EscalationError.cannotMerge("\(target.escalation.title) is \(target.escalation.state) already; merge into an open escalation.") }
        let why = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        return try withdrawEscalation(reference, reason: "Merged into \(other.rawValue)" + (why.isEmpty ? "." : ": \(why)"), by: person)
    }

    /// Escalations, newest first: only those waiting at `body`, in `state`, or overdue somewhere.
    public func escalations(body: String? = nil, state: String? = nil, overdueOnly: Bool = false) throws -> [EscalationView] {
        try checkGroupFilter(body, "body")
        try checkFilter(state, "state", is: "a state of an escalation", allowed: Escalation.State.allCases.map(\.rawValue))
        let records = try escalationRecords()
        let chosen = state.map { state in records.escalations.filter { $0.state == state } } ?? records.escalations
        let reviews = records.reviews, work = records.work
        return try chosen.map { try escalationView($0, reviews: reviews[$0.id.rawValue] ?? [], work: work[$0.id.rawValue] ?? []) }.filter { view in
            (body == nil || view.open.contains { $0.body == body } || view.escalation.group == body)
                && (!overdueOnly || !view.overdue.isEmpty)
        }
    }

    /// The escalation console: every review waiting for a decision, overdue first, then by
    /// the day it must be answered by; those at `body`, of `severity`, or overdue only, when
    /// asked. The counts are of every waiting review, whatever the filters.
    public func escalationConsole(at body: String? = nil, severity: String? = nil, overdueOnly: Bool = false) throws -> EscalationConsole {
        var all: [WaitingReview] = []
        for view in try escalations(state: "open") {
            let overdue = Set(view.overdue.map(\.id))
            for review in view.open { all.append(WaitingReview(escalation: view, review: review, isOverdue: overdue.contains(review.id))) }
        }
        // Keys worked out once, not at each comparison (a large partnership has hundreds waiting).
        let order = all.indices.map { ($0, all[$0].isOverdue ? 0 : 1, all[$0].review.respondBy ?? "") }.sorted { ($0.1, $0.2, $0.0) < ($1.1, $1.2, $1.0) }
        let waiting = order.map { all[$0.0] }.filter { line in
            (body == nil || line.review.body == body) && (severity == nil || line.escalation.escalation.severity == severity) && (!overdueOnly || line.isOverdue)
        }
        return EscalationConsole(waiting: waiting, waitingInAll: all.count, overdueInAll: all.filter(\.isOverdue).count, bodiesWaiting: Set(all.map(\.review.body)))
    }

    /// Every escalation (newest first) with its reviews and the actions it set (oldest first),
    /// as of the last event, kept in step with the log (``EscalationLedger``) rather than read
    /// for each view (the dashboard lists them all; three searches for each escalation cost a
    /// view 30 ms over a large partnership).
    struct EscalationRecords: Sendable {
        let escalations: [Instance]
        let reviews: [String: [Instance]]
        let work: [String: [Instance]]
        /// The escalations each action or measure raised (by its ID), oldest first.
        let raisedBy: [String: [Escalation]]
        /// The bodies each escalation (by its ID) has reached: who may see it (``AccessPolicy/sees(escalationOn:viewer:)``).
        let paths: [String: [String]]

        /// The escalations `source` (an action or measure) raised, only those `viewer` may see when one is given.
        func raised(by source: String, seenBy viewer: Viewer?, policy: AccessPolicy) -> [Escalation] {
            let raised = raisedBy[source] ?? []
            guard let viewer, !viewer.isSecretariat, !raised.isEmpty else { return raised }
            return raised.filter { policy.sees(escalationOn: paths[$0.id.rawValue] ?? [$0.group], viewer: viewer) }
        }
    }

    func escalationRecords() throws -> EscalationRecords {
        try escalationLedger.records(app: self, version: try figuresVersion())
    }

    /// One step of a simulated escalation, with who may decide there.
    public struct SimulatedStep: Sendable {
        public let step: EscalationRouting.Step
        public let deciders: [Person]
        public let deciderRoles: [String]
    }

    /// If nobody answers, which bodies an issue raised at `from` on `date` reaches, when, and
    /// who may decide at each. Writes nothing.
    public func simulateEscalation(from: String, date: Date, priorities: [String], severity: String? = nil) throws -> [SimulatedStep] {
        _ = try governance.body(from)
        for p in priorities { try framework.checkPriority(p) }
        if let severity { try checkSeverity(severity) }
        let routing = EscalationRouting(principles: partnership.escalation, bodies: try governance.bodies())
        let people = try directory.people()
        let memberships = try directory.memberships()
        return try routing.simulate(from: from, priorities: priorities, severity: severity, date: date, time: time).map { step in
            let roles = partnership.escalation.deciders(at: step.body)
            let ids = Set(memberships.filter { $0.body == step.body.key && roles.contains($0.role.rawValue) }.map(\.person))
            return SimulatedStep(step: step, deciders: people.filter { ids.contains($0.id) }, deciderRoles: roles)
        }
    }
}
