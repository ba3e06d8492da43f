import Foundation
import HTTPServer
import Services
import Engine
import Domain

extension WebApp {
    static var pageRoutes: [Route] { publicRoutes + homeRoutes + serviceRoutes + signInRoutes + accountRoutes + contactRoutes + registrationRoutes + reportRoutes + openDataRoutes + dashboardRoutes + organisationRoutes + chairRoutes + measureRoutes + staffRoutes + messageRoutes + secretariatRoutes + boardRoutes + escalationManagementRoutes + referralRoutes + meetingRoutes + voiceRoutes + askRoutes + evidenceRoutes + youthReviewRoutes }

    static let publicRoutes: [Route] = [
        Route("GET", "/", .everyone, "Home", keep: true) { c in
            let wall = try c.app.wall()
            let bodies = try c.app.governance.bodies()
            let body: HTML = """
            <h1 class="govuk-heading-xl">The FLOURISH Pledge</h1>
            <p class="govuk-body-l">Organisations across \(c.app.partnership.name) each year pledge to do at least one new thing for children and young people, report what they delivered, and renew.</p>
            <div class="govuk-grid-row">
            <div class="govuk-grid-column-two-thirds">
            <h2 class="govuk-heading-m">\(wall.entries.count) current pledge\(wall.entries.count == 1 ? "" : "s")</h2>
            <p class="govuk-body"><a class="govuk-link" href="/pledges">See every pledge on the wall</a>, filtered by FLOURISH area, district or kind of organisation.</p>
            \(c.viewer.isSignedIn ? "<p class=\"govuk-body\">You are signed in: <a class=\"govuk-link\" href=\"/home\">see what needs you now</a>.</p>" as HTML
                                  : "<p class=\"govuk-body\">To make a pledge, <a class=\"govuk-link\" href=\"/register\">register your organisation</a>: it takes a few minutes, and then you can pledge, report and renew each year.</p>")
            <h2 class="govuk-heading-m">How the partnership works</h2>
            <p class="govuk-body">\(bodies.count) boards and groups, and how issues are escalated between them: <a class="govuk-link" href="/governance">the governance structure</a>.</p>
            </div></div>
            """
            return Layout.page(title: "Home", body: body, context: c)
        },
        Route("GET", "/pledges", .everyone, "The pledge wall, with filters and search", keep: true) { c in
            let q = c.request
            let filter = WallFilter(area: nonEmpty(q.queryValue("area")), kind: nonEmpty(q.queryValue("kind")), district: nonEmpty(q.queryValue("district")),
                                    theme: nil, search: nonEmpty(q.queryValue("q")))
            // A filter naming nothing there is (a hand-edited or old link) is shown as the form's
            // error, as GOV.UK shows a search form's, with no pledges until it is fixed.
            let wall: (entries: [WallEntry], countsByArea: [String: Int])
            var errors: [FieldError] = []
            do {
                wall = try c.app.wall(filter)
            } catch let refused as FilterError {
                errors = [FieldError(refused.field, "Choose \(refused.what) from the list; “\(refused.value)” is not one")]
                wall = ([], [:])
            }
            let areas = c.app.framework.areas.map { ($0.key, $0.name) }
            // Fifty to a page: a partnership with thousands of pledges still gets a page a phone can load.
            let perPage = 50
            let pageCount = max(1, (wall.entries.count + perPage - 1) / perPage)
            let asked = q.queryValue("page")
            guard let pageNumber = asked.map({ Int($0) }) ?? 1, (1...pageCount).contains(pageNumber) else {
                // A page that is not there is said so, not quietly replaced by another.
                return c.web.errorPage(.badRequest, "There is no such page of the pledge wall",
                                       "“page” should be a whole number from 1 to \(pageCount) for these filters, not “\(asked ?? "")”. The first page is at /pledges.",
                                       request: c.request, context: c)
            }
            let shown = wall.entries[min((pageNumber - 1) * perPage, wall.entries.count)..<min(pageNumber * perPage, wall.entries.count)]
            let cards = shown.map { e -> HTML in
                """
                <li class="app-card"><h3 class="govuk-heading-s app-card__title"><a class="govuk-link" href="/pledges/\(e.pledge.rawValue)">\(e.organisationName)</a></h3>
                <p class="govuk-body">\(e.text)</p>
                <p class="govuk-body-s app-card__meta">\(e.areas.map { a in areas.first { $0.0 == a }?.1 ?? a }.joined(separator: ", ")) · \(name(e.district, in: c.app.partnership.districts)) · pledged for \(e.pledgeYear)</p></li>
                """
            }
            let asks = try c.app.asks(includingClosed: false).prefix(3).map { v -> HTML in
                "<li><a class=\"govuk-link\" href=\"/asks/\(v.ask.id.rawValue)\">\(v.ask.title)</a>: \(v.pledges) \(v.pledges == 1 ? "pledge" : "pledges") so far</li>"
            }
            let body: HTML = """
            \(Components.errorSummary(errors))<h1 class="govuk-heading-l">Pledge wall</h1>
            \(asks.isEmpty ? "" : "<h2 class=\"govuk-heading-m\">What the partnership asks for</h2><ul class=\"govuk-list govuk-list--bullet\">\(asks)</ul><p class=\"govuk-body\"><a class=\"govuk-link\" href=\"/asks\">Every ask</a></p>" as HTML)
            <p class="govuk-body"><a class="govuk-link" href="/pledges/coverage">Where pledges are, and are not</a>: pledges by FLOURISH area and district.</p>
            <form method="get" action="/pledges" class="app-filter" role="search">
            \(Components.input("q", label: "Search pledges", value: filter.search, errors: errors, hint: "Words from the pledge or the organisation's name"))
            \(Components.select("area", label: "FLOURISH area", options: areas, selected: filter.area, errors: errors, blank: "Any area"))
            \(Components.select("district", label: "District", options: c.app.partnership.districts.map { ($0.key, $0.name) }, selected: filter.district, errors: errors, blank: "Any district"))
            \(Components.select("kind", label: "Kind of organisation", options: c.app.partnership.organisationKinds.map { ($0.key, $0.name) }, selected: filter.kind, errors: errors, blank: "Any kind"))
            \(Components.button("Show pledges", kind: "secondary"))
            </form>
            <h2 class="govuk-heading-m" id="results">\(wall.entries.count) pledge\(wall.entries.count == 1 ? "" : "s")</h2>
            \(pageCount > 1 ? "<p class=\"govuk-body-s\">Showing \((pageNumber - 1) * perPage + 1) to \((pageNumber - 1) * perPage + shown.count) of \(wall.entries.count).</p>" : "" as HTML)
            \(!errors.isEmpty ? "<p class=\"govuk-body\">Choose from the filters’ lists to see pledges.</p>" as HTML
              : wall.entries.isEmpty ? "<p class=\"govuk-body\">No pledges match. Try fewer filters.</p>" : "<ul class=\"app-card-list\">\(cards)</ul>" as HTML)
            \(Components.pagination(current: pageNumber, count: pageCount, label: "Pages of pledges") { page in
                "/pledges?" + ([("q", filter.search), ("area", filter.area), ("district", filter.district), ("kind", filter.kind)].compactMap { k, v in v.map { "\(k)=\(URLEncoding.encode($0))" } }
                               + (page > 1 ? ["page=\(page)"] : [])).joined(separator: "&") + "#results"
            })
            """
            return Layout.page(title: (errors.isEmpty ? "" : "Error: ") + "Pledge wall", body: body, context: c)
        },
        Route("GET", "/pledges/{id}", .everyone, "One pledge", keep: true) { c in
            let id = InstanceID(c.param("id"))
            guard let (record, sight) = try? c.app.record(id, for: c.viewer), let pledge = try? Pledge(record) else { return notFound(c) }
            let org = pledge.organisation
            let mayManage = sight == .whole
            let organisation = try c.app.organisation(org)
            var rows: [(String, HTML)] = [
                ("Organisation", "\(organisation.organisation.name)"),
                ("Pledge", "\(pledge.text)"),
                ("FLOURISH areas", "\(areaNames(pledge.areas, c.app))"),
            ]
            // Its theme and priority, as the open data gives them; its year's days once approved.
            if let theme = pledge.theme { rows.append(("Theme", "\(name(theme, in: c.app.partnership.pledges.themes))")) }
            if let priority = pledge.priority { rows.append(("Priority", "\(c.app.displayName("priority", priority))")) }
            let days = pledge.yearStarts.flatMap { starts in pledge.yearEnds.map { ": \(starts.inWords) to \($0.inWords)" } } ?? ""
            rows.append(("Pledge year", "\(pledge.pledgeYear.map(String.init) ?? "")\(days)"))
            rows.append(("Status", Components.stateTag(pledge.state)))
            // What the organisation has to do next and by when: for its contacts and the secretariat.
            if mayManage, pledge.state.awaitsItsReport, let due = pledge.reportDueOn {
                rows.append(("Report due by", "\(due.inWords)" + (pledge.state == .reportOverdue ? " <strong class=\"app-overdue\">Overdue</strong>" as HTML : "")))
            }
            if let outcome = pledge.outcome { rows.append(("Outcome", "\(outcome.replacingOccurrences(of: "-", with: " "))")) }
            if mayManage, pledge.state == .reported, let reached = pledge.reached {
                rows.append(("Children and young people reached", "\(reached)"))
            }
            if let evidence = pledge.evidence { rows.append(("What was delivered", "\(evidence)")) }
            if mayManage, let batch = try c.app.youthReview(of: id) {
                let given = batch.views[id.rawValue]
                let said: String = given.map { $0.view == "endorse" ? "Endorsed" + ($0.comment.map { ": \($0)" } ?? "") : "Comment: \($0.comment ?? "")" }
                    ?? (batch.isOpen ? "With the panel until \(batch.reviewBy?.inWords ?? "")" : "No view given")
                rows.append(("Youth panel (\(c.app.displayName("body", batch.panel)))", "\(said)"))
            }
            if let ask = pledge.ask.flatMap({ try? c.app.ask(RecordID(InstanceID($0))) }) {
                rows.append(("Answers the partnership’s ask", "<a class=\"govuk-link\" href=\"/asks/\(ask.id.rawValue)\">\(ask.title)</a>"))
            }
            var manage: HTML = ""
            if mayManage { manage = try PledgeActions.panel(for: pledge, context: c) }
            // A published pledge earns its certificate and a badge for the organisation's website.
            let recognition: HTML = (try? c.app.recognition(RecordID(id)))?.isPublic != true ? "" : "<p class=\"govuk-body\"><a class=\"govuk-link\" href=\"/pledges/\(id.rawValue)/certificate\">Certificate and website badge<span class=\"govuk-visually-hidden\"> for this pledge</span></a></p>"
            let evidence: HTML = mayManage ? try evidencePanel(c, id, heading: "Evidence of what was delivered") : ""
            let body: HTML = "<h1 class=\"govuk-heading-l\">\(organisation.organisation.name)’s pledge</h1>\(Components.summaryList(rows))\(recognition)\(manage)\(evidence)"
            return Layout.page(title: c.app.recordName(record), body: body, context: c, backLink: ("/pledges", "Back to the pledge wall"))
        },
        Route("GET", "/governance", .everyone, "The governance structure, drawn as a graph", keep: true) { c in
            let bodies = try c.app.governance.bodies()
            let list = bodies.map { b -> HTML in
                let parents = b.reportsTo.compactMap { p in bodies.first { $0.key == p }?.name }
                if b.kind == .participationGroup {
                    let to = b.worksWith.compactMap { w in bodies.first { $0.key == w }?.name }
                    return "<li><strong>\(b.name)</strong> (participation group) speaks to \(to.joined(separator: " and ")): <a class=\"govuk-link\" href=\"/groups/\(b.key)/voice\">you said, we did</a></li>"
                }
                return "<li><strong>\(b.name)</strong> (\(b.kind.inWords))\(parents.isEmpty ? "" : " reports to \(parents.joined(separator: " and "))")\(c.app.partnership.papersPublic.contains(b.key) ? ": <a class=\"govuk-link\" href=\"/groups/\(b.key)/meetings\">its meetings and papers</a>" as HTML : "")</li>"
            }
            let principles = try c.app.principleStatements().map { s -> HTML in
                let source: HTML
                switch s.provenance {
                case .strategy(let document, let section, let quote):
                    source = "\(Components.tag("From the strategy", colour: "green")) <blockquote class=\"govuk-inset-text\">“\(quote)”</blockquote><p class=\"govuk-body-s\">\(document): \(section)</p>"
                case .defaultToBeAgreed(let note):
                    source = "\(Components.tag(s.sourceInWords, colour: s.agreedOn == nil ? "yellow" : "green"))\(note.map { "<p class=\"govuk-body-s\">\($0)</p>" as HTML } ?? "")"
                }
                let says = s.says.map { "<p class=\"govuk-body\">\($0)</p>" as HTML }
                return "<h3 class=\"govuk-heading-s\">\(s.name)</h3>\(says)<div class=\"app-provenance\">\(source)</div>"
            }
            let body: HTML = """
            <h1 class="govuk-heading-l">How \(c.app.partnership.name) is governed</h1>
            <p class="govuk-body">Solid lines show who reports to whom; dashed lines show groups that work together. Issues are escalated up these lines.</p>
            <figure class="app-graph"><div class="app-graph__scroll" role="region" aria-label="The governance graph (scrolls sideways)" tabindex="0">\(GraphSVG.render(bodies: bodies, top: c.app.partnership.topBody))</div><figcaption class="govuk-body-s">The same structure is listed below.</figcaption></figure>
            <h2 class="govuk-heading-m">Boards and groups</h2><ul class="govuk-list govuk-list--bullet">\(list)</ul>
            <h2 class="govuk-heading-m">Escalation principles</h2>
            <p class="govuk-body">The strategy says the Strategic Alliance will set “an agreed set of principles that describe how and when issues are highlighted or escalated”. Each rule below says where it comes from: the strategy’s own words, or a default that Flourish uses until the partnership agrees its own.</p>
            <p class="govuk-body"><strong>\(c.app.principlesStanding(try c.app.principlesInForce())).</strong> An escalation keeps the version of the principles it started under.</p>
            \(principles)
            """
            return Layout.page(title: "Governance", body: body, context: c)
        },
    ]

    static func nonEmpty(_ s: String?) -> String? { s.flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0.trimmingCharacters(in: .whitespaces) } }

    static func name(_ key: String, in list: [NamedKey]) -> String { list.first { $0.key == key }?.name ?? key }

    static func areaNames(_ keys: [String], _ app: Flourish) -> String {
        keys.map { a in app.framework.areas.first { $0.key == a }?.name ?? a }.joined(separator: ", ")
    }

    static func notFound(_ c: Context) -> HTTPResponse {
        c.web.errorPage(.notFound, "Page not found", "If you followed a link, the record may have been withdrawn.", request: c.request, context: c)
    }
}

/// Draws the governance graph as SVG, top body first, each level a row; reporting lines solid,
/// working-with lines dashed. Names are escaped; every node links to nothing (the list below
/// the figure carries the same facts for screen readers).
enum GraphSVG {
    static func render(bodies: [GovernanceBody], top: String) -> HTML {
        var level: [String: Int] = [top: 0]
        for _ in 0..<bodies.count {  // the graph has no cycles, so this settles within that many rounds
            for b in bodies where b.key != top {
                if let deepest = b.reportsTo.compactMap({ level[$0] }).max() { level[b.key] = deepest + 1 }
            }
        }
        // Bodies with no line to the top (partners) sit on the last row but one; participation
        // groups, which speak to bodies rather than report to them, on the last.
        let lastRow = (level.values.max() ?? 0) + 1
        for b in bodies where level[b.key] == nil && b.kind != .participationGroup { level[b.key] = lastRow }
        for b in bodies where b.kind == .participationGroup { level[b.key] = lastRow + 1 }
        let rows = Dictionary(grouping: bodies, by: { level[$0.key] ?? lastRow }).sorted { $0.key < $1.key }
        // Drawn at its own size in CSS pixels (the figure scrolls sideways on a narrow screen),
        // so its 16 px names stay 16 px: never shrunk to fit, as they were, to 5 to 8 px.
        let boxW = 230.0, boxH = 76.0, gapX = 20.0, gapY = 56.0
        let widest = rows.map(\.value.count).max() ?? 1
        let width = Double(widest) * (boxW + gapX) + gapX
        var position: [String: (x: Double, y: Double)] = [:]
        for (r, (_, members)) in rows.enumerated() {
            let rowWidth = Double(members.count) * (boxW + gapX) - gapX
            for (i, b) in members.enumerated() {
                position[b.key] = ((width - rowWidth) / 2 + Double(i) * (boxW + gapX), gapX + Double(r) * (boxH + gapY))
            }
        }
        let height = gapX * 2 + Double(rows.count) * (boxH + gapY) - gapY
        var edges: [HTML] = [], drawn = Set<[String]>()
        for b in bodies {
            guard let from = position[b.key] else { continue }
            for p in b.reportsTo { if let to = position[p] { edges.append(line(from, to, boxW, boxH, dashed: false)) } }
            for w in b.worksWith where drawn.insert([b.key, w].sorted()).inserted {
                if let to = position[w] { edges.append(line(from, to, boxW, boxH, dashed: true)) }
            }
        }
        let nodes = bodies.compactMap { b -> HTML? in
            guard let p = position[b.key] else { return nil }
            let words = wrap(b.name, width: 24)
            let text = words.prefix(3).enumerated().map { i, w -> HTML in
                "<tspan x=\"\(fmt(p.x + boxW / 2))\" y=\"\(fmt(p.y + 22 + Double(i) * 20))\">\(w)</tspan>"
            }
            return "<g><rect class=\"app-graph__node app-graph__node--\(b.kind.rawValue)\" x=\"\(fmt(p.x))\" y=\"\(fmt(p.y))\" width=\"\(fmt(boxW))\" height=\"\(fmt(boxH))\" rx=\"4\"/><text class=\"app-graph__label\" text-anchor=\"middle\">\(text)</text></g>"
        }
        return """
        <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \(fmt(width)) \(fmt(height))" width="\(fmt(width))" height="\(fmt(height))" role="img" aria-labelledby="graph-title">
        <title id="graph-title">Governance structure: \(bodies.count) boards and groups and their reporting lines</title>\(edges)\(nodes)</svg>
        """
    }

    static func line(_ a: (x: Double, y: Double), _ b: (x: Double, y: Double), _ w: Double, _ h: Double, dashed: Bool) -> HTML {
        let (x1, y1, x2, y2): (Double, Double, Double, Double)
        if abs(a.y - b.y) < 1 { (x1, y1, x2, y2) = (a.x < b.x ? a.x + w : a.x, a.y + h / 2, a.x < b.x ? b.x : b.x + w, b.y + h / 2) }
        else { (x1, y1, x2, y2) = (a.x + w / 2, a.y, b.x + w / 2, b.y + h) }
        return "<path class=\"app-graph__edge\(HTML(raw: dashed ? " app-graph__edge--works-with" : ""))\" d=\"M\(fmt(x1)) \(fmt(y1)) L\(fmt(x2)) \(fmt(y2))\"/>"
    }

    static func wrap(_ text: String, width: Int) -> [String] {
        var lines: [String] = [], current = ""
        for word in text.split(separator: " ") {
            if current.isEmpty { current = String(word) } else if current.count + word.count + 1 <= width { current += " " + word } else { lines.append(current); current = String(word) }
        }
        if !current.isEmpty { lines.append(current) }
        if lines.count > 3 { lines = Array(lines.prefix(3)); lines[2] += "…" }
        return lines
    }

    static func fmt(_ d: Double) -> String { String(format: "%.0f", d) }
}
