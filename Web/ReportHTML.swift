import Foundation
public import Services
public import Engine

/// The annual report as HTML: the web page's body, and a standalone document for
/// `flourish report annual --format html`. Charts are SVG with the same figures in tables.
public enum ReportHTML {
    /// The report's body: headings, tables and bar charts.
    static func body(_ r: AnnualReport, published: PublishedReport? = nil, time: PartnershipTime) -> HTML {
        func day(_ text: String) -> String { CalendarDay(text)?.inWords ?? text }
        var parts: [HTML] = []
        parts.append("""
        <span class="govuk-caption-l">\(r.partnership)</span>
        <h1 class="govuk-heading-xl">Annual report \(r.year)</h1>
        <p class="govuk-body">For \(day(r.yearStarts)) to \(day(r.yearEnds)). Figures as of \(time.parse(r.asOf).map(time.inWords) ?? r.asOf).</p>
        """)
        if let published {
            parts.append("<p class=\"govuk-body-s\">Published \(time.inWords(published.publishedAt)). SHA-256 of this report’s canonical JSON: <code class=\"app-digest\">\(published.digest)</code></p>")
        }
        let t = r.totals
        parts.append("<h2 class=\"govuk-heading-l\" id=\"totals\">The partnership</h2>")
        parts.append(Components.summaryList([
            ("Pledges made", "\(t.pledges.made)"), ("Pledges approved", "\(t.pledges.approved)"),
            ("Delivered / partly / not delivered", "\(t.pledges.delivered) / \(t.pledges.partlyDelivered) / \(t.pledges.notDelivered)"),
            ("Children and young people reached", "\(t.pledges.reached.map(String.init) ?? "none reported yet")"),
            ("Organisations pledging", "\(t.pledgingOrganisations)"),
            ("Actions (completed, overdue)", "\(t.actions.total) (\(t.actions.completed) completed, \(t.actions.overdue) overdue)"),
            ("Measures red / amber / green", "\(t.redMeasures) / \(t.amberMeasures) / \(t.greenMeasures) of \(t.measures)"),
            ("Escalations raised, resolved, still open", "\(t.escalations.raised), \(t.escalations.resolved), \(t.escalations.stillOpen)"),
        ]))

        parts.append("<h2 class=\"govuk-heading-l\" id=\"areas\">The eight FLOURISH areas</h2>")
        parts.append(barChart(title: "Pledges made in each area", bars: r.areas.map { ($0.name, $0.pledges.made) }))
        parts.append(Components.table(caption: "Pledges, actions and escalations by area",
                                      headers: ["Area", "Pledges made", "Approved", "Delivered", "Partly", "Not delivered", "Reached", "Actions", "Red", "Overdue", "Escalations raised"],
                                      rows: r.areas.map { a in
                                          ["\(a.name)", "\(a.pledges.made)", "\(a.pledges.approved)", "\(a.pledges.delivered)", "\(a.pledges.partlyDelivered)", "\(a.pledges.notDelivered)",
                                           "\(a.pledges.reached ?? 0)", "\(a.actions.total)", "\(a.actions.red)", "\(a.actions.overdue)", "\(a.escalations.raised)"]
                                      }, numeric: Set(1...10)))
        if let districts = r.districts?.filter({ $0.pledges.made > 0 }), !districts.isEmpty {
            parts.append(Components.table(caption: "Pledges and children and young people reached, by district (each pledge once)", headers: ["District", "Made", "Approved", "Delivered", "Reached"],
                                          rows: districts.map { ["\($0.name)", "\($0.pledges.made)", "\($0.pledges.approved)", "\($0.pledges.delivered)", "\($0.pledges.reached ?? 0)"] }, numeric: [1, 2, 3, 4]))
        }
        for a in r.areas where a.pledges.made > 0 {
            let kinds = a.pledgesByKind.filter { $0.pledges.made > 0 }, districts = a.pledgesByDistrict.filter { $0.pledges.made > 0 }
            parts.append(Components.table(caption: "\(a.name): pledges by kind of organisation and district", headers: ["Kind or district", "Made", "Approved", "Delivered", "Reached"],
                                          rows: (kinds + districts).map { ["\($0.name)", "\($0.pledges.made)", "\($0.pledges.approved)", "\($0.pledges.delivered)", "\($0.pledges.reached ?? 0)"] }, numeric: [1, 2, 3, 4]))
        }

        parts.append("<h2 class=\"govuk-heading-l\" id=\"priorities\">The strategy’s priorities</h2>")
        parts.append(Components.table(caption: "Actions by priority and RAG", headers: ["Priority", "Actions", "Red", "Amber", "Green", "No update", "Completed", "Overdue", "Red measures"],
                                      rows: r.priorities.map { p in
                                          ["\(p.name)", "\(p.actions.total)", "\(p.actions.red)", "\(p.actions.amber)", "\(p.actions.green)", "\(p.actions.noUpdate)",
                                           "\(p.actions.completed)", "\(p.actions.overdue)", "\(p.redMeasures)"]
                                      }, numeric: Set(1...8)))

        parts.append("<h2 class=\"govuk-heading-l\" id=\"measures\">Measures against their targets</h2>")
        parts.append(r.measures.isEmpty ? "<p class=\"govuk-body\">No measures were tracked this year.</p>"
                     : Components.table(caption: "Measures", headers: ["Measure", "Area", "Baseline", "Target", "Latest", "RAG", "Trend"],
                                        rows: r.measures.map { m in
                                            // A figure with its unit: "72%", "1450 assessments".
                                            func figure(_ n: Double) -> String { AnnualReport.number(n) + (m.unit == "%" || m.unit.isEmpty ? m.unit : " " + m.unit) }
                                            return ["\(m.name)", "\(r.areas.first { $0.key == m.area }?.name ?? m.area)", "\(figure(m.baseline))", "\(figure(m.target))",
                                                    "\(m.latest.map(figure) ?? "none") \(m.latestPeriod.map { "(\($0))" } ?? "")", Components.rag(m.rag == "no value" ? nil : m.rag), "\(m.trend)"]
                                        }))

        parts.append("<h2 class=\"govuk-heading-l\" id=\"escalations\">Escalations at each level</h2>")
        parts.append(r.escalationLevels.isEmpty ? "<p class=\"govuk-body\">No escalations reached any level this year.</p>"
                     : Components.table(caption: "Escalation reviews by body", headers: ["Body", "Opened", "Decided", "Still open", "Median working days to resolve"],
                                        rows: r.escalationLevels.map { l in
                                            ["\(l.name)", "\(l.opened)", "\(l.decided)", "\(l.stillOpen)", "\(l.medianWorkingDaysToResolve.map(AnnualReport.number) ?? "none decided")"]
                                        }, numeric: [1, 2, 3, 4]))

        parts.append("<h2 class=\"govuk-heading-l\" id=\"needs\">Needs assessment</h2>")
        parts.append("<p class=\"govuk-body\">Ranked by red measures, then overdue actions, then fewest pledges: the first are most in need.</p>")
        for (title, lines) in [("Areas most in need", r.needs.areas), ("Priorities most in need", r.needs.priorities)] {
            parts.append(Components.table(caption: title, headers: ["Rank", "Name", "Red measures", "Overdue actions", "Pledges"],
                                          rows: lines.enumerated().map { i, n in ["\(i + 1)", "\(n.name)", "\(n.redMeasures)", "\(n.overdueActions)", "\(n.pledges)"] }, numeric: [0, 2, 3, 4]))
        }

        parts.append("<h2 class=\"govuk-heading-l\" id=\"sections\">From the groups</h2>")
        if r.sections.isEmpty { parts.append("<p class=\"govuk-body\">No sections were asked for.</p>") }
        for s in r.sections {
            parts.append(s.youthStatement == true ? "<h3 class=\"govuk-heading-m\">In young people’s own words: \(s.name)</h3>" : "<h3 class=\"govuk-heading-m\">\(s.name)</h3>")
            if let text = s.text {
                parts.append(HTML.join(text.components(separatedBy: "\n\n").map { "<p class=\"govuk-body\">\($0)</p>" }))
            } else {
                parts.append("<p class=\"govuk-body\">\(Components.tag(s.status == "missing" ? "Missing" : "Awaited", colour: "grey")) This group’s section \(s.status == "missing" ? "was not received by the deadline" : "is not in yet").</p>")
            }
        }
        return HTML.join(parts, separator: "\n")
    }

    /// A horizontal bar chart drawn by the server: the labels and figures are text at the
    /// page's own size (never scaled down with a drawing on a narrow screen), each bar a small
    /// SVG. Hidden from screen readers, which read the table that follows it.
    static func barChart(title: String, bars: [(label: String, value: Int)]) -> HTML {
        let maximum = max(bars.map(\.value).max() ?? 1, 1)
        let rows = bars.map { bar -> HTML in
            let share = bar.value == 0 ? 0.5 : max(Double(bar.value) * 100 / Double(maximum), 1)
            return """
            <div class="app-bars__row"><span class="app-bars__label">\(bar.label)</span><span class="app-bars__track"><svg class="app-bars__bar" viewBox="0 0 100 10" preserveAspectRatio="none" focusable="false"><rect width="\(String(format: "%.1f", share))" height="10"/></svg><span class="app-bars__value">\(bar.value)</span></span></div>
            """
        }
        return """
        <figure class="app-chart"><figcaption class="govuk-body-s">\(title) (the table below gives the same figures)</figcaption>
        <div class="app-bars" aria-hidden="true">\(rows)</div></figure>
        """
    }

    /// A standalone HTML document of the report (for a file, an email or print).
    public static func document(_ r: AnnualReport, published: PublishedReport? = nil, time: PartnershipTime, stylesheet: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en-GB"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(HTML.escape("Annual report \(r.year): \(r.partnership)"))</title><style>\(stylesheet.replacingOccurrences(of: "</", with: "<\\/"))</style></head>
        <body class="govuk-template__body"><main class="govuk-width-container govuk-main-wrapper" id="main-content">
        \(body(r, published: published, time: time).text)
        </main></body></html>

        """
    }
}
