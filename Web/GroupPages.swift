import Foundation
import HTTPServer
import Services
import Engine
import Domain

extension WebApp {
    static func myGroups(_ c: Context) throws -> [GovernanceBody] {
        try c.app.policy.groupsRun(by: c.viewer)
    }

    /// A moment on a page, as GOV.UK writes it: "8 October 2026", with the time only when it is not midnight.
    static func day(_ c: Context, _ date: Date) -> String { c.app.time.inWords(date) }

    /// The viewer's own link to a deadlines feed, to paste into a calendar app.
    static func calendarLink(_ c: Context, _ path: String, what: String) throws -> HTML {
        guard let link = try c.app.personalFeedLink(path, for: c.viewer) else { return "" }
        return "<p class=\"govuk-body\"><a class=\"govuk-link\" href=\"\(link)\">Your calendar link for \(what)</a> (subscribe to it in a calendar app; it shows what you can see here, so keep it to yourself)</p>"
    }

    static let chairRoutes: [Route] = [
        Route("GET", "/groups", .chair, "My groups") { c in
            let rows = try myGroups(c).map { g -> [HTML] in
                let actions = try c.app.actionsToChase(group: g.key, for: c.viewer).open
                return ["<a class=\"govuk-link\" href=\"/groups/\(g.key)\">\(g.name)</a>", "\(actions.count)", "\(actions.filter(\.isOverdue).count)",
                        "\(actions.filter { $0.latestRAG == .red }.count)"]
            }
            let add: HTML = c.mayOpen("/groups/new") ? "<a class=\"govuk-button\" href=\"/groups/new\">Add a group</a>" : ""
            let body: HTML = "<h1 class=\"govuk-heading-l\">\(c.viewer.isSecretariat ? "Groups" : "My groups")</h1>\(add)\(Components.table(caption: "Open actions by group", headers: ["Group", "Open actions", "Overdue", "Red"], rows: rows, numeric: [1, 2, 3]))"
            return Layout.page(title: "My groups", body: body, context: c)
        },
        Route("GET", "/groups/{key}", .chair, "A group's actions, measures and escalations") { (c: Context) -> HTTPResponse in
            let group = try c.app.governance.body(c.param("key"))
            // The open actions; the finished ones only when asked for, so a chair sees at once
            // what still needs doing. Fifty to a page: a group with years of actions is not one
            // page of hundreds.
            let (open, finished) = try c.app.actionsToChase(group: group.key, for: c.viewer)
            let showFinished = c.request.queryValue("show") == "finished"
            let listed = showFinished ? finished : open
            let perPage = WebApp.actionsPerGroupPage, pageCount = max(1, (listed.count + perPage - 1) / perPage)
            let asked = c.request.queryValue("page")
            guard let pageNumber = asked.map({ Int($0) }) ?? 1, (1...pageCount).contains(pageNumber) else {
                return c.web.errorPage(.badRequest, "There is no such page of \(group.name)’s actions",
                                       "“page” should be a whole number from 1 to \(pageCount), not “\(asked ?? "")”. The first page is at /groups/\(group.key).",
                                       request: c.request, context: c)
            }
            let shown = Array(listed[min((pageNumber - 1) * perPage, listed.count)..<min(pageNumber * perPage, listed.count)])
            let owners = c.app.displayNames("owner", shown.map(\.action.owner))
            let rows = shown.map { a -> [HTML] in
                ["<a class=\"govuk-link\" href=\"/actions/\(a.action.id.rawValue)\">\(a.action.title)</a>", "\(owners[a.action.owner] ?? a.action.owner)",
                 "\(a.action.dueDate?.inWords ?? "")" + (a.isOverdue ? " <strong class=\"app-overdue\">Overdue</strong>" as HTML : ""),
                 Components.stateTag(a.action.state), Components.rag(a.latestRAG?.rawValue)]
            }
            let list = showFinished ? "finished" : "open"
            func link(_ page: Int, show finishedOnes: Bool) -> String {
                let query = [finishedOnes ? "show=finished" : nil, page > 1 ? "page=\(page)" : nil].compactMap { $0 }.joined(separator: "&")
                return "/groups/\(group.key)" + (query.isEmpty ? "" : "?" + query) + "#actions"
            }
            let caption = showFinished ? "Completed and cancelled actions (\(finished.count))" : "Open actions (\(open.count))"
            let other: HTML = showFinished
                ? "<p class=\"govuk-body\"><a class=\"govuk-link\" href=\"\(link(1, show: false))\">Open actions (\(open.count))</a></p>"
                : finished.isEmpty ? "" : "<p class=\"govuk-body\"><a class=\"govuk-link\" href=\"\(link(1, show: true))\">Completed and cancelled actions (\(finished.count))<span class=\"govuk-visually-hidden\"> of \(group.name)</span></a></p>"
            let actionList: HTML = open.isEmpty && finished.isEmpty ? "<p class=\"govuk-body\">No actions logged yet.</p>" : """
                <div id="actions">\(listed.isEmpty ? "<p class=\"govuk-body\">No \(list) actions.</p>" : Components.table(caption: caption, headers: ["Action", "Owner", "Due", "Status", "Latest RAG"], rows: rows))
                \(pageCount > 1 ? "<p class=\"govuk-body-s\">Showing \((pageNumber - 1) * perPage + 1) to \((pageNumber - 1) * perPage + shown.count) of \(listed.count).</p>" : "" as HTML)
                \(Components.pagination(current: pageNumber, count: pageCount, label: "Pages of \(list) actions") { link($0, show: showFinished) })
                \(other)</div>
                """
            let measureRows = try c.app.measures(group: group.key, for: c.viewer).map { m -> [HTML] in
                let last = m.values.last
                return ["<a class=\"govuk-link\" href=\"/measures/\(m.measure.id.rawValue)\">\(m.measure.name)</a>", "\(last.map { "\(format($0.value)) \(m.measure.unit) (\($0.period))" } ?? "none yet")",
                        "\(format(m.measure.target ?? 0))", Components.rag(last?.rag.rawValue) + (m.isMissingValue ? " <strong class=\"app-overdue\">Value missing</strong>" as HTML : "")]
            }
            let mayAct = c.app.policy.speaksFor(group: group.key, viewer: c.viewer)
            let links: HTML = mayAct ? "<div class=\"govuk-button-group\"><a class=\"govuk-button\" href=\"/groups/\(group.key)/actions/new\">Log an action</a><a class=\"govuk-button govuk-button--secondary\" href=\"/groups/\(group.key)/measures/new\">Define a measure</a><a class=\"govuk-button govuk-button--secondary\" href=\"/groups/\(group.key)/escalations/new\">Raise an issue</a><a class=\"govuk-button govuk-button--secondary\" href=\"/groups/\(group.key)/referrals/new\">Refer to a partner</a></div>" : ""
            let body: HTML = """
            <span class="govuk-caption-l">\(group.kind.inWords.capitalized)</span><h1 class="govuk-heading-l">\(group.name)</h1>\(links)
            \(actionList)
            \(measureRows.isEmpty ? "" : Components.table(caption: "Measures", headers: ["Measure", "Latest value", "Target", "RAG"], rows: measureRows))
            \(c.app.policy.seesMeetings(of: group.key, viewer: c.viewer) ? "<p class=\"govuk-body\"><a class=\"govuk-link\" href=\"/groups/\(group.key)/meetings\">Meetings of \(group.name)</a></p>" as HTML : "")
            \(try calendarLink(c, "/groups/\(group.key)/deadlines.ics", what: "this group’s deadlines"))
            \(c.mayOpen("/groups/\(group.key)/retire") && group.key != c.app.partnership.topBody ? "<p class=\"govuk-body\"><a class=\"govuk-link\" href=\"/groups/\(group.key)/retire\">Retire this group<span class=\"govuk-visually-hidden\">: \(group.name)</span></a></p>" as HTML : "")
            """
            return Layout.page(title: group.name, body: body, context: c, backLink: ("/groups", "Back to groups"))
        },
        Route("GET", "/groups/{key}/actions/new", .chair, "Log an action") { c in
            try actionForm(c, group: try c.app.governance.body(c.param("key")), values: [:], errors: [])
        },
        Route("POST", "/groups/{key}/actions/new", .chair, "Log an action") { c in
            let group = try c.app.governance.body(c.param("key"))
            var values: [String: [String]] = [:]
            for f in ["title", "description", "owner", "dueDate", "item"] { values[f] = [c.field(f) ?? ""] }
            values["areas"] = c.fields("areas")
            var errors: [FieldError] = []
            if c.field("title") == nil { errors.append(FieldError("title", "Enter the action's title")) }
            if c.fields("areas").isEmpty { errors.append(FieldError("areas", "Select at least one FLOURISH area")) }
            if c.field("owner") == nil { errors.append(FieldError("owner", "Choose who owns the action")) }
            if c.field("dueDate").flatMap(CalendarDay.init) == nil { errors.append(FieldError("dueDate", "Enter the due date as a date, for example 2027-03-31")) }
            if !errors.isEmpty { return try actionForm(c, group: group, values: values, errors: errors, status: .unprocessableContent) }
            do {
                let view = try c.app.logAction(ActionRequest(group: group.key, title: (c.field("title") ?? ""), description: c.field("description") ?? "", areas: c.fields("areas"),
                                                             owner: (c.field("owner") ?? ""), dueDate: (c.field("dueDate") ?? ""), item: c.field("item")), by: c.person)
                return c.redirect("/actions/\(view.action.id.rawValue)", confirming: "The action is logged. If it is still open on \(view.action.escalatesOn?.inWords ?? "its tolerance date") it will be escalated.")
            } catch {
                guard let message = refusal(error) else { throw error }
                let field = ((error as? WorkflowError)?.field).map { $0 == "dueDate" ? "dueDate" : $0 } ?? (error is FrameworkError ? "areas" : error is DirectoryError ? "owner" : "title")
                return try actionForm(c, group: group, values: values, errors: [FieldError(field, message)], status: .unprocessableContent)
            }
        },
        Route("GET", "/actions/{id}", .chair, "An action, its updates and escalations") { c in
            try actionPage(c, RecordID(c.param("id")), errors: [])
        },
        Route("POST", "/actions/{id}/next", .chair, "The action's next step: update, start, complete, block, unblock, reschedule or cancel it (cancelling is checked first)") { c in
            try nextStep(c, RecordID(c.param("id")))
        },
        Route("POST", "/actions/{id}/events/{event}", .chair, "Update, complete, block or cancel an action") { c in
            let id = RecordID<Action>(c.param("id")), event = c.param("event")
            var fields: [String: JSONValue] = [:]
            for name in ["rag", "commentary", "blockedBy", "outcomeNote", "reason", "note"] { if let v = c.field(name) { fields[name] = .string(v) } }
            do {
                let view = try c.app.fireAction(id, event: event, fields: fields, expectedVersion: c.field("version").flatMap(Int.init), by: c.person)
                var message = "The action is \(view.action.state.rawValue.replacingOccurrences(of: "-", with: " "))."
                if event == "update", let e = view.escalations.last, e.state == .open { message = "Update recorded. The action has an open escalation." }
                else if event == "update" { message = "Update recorded: \(view.latestRAG?.rawValue ?? "")." }
                return c.redirect("/actions/\(id.rawValue)", confirming: message)
            } catch let e as WorkflowError where !e.deniesAccess {
                return try actionPage(c, id, errors: [FieldError(e.field ?? "commentary", e.localizedDescription)], status: .unprocessableContent)
            }
        },
        Route("GET", "/groups/{key}/escalations/new", .chair, "Raise an issue") { c in
            try raiseForm(c, group: try c.app.governance.body(c.param("key")), values: [:], errors: [])
        },
        Route("POST", "/groups/{key}/escalations/new", .chair, "Raise an issue") { c in
            let group = try c.app.governance.body(c.param("key"))
            var values: [String: [String]] = ["title": [c.field("title") ?? ""], "description": [c.field("description") ?? ""], "severity": [c.field("severity") ?? ""]]
            values["areas"] = c.fields("areas"); values["priorities"] = c.fields("priorities")
            var errors: [FieldError] = []
            if c.field("title") == nil { errors.append(FieldError("title", "Enter a short title for the issue")) }
            if c.field("severity") == nil { errors.append(FieldError("severity", "Choose how serious it is")) }
            if c.fields("areas").isEmpty { errors.append(FieldError("areas", "Select at least one FLOURISH area")) }
            if !errors.isEmpty { return try raiseForm(c, group: group, values: values, errors: errors, status: .unprocessableContent) }
            do {
                let view = try c.app.raiseEscalation(EscalationRequest(group: group.key, title: (c.field("title") ?? ""), description: c.field("description") ?? "", severity: (c.field("severity") ?? ""),
                                                                       priorities: c.fields("priorities"), areas: c.fields("areas")), by: c.person)
                let at = view.open.map { c.app.displayName("body", $0.body) }.joined(separator: " and ")
                return c.redirect("/escalations/\(view.escalation.id.rawValue)", confirming: "The issue is raised and waits at \(at).")
            } catch {
                guard let message = refusal(error) else { throw error }
                return try raiseForm(c, group: group, values: values, errors: [FieldError((error as? WorkflowError)?.field ?? "title", message)], status: .unprocessableContent)
            }
        },
    ]

    /// How many of a group's actions its page lists at a time.
    static let actionsPerGroupPage = 50

    /// A number as people write it: whole numbers without ".0" (any size, never trapping on one too large for an Int).
    /// A figure as people write it: whole numbers without a point, others to at most ten
    /// places with no trailing zeros (a change of 0.7 showed as "up 0.7000000000000028").
    static func format(_ d: Double) -> String {
        if d == d.rounded() && abs(d) < 1e15 { return String(Int(d)) }
        guard abs(d) < 1e15 else { return String(d) }
        var text = String(format: "%.10f", d)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text == "-0" ? "0" : text
    }

    static func actionForm(_ c: Context, group: GovernanceBody, values: [String: [String]], errors: [FieldError], status: HTTPStatus = .ok) throws -> HTTPResponse {
        let people = try c.app.actionOwners().map { ($0.id, "\($0.name) (\($0.id))") }
        let priority = group.priority
        let items = priority.flatMap { p in c.app.framework.priorities.first { $0.key == p } }?.whatNeedsToHappen.map { ($0.key, Components.shortened($0.text, to: 120)) } ?? []
        let body: HTML = """
        <div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">\(Components.errorSummary(errors))
        <span class="govuk-caption-l">\(group.name)</span><h1 class="govuk-heading-l">Log an action</h1>
        <form method="post" action="/groups/\(group.key)/actions/new" novalidate>\(c.csrfField)
        \(Components.input("title", label: "Title", value: values["title"]?.first, errors: errors))
        \(Components.textarea("description", label: "Description (optional)", value: values["description"]?.first, errors: errors, rows: 3))
        \(Components.choices("areas", legend: "FLOURISH areas", options: c.app.framework.areas.map { ($0.key, $0.name) }, selected: values["areas"] ?? [], errors: errors, hint: "Select all that apply."))
        \(Components.select("owner", label: "Owner", options: people, selected: values["owner"]?.first, errors: errors, blank: "Choose a person"))
        \(Components.input("dueDate", label: "Due date", value: values["dueDate"]?.first, errors: errors, hint: "For example, 2027-03-31", width: "10"))
        \(items.isEmpty ? "" : Components.select("item", label: "What it delivers from the strategy (optional)", options: items, selected: values["item"]?.first, errors: errors, blank: "Not one of the strategy's items"))
        \(Components.button("Log action"))</form></div></div>
        """
        return Layout.page(title: errors.isEmpty ? "Log an action" : "Error: Log an action", body: body, context: c, status: status, backLink: ("/groups/\(group.key)", "Back to \(group.name)"))
    }

    static func actionPage(_ c: Context, _ id: RecordID<Action>, errors: [FieldError], status: HTTPStatus = .ok) throws -> HTTPResponse {
        guard let view = try? c.app.action(id, for: c.viewer) else { return notFound(c) }
        let a = view.action
        let updates = try c.app.actionUpdates(id, for: c.viewer).map { e -> [HTML] in
            ["\(day(c, e.occurredAt))", Components.rag(e.payload["rag"]?.stringValue), "\(e.payload["commentary"]?.stringValue ?? "")", "\(c.app.displayName("person", e.actor))"]
        }
        let next = try nextStepForm(c, view, errors: errors)
        let escalations = view.escalations.map { e -> HTML in "<li><a class=\"govuk-link\" href=\"/escalations/\(e.id.rawValue)\">\(Optional(e.title) ?? e.id.rawValue)</a> \(Components.stateTag(e.state))</li>" }
        let voices = try c.app.voiceShaping(id.instance).map { e -> HTML in
            "<li><a class=\"govuk-link\" href=\"/voice/\(e.id.rawValue)\">\(c.app.displayName("body", e.group)): “\(Components.shortened(e.said, to: 160))”</a></li>"
        }
        let body: HTML = """
        \(Components.errorSummary(errors))<span class="govuk-caption-l">Action</span><h1 class="govuk-heading-l">\(a.title)</h1>
        \(Components.summaryList([("Group", c.link("/groups/\(a.group)", "\(c.app.displayName("body", a.group))")),
                                  ("Status", Components.stateTag(a.state)), ("Owner", "\(c.app.displayName("owner", a.owner))"),
                                  ("Due", "\(a.dueDate?.inWords ?? "")" + (view.isOverdue ? " <strong class=\"app-overdue\">Overdue</strong>" as HTML : "")),
                                  ("Latest RAG", Components.rag(view.latestRAG?.rawValue) + " \(view.rags.isEmpty ? "" : view.trend)"),
                                  ("FLOURISH areas", "\(areaNames(a.areas, c.app))")] + setBy(c, a)))
        \(escalations.isEmpty ? "" : "<h2 class=\"govuk-heading-m\">Escalations</h2><ul class=\"govuk-list\">\(escalations)</ul>" as HTML)
        \(voices.isEmpty ? "" : "<h2 class=\"govuk-heading-m\">Shaped by what young people said</h2><ul class=\"govuk-list\">\(voices)</ul>" as HTML)
        \(updates.isEmpty ? "<p class=\"govuk-body\">No updates yet.</p>" : Components.table(caption: "Updates", headers: ["When", "RAG", "Commentary", "By"], rows: updates))
        \(next)
        \(try evidencePanel(c, id.instance))
        """
        return Layout.page(title: (errors.isEmpty ? "" : "Error: ") + "Action: \(a.title)", body: body, context: c, status: status, backLink: ("/groups/\(a.group)", "Back to the group"))
    }

    /// The decision that set an action, linked back to its escalation (for those who may see it).
    static func setBy(_ c: Context, _ a: Action) -> [(String, HTML)] {
        guard let id = a.escalation else { return [] }
        let title = (try? c.app.escalation(RecordID(InstanceID(id)), for: c.viewer))?.escalation.title
        let link: HTML = title.map { "<a class=\"govuk-link\" href=\"/escalations/\(id)\">\($0)</a>" } ?? "an escalation"
        return [(a.escalationWork == "plan" ? "Part of the plan for" : "Follow-up of the guidance on", link)]
    }

    static func raiseForm(_ c: Context, group: GovernanceBody, values: [String: [String]], errors: [FieldError], status: HTTPStatus = .ok) throws -> HTTPResponse {
        let severities = c.app.partnership.escalation.severities.map { ($0.key, $0.name) }
        let body: HTML = """
        <div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">\(Components.errorSummary(errors))
        <span class="govuk-caption-l">\(group.name)</span><h1 class="govuk-heading-l">Raise an issue</h1>
        <p class="govuk-body">It goes to the bodies \(group.name) reports to, or straight to the Strategic Alliance if it concerns two or more priorities.</p>
        <form method="post" action="/groups/\(group.key)/escalations/new" novalidate>\(c.csrfField)
        \(Components.input("title", label: "Title", value: values["title"]?.first, errors: errors))
        \(Components.textarea("description", label: "What is the issue?", value: values["description"]?.first, errors: errors))
        \(Components.choices("severity", legend: "How serious is it?", options: severities, selected: values["severity"] ?? [], errors: errors, radio: true))
        \(Components.choices("areas", legend: "FLOURISH areas", options: c.app.framework.areas.map { ($0.key, $0.name) }, selected: values["areas"] ?? [], errors: errors))
        \(Components.choices("priorities", legend: "Priorities it concerns (optional)", options: c.app.framework.priorities.map { ($0.key, $0.name) }, selected: values["priorities"] ?? [], errors: errors))
        \(Components.button("Raise issue"))</form></div></div>
        """
        return Layout.page(title: errors.isEmpty ? "Raise an issue" : "Error: Raise an issue", body: body, context: c, status: status, backLink: ("/groups/\(group.key)", "Back to \(group.name)"))
    }
}
