public import Foundation
public import Engine
public import Domain

extension Flourish {
    /// The columns of an actions import, in order.
    public static let actionColumns = ["group", "title", "description", "priority", "areas", "owner", "due_date", "item",
                                       "logged_on", "status", "status_note", "rag", "commentary", "updated_on"]
    /// The columns of a measures import, in order.
    public static let measureColumns = ["group", "name", "unit", "direction", "baseline", "target", "tolerance", "frequency",
                                        "area", "priority", "success_measure", "values"]
    /// The states an imported action may be in, and the event that puts it there.
    static let importedActionStatuses: [String: (event: String, field: String?)] = [
        "planned": ("", nil), "in-progress": ("begin", nil), "blocked": ("block", "blockedBy"),
        "completed": ("complete", "outcomeNote"), "cancelled": ("cancel", "reason"),
    ]

    /// The import column a refusal from the shared checks is about.
    static func importColumn(of error: any Error, fallback: String?) -> String? {
        switch error {
        case let e as FrameworkError:
            switch e {
            case .unknownArea, .noAreas: return fallback == "area" ? "area" : "areas"
            case .unknownPriority: return "priority"
            case .unknownItem: return "item"
            case .unknownSuccessMeasure: return "success_measure"
            }
        case let e as WorkflowError: return e.field.map(columnName) ?? fallback
        case is DirectoryError: return "owner"
        case is GovernanceError: return "group"
        default: return fallback
        }
    }

    static func list(_ text: String?) -> [String] {
        (text ?? "").split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    static func nonEmpty(_ text: String?) -> String? { text.flatMap { $0.isEmpty ? nil : $0 } }

    /// Imports a group's action log from RFC 4180 CSV. Each row is checked as `action log`
    /// checks it (group, areas, priority, item, owner, due date), plus its status and latest
    /// RAG; with any problem nothing is written. Each action is logged on `logged_on` and
    /// brought to its status and RAG on `updated_on` (both default to today), in the
    /// importer's name: only the group's chair, vice-chair or the secretariat may import it.
    /// An action already past its due date goes overdue at the next tick, and escalates as
    /// any other would.
    public func importActions(csv text: String, dryRun: Bool, by person: String) throws -> ImportReport {
        try importActions(.text(text), dryRun: dryRun, by: person)
    }

    /// As ``importActions(csv:dryRun:by:)``, from a file or a text.
    public func importActions(_ source: ImportSource, dryRun: Bool, by person: String) throws -> ImportReport {
        let rows = try importRows(source, columns: Self.actionColumns, required: ["group", "title", "areas", "owner", "due_date"])
        var problems = ImportProblems()
        struct Planned { let line: Int; let group: String; let data: [String: JSONValue]; let logged: Date; let updated: Date
                         let rag: (rag: String, commentary: String)?; let status: (event: String, payload: [String: JSONValue])? }
        var planned: [Planned] = []
        let now = clock.now()
        for (line, v) in rows {
            var rowOK = true
            func problem(_ column: String?, _ message: String) { problems.append(ImportProblem(line: line, column: column, message: message)); rowOK = false }
            let request = ActionRequest(group: v["group"] ?? "", title: v["title"] ?? "", description: v["description"] ?? "",
                                        priority: Self.nonEmpty(v["priority"]), areas: Self.list(v["areas"]), owner: v["owner"] ?? "",
                                        dueDate: v["due_date"] ?? "", item: Self.nonEmpty(v["item"]))
            var data: [String: JSONValue] = [:]
            do { data = try actionData(request) } catch { problem(Self.importColumn(of: error, fallback: nil), error.localizedDescription) }
            let logged = importDate(v["logged_on"], line: line, column: "logged_on", into: &problems) ?? now
            let updated = importDate(v["updated_on"], line: line, column: "updated_on", into: &problems) ?? now
            if updated < logged { problem("updated_on", "is before logged_on") }
            var status: (String, [String: JSONValue])?
            let statusName = Self.nonEmpty(v["status"]) ?? "planned"
            if let known = Self.importedActionStatuses[statusName] {
                if let field = known.field {
                    if let note = Self.nonEmpty(v["status_note"]) { status = (known.event, [field: .string(note)]) }
                    else { problem("status_note", "is needed for a \(statusName) action: \(statusName == "blocked" ? "what blocks it" : statusName == "completed" ? "its outcome" : "why it was cancelled")") }
                } else if !known.event.isEmpty { status = (known.event, [:]) }
            } else {
                problem("status", "\"\(statusName)\" is not a status; use one of: planned, in-progress, blocked, completed, cancelled")
            }
            var rag: (String, String)?
            if let r = Self.nonEmpty(v["rag"]) {
                if RAGStatus(rawValue: r) == nil { problem("rag", "\"\(r)\" is not a RAG status; use red, amber or green") }
                else if let c = Self.nonEmpty(v["commentary"]) { rag = (r, c) }
                else { problem("commentary", "is needed with a RAG status: a line on progress") }
            }
            if rowOK { planned.append(Planned(line: line, group: request.group, data: data, logged: logged, updated: updated, rag: rag, status: status)) }
        }
        let actors = try Dictionary(Set(planned.map(\.group)).map { ($0, try actor(person, at: $0)) }, uniquingKeysWith: { a, _ in a })
        return try applyImport(rowCount: rows.count, problems: problems, dryRun: dryRun) { tx in
            var created: [String] = []
            var rowProblems: [ImportProblem] = []
            for p in planned {
                guard let actor = actors[p.group] else { throw ImportError(problems: [ImportProblem(line: p.line, column: "group", message: "\(p.group) is not a group")]) }
                do {
                    let built = try engine.separatingComputed(p.data, workflow: "action", event: "start")
                    let action = try tx.start("action", data: built.given, computed: built.computed, actor: actor, at: p.logged)
                    if let rag = p.rag {
                        _ = try tx.fire("update", on: action.id, payload: ["rag": .string(rag.rag), "commentary": .string(rag.commentary)], actor: actor, at: p.updated)
                    }
                    if let status = p.status { _ = try tx.fire(status.event, on: action.id, payload: status.payload, actor: actor, at: p.updated) }
                    created.append(action.id.rawValue)
                } catch let e as WorkflowError {
                    rowProblems.append(ImportProblem(line: p.line, column: e.field.map(Self.columnName), message: e.localizedDescription))
                }
            }
            if !rowProblems.isEmpty { throw ImportError(problems: rowProblems) }
            return created
        }
    }

    /// Imports measures from RFC 4180 CSV, each checked as `measure define` checks it, with
    /// any values already collected in the `values` column as `PERIOD=VALUE` pairs separated
    /// by semicolons (`2025-Q1=86.5;2025-Q2=88`), recorded in that order with their RAG. A
    /// value outside tolerance escalates as a recorded one would.
    public func importMeasures(csv text: String, dryRun: Bool, by person: String) throws -> ImportReport {
        try importMeasures(.text(text), dryRun: dryRun, by: person)
    }

    /// As ``importMeasures(csv:dryRun:by:)``, from a file or a text.
    public func importMeasures(_ source: ImportSource, dryRun: Bool, by person: String) throws -> ImportReport {
        let rows = try importRows(source, columns: Self.measureColumns, required: ["group", "name", "unit", "direction", "baseline", "target", "tolerance", "frequency", "area"])
        var problems = ImportProblems()
        struct Planned { let line: Int; let group: String; let data: [String: JSONValue]; let values: [(period: String, value: Double)] }
        var planned: [Planned] = []
        var seen: [String: Int] = [:]
        for (line, v) in rows {
            var rowOK = true
            func problem(_ column: String?, _ message: String) { problems.append(ImportProblem(line: line, column: column, message: message)); rowOK = false }
            func number(_ column: String) -> Double {
                let text = v[column] ?? ""
                guard let n = Double(text), n.isFinite else { problem(column, "\"\(text)\" is not a number; write it plainly, e.g. 90 or 12.5"); return 0 }
                return n
            }
            let request = MeasureRequest(group: v["group"] ?? "", name: v["name"] ?? "", unit: v["unit"] ?? "", direction: v["direction"] ?? "",
                                         baseline: number("baseline"), target: number("target"), tolerance: number("tolerance"),
                                         frequency: v["frequency"] ?? "", area: v["area"] ?? "", priority: Self.nonEmpty(v["priority"]),
                                         successMeasure: Self.nonEmpty(v["success_measure"]))
            var data: [String: JSONValue] = [:]
            if rowOK {
                do { data = try measureData(request) } catch { problem(Self.importColumn(of: error, fallback: "area"), error.localizedDescription) }
            }
            let identity = request.group + "\u{0}" + request.name.lowercased()
            if let first = seen[identity] { problem("name", "\(request.group) already has a measure of this name on line \(first)") } else { seen[identity] = line }
            var values: [(String, Double)] = []
            for pair in Self.list(v["values"]) {
                let parts = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                if parts.count == 2, !parts[0].isEmpty, let n = Double(parts[1]), n.isFinite {
                    if values.contains(where: { MeasurePeriod.same($0.0, parts[0]) }) {
                        problem("values", "\(parts[0]) is given more than once; a measure has one value a period")
                    } else { values.append((parts[0], n)) }
                }
                else { problem("values", "\"\(pair)\" should be PERIOD=VALUE, e.g. 2025-Q1=86.5; separate several with semicolons") }
            }
            if rowOK { planned.append(Planned(line: line, group: request.group, data: data, values: values)) }
        }
        let actors = try Dictionary(Set(planned.map(\.group)).map { ($0, try actor(person, at: $0)) }, uniquingKeysWith: { a, _ in a })
        let now = clock.now()
        return try applyImport(rowCount: rows.count, problems: problems, dryRun: dryRun) { tx in
            var created: [String] = []
            var rowProblems: [ImportProblem] = []
            for p in planned {
                guard let actor = actors[p.group] else { throw ImportError(problems: [ImportProblem(line: p.line, column: "group", message: "\(p.group) is not a group")]) }
                do {
                    let built = try engine.separatingComputed(p.data, workflow: "measure", event: "start")
                    let measure = try tx.start("measure", data: built.given, computed: built.computed, actor: actor, at: now)
                    for value in p.values {
                        let value = try engine.separatingComputed(try measureValuePayload(p.data, period: value.period, value: value.value, note: nil), workflow: "measure", event: "record")
                        _ = try tx.fire("record", on: measure.id, payload: value.given, computed: value.computed, actor: actor, at: now)
                    }
                    created.append(measure.id.rawValue)
                } catch let e as WorkflowError {
                    rowProblems.append(ImportProblem(line: p.line, column: e.field.map(Self.columnName), message: e.localizedDescription))
                }
            }
            if !rowProblems.isEmpty { throw ImportError(problems: rowProblems) }
            return created
        }
    }
}
