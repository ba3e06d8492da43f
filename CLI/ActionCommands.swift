import Foundation
import ArgumentParsing
import Services
import Domain
import Engine

/// `flourish action …` and `flourish measure …`.
enum ActionCommands {
    static let all: [Command] = [log, begin, update, block, complete, cancel, reschedule, list, show,
                                 measureDefine, measureRecord, measureRevise, measureList, measureShow, monitoringCoverage, monitoringOwner, importActions, importMeasures]

    static let importActions = PledgeCommands.importCommand("actions", columns: Flourish.actionColumns) { app, source, dry, _, by, _ in
        try app.importActions(source, dryRun: dry, by: by)
    }
    static let importMeasures = PledgeCommands.importCommand("measures", columns: Flourish.measureColumns) { app, source, dry, _, by, _ in
        try app.importMeasures(source, dryRun: dry, by: by)
    }

    static func list(_ text: String?) -> [String] {
        (text ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    static let log = Command(
        ["action", "log"], "Log an action for a group (its chair or vice-chair, or the secretariat for the group).",
        options: [OptionSpec("group", takesValue: true, valueName: "BODY", help: "The group (required)."),
                  OptionSpec("title", takesValue: true, valueName: "TEXT", help: "What will be done (required)."),
                  OptionSpec("description", takesValue: true, valueName: "TEXT", help: "More detail."),
                  OptionSpec("priority", takesValue: true, valueName: "KEY", help: "The priority (default: the group's own)."),
                  OptionSpec("areas", takesValue: true, valueName: "AREA,...", help: "FLOURISH areas (at least one)."),
                  OptionSpec("owner", takesValue: true, valueName: "PERSON", help: "Who owns it (required)."),
                  OptionSpec("due", takesValue: true, valueName: "DATE", help: "Due date, YYYY-MM-DD (required)."),
                  OptionSpec("item", takesValue: true, valueName: "KEY", help: "The strategy's \"what needs to happen\" item it delivers (see 'flourish framework --priority KEY')."),
                  OptionSpec("key", takesValue: true, valueName: "KEY", help: "An idempotency key.")]
    ) { inv in
        try inv.expectPositionals(atMost: 0)
        let app = try inv.app
        let view = try app.logAction(ActionRequest(group: try inv.required("group", "BODY"), title: try inv.required("title", "TEXT"),
                                                       description: inv.arguments.value("description") ?? "", priority: inv.arguments.value("priority"),
                                                       areas: list(inv.arguments.value("areas")), owner: try inv.required("owner", "PERSON"),
                                                       dueDate: try inv.required("due", "DATE"), item: inv.arguments.value("item")),
                                         by: inv.actor.id, idempotencyKey: inv.arguments.value("key"))
        inv.output(json(view, app.time)) {
            "Logged \(view.action.id) for \(app.displayName("group", view.action.group)), due \(view.action.dueDate?.inWords ?? ""). If it is still open on \(view.action.escalatesOn?.inWords ?? "") it will be escalated."
        }
    }

    /// A command firing one action event with options as fields.
    /// `fields`: each option, the event field it fills, whether it is required, and its help.
    static func event(_ verb: String, _ event: String, _ abstract: String, fields: [(String, String, Bool, String)], done: String) -> Command {
        Command(["action", verb], abstract, arguments: "ACTION",
                options: fields.map { OptionSpec($0.0, takesValue: true, valueName: $0.0 == "rag" ? "RAG" : "TEXT", help: $0.3 + ($0.2 ? " (required)." : ".")) }
                    + [OptionSpec("expect-version", takesValue: true, valueName: "N", help: "The version you last saw.")]) { inv in
            let id = try inv.onlyRecord("ACTION: e.g. action-4", ofKind: "action")
            var payload: [String: JSONValue] = [:]
            for (option, field, required, _) in fields {
                if let v = inv.arguments.value(option) { payload[field] = .string(v) } else if required { throw UsageError("missing --\(option)") }
            }
            let app = try inv.app
            let view = try app.fireAction(RecordID(id), event: event, fields: payload, expectedVersion: try inv.expectedVersion(), by: inv.actor.id)
            inv.output(json(view, app.time)) {
                var text = "\(id) \(done) (now \(view.action.state)"
                if let rag = view.latestRAG { text += ", \(rag.rawValue), \(view.trend)" }
                text += ")."
                if event == "update", let e = view.escalations.last, e.state == .open { text += " It has an open escalation: \(e.id)." }
                return text
            }
        }
    }

    static let begin = event("start", "begin", "Mark an action in progress.", fields: [], done: "is in progress")
    static let update = event("update", "update", "Post a progress update with a RAG status (red twice running escalates).",
                              fields: [("rag", "rag", true, "red, amber or green: where the action stands"), ("commentary", "commentary", true, "What has happened since the last update")], done: "is updated")
    static let block = event("block", "block", "Mark an action blocked, saying by what.", fields: [("by", "blockedBy", true, "What it waits on")], done: "is blocked")
    static let complete = event("complete", "complete", "Complete an action with an outcome note.", fields: [("outcome", "outcomeNote", true, "What it achieved")], done: "is completed")
    static let cancel = event("cancel", "cancel", "Cancel an action with a reason.", fields: [("reason", "reason", true, "Why it is cancelled")], done: "is cancelled")

    static let reschedule = Command(
        ["action", "reschedule"], "Agree a new due date for an action.", arguments: "ACTION",
        options: [OptionSpec("due", takesValue: true, valueName: "DATE", help: "The new due date (required)."),
                  OptionSpec("reason", takesValue: true, valueName: "TEXT", help: "Why (required).")]
    ) { inv in
        let id = try inv.onlyRecord("ACTION: e.g. action-4", ofKind: "action")
        let app = try inv.app
        let view = try app.rescheduleAction(RecordID(id), dueDate: try inv.required("due", "DATE"), reason: try inv.required("reason", "TEXT"), by: inv.actor.id)
        inv.output(json(view, app.time)) { "\(id) is now due \(view.action.dueDate?.inWords ?? "")." }
    }

    static let list = Command(
        ["action", "list"], "List actions.",
        options: [OptionSpec("group", takesValue: true, valueName: "BODY", help: "Only this group."), OptionSpec("priority", takesValue: true, valueName: "KEY", help: "Only this priority."),
                  OptionSpec("area", takesValue: true, valueName: "AREA", help: "Only this area."), OptionSpec("state", takesValue: true, valueName: "STATE", help: "Only this state."),
                  OptionSpec("rag", takesValue: true, valueName: "RAG", help: "Only with this latest RAG."), OptionSpec("overdue", help: "Only overdue ones.")]
            + pagingOptions(after: "ACTION")
    ) { inv in
        try inv.expectPositionals(atMost: 0)
        let request = try inv.pageRequest()
        let app = try inv.app
        let views = try app.actions(ActionFilter(group: inv.arguments.value("group"), priority: inv.arguments.value("priority"), area: inv.arguments.value("area"),
                                                     state: inv.arguments.value("state"), rag: inv.arguments.value("rag"), overdueOnly: inv.arguments.flag("overdue")), for: try inv.viewer)
        inv.outputPage(try ListPage(views, request) { $0.action.id.rawValue }, request, name: "actions", none: "No actions match.", json: { json($0, app.time) }) { v in
            "\(v.action.id)  \(v.action.state)  \(v.latestRAG?.rawValue ?? "-")  due \(v.action.dueDate?.inWords ?? "")\(v.isOverdue ? " OVERDUE" : "")  \(app.displayName("group", v.action.group))  \(v.action.title)"
        }
    }

    static let show = Command(["action", "show"], "Show an action: state, RAG and trend, updates and escalations.", arguments: "ACTION") { inv in
        let id = try inv.onlyRecord("ACTION: e.g. action-4", ofKind: "action")
        let app = try inv.app
        let v = try app.action(RecordID(id), for: try inv.viewer)
        let history = try app.actionUpdates(RecordID(id), for: try inv.viewer)
        inv.output(json(v, app.time)) {
            var lines = ["\(id): \(v.action.title) (\(v.action.state)\(v.isOverdue ? ", overdue" : ""))",
                         "Group \(app.displayName("group", v.action.group)), priority \(v.action.priority.map { app.displayName("priority", $0) } ?? ""), owner \(app.displayName("owner", v.action.owner)), due \(v.action.dueDate?.inWords ?? "")",
                         "Latest RAG: \(v.latestRAG?.rawValue ?? "none") (\(v.trend))", "Updates:"]
            lines += history.filter { $0.event == "update" }.map { "  \(app.time.inWords($0.occurredAt))  \($0.payload["rag"]?.stringValue ?? "")  \($0.payload["commentary"]?.stringValue ?? "")" }
            lines.append("Escalations: " + (v.escalations.isEmpty ? "none" : v.escalations.map { "\($0.id) (\($0.state))" }.joined(separator: ", ")))
            return lines.joined(separator: "\n")
        }
    }

    static func json(_ v: ActionView, _ time: PartnershipTime) -> JSONValue {
        ["action": v.action.json(time), "latestRag": v.latestRAG.map { .string($0.rawValue) } ?? .null, "trend": .string(v.trend),
         "overdue": .bool(v.isOverdue), "escalations": .array(v.escalations.map { .string($0.id.rawValue) })]
    }

    // MARK: - Measures

    static let measureDefine = Command(
        ["measure", "define"], "Define a measure owned by a group.",
        options: [OptionSpec("group", takesValue: true, valueName: "BODY", help: "The owning group (required)."),
                  OptionSpec("name", takesValue: true, valueName: "TEXT", help: "What is measured (required)."),
                  OptionSpec("unit", takesValue: true, valueName: "UNIT", help: "e.g. % or count (required)."),
                  OptionSpec("direction", takesValue: true, valueName: "DIR", help: "higher-is-better or lower-is-better (required)."),
                  OptionSpec("baseline", takesValue: true, valueName: "N", help: "Baseline (required)."), OptionSpec("target", takesValue: true, valueName: "N", help: "Target (required)."),
                  OptionSpec("tolerance", takesValue: true, valueName: "N", help: "How far short of target is still amber (required)."),
                  OptionSpec("frequency", takesValue: true, valueName: "FREQ", help: "monthly, quarterly or annually (required)."),
                  OptionSpec("area", takesValue: true, valueName: "AREA", help: "The FLOURISH area (required)."),
                  OptionSpec("priority", takesValue: true, valueName: "KEY", help: "The priority (default: the group's own).")] + dataSourceOptions
                  + [OptionSpec("core", help: "One of its area's core set of measures.")]
    ) { inv in
        try inv.expectPositionals(atMost: 0)
        func number(_ o: String) throws -> Double {
            let text = try inv.required(o, "N")
            guard let n = MeasureFigure.parse(text) else { throw UsageError("--\(o) takes a number, not '\(text)'") }
            return n
        }
        let app = try inv.app
        var request = MeasureRequest(group: try inv.required("group", "BODY"), name: try inv.required("name", "TEXT"), unit: try inv.required("unit", "UNIT"),
                                     direction: try inv.required("direction", "DIR"), baseline: try number("baseline"), target: try number("target"),
                                     tolerance: try number("tolerance"), frequency: try inv.required("frequency", "FREQ"), area: try inv.required("area", "AREA"),
                                     priority: inv.arguments.value("priority"))
        request.core = inv.arguments.flag("core")
        request.dataSource = inv.arguments.value("data-source"); request.dataset = inv.arguments.value("dataset")
        request.sharingAgreement = inv.arguments.value("sharing-agreement"); request.arrives = inv.arguments.value("arrives")
        let v = try app.defineMeasure(request, by: inv.actor.id)
        inv.output(v.measure.json(app.time)) { "Defined \(v.measure.id); the first value is due by \(v.measure.valueDueOn?.inWords ?? "")." }
    }

    static let dataSourceOptions = [
        OptionSpec("data-source", takesValue: true, valueName: "ORGANISATION", help: "Where its data comes from."),
        OptionSpec("dataset", takesValue: true, valueName: "TEXT", help: "The dataset or return it is taken from."),
        OptionSpec("sharing-agreement", takesValue: true, valueName: "REF", help: "The data sharing agreement it is shared under."),
        OptionSpec("arrives", takesValue: true, valueName: "TEXT", help: "How often the data arrives, e.g. \"monthly, by the 10th\"."),
    ]

    static let measureRevise = Command(
        ["measure", "revise"], "Revise a measure at the annual review: its target, tolerance, place in the core set and data source, with a reason.",
        arguments: "MEASURE",
        discussion: "Values recorded before keep the RAG of their time, and reports of earlier years rebuilt from the log keep the target of their time.",
        options: [OptionSpec("target", takesValue: true, valueName: "N", help: "The new target (required)."),
                  OptionSpec("tolerance", takesValue: true, valueName: "N", help: "The new tolerance (required)."),
                  OptionSpec("core", takesValue: true, valueName: "yes|no", help: "Whether it is in its area's core set (required)."),
                  OptionSpec("reason", takesValue: true, valueName: "TEXT", help: "Why, from the review (required).")] + dataSourceOptions
    ) { inv in
        let id = try inv.onlyRecord("MEASURE: e.g. measure-2", ofKind: "measure")
        func number(_ o: String) throws -> Double {
            let text = try inv.required(o, "N")
            guard let n = MeasureFigure.parse(text) else { throw UsageError("--\(o) takes a number, not '\(text)'") }
            return n
        }
        let coreText = try inv.required("core", "yes|no")
        guard ["yes", "no"].contains(coreText) else { throw UsageError("--core takes yes or no, not '\(coreText)'") }
        let app = try inv.app
        let v = try app.reviseMeasure(RecordID(id), MeasureRevision(target: try number("target"), tolerance: try number("tolerance"), core: coreText == "yes",
                                                                    dataSource: inv.arguments.value("data-source"), dataset: inv.arguments.value("dataset"),
                                                                    sharingAgreement: inv.arguments.value("sharing-agreement"), arrives: inv.arguments.value("arrives"),
                                                                    reason: try inv.required("reason", "TEXT")), by: inv.actor.id)
        inv.output(v.measure.json(app.time)) {
            "Revised \(id): target \(JSONValue.double(v.measure.target ?? 0).canonicalString), tolerance \(JSONValue.double(v.measure.tolerance ?? 0).canonicalString)\(v.measure.isCore ? ", in the core set" : "")."
        }
    }

    static let monitoringCoverage = Command(
        ["monitoring", "coverage"], "Show each FLOURISH area's owner, core measures and measures past their due value, and the gaps."
    ) { inv in
        try inv.expectPositionals(atMost: 0)
        let app = try inv.app
        let areas = try app.monitoringCoverage(for: try inv.viewer)
        inv.output(.array(areas.map { a in
            ["area": .string(a.area.key), "owner": a.owner.map { .string($0.key) } ?? .null, "core": .array(a.core.map { .string($0.measure.id.rawValue) }),
             "measures": .integer(Int64(a.measures.count)), "late": .array(a.late.map { .string($0.measure.id.rawValue) }), "gaps": .array(a.gaps.map(JSONValue.string))]
        })) {
            areas.map { a in
                "\(a.area.name): owner \(a.owner?.name ?? "none"); \(a.core.count) core of \(a.measures.count) measures" + (a.gaps.isEmpty ? "" : "; gaps: \(a.gaps.joined(separator: ", "))")
            }.joined(separator: "\n")
        }
    }

    static let monitoringOwner = Command(
        ["monitoring", "owner"], "Name the body that owns the monitoring of a FLOURISH area (the secretariat).", arguments: "AREA",
        options: [OptionSpec("body", takesValue: true, valueName: "BODY", help: "The owning body (required).")]
    ) { inv in
        let area = try inv.positional(0, "AREA: a FLOURISH area's key, e.g. healthy")
        try inv.expectPositionals(atMost: 1)
        let app = try inv.app
        let owner = try app.setAreaOwner(area, body: try inv.required("body", "BODY"), by: inv.actor.id)
        inv.output(["area": .string(area), "owner": .string(owner.key)]) { "\(owner.name) now owns the monitoring of \(app.displayName("area", area))." }
    }

    static let measureRecord = Command(
        ["measure", "record"], "Record a measure's value for a period (outside tolerance escalates).", arguments: "MEASURE",
        options: [OptionSpec("period", takesValue: true, valueName: "PERIOD", help: "e.g. 2026-Q1 (required)."),
                  OptionSpec("value", takesValue: true, valueName: "N", help: "The value (required)."),
                  OptionSpec("note", takesValue: true, valueName: "TEXT", help: "A note."),
                  OptionSpec("corrects", help: "It corrects the latest value, recorded for the same period by mistake (a measure has one value a period).")]
    ) { inv in
        let id = try inv.onlyRecord("MEASURE: e.g. measure-2", ofKind: "measure")
        let text = try inv.required("value", "N")
        guard let value = MeasureFigure.parse(text) else { throw UsageError("--value takes a number, not '\(text)'") }
        let app = try inv.app
        let period = try inv.required("period", "PERIOD")
        let v = try app.recordMeasure(RecordID(id), period: period, value: value, note: inv.arguments.value("note"), corrects: inv.arguments.flag("corrects"), by: inv.actor.id)
        inv.output(v.measure.json(app.time)) {
            guard let last = v.value(for: period) else { return "Recorded nothing for \(id)." }
            let was = last.replaced.map { " (corrected; it was \(JSONValue.double($0).canonicalString))" } ?? ""
            return "Recorded \(last.period) for \(id): \(JSONValue.double(last.value).canonicalString) is \(last.rag.rawValue)\(was)." + (last.rag == .red ? " Outside tolerance: escalated (\(v.escalations.last?.id.rawValue ?? "")) unless one is already open." : "")
        }
    }

    static let measureList = Command(
        ["measure", "list"], "List measures with their latest value and RAG.",
        options: [OptionSpec("group", takesValue: true, valueName: "BODY", help: "Only this group."), OptionSpec("area", takesValue: true, valueName: "AREA", help: "Only this area.")]
            + pagingOptions(after: "MEASURE")
    ) { inv in
        try inv.expectPositionals(atMost: 0)
        let request = try inv.pageRequest()
        let app = try inv.app
        let views = try app.measures(group: inv.arguments.value("group"), area: inv.arguments.value("area"), for: try inv.viewer)
        inv.outputPage(try ListPage(views, request) { $0.measure.id.rawValue }, request, name: "measures", none: "No measures.", json: { $0.measure.json(app.time) }) { v in
            let last = v.values.last
            return "\(v.measure.id)  \(last?.rag.rawValue ?? "-")  \(last.map { "\($0.period) \(JSONValue.double($0.value).canonicalString)" } ?? "no value yet")\(v.isMissingValue ? " MISSING" : "")  target \(figure(v.measure.target))  \(v.measure.name)"
        }
    }

    static let measureShow = Command(["measure", "show"], "Show a measure and every value recorded.", arguments: "MEASURE") { inv in
        let id = try inv.onlyRecord("MEASURE: e.g. measure-2", ofKind: "measure")
        let app = try inv.app
        let v = try app.measure(RecordID(id), for: try inv.viewer)
        inv.output(["measure": v.measure.json(app.time), "values": .array(v.values.map(\.json))]) {
            let m = v.measure
            var lines = ["\(id): \(m.name) (\(m.unit), \(m.direction ?? ""))",
                         "Baseline \(figure(m.baseline)), target \(figure(m.target)), tolerance \(figure(m.tolerance)), \(m.frequency ?? ""); next value due by \(m.valueDueOn?.inWords ?? "")"]
            lines += v.values.map { "  \($0.period)  \(JSONValue.double($0.value).canonicalString)  \($0.rag.rawValue)" + ($0.replaced.map { "  (corrected; it was \(JSONValue.double($0).canonicalString))" } ?? "") }
            return lines.joined(separator: "\n")
        }
    }
}

/// A measure's figure as its JSON reads (3, not 3.0).
func figure(_ value: Double?) -> String { value.map { JSONValue.double($0).canonicalString } ?? "" }
