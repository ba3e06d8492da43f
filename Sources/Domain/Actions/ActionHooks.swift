public import Foundation
public import Engine
internal import SQLite

/// The hooks the action and measure workflows call: tolerance breaches open an escalation
/// through the escalation workflow, as the partnership's principles say, one at a time.
public struct ActionHooks: Sendable {
    public let partnership: Partnership

    public init(partnership: Partnership) { self.partnership = partnership }

    public func register(with engine: WorkflowEngine) {
        engine.register(hook: RedRun(p: partnership), as: "check-red-run")
        engine.register(hook: Overdue(p: partnership), as: "open-action-escalation")
        engine.register(hook: MeasureBreach(p: partnership), as: "check-measure-breach")
    }

    /// Whether an escalation opened from `source` is still open.
    static func hasOpenEscalation(from source: InstanceID, _ context: HookContext) throws -> Bool {
        try context.instances(of: "escalation", where: "source", equals: source.rawValue).contains { $0.state == "open" }
    }

    /// Opens an escalation for a tolerance breach of `source`, unless one is open already.
    static func escalate(_ context: HookContext, p: Partnership, title: String, description: String) throws {
        let source = context.instance
        guard try !hasOpenEscalation(from: source.id, context) else { return }
        var data: [String: JSONValue] = [
            "group": source.data["group"] ?? .null, "title": .string(title), "description": .string(description),
            "severity": .string(p.escalation.breachSeverity), "raisedBy": "system", "trigger": "tolerance-breach",
            "source": .string(source.id.rawValue),
            "areas": source.data["areas"] ?? source.data["area"].map { .array([$0]) } ?? .array([]),
        ]
        if let priority = source.data["priority"]?.stringValue { data["priorities"] = [.string(priority)] }
        try context.start("escalation", data: data)
    }

    struct RedRun: EffectHook {
        let p: Partnership
        func run(_ context: HookContext) throws {
            let rags = try context.events(of: context.instance.id).filter { $0.event == "update" }.compactMap { $0.payload["rag"]?.stringValue }
            let needed = max(p.escalation.redUpdatesRunning, 1)
            guard rags.count >= needed, rags.suffix(needed).allSatisfy({ $0 == "red" }) else { return }
            let title = context.instance.data["title"]?.stringValue ?? context.instance.id.rawValue
            try ActionHooks.escalate(context, p: p, title: "Action red \(needed) updates running: \(title)",
                                     description: "The action “\(title)” (\(context.instance.id)) has been red in \(needed) progress updates running. Latest: \(context.instance.data["commentary"]?.stringValue ?? "")")
        }
    }

    struct Overdue: EffectHook {
        let p: Partnership
        func run(_ context: HookContext) throws {
            let title = context.instance.data["title"]?.stringValue ?? context.instance.id.rawValue
            try ActionHooks.escalate(context, p: p, title: "Action overdue beyond tolerance: \(title)",
                                     description: "The action “\(title)” (\(context.instance.id)) was due on \(context.instance.data["dueDate"]?.stringValue.flatMap(CalendarDay.init)?.inWords ?? "?") and is more than \(p.escalation.overdueToleranceWorkingDays) overdue.")
        }
    }

    struct MeasureBreach: EffectHook {
        let p: Partnership
        func run(_ context: HookContext) throws {
            let m = context.instance
            guard m.data["rag"]?.stringValue == "red" else { return }
            let value = m.data["value"].map { $0.stringValue ?? $0.canonicalString } ?? "?"
            let target = m.data["target"].map { $0.stringValue ?? $0.canonicalString } ?? "?"
            try ActionHooks.escalate(context, p: p, title: "Measure outside tolerance: \(m.data["name"]?.stringValue ?? m.id.rawValue)",
                                     description: "\(m.data["period"]?.stringValue ?? "The latest period"): \(value) \(m.data["unit"]?.stringValue ?? "") against a target of \(target).")
        }
    }
}
