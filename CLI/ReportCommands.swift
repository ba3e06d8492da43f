import Foundation
import ArgumentParsing
import Services
import Domain
import Engine
import WebApp

/// `flourish report …`: the annual report's figures, and its workflow from asking the groups
/// for their sections to publishing.
enum ReportCommands {
    static let all: [Command] = [annual, start, status, section, compile, approve, sendBack, publish, published, figuresRebuild]

    static let yearOption = OptionSpec("year", takesValue: true, valueName: "YEAR", help: "The report's year (required).")

    static func year(_ inv: Invocation) throws -> Int {
        guard let year = try inv.integer("year") else { throw UsageError("missing --year YEAR") }
        guard (2000...2200).contains(year) else { throw UsageError("--year takes a year such as 2026, not \(year)") }
        return year
    }

    /// Writes the report in the chosen format to --out or standard output.
    static func emit(_ report: AnnualReport, published: PublishedReport?, inv: Invocation) throws {
        let format = inv.arguments.value("format") ?? (inv.isJSON ? "json" : "html")
        let text: String
        switch format {
        case "json": text = try report.prettyJSON()
        case "csv": text = CSV.write(report.csvRows())
        case "html":
            let app = try inv.app
            let css = (try? String(contentsOf: WebApp.stylesheetURL(app.library), encoding: .utf8)) ?? ""
            text = ReportHTML.document(report, published: published, time: app.time, stylesheet: css)
        default: throw UsageError("--format takes html, csv or json, not '\(format)'")
        }
        if let out = inv.arguments.value("out") {
            do { try Data(text.utf8).write(to: URL(fileURLWithPath: out), options: .atomic) } catch {
                throw UsageError("cannot write \(out): \(error.localizedDescription)")
            }
            FileHandle.standardError.write(Data("Wrote the \(report.year) annual report (\(format), as of \(report.asOf)) to \(out).\n".utf8))
        } else {
            FileHandle.standardOutput.write(Data(text.utf8))
        }
    }

    static let formatOptions = [OptionSpec("format", takesValue: true, valueName: "FORMAT", help: "html (default), csv or json."),
                                OptionSpec("out", takesValue: true, valueName: "FILE", help: "Write it to FILE instead of standard output.")]

    static let annual = Command(
        ["report", "annual"], "The annual report's figures for a year, now or as of any moment.",
        discussion: """
        Counts pledges, actions, measures and escalations for the year (the partnership's pledge year), \
        rebuilt from the event log when --as-of is given: the partnership as it stood at that moment.
        """,
        options: [yearOption] + formatOptions + [OptionSpec("as-of", takesValue: true, valueName: "DATETIME", help: "The moment to report as of (default: now).")]
    ) { inv in
        try inv.expectPositionals(atMost: 0)
        let report = try inv.app.annualReport(year: try year(inv), asOf: try inv.moment("as-of"), for: try inv.viewer)
        try emit(report, published: nil, inv: inv)
    }

    static func statusJSON(_ s: AnnualReportStatus, _ time: PartnershipTime) -> JSONValue {
        ["report": s.report.json(time), "sections": .array(s.sections.map { ["group": .string($0.group), "state": .string($0.state.rawValue), "id": .string($0.id.rawValue)] })]
    }

    static func statusText(_ s: AnnualReportStatus, _ app: Flourish?) -> String {
        var lines = ["Annual report \(s.year): \(s.report.state) (\(s.report.id)); sections due \(CalendarDay(s.sectionsDueOn)?.inWords ?? s.sectionsDueOn)"]
        for section in s.sections { lines.append("  \(section.state.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0)) \(app?.displayName("group", section.group) ?? section.group)") }
        return lines.joined(separator: "\n")
    }

    static let start = Command(
        ["report", "start"], "Start a year's annual report: every group is asked for its section by a deadline (the secretariat).",
        options: [yearOption, OptionSpec("sections-due", takesValue: true, valueName: "DATE", help: "When the groups' sections are due, YYYY-MM-DD (required)."),
                  OptionSpec("statement-from", takesValue: true, valueName: "GROUP,...", help: "Participation groups asked for young people's own statement, printed first; the report is approved only once each is in.")]
    ) { inv in
        try inv.expectPositionals(atMost: 0)
        let text = try inv.required("sections-due", "DATE")
        guard let due = CalendarDay(text) else { throw UsageError("--sections-due takes a date such as 2027-04-30, not '\(text)'") }
        let app = try inv.app
        let s = try app.startAnnualReport(year: try year(inv), sectionsDueOn: due, statementsFrom: ActionCommands.list(inv.arguments.value("statement-from")), by: inv.actor.id)
        inv.output(statusJSON(s, app.time)) { "Started the \(s.year) annual report (\(s.report.id)); \(s.sections.count) groups are asked for their sections by \(CalendarDay(s.sectionsDueOn)?.inWords ?? s.sectionsDueOn), with a reminder a week before." }
    }

    static let status = Command(["report", "status"], "Show where a year's annual report is, and each group's section.", options: [yearOption]) { inv in
        try inv.expectPositionals(atMost: 0)
        let y = try year(inv)
        let app = try inv.app
        guard let s = try app.annualReportStatus(year: y) else { throw ReportError.notStarted(year: y) }
        inv.output(statusJSON(s, app.time)) { statusText(s, app) }
    }

    static let section = Command(
        ["report", "section"], "Submit a group's section of the annual report (its chair, or the secretariat for it).", arguments: "GROUP",
        options: [yearOption, OptionSpec("text", takesValue: true, valueName: "TEXT", help: "The section's text."),
                  OptionSpec("file", takesValue: true, valueName: "FILE", help: "Read the section's text from FILE instead.")]
    ) { inv in
        let group = try inv.positional(0, "GROUP: e.g. early-prevention-board")
        try inv.expectPositionals(atMost: 1)
        var text = inv.arguments.value("text")
        if let file = inv.arguments.value("file") {
            guard text == nil else { throw UsageError("give --text or --file, not both") }
            do { text = try String(contentsOfFile: file, encoding: .utf8) } catch { throw UsageError("cannot read \(file): \(error.localizedDescription)") }
        }
        guard let text, !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw UsageError("missing --text TEXT (or --file FILE)") }
        let y = try year(inv)
        let app = try inv.app
        let done = try app.submitReportSection(year: y, group: group, text: text, by: inv.actor.id)
        inv.output(done.json(app.time)) { "Thank you: \(app.displayName("group", group))'s section of the \(y) annual report is in (\(done.id))." }
    }

    static let compile = Command(["report", "compile"], "Compile the annual report once every section is in or past its deadline (the secretariat).", options: [yearOption]) { inv in
        try inv.expectPositionals(atMost: 0)
        let app = try inv.app
        let (s, report) = try app.compileAnnualReport(year: try year(inv), by: inv.actor.id)
        let missing = report.sections.filter { $0.status != "submitted" }.map(\.name)
        inv.output(statusJSON(s, app.time)) {
            "Compiled the \(s.year) annual report; it now waits for the Alliance's approval." + (missing.isEmpty ? "" : " Missing sections, named in the report: \(missing.joined(separator: ", ")).")
        }
    }

    static let approve = Command(["report", "approve"], "Approve the compiled annual report (the Alliance's chair).",
                                 options: [yearOption, OptionSpec("note", takesValue: true, valueName: "TEXT", help: "A note for the record.")]) { inv in
        try inv.expectPositionals(atMost: 0)
        let app = try inv.app
        let s = try app.decideAnnualReport(year: try year(inv), approve: true, note: inv.arguments.value("note"), by: inv.actor.id)
        inv.output(statusJSON(s, app.time)) { "Approved the \(s.year) annual report; the secretariat can publish it." }
    }

    static let sendBack = Command(["report", "return"], "Send the compiled annual report back for changes (the Alliance's chair).",
                                  options: [yearOption, OptionSpec("note", takesValue: true, valueName: "TEXT", help: "What should change (required).")]) { inv in
        try inv.expectPositionals(atMost: 0)
        let app = try inv.app
        let s = try app.decideAnnualReport(year: try year(inv), approve: false, note: try inv.required("note", "TEXT"), by: inv.actor.id)
        inv.output(statusJSON(s, app.time)) { "Sent the \(s.year) annual report back for changes." }
    }

    static let publish = Command(["report", "publish"], "Publish the approved annual report: its figures are frozen with their SHA-256 digest (the secretariat).",
                                 options: [yearOption]) { inv in
        try inv.expectPositionals(atMost: 0)
        let app = try inv.app
        let p = try app.publishAnnualReport(year: try year(inv), by: inv.actor.id)
        inv.output(["year": .integer(Int64(p.year)), "digest": .string(p.digest), "publishedAt": .string(app.time.localTimestamp(p.publishedAt, withMilliseconds: true))]) {
            "Published the \(p.year) annual report; SHA-256 \(p.digest). It will not change again."
        }
    }

    static let published = Command(["report", "published"], "Print a published annual report exactly as it was frozen.", options: [yearOption] + formatOptions) { inv in
        try inv.expectPositionals(atMost: 0)
        let p = try inv.app.publishedReport(year: try year(inv))
        try emit(p.content, published: p, inv: inv)
    }

    static let figuresRebuild = Command(
        ["figures", "rebuild"], "Have the kept figures (the dashboard's and this year's report's counts, the pledge wall) worked out again from the records.",
        discussion: """
        The figures are kept in step with the event log, each event changing them by what it changed. Should they
        ever differ from the records, this repairs them: every process keeping them (a running server too) starts
        them again from the records at its next view. Only the secretariat.
        """
    ) { inv in
        try inv.expectPositionals(atMost: 0)
        let app = try inv.app
        try app.requestFiguresRebuild(by: try inv.viewer)
        let report = try app.annualReport(year: app.currentPledgeYear())
        inv.output(["rebuilt": .bool(true), "year": .integer(Int64(report.year)), "pledgesMade": .integer(Int64(report.totals.pledges.made))]) {
            "Asked for the kept figures to be worked out again from the records; a running server does so at its next view. "
                + "This year's report (\(report.year)), worked out afresh here: \(report.totals.pledges.made) pledge\(report.totals.pledges.made == 1 ? "" : "s") made."
        }
    }
}
