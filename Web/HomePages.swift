import Foundation
import HTTPServer
import Services

extension WebApp {
    /// Each person's home after signing in: what needs them now, in each role they hold.
    static let homeRoutes: [Route] = [
        Route("GET", "/home", .signedIn, "Your home: what needs you now, in each of your roles") { c in
            let home = try c.app.home(for: c.viewer)
            let sections = home.sections.map { section -> HTML in
                let items = section.needs.sorted { ($0.isOverdue ? 0 : 1) < ($1.isOverdue ? 0 : 1) }.map { need -> HTML in
                    "<li><a class=\"govuk-link\" href=\"\(need.link)\">\(need.summary)</a>\(need.isOverdue ? " <strong class=\"govuk-tag govuk-tag--red\">Overdue</strong>" as HTML : "")</li>"
                }
                let list: HTML = items.isEmpty ? "<p class=\"govuk-body\">Nothing is waiting for you here. <a class=\"govuk-link\" href=\"\(section.link)\">\(section.linkText)</a></p>"
                                               : "<ul class=\"govuk-list govuk-list--bullet app-needs\">\(HTML.join(items))</ul>"
                return "<h2 class=\"govuk-heading-m\">\(section.heading)</h2>\(list)"
            }
            let lead: String
            switch (home.waiting, home.overdue) {
            case (0, _): lead = "Nothing needs you today."
            case (let n, 0): lead = "\(n) thing\(n == 1 ? "" : "s") \(n == 1 ? "is" : "are") waiting for you."
            case (let n, let late): lead = "\(n) thing\(n == 1 ? "" : "s") \(n == 1 ? "is" : "are") waiting for you, \(late) of them overdue."
            }
            let body: HTML = """
            <span class="govuk-caption-l">\(c.viewer.name)</span><h1 class="govuk-heading-l">What needs you now</h1>
            <p class="govuk-body-l">\(lead)</p>
            \(sections.isEmpty ? "<p class=\"govuk-body\">You hold no role in the partnership yet. <a class=\"govuk-link\" href=\"/dashboard\">See the dashboard</a>.</p>" as HTML : HTML.join(sections))
            """
            return Layout.page(title: "Your home", body: body, context: c)
        },
    ]
}
