import Foundation
import HTTPServer
import Services
import Engine
import Domain

extension WebApp {
    static let reportRoutes: [Route] = [
        Route("GET", "/reports", .everyone, "Published annual reports") { c in
            let years = try c.app.publishedReportYears()
            let list: HTML = years.isEmpty ? "<p class=\"govuk-body\">No annual report has been published yet.</p>"
                : "<ul class=\"govuk-list\">\(years.map { y -> HTML in "<li><a class=\"govuk-link\" href=\"/reports/\(y)\">Annual report \(y)</a></li>" })</ul>"
            let manage: HTML = c.viewer.person == nil ? "" : "<p class=\"govuk-body\"><a class=\"govuk-link\" href=\"/annual-report\">Reports being written</a></p>"
            let body: HTML = """
            <h1 class="govuk-heading-l">Annual reports</h1>
            <p class="govuk-body">Each year the partnership publishes a report of what was pledged and delivered, how its priorities went, and where need is greatest. A published report never changes.</p>
            \(list)\(manage)
            """
            return Layout.page(title: "Annual reports", body: body, context: c)
        },
        Route("GET", "/reports/{year}", .everyone, "A published annual report") { c in
            guard let year = Int(c.param("year")), let published = try? c.app.publishedReport(year: year) else { return notFound(c) }
            let downloads: HTML = "<p class=\"govuk-body\">Download the figures: <a class=\"govuk-link\" href=\"/reports/\(year)/data.csv\">CSV</a> or <a class=\"govuk-link\" href=\"/reports/\(year)/data.json\">JSON</a>.</p>"
            return Layout.page(title: "Annual report \(year)", body: ReportHTML.body(published.content, published: published, time: c.app.time) + downloads, context: c, backLink: ("/reports", "Back to annual reports"))
        },
        Route("GET", "/reports/{year}/data.csv", .everyone, "A published annual report's figures as CSV") { c in
            guard let year = Int(c.param("year")), let published = try? c.app.publishedReport(year: year) else { return notFound(c) }
            return download(CSV.write(published.content.csvRows()), type: "text/csv; charset=utf-8", name: "annual-report-\(year).csv")
        },
        Route("GET", "/reports/{year}/data.json", .everyone, "A published annual report's figures as JSON") { c in
            guard let year = Int(c.param("year")), let published = try? c.app.publishedReport(year: year) else { return notFound(c) }
            return download(try published.content.prettyJSON(), type: "application/json", name: "annual-report-\(year).json")
        },
        Route("GET", "/annual-report", .signedIn, "Annual reports being written: sections, compiling, approval and publishing") { c in
            try annualReportPage(c, errors: [])
        },
        Route("GET", "/annual-report/{year}/draft", .signedIn, "The annual report as compiled so far, with today's figures") { c in
            guard let year = Int(c.param("year")), c.app.reportYears.contains(year), try c.app.annualReportStatus(year: year) != nil else { return notFound(c) }
            let report = try c.app.annualReport(year: year, for: c.viewer)
            return Layout.page(title: "Draft annual report \(year)", body: "<div class=\"govuk-warning-text\"><strong class=\"govuk-warning-text__text\">A draft: the figures are today’s and change until the report is published.</strong></div>" + ReportHTML.body(report, time: c.app.time),
                               context: c, backLink: ("/annual-report", "Back to annual reports being written"))
        },
        Route("POST", "/annual-report", .secretariat, "Start a year's annual report") { c in
            var errors: [FieldError] = []
            let year = c.field("year").flatMap(Int.init), due = c.field("sectionsDueOn").flatMap(CalendarDay.init)
            if year == nil { errors.append(FieldError("year", "Enter the report's year, such as \(c.app.time.day(of: c.now).year)")) }
            if due == nil { errors.append(FieldError("sectionsDueOn", "Enter the sections' deadline as a date, such as 2027-04-30")) }
            guard let year, let due, errors.isEmpty else { return try annualReportPage(c, errors: errors, status: .unprocessableContent) }
            do {
                let s = try c.app.startAnnualReport(year: year, sectionsDueOn: due, statementsFrom: c.fields("statementsFrom"), by: c.person)
                return c.redirect("/annual-report", confirming: "The \(year) annual report is started: \(s.sections.count) groups are asked for their sections by \(due.inWords).")
            } catch let e as ReportError {
                return try annualReportPage(c, errors: [FieldError(e == .alreadyStarted(year: year, state: "") ? "year" : "sectionsDueOn", e.localizedDescription)], status: .unprocessableContent)
            } catch let e as VoiceError {
                return try annualReportPage(c, errors: [FieldError("statementsFrom", e.localizedDescription)], status: .unprocessableContent)
            }
        },
        Route("POST", "/annual-report/{year}/sections/{group}", .chair, "Submit a group's section of the annual report") { c in
            guard let year = Int(c.param("year")) else { return notFound(c) }
            let group = c.param("group")
            guard let text = c.field("text-\(group)") else { return try annualReportPage(c, errors: [FieldError("text-\(group)", "Write the group's section before submitting it")], status: .unprocessableContent) }
            do {
                _ = try c.app.submitReportSection(year: year, group: group, text: text, by: c.person)
            } catch {
                guard let message = said(error, c) ?? formError(error) else { throw error }
                return try annualReportPage(c, errors: [FieldError("text-\(group)", message)], status: .unprocessableContent)
            }
            return c.redirect("/annual-report", confirming: "Thank you: the section is in.")
        },
        Route("POST", "/annual-report/{year}/{step}", .signedIn, "Compile, approve, send back or publish an annual report") { c in
            guard let year = Int(c.param("year")), ["compile", "approve", "return", "publish"].contains(c.param("step")) else { return notFound(c) }
            let step = c.param("step")
            do {
                switch step {
                case "compile": _ = try c.app.compileAnnualReport(year: year, by: c.person)
                case "approve", "return":
                    if step == "return" && c.field("note") == nil {
                        return try annualReportPage(c, errors: [FieldError("note", "Say what should change")], status: .unprocessableContent)
                    }
                    _ = try c.app.decideAnnualReport(year: year, approve: step == "approve", note: c.field("note"), by: c.person)
                default:
                    _ = try c.app.publishAnnualReport(year: year, by: c.person)
                    return c.redirect("/reports/\(year)", confirming: "The \(year) annual report is published. It will not change again.")
                }
            } catch {
                guard let message = said(error, c) ?? formError(error) else { throw error }
                return try annualReportPage(c, errors: [FieldError("report-\(year)", message)], status: .unprocessableContent)
            }
            let done = ["compile": "The report is compiled and waits for the Alliance's approval.", "approve": "The report is approved; the secretariat can publish it.",
                        "return": "The report is sent back for changes."]
            return c.redirect("/annual-report", confirming: done[step] ?? "Done.")
        },
    ]

    static func download(_ text: String, type: String, name: String) -> HTTPResponse {
        HTTPResponse(.ok, headers: HTTPHeaders([("Content-Type", type), ("Content-Disposition", "attachment; filename=\"\(name)\"")]), body: Array(text.utf8))
    }

    /// Each report being written, with the forms the viewer may use now.
    static func annualReportPage(_ c: Context, errors: [FieldError], status: HTTPStatus = .ok) throws -> HTTPResponse {
        let app = c.app
        let bodies = try app.governance.bodies()
        func name(_ key: String) -> String { bodies.first { $0.key == key }?.name ?? key }
        var parts: [HTML] = [Components.errorSummary(errors), "<h1 class=\"govuk-heading-l\">Annual reports being written</h1>"]
        let reports = try app.annualReports()
        if reports.isEmpty { parts.append("<p class=\"govuk-body\">No annual report has been started.</p>") }
        for s in reports {
            parts.append("<h2 class=\"govuk-heading-m\" id=\"report-\(s.year)\">\(s.year) report \(Components.stateTag(s.report.state))</h2>")
            parts.append("<p class=\"govuk-body\">Sections \(s.sectionsDeadlineHasPassed ? "were due" : "due by") \(CalendarDay(s.sectionsDueOn)?.inWords ?? s.sectionsDueOn).\(s.report.state == .published ? " <a class=\"govuk-link\" href=\"/reports/\(s.year)\">Read the published report</a>." as HTML : "")</p>")
            parts.append(Components.table(caption: "Groups’ sections", headers: ["Group", "Section"],
                                          rows: s.sections.map { ["\(name($0.group))", Components.stateTag($0.state)] }))
            for section in s.sections where app.policy.chairs(group: section.group, viewer: c.viewer) && s.report.state != .published {
                // Evidence with the section (chairs add it here; the secretariat with `flourish evidence attach`).
                parts.append(try evidencePanel(c, section.id.instance, heading: "Evidence for \(name(section.group))’s section"))
            }
            for section in s.sections where [.requested, .missed].contains(section.state) && app.mayStillSubmit(section, of: s) {
                let group = section.group
                guard app.policy.chairs(group: group, viewer: c.viewer) else { continue }
                parts.append("""
                <form method="post" action="/annual-report/\(s.year)/sections/\(group)" novalidate>\(c.csrfField)
                \(Components.textarea("text-\(group)", label: "\(name(group)): your section", value: c.typed("text-\(group)"), errors: errors,
                                      hint: "What the group did this year, what changed for children and young people, and what is next.", rows: 6))
                \(Components.button("Submit the section"))</form>
                """)
            }
            let available = (try? app.eventsOpen(on: s.report.id, for: c.viewer)) ?? []
            if available.contains("compile") && s.report.state == .collecting {
                parts.append("<form method=\"post\" action=\"/annual-report/\(s.year)/compile\" novalidate>\(c.csrfField)\(Components.button("Compile the report"))</form>")
            }
            if s.report.state == .compiled {
                parts.append("<p class=\"govuk-body\"><a class=\"govuk-link\" href=\"/annual-report/\(s.year)/draft\">Read the compiled report</a></p>")
                if available.contains("approve") {
                    parts.append("<form method=\"post\" action=\"/annual-report/\(s.year)/approve\" novalidate>\(c.csrfField)\(Components.button("Approve the report"))</form>")
                    parts.append("<form method=\"post\" action=\"/annual-report/\(s.year)/return\" novalidate>\(c.csrfField)\(Components.textarea("note", label: "What should change?", value: c.typed("note"), errors: errors, rows: 3))\(Components.button("Send it back", kind: "secondary"))</form>")
                }
            }
            if available.contains("publish") {
                parts.append("<form method=\"post\" action=\"/annual-report/\(s.year)/publish\" novalidate>\(c.csrfField)\(Components.button("Publish the report"))</form>")
            }
        }
        if c.viewer.isSecretariat {
            parts.append("""
            <h2 class="govuk-heading-m">Start a year’s report</h2>
            <form method="post" action="/annual-report" novalidate>\(c.csrfField)
            \(Components.input("year", label: "Year", value: c.field("year"), errors: errors, width: "4"))
                \(Components.input("sectionsDueOn", label: "Sections due on", value: c.field("sectionsDueOn"), errors: errors, hint: "A date such as 2027-04-30. Each group’s chair is asked now and reminded a week before.", width: "10"))
            \(Components.choices("statementsFrom", legend: "Ask for young people’s own statement from (optional)", options: try c.app.participationGroups().map { ($0.key, $0.name) },
                                 selected: c.fields("statementsFrom"), errors: errors, hint: "Each group’s statement is printed first, and the Alliance approves the report only once it is in. With the youth review on, its panel is asked anyway."))
            \(Components.button("Ask the groups for their sections"))</form>
            """)
        }
        return Layout.page(title: errors.isEmpty ? "Annual reports being written" : "Error: Annual reports being written", body: HTML.join(parts), context: c, status: status)
    }
}
