import Foundation
import HTTPServer
import Services
import Engine
import Domain

extension WebApp {
    /// Measures on the web: a group's chair (or the secretariat) defines one and records its
    /// values; every partnership member reads a measure and its trend.
    static let measureRoutes: [Route] = [
        Route("GET", "/measures/{id}", .signedIn, "A measure: its target, every value recorded and the trend") { c in
            try measurePage(c, RecordID(c.param("id")), errors: [])
        },
        Route("POST", "/measures/{id}/values", .chair, "Record a measure's value for a period") { c in
            let id = RecordID<Measure>(c.param("id"))
            guard let seen = try? c.app.measure(id, for: c.viewer) else { return notFound(c) }
            var errors: [FieldError] = []
            let period = c.field("period"), typedValue = c.field("value")
            if period == nil { errors.append(FieldError("period", "Enter the period the value is for, for example 2026 Q3")) }
            // A period no calendar has, said with a value that is no number, not on the next try.
            else if let period, typedValue.flatMap(MeasureFigure.parse) == nil,
                    let problem = MeasurePeriod.problem(with: period, frequency: seen.measure.frequency ?? "quarterly") {
                errors.append(FieldError("period", "The period \(problem)."))
            }
            let value = typedValue.flatMap(MeasureFigure.parse)
            if typedValue == nil { errors.append(FieldError("value", "Enter the value")) } else if value == nil { errors.append(FieldError("value", "The value must be a number, for example 42 or 3.5")) }
            if !errors.isEmpty { return try measurePage(c, id, errors: errors, status: .unprocessableContent) }
            do {
                let view = try c.app.recordMeasure(id, period: period ?? "", value: value ?? 0, note: c.field("note"), corrects: c.field("corrects") == "yes", by: c.person)
                let recorded = view.value(for: period ?? "")
                let rag = recorded?.rag.rawValue ?? ""
                let what = recorded?.replaced.map { "is corrected from \(format($0)) to \(format(recorded?.value ?? 0))" } ?? "is recorded"
                return c.redirect("/measures/\(id.rawValue)", confirming: "The value for \(period ?? "") \(what): \(rag)" + (rag == "red" ? ", outside tolerance, so it is escalated." : "."))
            } catch {
                guard let message = refusal(error) else { throw error }
                return try measurePage(c, id, errors: [FieldError((error as? WorkflowError)?.field ?? "value", message)], status: .unprocessableContent)
            }
        },
        Route("POST", "/measures/{id}/revise", .chair, "Revise a measure at the annual review: target, tolerance, core set, data source") { c in
            let id = RecordID<Measure>(c.param("id"))
            guard (try? c.app.measure(id, for: c.viewer)) != nil else { return notFound(c) }
            var errors: [FieldError] = []
            func number(_ field: String, _ what: String) -> Double? {
                guard let text = c.field(field) else { errors.append(FieldError(field, "Enter the \(what)")); return nil }
                guard let n = MeasureFigure.parse(text) else { errors.append(FieldError(field, "The \(what) must be a number, for example 85")); return nil }
                return n
            }
            let target = number("newTarget", "new target"), tolerance = number("newTolerance", "new tolerance")
            if let t = tolerance, t < 0 { errors.append(FieldError("newTolerance", "The new tolerance must be 0 or more")) }
            let core = c.field("core")
            if core == nil { errors.append(FieldError("core", "Choose whether it is in its area's core set")) }
            let reason = c.field("reviseReason")
            if reason == nil { errors.append(FieldError("reviseReason", "Enter why, from the review")) }
            guard errors.isEmpty, let target, let tolerance, let core, let reason else { return try measurePage(c, id, errors: errors, status: .unprocessableContent) }
            do {
                _ = try c.app.reviseMeasure(id, MeasureRevision(target: target, tolerance: tolerance, core: core == "yes", dataSource: c.field("dataSource"), dataset: c.field("dataset"),
                                                                sharingAgreement: c.field("sharingAgreement"), arrives: c.field("arrives"), reason: reason), by: c.person)
                return c.redirect("/measures/\(id.rawValue)", confirming: "Revised: target \(format(target)), tolerance \(format(tolerance)). Values already recorded keep the RAG of their time.")
            } catch {
                guard let message = formError(error) else { throw error }
                return try measurePage(c, id, errors: [FieldError("newTarget", message)], status: .unprocessableContent)
            }
        },
        Route("GET", "/monitoring", .signedIn, "The monitoring framework's coverage: each FLOURISH area's owner, core measures and late values") { c in
            let areas = try c.app.monitoringCoverage(for: c.viewer)
            let rows = areas.map { a -> [HTML] in
                ["\(a.area.name)", "\(a.owner?.name ?? "No owner")", "\(a.core.count) of \(a.measures.count)",
                 a.gaps.isEmpty ? Components.tag("Covered", colour: "green") : "\(a.gaps.joined(separator: "; "))"]
            }
            var owner: HTML = ""
            if c.mayOpen("/monitoring/owners") {
                owner = """
                <h2 class="govuk-heading-m">Name an area's owner</h2>
                <form method="post" action="/monitoring/owners" novalidate>\(c.csrfField)
                \(Components.select("area", label: "FLOURISH area", options: areas.map { ($0.area.key, $0.area.name) }, selected: c.typed("area"), errors: [], blank: "Choose an area"))
                \(Components.select("owner", label: "The body that owns its monitoring", options: try c.app.bodiesThatDecide().map { ($0.key, $0.name) }, selected: c.typed("owner"), errors: [], blank: "Choose a body"))
                \(Components.button("Save the owner", kind: "secondary"))</form>
                """
            }
            let gaps = areas.filter { !$0.gaps.isEmpty }.count
            let body: HTML = """
            <h1 class="govuk-heading-l">Monitoring framework</h1>
            <p class="govuk-body">The strategy asks for “a concise set of the most important outcome and progress measures for each FLOURISH impact area” and “clear ownership of the monitoring of each of the FLOURISH impact areas”. \(gaps == 0 ? "Every area is covered." : "\(gaps) of \(areas.count) areas have gaps.")</p>
            \(Components.table(caption: "Coverage by area", headers: ["Area", "Owner", "Core measures", "Gaps"], rows: rows))
            \(owner)
            """
            return Layout.page(title: "Monitoring framework", body: body, context: c)
        },
        Route("POST", "/monitoring/owners", .secretariat, "Name the body that owns the monitoring of a FLOURISH area") { c in
            guard let area = c.field("area"), let body = c.field("owner") else {
                return c.redirect("/monitoring", confirming: "Choose an area and the body that owns its monitoring; nothing was changed.")
            }
            do {
                let owner = try c.app.setAreaOwner(area, body: body, by: c.person)
                return c.redirect("/monitoring", confirming: "\(owner.name) now owns the monitoring of \(c.app.framework.areas.first { $0.key == area }?.name ?? area).")
            } catch {
                guard let message = formError(error) else { throw error }
                return c.redirect("/monitoring", confirming: "Nothing was changed: \(message)")
            }
        },
        Route("GET", "/groups/{key}/measures/new", .chair, "Define a measure for a group") { c in
            try measureForm(c, group: try c.app.governance.body(c.param("key")), errors: [])
        },
        Route("POST", "/groups/{key}/measures/new", .chair, "Define a measure for a group") { c in
            let group = try c.app.governance.body(c.param("key"))
            var errors: [FieldError] = []
            func number(_ field: String, _ what: String) -> Double? {
                guard let text = c.field(field) else { errors.append(FieldError(field, "Enter the \(what)")); return nil }
                guard let n = MeasureFigure.parse(text) else { errors.append(FieldError(field, "The \(what) must be a number, for example 75")); return nil }
                return n
            }
            if c.field("name") == nil { errors.append(FieldError("name", "Enter the measure’s name")) }
            if c.field("unit") == nil { errors.append(FieldError("unit", "Enter the unit, for example % or children")) }
            if c.field("direction") == nil { errors.append(FieldError("direction", "Choose whether higher or lower is better")) }
            let baseline = number("baseline", "baseline"), target = number("target", "target"), tolerance = number("tolerance", "tolerance")
            if let tolerance, tolerance < 0 { errors.append(FieldError("tolerance", "The tolerance must be zero or more")) }
            if c.field("frequency") == nil { errors.append(FieldError("frequency", "Choose how often a value is due")) }
            if c.field("area") == nil { errors.append(FieldError("area", "Choose the FLOURISH area it measures")) }
            if !errors.isEmpty { return try measureForm(c, group: group, errors: errors, status: .unprocessableContent) }
            do {
                let view = try c.app.defineMeasure(MeasureRequest(group: group.key, name: c.field("name") ?? "", unit: c.field("unit") ?? "", direction: c.field("direction") ?? "",
                                                                  baseline: baseline ?? 0, target: target ?? 0, tolerance: tolerance ?? 0, frequency: c.field("frequency") ?? "",
                                                                  area: c.field("area") ?? ""), by: c.person)
                return c.redirect("/measures/\(view.measure.id.rawValue)", confirming: "The measure is defined. Its first value is due by \(view.measure.valueDueOn?.inWords ?? "the end of the period").")
            } catch {
                guard let message = refusal(error) else { throw error }
                return try measureForm(c, group: group, errors: [FieldError((error as? WorkflowError)?.field ?? "name", message)], status: .unprocessableContent)
            }
        },
    ]

    static func measurePage(_ c: Context, _ id: RecordID<Measure>, errors: [FieldError], status: HTTPStatus = .ok) throws -> HTTPResponse {
        guard let view = try? c.app.measure(id, for: c.viewer) else { return notFound(c) }
        let m = view.measure
        let unit = m.unit
        var previous: Double?
        let rows = view.values.map { v -> [HTML] in
            defer { previous = v.value }
            let change: String
            if let p = previous {
                let d = v.value - p
                change = d == 0 ? "no change" : "\(d > 0 ? "up" : "down") \(format(abs(d)))"
            } else { change = "first value" }
            let corrected = v.replaced.map { "; corrected, was \(format($0))" } ?? ""
            return ["\(v.period)", "\(format(v.value)) \(unit)", Components.rag(v.rag.rawValue), "\(change + corrected)", "\(day(c, v.recordedAt))"]
        }
        let direction = m.direction == MeasureDirection.lowerIsBetter.rawValue ? "lower is better" : "higher is better"
        let mayRecord = try c.app.eventsOpen(on: id, for: c.viewer).contains("record")
        let record: HTML = mayRecord ? """
            <h2 class="govuk-heading-m">Record a value</h2>
            <form method="post" action="/measures/\(id.rawValue)/values" novalidate>\(c.csrfField)
            \(Components.input("period", label: "Period", value: c.typed("period"), errors: errors, hint: "For example, 2026 Q3 or October 2026", width: "10"))
            \(Components.input("value", label: "Value (\(unit))", value: c.typed("value"), errors: errors, hint: "Target \(format(m.target ?? 0)), \(direction)", width: "10"))
            \(Components.textarea("note", label: "Note (optional)", value: c.typed("note"), errors: errors, rows: 2))
            \(view.correctable.map { latest in
                Components.choices("corrects", legend: "Is it a correction?", options: [("yes", "It corrects the value recorded for \(latest.period) (\(format(latest.value)) \(unit))")],
                                   selected: c.typed("corrects") == "yes" ? ["yes"] : [], errors: errors,
                                   hint: "A measure has one value a period. Tick this only to replace that value, recorded by mistake; the next value stays due when it was.")
            } ?? "")
            \(Components.button("Record value"))</form>
            """ : ""
        let body: HTML = """
        \(Components.errorSummary(errors))<span class="govuk-caption-l">Measure</span><h1 class="govuk-heading-l">\(m.name)</h1>
        \(Components.summaryList([("Group", c.link("/groups/\(m.group)", "\(c.app.displayName("body", m.group))")),
                                  ("FLOURISH area", "\(m.area.map { areaNames([$0], c.app) } ?? "")"),
                                  ("Target", "\(format(m.target ?? 0)) \(unit) (\(direction); baseline \(format(m.baseline ?? 0)), tolerance \(format(m.tolerance ?? 0)))"),
                                  ("How often", "\((m.frequency ?? "").capitalized)"),
                                  ("Core set", "\(m.isCore ? "One of its area's core measures" : "Not in the core set")"),
                                  ("Where the data comes from", "\(dataSource(m))"),
                                  ("Next value due", "\(m.valueDueOn?.inWords ?? "")" + (m.isMissingValue ? " <strong class=\"app-overdue\">Value missing</strong>" as HTML : ""))]))
        \(rows.isEmpty ? "<p class=\"govuk-body\">No values recorded yet.</p>" : Components.table(caption: "Values, oldest first: the trend", headers: ["Period", "Value", "RAG", "Change", "Recorded"], rows: rows))
        \(try revisions(c, id))
        \(record)
        \(try reviseForm(c, id, m, errors: errors))
        """
        return Layout.page(title: (errors.isEmpty ? "" : "Error: ") + "Measure: \(m.name)", body: body, context: c, status: status, backLink: ("/groups/\(m.group)", "Back to the group"))
    }

    /// Where a measure's data comes from, in a line: organisation, dataset, sharing agreement, how often.
    static func dataSource(_ m: Measure) -> String {
        let parts = [m.dataSource, m.dataset, m.sharingAgreement.map { "sharing agreement \($0)" }, m.arrives].compactMap { $0 }
        return parts.isEmpty ? "Not recorded" : parts.joined(separator: "; ")
    }

    /// The measure's revisions at annual reviews, oldest first.
    static func revisions(_ c: Context, _ id: RecordID<Measure>) throws -> HTML {
        let events = try c.app.measureRevisions(id)
        guard !events.isEmpty else { return "" }
        let rows = events.map { e -> [HTML] in
            ["\(day(c, e.occurredAt))", "\(format(e.payload["target"]?.doubleValue ?? 0))", "\(format(e.payload["tolerance"]?.doubleValue ?? 0))",
             "\(e.payload["core"]?.boolValue == true ? "Yes" : "No")", "\(e.payload["reason"]?.stringValue ?? "")"]
        }
        return Components.table(caption: "Revisions at the annual review", headers: ["When", "Target", "Tolerance", "Core", "Why"], rows: rows)
    }

    /// The annual review's form: target, tolerance, core set and data source, with a reason.
    static func reviseForm(_ c: Context, _ id: RecordID<Measure>, _ m: Measure, errors: [FieldError]) throws -> HTML {
        guard try c.app.eventsOpen(on: id, for: c.viewer).contains("revise") else { return "" }
        func typed(_ name: String, _ current: String?) -> String? { c.request.method == "POST" ? c.typed(name) : current }
        return """
        <h2 class="govuk-heading-m">Revise at the annual review</h2>
        <form method="post" action="/measures/\(id.rawValue)/revise" novalidate>\(c.csrfField)
        \(Components.input("newTarget", label: "Target (\(m.unit))", value: typed("newTarget", m.target.map(format)), errors: errors, width: "10"))
        \(Components.input("newTolerance", label: "Tolerance (\(m.unit))", value: typed("newTolerance", m.tolerance.map(format)), errors: errors, width: "10"))
        \(Components.choices("core", legend: "In its area's core set?", options: [("yes", "Yes"), ("no", "No")], selected: [typed("core", m.isCore ? "yes" : "no") ?? ""], errors: errors, radio: true))
        \(Components.input("dataSource", label: "Where the data comes from (optional)", value: typed("dataSource", m.dataSource), errors: errors))
        \(Components.input("dataset", label: "Dataset or return (optional)", value: typed("dataset", m.dataset), errors: errors))
        \(Components.input("sharingAgreement", label: "Data sharing agreement reference (optional)", value: typed("sharingAgreement", m.sharingAgreement), errors: errors, width: "20"))
        \(Components.input("arrives", label: "How often the data arrives (optional)", value: typed("arrives", m.arrives), errors: errors))
        \(Components.textarea("reviseReason", label: "Why, from the review", value: c.typed("reviseReason"), errors: errors, rows: 2))
        \(Components.button("Save the revision", kind: "secondary"))</form>
        """
    }

    static func measureForm(_ c: Context, group: GovernanceBody, errors: [FieldError], status: HTTPStatus = .ok) throws -> HTTPResponse {
        let body: HTML = """
        <div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">\(Components.errorSummary(errors))
        <span class="govuk-caption-l">\(group.name)</span><h1 class="govuk-heading-l">Define a measure</h1>
        <form method="post" action="/groups/\(group.key)/measures/new" novalidate>\(c.csrfField)
        \(Components.input("name", label: "Name", value: c.typed("name"), errors: errors, hint: "For example, Children with a good level of development at age 5"))
        \(Components.input("unit", label: "Unit", value: c.typed("unit"), errors: errors, hint: "For example, % or children", width: "10"))
        \(Components.choices("direction", legend: "Which way is better?", options: [("higher-is-better", "Higher is better"), ("lower-is-better", "Lower is better")],
                             selected: c.typed("direction").map { [$0] } ?? [], errors: errors, radio: true))
        \(Components.input("baseline", label: "Baseline", value: c.typed("baseline"), errors: errors, hint: "Where it stands now", width: "10"))
        \(Components.input("target", label: "Target", value: c.typed("target"), errors: errors, width: "10"))
        \(Components.input("tolerance", label: "Tolerance", value: c.typed("tolerance"), errors: errors, hint: "How far from the target, in the unit, is amber rather than red", width: "10"))
        \(Components.choices("frequency", legend: "How often is a value due?", options: Flourish.measureFrequencies.map { ($0, $0.capitalized) },
                             selected: c.typed("frequency").map { [$0] } ?? [], errors: errors, radio: true))
        \(Components.select("area", label: "FLOURISH area", options: c.app.framework.areas.map { ($0.key, $0.name) }, selected: c.typed("area"), errors: errors, blank: "Choose an area"))
        \(Components.button("Define measure"))</form></div></div>
        """
        return Layout.page(title: errors.isEmpty ? "Define a measure" : "Error: Define a measure", body: body, context: c, status: status, backLink: ("/groups/\(group.key)", "Back to \(group.name)"))
    }
}
