import Foundation
import HTTPServer
import Services
import Engine
import Domain

/// Pledges that meet the partnership's needs: the asks organisations pledge against, where
/// pledges are (and are not), and what a pledge earns to show (its certificate and badge).
extension WebApp {
    static let askRoutes: [Route] = [
        Route("GET", "/asks", .everyone, "What the partnership asks organisations to pledge, and how many pledges each drew", keep: true) { c in
            let asks = try c.app.asks()
            let open = asks.filter { $0.ask.state == .open }, closed = asks.filter { $0.ask.state == .closed }
            let publish: HTML = c.viewer.isSecretariat ? "<a class=\"govuk-button\" href=\"/asks/new\">Publish an ask</a>" : ""
            let body: HTML = """
            <h1 class="govuk-heading-l">What the partnership asks for</h1>
            <p class="govuk-body">Each year organisations pledge to do at least one new thing for children and young people. These are the things most needed now, from the strategy’s priorities and the places with fewest pledges. Pledge against one, or pledge something of your own.</p>\(publish)
            \(open.isEmpty ? "<p class=\"govuk-body\">No open asks just now.</p>" as HTML : "<ul class=\"govuk-list app-cards\">\(open.map { askCard(c, $0) })</ul>" as HTML)
            \(closed.isEmpty ? "" : "<h2 class=\"govuk-heading-m\">Closed asks</h2>" + Components.table(caption: "Asks no longer open", headers: ["Ask", "Pledges it drew"],
                rows: closed.map { ["<a class=\"govuk-link\" href=\"/asks/\($0.ask.id.rawValue)\">\($0.ask.title)</a>", "\($0.pledges)"] }, numeric: [1]))
            <p class="govuk-body"><a class="govuk-link" href="/pledges/coverage">Where pledges are, and are not</a></p>
            """
            return Layout.page(title: "What the partnership asks for", body: body, context: c)
        },
        Route("GET", "/asks/new", .secretariat, "Publish an ask") { c in try askForm(c, errors: []) },
        Route("POST", "/asks/new", .secretariat, "Publish an ask") { c in
            var errors: [FieldError] = []
            if c.field("title") == nil { errors.append(FieldError("title", "Enter what is asked for")) }
            if c.fields("areas").isEmpty { errors.append(FieldError("areas", "Select at least one FLOURISH area")) }
            guard errors.isEmpty, let title = c.field("title") else { return try askForm(c, errors: errors, status: .unprocessableContent) }
            // The item's value names its priority: "priority|item".
            let chosen = (c.field("item") ?? "").split(separator: "|", maxSplits: 1).map(String.init)
            do {
                let ask = try c.app.publishAsk(title: title, description: c.field("description") ?? "", priority: chosen.first, item: chosen.count == 2 ? chosen[1] : nil,
                                               areas: c.fields("areas"), districts: c.fields("districts"), by: c.person)
                return c.redirect("/asks/\(ask.id.rawValue)", confirming: "The ask is published on the wall; organisations can pledge against it.")
            } catch {
                guard let message = formError(error) else { throw error }
                let field = (error as? AskError).map { if case .unknownDistrict = $0 { return "districts" } else { return "item" } } ?? ((error is FrameworkError) ? "item" : "title")
                return try askForm(c, errors: [FieldError(field, message)], status: .unprocessableContent)
            }
        },
        Route("GET", "/asks/{id}", .everyone, "An ask and the pledges made against it", keep: true) { c in
            try askPage(c, RecordID(c.param("id")), errors: [])
        },
        Route("POST", "/asks/{id}", .secretariat, "Close an ask") { c in
            let id = RecordID<PledgeAsk>(c.param("id"))
            guard let reason = c.field("reason") else { return try askPage(c, id, errors: [FieldError("reason", "Enter why the ask is closed")], status: .unprocessableContent) }
            do {
                _ = try c.app.closeAsk(id, reason: reason, by: c.person)
                return c.redirect("/asks/\(id.rawValue)", confirming: "The ask is closed; the pledges it drew keep it.")
            } catch {
                guard let message = formError(error) else { throw error }
                return try askPage(c, id, errors: [FieldError("reason", message)], status: .unprocessableContent)
            }
        },
        Route("GET", "/pledges/coverage", .everyone, "Published pledges by FLOURISH area and district: where pledges are and are not", keep: true) { c in
            let kind = nonEmpty(c.request.queryValue("kind"))
            guard let coverage = try? c.app.pledgeCoverage(kind: kind) else {
                return c.web.errorPage(.badRequest, "There is no such kind of organisation", "Choose a kind from the list, or any kind.", request: c.request, context: c)
            }
            let body: HTML = """
            <h1 class="govuk-heading-l">Where pledges are, and are not</h1>
            <p class="govuk-body">Pledges on the wall by the FLOURISH area they serve and the district of the organisation making them. Darker cells have more pledges; the gaps are where a new pledge would count most. These figures feed the partnership’s needs assessment.</p>
            <form method="get" action="/pledges/coverage" class="app-filter">
            \(Components.select("kind", label: "Kind of organisation", options: c.app.partnership.organisationKinds.map { ($0.key, $0.name) }, selected: kind, errors: [], blank: "Any kind"))
            \(Components.button("Show", kind: "secondary"))</form>
            \(coverageTable(c, coverage))
            <p class="govuk-body"><a class="govuk-link" href="/asks">What the partnership asks for</a></p>
            """
            return Layout.page(title: "Where pledges are", body: body, context: c, backLink: ("/pledges", "Back to the pledge wall"))
        },
        Route("GET", "/pledges/{id}/certificate", .everyone, "A printable certificate for a published pledge") { c in
            guard let r = try? c.app.recognition(RecordID(c.param("id"))), r.isPublic else { return notFound(c) }
            let id = r.pledge.id.rawValue
            let body: HTML = """
            <div class="app-certificate">
            <p class="govuk-caption-l">\(c.app.partnership.name)</p>
            <h1 class="govuk-heading-xl">\(r.title)</h1>
            <p class="govuk-body-l">This certifies that <strong>\(r.organisationName)</strong> pledged to do something new for children and young people:</p>
            <blockquote class="govuk-inset-text app-certificate__pledge">\(r.pledge.text)</blockquote>
            <p class="govuk-body">Approved by the partnership\(r.approvedOn.map { " on \($0.inWords)" } ?? "").</p>
            <p class="govuk-body"><strong>\(r.standing).</strong></p>
            </div>
            <div class="app-no-print">
            <h2 class="govuk-heading-m">Show it on your website</h2>
            <p class="govuk-body">Copy this into your page. The badge links to your public pledge and shows whether it is current.</p>
            <p class="govuk-body"><img src="/pledges/\(id)/badge.svg" alt="\(r.title): \(r.organisationName)" width="240" height="64"></p>
            <pre class="app-snippet" tabindex="0" aria-label="The code to copy">\(r.badgeSnippet(site: siteURL(c)))</pre>
            <p class="govuk-body"><a class="govuk-link" href="/pledges/\(id)">Back to the pledge</a></p>
            </div>
            """
            return Layout.page(title: "Certificate: \(r.title), \(r.organisationName)", body: body, context: c)
        },
        Route("GET", "/pledges/{id}/badge.svg", .everyone, "The pledge's badge for an organisation's website, saying whether it is current") { c in
            guard let r = try? c.app.recognition(RecordID(c.param("id"))) else {
                return HTTPResponse.text(.notFound, "No published pledge here.")
            }
            var response = HTTPResponse(.ok, contentType: "image/svg+xml; charset=utf-8", body: badgeSVG(r).text)
            // Other sites show it: an hour's caching keeps it near the truth without a request per view.
            response.headers.set("Cache-Control", "public, max-age=3600")
            response.headers.set("Cross-Origin-Resource-Policy", "cross-origin")
            return response
        },
    ]

    static func askCard(_ c: Context, _ v: AskView) -> HTML {
        let a = v.ask
        let item = a.priority.flatMap { p in c.app.framework.priorities.first { $0.key == p } }
        let itemText = a.item.flatMap { i in item?.whatNeedsToHappen.first { $0.key == i }?.text }
        let districts = a.districts.map { name($0, in: c.app.partnership.districts) }
        let pledge: HTML = !c.mayOpen("/pledges/new") ? "" : "<a class=\"govuk-link\" href=\"/pledges/new?ask=\(a.id.rawValue)\">Pledge against this ask<span class=\"govuk-visually-hidden\">: \(a.title)</span></a>"
        return """
        <li class="app-card"><h3 class="govuk-heading-s"><a class="govuk-link" href="/asks/\(a.id.rawValue)">\(a.title)</a></h3>
        \(a.description.map { "<p class=\"govuk-body\">\($0)</p>" as HTML } ?? "")
        <p class="govuk-body-s app-card__meta">\(areaNames(a.areas, c.app))\(districts.isEmpty ? "" : " · most needed in \(districts.joined(separator: ", "))")\(item.map { " · \($0.name)" } ?? "")</p>
        \(itemText.map { "<p class=\"govuk-body-s\">From the strategy: “\($0)”</p>" as HTML } ?? "")
        <p class="govuk-body"><strong>\(v.pledges) \(v.pledges == 1 ? "pledge" : "pledges") so far</strong>\(v.published == v.pledges ? "" : ", \(v.published) on the wall"). \(pledge)</p></li>
        """
    }

    static func askForm(_ c: Context, errors: [FieldError], status: HTTPStatus = .ok) throws -> HTTPResponse {
        let items = c.app.framework.priorities.flatMap { p in p.whatNeedsToHappen.map { ("\(p.key)|\($0.key)", "\(p.name): \(Components.shortened($0.text, to: 110))") } }
        let coverage = try c.app.pledgeCoverage()
        let fewest = coverage.leastCovered.prefix(3).map { "\($0.name) (\(coverage.byDistrict[$0.key] ?? 0))" }.joined(separator: ", ")
        let body: HTML = """
        <div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">\(Components.errorSummary(errors))
        <h1 class="govuk-heading-l">Publish an ask</h1>
        <p class="govuk-body">Ask organisations for what is most needed. The districts with fewest pledges on the wall now: \(fewest). <a class="govuk-link" href="/pledges/coverage">See every area and district</a>.</p>
        <form method="post" action="/asks/new" novalidate>\(c.csrfField)
        \(Components.input("title", label: "What is asked for", value: c.typed("title"), errors: errors, hint: "For example: Work placements for young people at risk of not being in education, employment or training"))
        \(Components.textarea("description", label: "Who it is for and what would help (optional)", value: c.typed("description"), errors: errors, rows: 3))
        \(Components.select("item", label: "The strategy’s “what needs to happen” item it serves (optional)", options: items, selected: c.typed("item"), errors: errors, blank: "None"))
        \(Components.choices("areas", legend: "FLOURISH areas", options: c.app.framework.areas.map { ($0.key, $0.name) }, selected: c.fields("areas"), errors: errors, hint: "Select all that apply."))
        \(Components.choices("districts", legend: "Districts it is most needed in (optional)", options: c.app.partnership.districts.map { ($0.key, $0.name) }, selected: c.fields("districts"), errors: errors, hint: "None selected: anywhere."))
        \(Components.button("Publish the ask"))</form></div></div>
        """
        return Layout.page(title: (errors.isEmpty ? "" : "Error: ") + "Publish an ask", body: body, context: c, status: status, backLink: ("/asks", "Back to the asks"))
    }

    static func askPage(_ c: Context, _ id: RecordID<PledgeAsk>, errors: [FieldError], status: HTTPStatus = .ok) throws -> HTTPResponse {
        guard let view = try c.app.asks().first(where: { $0.ask.id == id }) else { return notFound(c) }
        let made = try c.app.pledges(answering: id).map { e -> HTML in
            "<li><a class=\"govuk-link\" href=\"/pledges/\(e.pledge.rawValue)\">\(e.organisationName)</a>: \(Components.shortened(e.text, to: 160))</li>"
        }
        var close: HTML = ""
        if c.viewer.isSecretariat && view.ask.state == .open {
            close = """
            <h2 class="govuk-heading-m">Close the ask</h2>
            <form method="post" action="/asks/\(id.rawValue)" novalidate>\(c.csrfField)
            \(Components.textarea("reason", label: "Why it is closed", value: c.typed("reason"), errors: errors, rows: 2))
            \(Components.button("Close the ask", kind: "warning"))</form>
            """
        }
        let body: HTML = """
        \(Components.errorSummary(errors))<span class="govuk-caption-l">What the partnership asks for</span>
        <ul class="govuk-list app-cards">\(askCard(c, view))</ul>
        \(view.ask.state == .closed ? "<p class=\"govuk-body\">\(Components.stateTag(view.ask.state)) \(view.ask.reason ?? "")</p>" as HTML : "")
        <h2 class="govuk-heading-m">Pledges on the wall that answer it</h2>
        \(made.isEmpty ? "<p class=\"govuk-body\">None on the wall yet.</p>" as HTML : "<ul class=\"govuk-list govuk-list--bullet\">\(made)</ul>" as HTML)\(close)
        """
        return Layout.page(title: (errors.isEmpty ? "" : "Error: ") + "Ask: \(view.ask.title)", body: body, context: c, status: status, backLink: ("/asks", "Back to the asks"))
    }

    /// The heatmap: areas down, districts across, each cell shaded by its share of the largest
    /// cell and carrying its number, so the table is the figures and the shading a reading aid.
    static func coverageTable(_ c: Context, _ coverage: PledgeCoverage) -> HTML {
        let largest = max(coverage.largest, 1)
        let head = (["<th scope=\"col\" class=\"govuk-table__header\">FLOURISH area</th>"] + coverage.districts.map { "<th scope=\"col\" class=\"govuk-table__header govuk-table__header--numeric\">\($0.name)</th>" as HTML })
        let rows = coverage.areas.map { a -> HTML in
            let cells = coverage.districts.map { d -> HTML in
                let n = coverage.count(a.key, d.key)
                let shade = n == 0 ? 0 : 1 + min(3, (n * 4 - 1) / largest)
                return "<td class=\"govuk-table__cell govuk-table__cell--numeric app-heat app-heat--\(shade)\">\(n)</td>"
            }
            return "<tr class=\"govuk-table__row\"><th scope=\"row\" class=\"govuk-table__header\">\(a.name)</th>\(cells)</tr>"
        }
        let totals = coverage.districts.map { "<td class=\"govuk-table__cell govuk-table__cell--numeric\">\(coverage.byDistrict[$0.key] ?? 0)</td>" as HTML }
        return """
        <div class="app-table-wrap" role="region" aria-label="Pledges by area and district (scrolls sideways)" tabindex="0">
        <table class="govuk-table app-heatmap"><caption class="govuk-table__caption govuk-table__caption--s">\(coverage.total) published \(coverage.total == 1 ? "pledge" : "pledges") by area and district\(coverage.kind.map { ", \(name($0, in: c.app.partnership.organisationKinds))" } ?? ""); a pledge may serve several areas</caption>
        <thead class="govuk-table__head"><tr class="govuk-table__row">\(HTML.join(head))</tr></thead>
        <tbody class="govuk-table__body">\(HTML.join(rows))<tr class="govuk-table__row"><th scope="row" class="govuk-table__header">Pledges from the district</th>\(HTML.join(totals))</tr></tbody></table></div>
        <p class="govuk-body-s">Shading: <span class="app-heat app-heat--0 app-heat__key">none</span> <span class="app-heat app-heat--1 app-heat__key">few</span> <span class="app-heat app-heat--2 app-heat__key">some</span> <span class="app-heat app-heat--3 app-heat__key">more</span> <span class="app-heat app-heat--4 app-heat__key">most</span></p>
        """
    }

    /// The badge: the pledge's year and organisation, green while current, grey once not.
    static func badgeSVG(_ r: PledgeRecognition) -> HTML {
        let (fill, state) = r.isCurrent ? ("#00703c", "Current pledge") : ("#505a5f", "Pledge year ended")
        let who = Components.shortened(r.organisationName, to: 30)
        return """
        <svg xmlns="http://www.w3.org/2000/svg" width="240" height="64" viewBox="0 0 240 64" role="img" aria-labelledby="t"><title id="t">\(r.title): \(r.organisationName). \(state).</title>\
        <rect width="240" height="64" rx="6" fill="\(fill)"/><text x="12" y="24" fill="#ffffff" font-family="Arial, sans-serif" font-size="16" font-weight="bold">\(r.title)</text>\
        <text x="12" y="42" fill="#ffffff" font-family="Arial, sans-serif" font-size="12">\(who)</text>\
        <text x="12" y="57" fill="#ffffff" font-family="Arial, sans-serif" font-size="11">\(state)</text></svg>
        """
    }
}
