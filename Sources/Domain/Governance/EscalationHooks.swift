public import Foundation
public import Engine
internal import SQLite

/// The domain hooks the escalation workflows call, bound to one partnership.
public struct EscalationHooks: Sendable {
    public let partnership: Partnership

    public init(partnership: Partnership) { self.partnership = partnership }

    /// Registers every escalation hook with the engine.
    public func register(with engine: WorkflowEngine) {
        engine.register(hook: Route(p: partnership), as: "route-escalation")
        engine.register(hook: Onwards(p: partnership), as: "escalate-onwards")
        engine.register(hook: Finished(), as: "review-finished")
        engine.register(hook: CloseReviews(), as: "close-reviews")
        engine.register(hook: Reassign(p: partnership), as: "reassign-escalation")
        engine.register(hook: PlanAccepted(), as: "plan-accepted")
        engine.register(hook: PlanActionDone(), as: "plan-action-done")
    }

    /// The workflows that keep an escalation's wait at one body: a review below the top, or at it.
    public static let reviewWorkflows = ["escalation-review", "escalation-top-review"]

    /// The routing by the principles of `version` (those in force when nil).
    static func routing(_ p: Partnership, _ db: Connection, version: Int?) throws -> EscalationRouting {
        EscalationRouting(principles: try PrinciplesRegister.principles(db, version: version, partnership: p), bodies: try GovernanceRegister.bodies(db, partnership: p))
    }

    /// Opens a review of the escalation at `body`.
    static func openReview(_ context: HookContext, routing: EscalationRouting, version: Int?, body: GovernanceBody, level: Int, fromBody: String,
                           escalation: Instance) throws {
        var data: [String: JSONValue] = [
            "escalation": .string(escalation.id.rawValue), "body": .string(body.key), "level": .integer(Int64(level)), "fromBody": .string(fromBody),
            "respondBy": .string(PartnershipTime.timestamp(try routing.respondBy(at: body, severity: escalation.data["severity"]?.stringValue, arriving: context.at, time: context.time))),
        ]
        for field in ["title", "description", "severity", "priorities", "areas", "raisedBy", "function"] {
            if let value = escalation.data[field] { data[field] = value }
        }
        if let version { data["principlesVersion"] = .integer(Int64(version)) }
        try context.start(routing.reviewWorkflow(at: body), data: data)
    }

    static func openReviews(_ context: HookContext, escalation: String) throws -> [Instance] {
        try reviewWorkflows.flatMap { try context.instances(of: $0, where: "escalation", equals: escalation) }.filter { try !context.isFinal($0) }
    }

    struct Route: EffectHook {
        let p: Partnership
        func run(_ context: HookContext) throws {
            // A new escalation starts under the principles in force.
            let version = try PrinciplesRegister.keepCurrent(context.db, partnership: p, at: context.at)
            let routing = try EscalationHooks.routing(p, context.db, version: version)
            let from = context.instance.data["group"]?.stringValue ?? ""
            let priorities = context.instance.data["priorities"]?.arrayValue?.compactMap(\.stringValue) ?? []
            for body in try routing.firstBodies(from: from, priorities: priorities, severity: context.instance.data["severity"]?.stringValue) {
                try EscalationHooks.openReview(context, routing: routing, version: version, body: body, level: 1, fromBody: from, escalation: context.instance)
            }
        }
    }

    struct Onwards: EffectHook {
        let p: Partnership
        func run(_ context: HookContext) throws {
            let review = context.instance
            // It goes on under the principles it started under.
            let version = review.data["principlesVersion"]?.intValue
            let routing = try EscalationHooks.routing(p, context.db, version: version)
            let body = review.data["body"]?.stringValue ?? ""
            let parents = routing.nextBodies(after: body)
            if parents.isEmpty { throw EscalationError.topCannotEscalate(routing.body(body)?.name ?? body) }
            let escalationID = review.data["escalation"]?.stringValue ?? ""
            let escalation = try context.load(InstanceID(escalationID))
            let alreadyOpen = Set(try EscalationHooks.openReviews(context, escalation: escalationID).compactMap { $0.data["body"]?.stringValue })
            let level = (review.data["level"]?.intValue ?? 1) + 1
            for parent in parents where !alreadyOpen.contains(parent.key) {
                try EscalationHooks.openReview(context, routing: routing, version: version, body: parent, level: level, fromBody: body, escalation: escalation)
            }
        }
    }

    /// Opens a review at the body the secretariat sent the escalation to instead, at the same
    /// level, its deadline counted from now by that body's response time.
    struct Reassign: EffectHook {
        let p: Partnership
        func run(_ context: HookContext) throws {
            let review = context.instance
            let version = review.data["principlesVersion"]?.intValue
            let routing = try EscalationHooks.routing(p, context.db, version: version)
            let from = review.data["body"]?.stringValue ?? "", to = review.data["reassignTo"]?.stringValue ?? ""
            guard let target = routing.body(to) else { throw GovernanceError.unknownBody(to, valid: routing.bodies.map(\.key)) }
            let escalationID = review.data["escalation"]?.stringValue ?? ""
            let open = Set(try EscalationHooks.openReviews(context, escalation: escalationID).compactMap { $0.data["body"]?.stringValue })
            guard to != from, !open.contains(to), routing.takesDecisions(to) else { throw EscalationError.cannotSendTo(target.name) }
            let escalation = try context.load(InstanceID(escalationID))
            try EscalationHooks.openReview(context, routing: routing, version: version, body: target, level: review.data["level"]?.intValue ?? 1, fromBody: from, escalation: escalation)
        }
    }

    struct Finished: EffectHook {
        func run(_ context: HookContext) throws {
            let escalationID = context.instance.data["escalation"]?.stringValue ?? ""
            guard try EscalationHooks.openReviews(context, escalation: escalationID).isEmpty else { return }
            let escalation = try context.load(InstanceID(escalationID))
            guard escalation.state == "open" else { return }
            let body = context.instance.data["body"]?.stringValue ?? ""
            try context.fire("conclude", on: escalation.id, payload: [
                "outcome": .string("\(context.instance.state) at \(body)"),
                "decidedBy": .string(context.actor.onBehalfOf.map { "\(context.actor.id) for \($0)" } ?? context.actor.id),
            ])
        }
    }

    /// A body accepted the escalation into a plan: the other bodies' reviews close, and the
    /// escalation waits on its plan's actions (started with the decision).
    struct PlanAccepted: EffectHook {
        func run(_ context: HookContext) throws {
            let escalationID = context.instance.data["escalation"]?.stringValue ?? ""
            for review in try EscalationHooks.openReviews(context, escalation: escalationID) {
                try context.fire("withdraw", on: review.id)
            }
            let escalation = try context.load(InstanceID(escalationID))
            guard escalation.state == "open" else { return }
            try context.fire("plan-accepted", on: escalation.id, payload: [
                "plan": context.instance.data["plan"] ?? "",
                "acceptedAt": .string(context.instance.data["body"]?.stringValue ?? ""),
                "acceptedBy": .string(context.actor.onBehalfOf.map { "\(context.actor.id) for \($0)" } ?? context.actor.id),
            ])
        }
    }

    /// An action was completed: when it is the last of an escalation's plan to be done, the
    /// escalation closes, resolved by plan.
    struct PlanActionDone: EffectHook {
        func run(_ context: HookContext) throws {
            guard context.instance.data["escalationWork"]?.stringValue == "plan", let id = context.instance.data["escalation"]?.stringValue else { return }
            let escalation = try context.load(InstanceID(id))
            guard escalation.state == "in-plan" else { return }
            let plan = try context.instances(of: "action", where: "escalation", equals: id).filter { $0.data["escalationWork"]?.stringValue == "plan" }
            guard plan.allSatisfy({ $0.state == "completed" }) else { return }
            try context.fire("conclude", on: escalation.id, payload: [
                "outcome": .string("resolved by plan at \(escalation.data["acceptedAt"]?.stringValue ?? "?")"),
                "decidedBy": .string(context.actor.onBehalfOf.map { "\(context.actor.id) for \($0)" } ?? context.actor.id),
            ])
        }
    }

    struct CloseReviews: EffectHook {
        func run(_ context: HookContext) throws {
            for review in try EscalationHooks.openReviews(context, escalation: context.instance.id.rawValue) {
                try context.fire("withdraw", on: review.id)
            }
        }
    }
}
