public import Foundation
public import Engine
public import Domain
import SQLite

/// Why an annual-report step was refused.
public enum ReportError: Error, Equatable, Sendable, LocalizedError {
    case alreadyStarted(year: Int, state: String)
    case notStarted(year: Int)
    case sectionsOutstanding(year: Int, groups: [String], dueOn: String)
    case notPublished(year: Int)
    case notAGroup(String)
    case noSection(year: Int, group: String)
    case badDeadline(String)
    case yearOutOfRange(Int, covered: ClosedRange<Int>)

    public var code: String {
        switch self {
        case .alreadyStarted: return "report-already-started"
        case .notStarted: return "report-not-started"
        case .sectionsOutstanding: return "sections-outstanding"
        case .notPublished: return "report-not-published"
        case .notAGroup: return "not-a-group"
        case .noSection: return "no-section"
        case .badDeadline: return "bad-deadline"
        case .yearOutOfRange: return "year-out-of-range"
        }
    }

    public var errorDescription: String? {
        switch self {
        case .alreadyStarted(let year, let state): return "The \(year) annual report is already under way (\(state)); see 'flourish report status --year \(year)'."
        case .notStarted(let year): return "No annual report has been started for \(year); start one with 'flourish report start --year \(year) --sections-due DATE'."
        case .sectionsOutstanding(let year, let groups, let dueOn):
            return "The \(year) report cannot be compiled yet: sections are still awaited from \(groups.joined(separator: ", ")) and their deadline (\(dueOn)) has not passed."
        case .notPublished(let year): return "The \(year) annual report has not been published."
        case .notAGroup(let key): return "\(key) is not a subgroup or enabling group, so it has no section of its own."
        case .noSection(let year, let group): return "\(group) was not asked for a section of the \(year) report."
        case .badDeadline(let why): return "The sections' deadline \(why)."
        case .yearOutOfRange(let year, let covered):
            return "year \(year) is outside the partnership's calendar; give a year from \(covered.lowerBound) to \(covered.upperBound)."
        }
    }
}

/// An annual report under way or published: its workflow instance and the groups' section tasks.
public struct AnnualReportStatus: Sendable {
    public let report: AnnualReportRecord
    public let sections: [ReportSection]
    public var year: Int { report.year ?? 0 }
    public var sectionsDueOn: String { report.sectionsDueOn?.description ?? "" }
    /// Groups whose section is neither in nor past its deadline.
    public var awaited: [String] { sections.filter { $0.state == .requested }.map(\.group) }
    /// Whether the sections' deadline is behind the report: it has passed (a section was marked
    /// missed at it), or the report has moved on from collecting sections.
    public var sectionsDeadlineHasPassed: Bool { report.state != .collecting || sections.contains { $0.state == .missed } }
}

/// A published report: the frozen snapshot and its digest.
public struct PublishedReport: Sendable {
    public let year: Int
    public let publishedAt: Date
    public let digest: String
    public let content: AnnualReport
}

/// Published reports, frozen: the table refuses any change to a row once written.
enum PublishedReports {
    static let migrator = Migrator(component: "reports", migrations: [
        Migration(version: 1, name: "published annual reports, frozen", sql: """
        CREATE TABLE published_reports (
            year INTEGER PRIMARY KEY,
            instance_id TEXT NOT NULL REFERENCES instances(id),
            published_at INTEGER NOT NULL,
            content TEXT NOT NULL,
            digest TEXT NOT NULL
        );
        CREATE TRIGGER published_reports_frozen_update BEFORE UPDATE ON published_reports
        BEGIN SELECT RAISE(ABORT, 'a published report never changes'); END;
        CREATE TRIGGER published_reports_frozen_delete BEFORE DELETE ON published_reports
        BEGIN SELECT RAISE(ABORT, 'a published report never changes'); END;
        """),
    ])
}

extension Flourish {
    // MARK: - The report's figures

    /// The first and last day of a report year: the partnership's pledge year (a scheme year
    /// such as April to March, or the calendar year where pledge years run from approval).
    public func reportYear(_ year: Int) -> (starts: CalendarDay, ends: CalendarDay) {
        if case .schemeYear(let month, let day) = partnership.pledges.year {
            return (CalendarDay(year: year, month: month, day: day), CalendarDay(year: year + 1, month: month, day: day).adding(days: -1))
        }
        return (CalendarDay(year: year, month: 1, day: 1), CalendarDay(year: year, month: 12, day: 31))
    }

    /// The workflows a report reads.
    static let reportWorkflows = ["pledge", "action", "measure", "escalation", "escalation-review", "escalation-top-review", "report-section"]

    /// The annual report for `year` as the partnership stands now, or as it stood at `asOf`
    /// (rebuilt from the event log).
    /// The years a report can be about: those the partnership's working-day calendar covers.
    public var reportYears: ClosedRange<Int> { time.workingDays.coversFrom.year...time.workingDays.coversTo.year }

    /// Refuses a year outside ``reportYears``, naming the field `year`.
    public func checkReportYear(_ year: Int) throws {
        guard reportYears.contains(year) else { throw ReportError.yearOutOfRange(year, covered: reportYears) }
    }

    /// A year's annual report before it is published (today's figures or as of a moment, with
    /// the compiled sections), for the viewers the policy lets read a draft.
    public func annualReport(year: Int, asOf: Date? = nil, for viewer: Viewer) throws -> AnnualReport {
        try checkReportYear(year)
        let report = try annualReportStatus(year: year)?.report
        let approver = report?.group ?? partnership.allianceBody
        guard policy.maySeeDraftReport(approvedBy: approver, state: report?.state.rawValue, viewer: viewer) else {
            throw WorkflowError.notPermitted(actor: viewer.person ?? "a visitor", event: "read the \(year) annual report before it is published",
                                            allowed: ["the secretariat", "members of \(approver)"])
        }
        return try annualReport(year: year, asOf: asOf)
    }

    public func annualReport(year: Int, asOf: Date? = nil) throws -> AnnualReport {
        // Today's figures change with events and with the date (what is overdue): kept until either moves.
        guard asOf == nil else { return try buildAnnualReport(year: year, asOf: asOf) }
        let version = try figuresVersion()
        return try readCache.value("annual-report-\(year)", key: "\(version.seq) \(version.rebuilds) \(time.day(of: clock.now()))", trim: false) {
            // Kept in step with the log: after an event, only what it changed is read and counted again.
            try reportLedgers.ledger(year).report(app: self, rebuilds: version.rebuilds)
        }
    }

    /// The annual report for `year` as the dashboard shows it, beside the asks and pledges the
    /// same page lists from the wall's figures. The first time (nothing kept yet), the wall's
    /// figures are built on another thread meanwhile: each reads and decodes every pledge of the
    /// partnership, and on two cores the two take the time of the longer, not the sum.
    public func dashboardReport(year: Int) throws -> AnnualReport {
        guard !wallLedger.isBuilt else { return try annualReport(year: year) }
        let alongside = DispatchGroup()
        // A failure here is met again, and reported, when the page reads the wall itself.
        DispatchQueue.global().async(group: alongside) { _ = try? self.wallIndex() }
        defer { alongside.wait() }
        return try annualReport(year: year)
    }

    func buildAnnualReport(year: Int, asOf: Date?) throws -> AnnualReport {
        // Only the year's pledges count (a pledge's year never changes), so only they are read.
        let snapshot = try engine.snapshot(of: Self.reportWorkflows, eventsOf: ["measure"], asOf: asOf, narrowing: ["pledge": ("pledgeYear", Int64(year))])
        let organisations = try database.read { db in
            var result: [String: AnnualReportBuilder.Organisation] = [:]
            for row in try db.query("SELECT key, kind, district FROM organisations WHERE kind IS NOT NULL AND created_at <= ?", snapshot.moment.milliseconds) {
                result[row.string("key") ?? ""] = .init(kind: row.string("kind") ?? "", district: row.string("district") ?? "")
            }
            return result
        }
        let (starts, ends) = reportYear(year)
        // Withdrawn pledges are few; those never submitted (by the report's moment) were never made.
        let neverSubmitted = Set(try snapshot.of("pledge").filter { $0.state == "withdrawn" }.filter { pledge in
            try !engine.history(of: pledge.id).contains { $0.event == "submit" && $0.occurredAt <= snapshot.moment }
        }.map(\.id))
        return try reportBuilder().build(year: year, starts: starts, ends: ends, snapshot: snapshot, organisations: organisations, neverSubmitted: neverSubmitted)
    }

    func reportBuilder() throws -> AnnualReportBuilder {
        AnnualReportBuilder(partnershipName: partnership.name, framework: framework, organisationKinds: partnership.organisationKinds,
                            districts: partnership.districts, bodies: try governance.bodies().map { ($0.key, $0.name, $0.kind.rawValue) }, time: time)
    }

    // MARK: - The annual report workflow

    /// The groups asked for a section: every subgroup and enabling group, and with the youth
    /// review on, the youth panel for its own statement.
    public func reportingGroups() throws -> [GovernanceBody] {
        let panel = try youthReviewSetting()?.panel.key
        return try governance.bodies().filter { $0.kind == .subgroup || $0.kind == .enablingGroup || $0.key == panel }
    }

    /// Starts the annual report for `year`: one section task per group, due on `sectionsDueOn`
    /// with a reminder a week before; all written together. Participation groups named in
    /// `statementsFrom` (and the youth panel, with the youth review on) are asked for their own
    /// statement, printed first; the Alliance approves the report only once each is in.
    public func startAnnualReport(year: Int, sectionsDueOn: CalendarDay, statementsFrom: [String] = [], by person: String) throws -> AnnualReportStatus {
        if let existing = try annualReportStatus(year: year) { throw ReportError.alreadyStarted(year: year, state: existing.report.state.rawValue) }
        let today = time.day(of: clock.now())
        guard sectionsDueOn > today else { throw ReportError.badDeadline("should be after today (\(today))") }
        var asked = try reportingGroups().map(\.key)
        for key in statementsFrom {
            let group = try participationGroup(key).key
            if !asked.contains(group) { asked.append(group) }
        }
        let groups = asked
        let reminder = max(sectionsDueOn.adding(days: -7), today.adding(days: 1))
        let started = try engine.start("annual-report", data: ["year": .integer(Int64(year)), "group": .string(partnership.allianceBody),
                                                               "sectionsDueOn": .string(sectionsDueOn.description)],
                                       actor: Actor(person)) { report in
            groups.map { group in
                (workflow: "report-section", data: ["year": .integer(Int64(year)), "group": .string(group), "report": .string(report.id.rawValue),
                                                    "dueOn": .string(sectionsDueOn.description), "reminderOn": .string(reminder.description)])
            }
        }
        return AnnualReportStatus(report: try AnnualReportRecord(started.parent), sections: try ReportSection.records(started.children))
    }

    /// The annual report for `year` and its sections, if it was started.
    public func annualReportStatus(year: Int) throws -> AnnualReportStatus? {
        guard let report = try instances(of: "annual-report", whereData: "year", equals: Int64(year)).last else { return nil }
        let sections = try instances(of: "report-section", whereData: "report", equals: report.id.rawValue)
        return AnnualReportStatus(report: try AnnualReportRecord(report), sections: try ReportSection.records(sections))
    }

    /// Every annual report started, newest year first.
    public func annualReports() throws -> [AnnualReportStatus] {
        try AnnualReportRecord.records(engine.instances(workflow: "annual-report", limit: 1000)).compactMap { try annualReportStatus(year: $0.year ?? 0) }
            .sorted { $0.year > $1.year }
    }

    /// Whether a section not yet in may still be submitted: until the report is compiled, and a
    /// participation group's statement until the report is approved.
    public func mayStillSubmit(_ section: ReportSection, of status: AnnualReportStatus) -> Bool {
        if status.report.state == .collecting { return true }
        return status.report.state == .compiled && (try? governance.body(section.group))?.kind == .participationGroup
    }

    /// A group's chair submits its section (late ones are taken until the report is compiled).
    public func submitReportSection(year: Int, group: String, text: String, by person: String) throws -> Instance {
        guard let status = try annualReportStatus(year: year) else { throw ReportError.notStarted(year: year) }
        guard let section = status.sections.first(where: { $0.group == group }) else {
            if (try? governance.body(group))?.kind == .participationGroup { throw ReportError.noSection(year: year, group: group) }
            if try reportingGroups().contains(where: { $0.key == group }) { throw ReportError.noSection(year: year, group: group) }
            throw ReportError.notAGroup(group)
        }
        // A youth panel's statement is taken until the report is approved: it is not approved without it.
        if section.state == .missed, !mayStillSubmit(section, of: status) {
            throw WorkflowError.wrongState(event: "submit", state: "missed", allowedFrom: ["requested"])
        }
        return try engine.fire("submit", on: section.id.instance, payload: ["text": .string(text)], actor: try actor(person, at: group), expectedVersion: nil).instance
    }

    /// The secretariat compiles the report once every section is in or past its deadline.
    public func compileAnnualReport(year: Int, by person: String) throws -> (status: AnnualReportStatus, report: AnnualReport) {
        guard let status = try annualReportStatus(year: year) else { throw ReportError.notStarted(year: year) }
        // Who may compile is said before which sections are awaited, and before the figures are built.
        try engine.checkMayFire("compile", on: status.report.id.instance, actor: Actor(person))
        if !status.awaited.isEmpty, status.report.state == .collecting {
            throw ReportError.sectionsOutstanding(year: year, groups: status.awaited, dueOn: status.sectionsDueOn)
        }
        let report = try annualReport(year: year)
        let missing = status.sections.filter { $0.state != .submitted }.map(\.group)
        _ = try engine.fire("compile", on: status.report.id.instance, computed: ["digest": .string(SHA256.hash(Array(try report.canonicalJSON())).hexString),
                                                                      "missingSections": .array(missing.map(JSONValue.string))],
                            actor: Actor(person), expectedVersion: nil)
        guard let compiled = try annualReportStatus(year: year) else { throw ReportError.notStarted(year: year) }
        return (compiled, report)
    }

    /// The Alliance's chair approves the compiled report, or sends it back with a note.
    public func decideAnnualReport(year: Int, approve: Bool, note: String?, by person: String) throws -> AnnualReportStatus {
        guard let status = try annualReportStatus(year: year) else { throw ReportError.notStarted(year: year) }
        let deciding = try actor(person, at: partnership.allianceBody)
        // Who may decide, and whether the report is waiting for it, are said before whose statement is awaited.
        try engine.checkMayFire(approve ? "approve" : "return", on: status.report.id.instance, actor: deciding)
        // Young people have their say before the Alliance approves: each statement asked for is in.
        if approve, let statement = status.sections.first(where: { (try? governance.body($0.group))?.kind == .participationGroup && $0.state != .submitted }) {
            throw YouthReviewError.statementAwaited(panel: displayName("body", statement.group))
        }
        var payload: [String: JSONValue] = [:]
        if let note { payload["note"] = .string(note) }
        _ = try engine.fire(approve ? "approve" : "return", on: status.report.id.instance, payload: payload,
                            actor: deciding, expectedVersion: nil)
        guard let decided = try annualReportStatus(year: year) else { throw ReportError.notStarted(year: year) }
        return decided
    }

    /// Publishes the approved report: its figures as of this moment are frozen with their
    /// SHA-256 digest, in the same transaction as the publish event.
    public func publishAnnualReport(year: Int, by person: String) throws -> PublishedReport {
        guard let status = try annualReportStatus(year: year) else { throw ReportError.notStarted(year: year) }
        let moment = clock.now()
        let content = try annualReport(year: year, asOf: moment)
        let json = try content.canonicalJSON()
        let digest = SHA256.hash(Array(json)).hexString
        let text = String(decoding: json, as: UTF8.self)
        _ = try engine.fire("publish", on: status.report.id.instance, computed: ["digest": .string(digest)], actor: Actor(person), expectedVersion: nil) { db, result in
            try db.run("INSERT INTO published_reports (year, instance_id, published_at, content, digest) VALUES (?, ?, ?, ?, ?)",
                       year, result.instance.id.rawValue, moment.milliseconds, text, digest)
        }
        return PublishedReport(year: year, publishedAt: moment, digest: digest, content: content)
    }

    /// A published report, exactly as it was frozen.
    public func publishedReport(year: Int) throws -> PublishedReport {
        guard let row = try database.read({ db in try db.queryOne("SELECT * FROM published_reports WHERE year = ?", year) }) else { throw ReportError.notPublished(year: year) }
        return PublishedReport(year: year, publishedAt: Date(milliseconds: row.int64("published_at") ?? 0), digest: row.string("digest") ?? "",
                               content: try AnnualReport.decode(Data((row.string("content") ?? "").utf8)))
    }

    /// Every published report's year, newest first.
    public func publishedReportYears() throws -> [Int] {
        try database.read { db in try db.query("SELECT year FROM published_reports ORDER BY year DESC").compactMap { $0.int("year") } }
    }
}
