public import Foundation
public import Engine
public import Domain
internal import SQLite

/// One problem in an import file: where, and what to do.
public struct ImportProblem: Sendable, Equatable, CustomStringConvertible {
    /// The file's line (the header is line 1).
    public let line: Int
    /// The column's name, or nil for the whole row.
    public let column: String?
    public let message: String
    public var description: String { "line \(line)" + (column.map { ", column \($0)" } ?? "") + ": \(message)" }
}

/// An import refused: every problem found, and nothing written.
public struct ImportError: Error, Sendable, LocalizedError {
    public let problems: [ImportProblem]
    public var errorDescription: String? {
        "The file has \(problems.count) problem\(problems.count == 1 ? "" : "s"); nothing was imported:\n" + problems.map { "  \($0)" }.joined(separator: "\n")
    }
}

/// What an import did (or, on a dry run, would do).
public struct ImportReport: Sendable, Equatable {
    public let rows: Int
    public let created: [String]
    public let dryRun: Bool
    /// Messages the imported history would have queued about past events, deliberately not sent.
    public var unsentMessages: Int = 0
    /// Deadlines (timers) that fell due before the import, settled as history at their own moments.
    public var settledDeadlines: Int = 0
}

extension Flourish {
    /// The columns of an organisations import, in order.
    public static let organisationColumns = ["name", "kind", "district", "size_band", "postcode", "company_number", "contact_name", "contact_email", "registered_on"]
    /// The columns of a pledges import, in order.
    public static let pledgeColumns = ["organisation", "pledge_year", "text", "areas", "theme", "priority", "submitted_on", "approved_on", "outcome", "evidence", "reported_on", "reached"]

    /// Reads a CSV with a header naming at least the required columns; every other check is the caller's.
    func importRows(_ text: String, columns: [String], required: [String]) throws -> [(line: Int, values: [String: String])] {
        let records: [CSV.Record]
        do { records = try CSV.parse(text) } catch let e as CSVError {
            throw ImportError(problems: [ImportProblem(line: e.line, column: nil, message: e.message)])
        }
        guard let header = records.first else { throw ImportError(problems: [ImportProblem(line: 1, column: nil, message: "the file is empty; it needs a header row: \(columns.joined(separator: ","))")]) }
        let names = header.fields.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        var problems: [ImportProblem] = []
        for column in required where !names.contains(column) {
            problems.append(ImportProblem(line: 1, column: column, message: "the header has no \(column) column; the columns are: \(columns.joined(separator: ","))"))
        }
        for name in names where !columns.contains(name) {
            problems.append(ImportProblem(line: 1, column: name, message: "\(name) is not a column this import knows; the columns are: \(columns.joined(separator: ","))"))
        }
        if !problems.isEmpty { throw ImportError(problems: problems) }
        return records.dropFirst().filter { !$0.fields.isEmpty }.map { record in
            var values: [String: String] = [:]
            for (i, name) in names.enumerated() where i < record.fields.count {
                values[name] = record.fields[i].trimmingCharacters(in: .whitespacesAndNewlines)
            }
            return (record.line, values)
        }
    }

    func importDate(_ text: String?, line: Int, column: String, into problems: inout [ImportProblem]) -> Date? {
        guard let text, !text.isEmpty else { return nil }
        guard CalendarDay(text) != nil, let date = time.parse(text + "T12:00") else {
            problems.append(ImportProblem(line: line, column: column, message: "\"\(text)\" is not a date; write it as YYYY-MM-DD"))
            return nil
        }
        // A day is in the future only after today; today's events are dated noon, or now if earlier.
        let now = clock.now()
        if time.day(of: date) > time.day(of: now) { problems.append(ImportProblem(line: line, column: column, message: "\(text) is in the future")) }
        return min(date, now)
    }

    /// Imports pledging organisations from RFC 4180 CSV: every row is checked first and each
    /// problem reported by line and column; with any problem nothing is written. Each
    /// organisation's registration is dated from the file.
    public func importOrganisations(csv text: String, dryRun: Bool, by person: String) throws -> ImportReport {
        let rows = try importRows(text, columns: Self.organisationColumns, required: ["name", "kind", "district", "size_band", "contact_name", "contact_email"])
        var problems: [ImportProblem] = []
        var planned: [(line: Int, registration: OrganisationRegistration, at: Date)] = []
        var seen: [String: Int] = [:]
        for (line, v) in rows {
            let registration = OrganisationRegistration(name: v["name"] ?? "", kind: v["kind"] ?? "", district: v["district"] ?? "", sizeBand: v["size_band"] ?? "",
                                                        postcode: v["postcode"].flatMap { $0.isEmpty ? nil : $0 }, companyNumber: v["company_number"].flatMap { $0.isEmpty ? nil : $0 },
                                                        contactName: v["contact_name"] ?? "", contactEmail: v["contact_email"] ?? "")
            let at = importDate(v["registered_on"], line: line, column: "registered_on", into: &problems) ?? clock.now()
            let identity = (registration.companyNumber.map { "company " + $0.uppercased() } ?? "name " + registration.name.lowercased() + " " + (PledgingOrganisations.normalisedPostcode(registration.postcode) ?? "line\(line)"))
            if let first = seen[identity] { problems.append(ImportProblem(line: line, column: nil, message: "the same organisation as line \(first)")) } else { seen[identity] = line }
            planned.append((line, registration, at))
        }
        let kinds = partnership.organisationKinds.map(\.key), districts = partnership.districts.map(\.key), sizes = partnership.sizeBands.map(\.key)
        return try applyImport(rowCount: rows.count, problems: problems, dryRun: dryRun) { tx in
            var created: [String] = []
            var rowProblems: [ImportProblem] = []
            for p in planned {
                do {
                    let made = try PledgingOrganisations.insert(p.registration, kinds: kinds, districts: districts, sizeBands: sizes, db: tx.db, at: p.at)
                    try tx.start("scheme-membership", data: ["organisation": .string(made.key),
                                                             "contactName": .string(p.registration.contactName), "contactEmail": .string(p.registration.contactEmail)],
                                 computed: ["contacts": [.string(made.contact)]], actor: Actor(person), at: p.at)
                    created.append(made.key)
                } catch let e as RegistrationError {
                    let column = e.field.map { $0.replacingOccurrences(of: " ", with: "_") }
                    rowProblems.append(ImportProblem(line: p.line, column: column == "size_band" ? "size_band" : column, message: e.localizedDescription))
                } catch let e as WorkflowError {
                    rowProblems.append(ImportProblem(line: p.line, column: e.field.map(Self.columnName), message: e.localizedDescription))
                }
            }
            if !rowProblems.isEmpty { throw ImportError(problems: rowProblems) }
            return created
        }
    }

    /// Imports pledges from RFC 4180 CSV, with their history dated from the file: submitted,
    /// approved (with that day's pledge-year dates), reported. Reminders that fell due before
    /// the import are not sent; deadlines still open run as for any pledge.
    public func importPledges(csv text: String, dryRun: Bool, by person: String) throws -> ImportReport {
        let rows = try importRows(text, columns: Self.pledgeColumns, required: ["organisation", "pledge_year", "text", "areas", "submitted_on"])
        var problems: [ImportProblem] = []
        struct Planned { let line: Int; let data: [String: JSONValue]; let contact: String; let submitted: Date; let approved: Date?; let report: (outcome: String, evidence: String, at: Date, reached: Int?)? }
        var planned: [Planned] = []
        let organisations = try Dictionary(uniqueKeysWithValues: self.organisations().map { ($0.organisation.key, $0) })
        let outcomes = ["delivered", "partly-delivered", "not-delivered"]
        for (line, v) in rows {
            let org = v["organisation"] ?? ""
            var rowOK = true
            func problem(_ column: String?, _ message: String) { problems.append(ImportProblem(line: line, column: column, message: message)); rowOK = false }
            guard let view = organisations[org] else {
                problem("organisation", "there is no organisation \"\(org)\"; import the organisations first, or use one of: \(organisations.keys.sorted().prefix(10).joined(separator: ", "))")
                continue
            }
            guard let contact = view.organisation.contacts.first else { problem("organisation", "\(org) has no contact"); continue }
            let year = Int(v["pledge_year"] ?? "")
            if year == nil || !(2000...2100).contains(year!) { problem("pledge_year", "should be a year such as 2025") }
            let text = v["text"] ?? ""
            if text.isEmpty { problem("text", "is required: the new thing the organisation pledged") }
            let areas = (v["areas"] ?? "").split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            do { try framework.checkAreas(areas) } catch { problem("areas", error.localizedDescription + " Separate several with semicolons.") }
            let theme = v["theme"].flatMap { $0.isEmpty ? nil : $0 }, priority = v["priority"].flatMap { $0.isEmpty ? nil : $0 }
            if let theme, !partnership.pledges.themes.map(\.key).contains(theme) { problem("theme", "should be one of: \(partnership.pledges.themes.map(\.key).joined(separator: ", "))") }
            if let priority { do { try framework.checkPriority(priority) } catch { problem("priority", error.localizedDescription) } }
            let submitted = importDate(v["submitted_on"], line: line, column: "submitted_on", into: &problems)
            if submitted == nil && (v["submitted_on"] ?? "").isEmpty { problem("submitted_on", "is required") }
            let approved = importDate(v["approved_on"], line: line, column: "approved_on", into: &problems)
            let reported = importDate(v["reported_on"], line: line, column: "reported_on", into: &problems)
            let outcome = v["outcome"].flatMap { $0.isEmpty ? nil : $0 }
            var report: (String, String, Date, Int?)?
            let reachedText = (v["reached"] ?? "").trimmingCharacters(in: .whitespaces)
            let reached = Int(reachedText)
            if !reachedText.isEmpty {
                if reached == nil || !(0...Self.mostReached).contains(reached!) { problem("reached", "should be the number of children and young people reached, a whole number from 0 to \(Self.mostReached)") }
                if outcome == nil { problem("reached", "goes with an outcome: a pledge reports how many it reached when it reports") }
            }
            if let outcome {
                if !outcomes.contains(outcome) { problem("outcome", "should be one of: \(outcomes.joined(separator: ", "))") }
                if approved == nil { problem("approved_on", "is needed for a pledge with an outcome") }
                if reported == nil { problem("reported_on", "is needed for a pledge with an outcome") }
                if (v["evidence"] ?? "").isEmpty { problem("evidence", "is needed with an outcome") }
                if let approved, let reported, let dates = try? partnership.pledges.dates(approvedOn: time.day(of: approved), time: time),
                   time.day(of: reported) < dates.yearEnds {
                    problem("reported_on", "is before the pledge year ended on \(dates.yearEnds)")
                }
                if let reported { report = (outcome, v["evidence"] ?? "", reported, reached) }
            }
            if let s = submitted, let a = approved, a < s { problem("approved_on", "is before submitted_on") }
            guard rowOK, let submitted, let year else { continue }
            var data: [String: JSONValue] = ["organisation": .string(org), "contacts": .array(view.organisation.contacts.map(JSONValue.string)),
                                             "pledgeYear": .integer(Int64(year)), "text": .string(text), "areas": .array(areas.map(JSONValue.string)),
                                             "repeatsLastYear": .bool(repeatsEarlierPledge(text, of: view, before: year))]
            if let theme { data["theme"] = .string(theme) }
            if let priority { data["priority"] = .string(priority) }
            planned.append(Planned(line: line, data: data, contact: contact, submitted: submitted, approved: approved, report: report))
        }
        let now = clock.now()
        return try applyImport(rowCount: rows.count, problems: problems, dryRun: dryRun) { tx in
            var created: [String] = []
            for p in planned {
                let built = try engine.separatingComputed(p.data, workflow: "pledge", event: "start")
                let pledge = try tx.start("pledge", data: built.given, computed: built.computed, actor: Actor(p.contact), at: p.submitted)
                try tx.fire("submit", on: pledge.id, actor: Actor(p.contact), at: p.submitted)
                if let approved = p.approved {
                    let dates = try partnership.pledges.dates(approvedOn: time.day(of: approved), time: time)
                    try tx.fire("approve", on: pledge.id, computed: try pledgeYearDates(approvedOn: time.day(of: approved)), actor: Actor(person), at: approved)
                    if let report = p.report {
                        try tx.fire("year-ended", on: pledge.id, actor: .system, at: time.moment(dates.yearEnds))
                        // Overdue as the day after the due date begins ("by D" allows the whole of D).
                        if time.day(of: report.at) > dates.reportDueOn { try tx.fire("report-overdue", on: pledge.id, actor: .system, at: time.moment(dates.reportDueOn.adding(days: 1))) }
                        var payload: [String: JSONValue] = ["outcome": .string(report.outcome), "evidence": .string(report.evidence)]
                        if let reached = report.reached { payload["reached"] = .integer(Int64(reached)) }
                        try tx.fire("report", on: pledge.id, payload: payload, actor: Actor(p.contact), at: report.at)
                    }
                    // Reminders of a past that was never lived in Flourish are not sent now.
                    try tx.db.run("UPDATE timers SET status = 'skipped', resolved_at = ?, note = 'fell due before the import' WHERE instance_id = ? AND status = 'pending' AND due_at <= ? AND name IN ('check-in', 'report-reminder')",
                                  now.milliseconds, pledge.id.rawValue, now.milliseconds)
                }
                created.append(pledge.id.rawValue)
            }
            return created
        }
    }

    /// Applies a checked import in one transaction; a dry run does the same and rolls it back.
    func applyImport(rowCount: Int, problems: [ImportProblem], dryRun: Bool, _ body: (EngineTransaction) throws -> [String]) throws -> ImportReport {
        if !problems.isEmpty { throw ImportError(problems: problems) }
        struct RolledBack: Error { let created: [String]; let unsent: Int; let settled: Int }
        let now = clock.now()
        var settled = 0
        do {
            let (created, unsent) = try engine.batch { tx -> ([String], Int) in
                let before = try tx.db.queryOne("SELECT COALESCE(MAX(seq), 0) AS seq FROM events")?.int64("seq") ?? 0
                let created = try body(tx)
                // Deadlines that passed before the import (a year's end, a renewal, a lapse) are
                // settled now, each at its own moment, as history: not left for the next tick to
                // act on and announce.
                settled = try tx.settleTimers(ofInstancesWrittenAfter: before, dueBy: now)
                // Imports are history, not news: messages about events dated before the import
                // (a welcome, "published", "please report" for a pledge of two years ago) are not queued.
                let unsent = try tx.withholdMessages(ofEventsAfter: before, datedBefore: now, reason: "imported history", at: now)
                if dryRun { throw RolledBack(created: created, unsent: unsent, settled: settled) }
                return (created, unsent)
            }
            return ImportReport(rows: rowCount, created: created, dryRun: false, unsentMessages: unsent, settledDeadlines: settled)
        } catch let r as RolledBack {
            return ImportReport(rows: rowCount, created: r.created, dryRun: true, unsentMessages: r.unsent, settledDeadlines: r.settled)
        }
    }

    static func columnName(_ field: String) -> String {
        field.reduce("") { $0 + ($1.isUppercase ? "_" + $1.lowercased() : String($1)) }
    }
}
