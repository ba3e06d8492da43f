import Foundation
import HTTPServer
import Services
import Engine
import Domain

extension WebApp {
    /// The dashboard: the partnership at a glance for this year, with drill-down
    /// partnership → area or priority → group → action, measure or pledge → its history.
    static let dashboardRoutes: [Route] = [
        Route("GET", "/dashboard", .signedIn, "The partnership at a glance: the eight areas, the priorities, escalations by level") { c in
            let year = c.app.currentPledgeYear()
            let r = try c.app.dashboardReport(year: year)
            let body: HTML = """
            <span class="govuk-caption-l">\(r.partnership)</span><h1 class="govuk-heading-l">Dashboard \(year)</h1>
            <p class="govuk-body">Figures for \(CalendarDay(r.yearStarts)?.inWords ?? r.yearStarts) to \(CalendarDay(r.yearEnds)?.inWords ?? r.yearEnds), as of now. Follow a name to see what is behind it. <a class="govuk-link" href="/monitoring">How each area is monitored</a>.</p>
            <h2 class="govuk-heading-m">The eight FLOURISH areas</h2>
            \(ReportHTML.barChart(title: "Pledges made in each area", bars: r.areas.map { ($0.name, $0.pledges.made) }))
            \(Components.table(caption: "Areas", headers: ["Area", "Pledges made", "Approved", "Actions", "Red", "Overdue", "Escalations open"],
                               rows: r.areas.map { a in ["<a class=\"govuk-link\" href=\"/dashboard/areas/\(a.key)\">\(a.name)</a>", "\(a.pledges.made)", "\(a.pledges.approved)",
                                                         "\(a.actions.total)", "\(a.actions.red)", "\(a.actions.overdue)", "\(a.escalations.stillOpen)"] }, numeric: Set(1...6)))
            <h2 class="govuk-heading-m">The priorities</h2>
            \(Components.table(caption: "Priorities", headers: ["Priority", "Actions", "Red", "Overdue", "Completed", "Red measures", "Escalations open"],
                               rows: r.priorities.map { p in ["<a class=\"govuk-link\" href=\"/dashboard/priorities/\(p.key)\">\(p.name)</a>", "\(p.actions.total)", "\(p.actions.red)",
                                                              "\(p.actions.overdue)", "\(p.actions.completed)", "\(p.redMeasures)", "\(p.escalations.stillOpen)"] }, numeric: Set(1...6)))
            <h2 class="govuk-heading-m">Escalations by level</h2>
            \(r.escalationLevels.isEmpty ? "<p class=\"govuk-body\">No escalations this year.</p>" as HTML
              : Components.table(caption: "Escalation reviews at each body, of escalations raised this year", headers: ["Body", "Waiting", "Decided this year", "Median working days to decide"],
                                 rows: r.escalationLevels.map { l in ["\(l.name)", "\(l.stillOpen)", "\(l.decided)", "\(l.medianWorkingDaysToResolve.map(AnnualReport.number) ?? "–")"] }, numeric: [1, 2, 3]))
            \(c.viewer.isPartnershipMember ? try plansTable(c) : "")
            <h2 class="govuk-heading-m">Pledges against the partnership’s asks</h2>
            \(try askTable(c))
            <h2 class="govuk-heading-m">Where pledges are, and are not</h2>
            \(coverageTable(c, try c.app.pledgeCoverage()))
            <p class="govuk-body"><a class="govuk-link" href="/pledges/coverage">By kind of organisation</a></p>
            """
            return Layout.page(title: "Dashboard", body: body, context: c)
        },
        Route("GET", "/dashboard/areas/{key}", .signedIn, "One FLOURISH area: its pledges, actions and measures") { c in
            guard let area = c.app.framework.areas.first(where: { $0.key == c.param("key") }) else { return notFound(c) }
            let year = c.app.currentPledgeYear()
            let pledges = try c.app.wall(WallFilter(area: area.key)).entries.filter { $0.pledgeYear == year }
            let actions = try c.app.actions(ActionFilter(area: area.key), for: c.viewer)
            let measures = try c.app.measures(area: area.key, for: c.viewer)
            return drillDown(c, title: area.name, caption: "FLOURISH area", pledges: pledges, actions: actions, measures: measures, groups: [])
        },
        Route("GET", "/dashboard/priorities/{key}", .signedIn, "One priority: its groups, actions and measures") { c in
            guard let priority = c.app.framework.priorities.first(where: { $0.key == c.param("key") }) else { return notFound(c) }
            let groups = try c.app.governance.bodies().filter { $0.priority == priority.key }
            let actions = try c.app.actions(ActionFilter(priority: priority.key), for: c.viewer)
            let measures = try c.app.measures(for: c.viewer).filter { $0.measure.priority == priority.key }
            return drillDown(c, title: priority.name, caption: "Priority", pledges: nil, actions: actions, measures: measures, groups: groups)
        },
        // Visitors too: the services give a published pledge's public history and answer
        // anything else as missing, as the README's table says (the page sent them to sign in).
        Route("GET", "/history/{id}", .everyone, "Any record's history: every event, who did it and when") { c in
            let id = InstanceID(c.param("id"))
            guard let (instance, events) = try? c.app.history(of: id, for: c.viewer) else { return notFound(c) }
            // In people's words: the workflow's own titles for events and states, and people's
            // names ("start", "request-changes" and user names were shown).
            let definition = try? c.app.workflowDefinition(instance.workflow, version: instance.workflowVersion)
            func eventTitle(_ event: String) -> String {
                event == "start" ? "Started" : definition?.transitions.first { $0.event == event }?.title ?? event.replacingOccurrences(of: "-", with: " ").capitalized
            }
            func person(_ id: String) -> String { id == "system" ? "Flourish (a deadline or a rule)" : c.app.displayName("person", id) }
            // On behalf of a body (the secretariat acting for a group) or a person.
            func onBehalf(_ id: String) -> String { let body = c.app.displayName("body", id); return body != id ? body : person(id) }
            let rows = events.map { e -> [HTML] in
                ["\(day(c, e.occurredAt))", "\(eventTitle(e.event))", e.actor.isEmpty ? "–" : "\(person(e.actor))\(e.onBehalfOf.map { " for \(onBehalf($0))" } ?? "")", Components.stateTag(e.toState)]
            }
            let kind = definition?.title ?? instance.workflow.replacingOccurrences(of: "-", with: " ").capitalized
            let body: HTML = """
            <span class="govuk-caption-l">\(kind): \(c.app.recordName(instance))</span>
            <h1 class="govuk-heading-l">History</h1>
            <p class="govuk-body">Now \(Components.stateTag(instance.state)). Every change is kept, in order, in a log that shows if anything in it is altered.</p>
            \(Components.table(caption: "What happened, oldest first", headers: ["When", "What happened", "By", "Status after"], rows: rows))
            """
            let back = c.viewer.person == nil ? ("/pledges", "Back to the pledge wall") : ("/dashboard", "Back to the dashboard")
            return Layout.page(title: "History: \(c.app.recordName(instance))", body: body, context: c, backLink: back)
        },
    ]

    static func drillDown(_ c: Context, title: String, caption: String, pledges: [WallEntry]?, actions: [ActionView], measures: [MeasureView], groups: [GovernanceBody]) -> HTTPResponse {
        var parts: [HTML] = ["<span class=\"govuk-caption-l\">\(caption)</span><h1 class=\"govuk-heading-l\">\(title)</h1>"]
        if !groups.isEmpty {
            parts.append("<h2 class=\"govuk-heading-m\">Groups</h2><ul class=\"govuk-list\">\(groups.map { g -> HTML in "<li>\(c.link("/groups/\(g.key)", "\(g.name)"))</li>" })</ul>")
        }
        let groupNames = c.app.displayNames("body", actions.map(\.action.group))
        // Someone outside the partnership's bodies (an organisation's contact) was told "No
        // actions" beside a dashboard counting five: the actions are there, not theirs to read.
        guard c.viewer.isPartnershipMember else {
            parts.append("<p class=\"govuk-body\">The actions and measures behind these figures are the partnership’s working papers, for the members of its groups and boards.</p>")
            if let pledges { parts.append(pledgeTable(c, pledges)) }
            return Layout.page(title: title, body: HTML.join(parts), context: c, backLink: ("/dashboard", "Back to the dashboard"))
        }
        parts.append(actions.isEmpty ? "<p class=\"govuk-body\">No actions.</p>" : Components.table(caption: "Actions", headers: ["Action", "Group", "Due", "Status", "RAG", "History"], rows: actions.map { a in
            [c.link("/actions/\(a.action.id.rawValue)", "\(a.action.title)"),
             c.link("/groups/\(a.action.group)", "\(groupNames[a.action.group] ?? a.action.group)"),
             "\(a.action.dueDate?.inWords ?? "")" + (a.isOverdue ? " <strong class=\"app-overdue\">Overdue</strong>" as HTML : ""),
             Components.stateTag(a.action.state), Components.rag(a.latestRAG?.rawValue), "<a class=\"govuk-link\" href=\"/history/\(a.action.id.rawValue)\">History<span class=\"govuk-visually-hidden\"> of \(a.action.title)</span></a>"]
        }))
        parts.append(measures.isEmpty ? "<p class=\"govuk-body\">No measures.</p>" : Components.table(caption: "Measures", headers: ["Measure", "Latest", "Target", "RAG", "History"], rows: measures.map { m in
            let last = m.values.last
            return [c.link("/measures/\(m.measure.id.rawValue)", "\(m.measure.name)"), "\(last.map { "\(AnnualReport.number($0.value)) (\($0.period))" } ?? "none yet")",
                    "\(AnnualReport.number(m.measure.target ?? 0))", Components.rag(last?.rag.rawValue),
                    "<a class=\"govuk-link\" href=\"/history/\(m.measure.id.rawValue)\">History<span class=\"govuk-visually-hidden\"> of \(m.measure.name)</span></a>"]
        }))
        if let pledges { parts.append(pledgeTable(c, pledges)) }
        return Layout.page(title: title, body: HTML.join(parts), context: c, backLink: ("/dashboard", "Back to the dashboard"))
    }

    /// A drill-down's pledges on the wall this year.
    static func pledgeTable(_ c: Context, _ pledges: [WallEntry]) -> HTML {
        pledges.isEmpty ? "<p class=\"govuk-body\">No pledges on the wall this year.</p>" : Components.table(caption: "Pledges on the wall this year", headers: ["Organisation", "Pledge", "History"], rows: pledges.map { p in
            ["\(p.organisationName)", "<a class=\"govuk-link\" href=\"/pledges/\(p.pledge.rawValue)\">\(p.text)</a>",
             "<a class=\"govuk-link\" href=\"/history/\(p.pledge.rawValue)\">History<span class=\"govuk-visually-hidden\"> of the pledge by \(p.organisationName)</span></a>"]
        })
    }
}

extension WebApp {
    /// The asks with the pledges each drew, open ones first.
    static func askTable(_ c: Context) throws -> HTML {
        let asks = try c.app.asks()
        guard !asks.isEmpty else { return "<p class=\"govuk-body\">No asks published yet. <a class=\"govuk-link\" href=\"/asks\">What the partnership asks for</a></p>" }
        return Components.table(caption: "Asks", headers: ["Ask", "Status", "Pledges made", "On the wall"],
                                rows: asks.map { v in ["<a class=\"govuk-link\" href=\"/asks/\(v.ask.id.rawValue)\">\(v.ask.title)</a>", Components.stateTag(v.ask.state), "\(v.pledges)", "\(v.published)"] },
                                numeric: [2, 3])
    }
}
