import Foundation
import Testing
@testable import WebApp
import HTTPServer
@_spi(Harness) import Services
import Engine

/// The annual report through the pages: the secretariat starts it, a chair writes a section,
/// the deadline passes, it is compiled, approved by the Alliance's chair and published for all.
@Suite(.serialized) struct ReportPagesTests {
    @Test func theAnnualReportIsWrittenApprovedAndPublishedThroughThePages() throws {
        let f = try WebFixture()
        let sam = WebFixture.Browser(f.web), erin = WebFixture.Browser(f.web), ann = WebFixture.Browser(f.web), visitor = WebFixture.Browser(f.web)
        // The demo publishes last year's report; this year's is not started.
        let listed = try visitor.get("/reports").text
        #expect(listed.contains("href=\"/reports/2025\"") && !listed.contains("href=\"/reports/2026\""))
        #expect(try visitor.get("/reports/2026").status.code == 404)
        // Issue 21: the demo's published report counts the children and young people its pledges
        // reached and prints young people's own statement first.
        let demoReport = try visitor.get("/reports/2025").text
        #expect(demoReport.contains("Children and young people reached</dt><dd class=\"govuk-summary-list__value\">35<"))
        #expect(demoReport.contains("In young people’s own words: Mental Health Participation Group"))
        let statementAt = try #require(demoReport.range(of: "In young people’s own words")).lowerBound
        #expect(demoReport.range(of: "Early Prevention Board</h3>").map { statementAt < $0.lowerBound } == true, "the statement comes before the groups' sections")

        try sam.signIn("sam")
        try sam.get("/annual-report")
        let bad = try sam.post("/annual-report", [("year", "2026"), ("sectionsDueOn", "soon")])
        #expect(bad.status.code == 422 && bad.text.contains("<a href=\"#sectionsDueOn\">Enter the sections&#x27; deadline as a date"))
        let started = try sam.post("/annual-report", [("year", "2026"), ("sectionsDueOn", "2026-12-15")])
        #expect(started.status.code == 303)
        let startedPage = try sam.get("/annual-report").text
        #expect(startedPage.contains("The 2026 annual report is started: 8 groups are asked for their sections by 15 December 2026."))
        // A year still collecting says when sections are due; a published one that they were
        // (it said "Sections due" beside "Read the published report").
        #expect(startedPage.contains("Sections due by 15 December 2026."))
        let demoYear = startedPage.components(separatedBy: "id=\"report-2025\"").last ?? ""
        #expect(demoYear.contains("<p class=\"govuk-body\">Sections were due ") && !demoYear.contains("Sections due by"), "the demo's published 2025 report")

        try erin.signIn("erin")
        let page = try erin.get("/annual-report")
        #expect(page.text.contains("action=\"/annual-report/2026/sections/early-prevention-board\""))
        #expect(!page.text.contains("action=\"/annual-report/2026/compile\""), "only the secretariat compiles")
        let empty = try erin.post("/annual-report/2026/sections/early-prevention-board", [])
        #expect(empty.status.code == 422 && empty.text.contains("Write the group&#x27;s section before submitting it"))
        #expect(try erin.post("/annual-report/2026/sections/early-prevention-board", [("text-early-prevention-board", "Two family hubs opened <script>alert(1)</script>")]).status.code == 303)

        try sam.get("/annual-report")
        let tooEarly = try sam.post("/annual-report/2026/compile", [])
        #expect(tooEarly.status.code == 422 && tooEarly.text.contains("sections are still awaited"))
        f.clock.set(f.app.time.parse("2026-12-17T09:00")!)
        _ = try f.app.engine.tick()
        try sam.signIn("sam")  // weeks later: a new session
        try sam.get("/annual-report")
        #expect(try sam.post("/annual-report/2026/compile", []).status.code == 303)
        #expect(try sam.get("/annual-report/2026/draft").text.contains("A draft: the figures are today’s"))

        try ann.signIn("ann")
        try ann.get("/annual-report")
        let approved = try ann.post("/annual-report/2026/approve", [])
        #expect(approved.status.code == 303, "\(approved.status.code) \(approved.text.components(separatedBy: "govuk-error-summary__list").last?.prefix(300) ?? "")")
        try sam.get("/annual-report")
        let published = try sam.post("/annual-report/2026/publish", [])
        #expect(published.status.code == 303 && published.headers["Location"] == "/reports/2026")

        let afterwards = try sam.get("/annual-report").text
        #expect(afterwards.contains("Sections were due 15 December 2026. <a class=\"govuk-link\" href=\"/reports/2026\">Read the published report</a>."))
        #expect(!afterwards.contains("Sections due by"))
        let report = try visitor.get("/reports/2026")
        #expect(report.status.code == 200)
        #expect(report.text.contains("Annual report 2026") && report.text.contains("Needs assessment"))
        #expect(report.text.contains("Two family hubs opened &lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(!report.text.contains("<script>alert(1)"))
        let csv = try visitor.get("/reports/2026/data.csv")
        #expect(csv.headers["Content-Type"] == "text/csv; charset=utf-8" && csv.text.hasPrefix("section,key,name,figure,value\r\n"))
        let api = try visitor.get("/api/v1/reports/published/2026")
        let digest = try JSONValue.parse(api.text)["digest"]?.stringValue
        #expect(digest?.count == 64 && report.text.contains(digest!))
        #expect(try visitor.get("/api/v1/reports/published").text.contains("2026"))
        #expect(try visitor.get("/api/v1/reports/annual?year=2026").status.code == 401, "live figures are for people signed in")
        #expect(try sam.get("/api/v1/reports/annual?year=2026&asOf=yesterday").status.code == 422)
    }
}

@Suite struct ReportMeasuresTableTests {
    /// The defect: the published report's measures named areas by key and ran figures into
    /// their units ("1450assessments").
    @Test func measuresAreNamedByAreaAndFiguresKeepTheirUnitsApart() throws {
        let f = try WebFixture()
        let page = try WebFixture.Browser(f.web).get("/reports/2025").text
        let table = try #require(page.range(of: "id=\"measures\"").map { String(page[$0.lowerBound...].prefix(6000)) })
        for area in f.app.framework.areas { #expect(!table.contains(">\(area.key)<"), "area \(area.key) by name") }
        #expect(table.range(of: "[0-9][a-z]", options: .regularExpression) == nil, "a space between a figure and a word unit")
    }
}
