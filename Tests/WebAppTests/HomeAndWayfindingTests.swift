import Foundation
import Testing
@testable import WebApp
import HTTPServer
@_spi(Harness) import Services
import Engine

/// Each person's home after signing in, and links only to pages the viewer may open.
@Suite(.serialized) struct HomeAndWayfindingTests {
    /// The demo's people, one of each kind.
    static let people = ["sam", "erin", "ann", "bea", "contact-1"]

    /// Every link inside a page's main content.
    static func links(in page: String) -> [String] {
        guard let main = page.range(of: "<main"), let end = page.range(of: "</main>") else { return [] }
        let text = page[main.lowerBound..<end.lowerBound]
        var found: [String] = []
        var rest = text[...]
        while let r = rest.range(of: "href=\"") {
            let href = rest[r.upperBound...].prefix { $0 != "\"" }
            if href.hasPrefix("/") { found.append(String(href).replacingOccurrences(of: "&amp;", with: "&")) }
            rest = rest[r.upperBound...]
        }
        return found
    }

    @Test func signingInLandsOnYourHomeNotThePublicFrontPage() throws {
        let f = try WebFixture()
        let b = WebFixture.Browser(f.web)
        try b.get("/sign-in")
        let r = try b.post("/sign-in", [("person", "sam"), ("password", Flourish.demoPassword)])
        #expect(r.status.code == 303)
        #expect(r.headers["Location"] == "/home")
        let home = try b.get("/home").text
        #expect(home.contains("What needs you now"))
        #expect(!home.contains("register your organisation"))
        // Sent to sign in from a page, they go back to it.
        let other = WebFixture.Browser(f.web)
        try other.get("/sign-in?next=/review")
        #expect(try other.post("/sign-in", [("person", "sam"), ("password", Flourish.demoPassword), ("next", "/review")]).headers["Location"] == "/review")
        // The public front page, signed in, points home instead of asking them to register.
        let front = try b.get("/").text
        #expect(front.contains("href=\"/home\""))
        #expect(!front.contains("register your organisation"))
    }

    @Test func theSecretariatsHomeCountsWhatWaitsForIt() throws {
        let f = try WebFixture()
        let b = WebFixture.Browser(f.web)
        try b.signIn("sam")
        let waiting = try f.app.pledgesAwaitingReview().count
        #expect(waiting > 0, "the demo has pledges waiting for review")
        let home = try b.get("/home").text
        #expect(home.contains("The Alliance secretariat"))
        #expect(home.contains("<a class=\"govuk-link\" href=\"/review\">\(waiting) pledge\(waiting == 1 ? " is" : "s are") waiting for review</a>"))
        // Once every pledge is reviewed, that line goes.
        for pledge in try f.app.pledgesAwaitingReview() {
            _ = try f.app.approvePledge(pledge.id, comment: nil, expectedVersion: nil, by: "sam")
        }
        #expect(!(try b.get("/home").text.contains("waiting for review")))
    }

    @Test func aChairsHomeNamesTheirOverdueActionsAndAContactsTheirPledges() throws {
        let f = try WebFixture()
        let viewer = try f.app.viewer(forOperator: "erin")
        let group = try #require(try f.app.policy.groupsRun(by: viewer).first)
        // A year on, every open action of the group is overdue.
        f.clock.advance(bySeconds: 400 * 86_400)
        let overdue = try f.app.actions(ActionFilter(group: group.key), for: viewer).filter(\.isOverdue).count
        #expect(overdue > 0)
        let chair = WebFixture.Browser(f.web)
        try chair.signIn("erin")
        let home = try chair.get("/home").text
        #expect(home.contains("Chair of \(group.name)"))
        #expect(home.contains("\(overdue) action\(overdue == 1 ? " is" : "s are") overdue"))
        #expect(home.contains("Overdue</strong>"))

        let contact = WebFixture.Browser(f.web)
        try contact.signIn("contact-1")
        let organisation = try #require(try f.app.organisationKeys(contactedBy: "contact-1").first)
        let page = try contact.get("/home").text
        #expect(page.contains(try f.app.organisation(organisation).organisation.name))
        #expect(!page.contains("The Alliance secretariat"))
        #expect(!page.contains("Chair of"))
    }

    /// The defect: a contact's dashboard drill-down linked to group and action pages they get
    /// 403 for. Every link on every signed-in person's home, dashboard and drill-downs opens.
    @Test func pagesLinkOnlyToPagesTheViewerMayOpen() throws {
        let f = try WebFixture()
        for person in Self.people {
            let b = WebFixture.Browser(f.web)
            try b.signIn(person)
            var pages = ["/home", "/dashboard"]
            pages += f.app.framework.priorities.map { "/dashboard/priorities/\($0.key)" }
            pages += f.app.framework.areas.prefix(3).map { "/dashboard/areas/\($0.key)" }
            var checked = Set<String>()
            for page in pages {
                let r = try b.get(page)
                #expect(r.status.code == 200, "\(person) opens \(page)")
                for link in Self.links(in: r.text) where !checked.contains(link) && !link.hasSuffix(".ics") {
                    checked.insert(link)
                    let target = try b.get(link)
                    #expect(![401, 403, 404].contains(target.status.code), "\(person) is offered \(link) on \(page) but gets \(target.status.code)")
                }
            }
            #expect(checked.count > 3, "\(person) has links to follow")
        }
    }
}

/// Drawings whose words stay readable on a narrow screen (the defect: the governance graph's
/// names at 5 to 8 px, the dashboard chart's labels at about 6 px at 320 px wide).
@Suite struct ReadableDrawingsTests {
    @Test func theGovernanceGraphIsDrawnAtItsOwnSizeAndScrollsRatherThanShrinking() throws {
        let f = try WebFixture()
        let page = try WebFixture.Browser(f.web).get("/governance").text
        let svg = try #require(page.range(of: "<svg").map { String(page[$0.lowerBound...].prefix { $0 != ">" }) })
        let viewBox = try #require(svg.range(of: "viewBox=\"0 0 ").map { svg[$0.upperBound...].prefix { $0 != "\"" }.split(separator: " ") })
        #expect(svg.contains("width=\"\(viewBox[0])\"") && svg.contains("height=\"\(viewBox[1])\""), "one unit of the drawing is one CSS pixel")
        #expect(page.contains("<div class=\"app-graph__scroll\" role=\"region\" aria-label=\"The governance graph (scrolls sideways)\" tabindex=\"0\">"))
        let css = try String(contentsOf: repositoryRoot.appendingPathComponent("Web/static/flourish.css"), encoding: .utf8)
        #expect(css.contains(".app-graph__label { font-size: 16px;"))
    }

    @Test func theDashboardChartsLabelsAreTextAtThePagesSize() throws {
        let f = try WebFixture()
        let b = WebFixture.Browser(f.web)
        try b.signIn("sam")
        let page = try b.get("/dashboard").text
        let chart = try #require(page.range(of: "<figure class=\"app-chart\">").flatMap { r in page[r.lowerBound...].range(of: "</figure>").map { String(page[r.lowerBound..<$0.upperBound]) } })
        #expect(!chart.contains("<text"), "no words inside the drawing, where they would shrink with it")
        for area in f.app.framework.areas { #expect(chart.contains("<span class=\"app-bars__label\">\(area.name)</span>")) }
    }
}

/// The escalation principles say where each comes from (the defect: defaults nowhere in the
/// strategy were shown as Norfolk's own under "Escalation principles").
@Suite struct PrinciplesProvenanceTests {
    @Test func eachPrincipleOnTheGovernancePageSaysWhereItComesFrom() throws {
        let f = try WebFixture()
        let page = try WebFixture.Browser(f.web).get("/governance").text
        let stops = try #require(page.range(of: "<h3 class=\"govuk-heading-s\">Where escalation stops</h3>").map { String(page[$0.upperBound...].prefix(1200)) })
        #expect(stops.contains("Escalation stops at Children and Young People Strategic Alliance."))
        #expect(stops.contains("From the strategy") && stops.contains("<blockquote class=\"govuk-inset-text\">“An agreed set of principles that describe how and when issues are highlighted or escalated to the Strategic Alliance"))
        let response = try #require(page.range(of: "<h3 class=\"govuk-heading-s\">How long each body has to respond</h3>").map { String(page[$0.upperBound...].prefix(900)) })
        #expect(response.contains("Default, to be agreed") && !response.contains("From the strategy"))
        #expect(page.contains("High: goes straight to Children and Young People Strategic Alliance; each body has at most 5 working days to respond."))
        #expect(page.contains("Health Overview and Scrutiny Committee and Norfolk Health and Wellbeing Board receive escalations in reports; they take no operational decision."))
        #expect(!page.contains("A body that misses its response deadline passes the issue on to the body above it."), "the old, unsourced wording is gone")
    }
}
