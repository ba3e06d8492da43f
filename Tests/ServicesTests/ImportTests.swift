import Foundation
import Testing
@_spi(Harness) @testable import Services
import Engine
import SQLite

@Suite(.serialized) struct ImportTests {
    func sample(_ name: String) throws -> String {
        try String(contentsOf: repositoryRoot.appendingPathComponent("Workflows/samples/\(name).csv"), encoding: .utf8)
    }

    @Test func theSampleFilesImportWithTheirHistoryDatedFromTheFile() throws {
        let f = try NorfolkFixture(start: "2025-07-01T09:00")
        try f.person("sec", alliance, "secretariat")
        let dry = try f.app.importOrganisations(csv: sample("organisations"), dryRun: true, by: "sec")
        #expect(dry.dryRun && dry.rows == 3)
        #expect(try f.app.organisations().isEmpty)
        let orgs = try f.app.importOrganisations(csv: sample("organisations"), dryRun: false, by: "sec")
        #expect(orgs.created == ["wensum-valley-bakery", "great-yarmouth-youth-trust-the", "fenland-primary-school"])
        let pledges = try f.app.importPledges(csv: sample("pledges"), dryRun: false, by: "sec")
        #expect(pledges.created.count == 3)
        // Issue 18: imports are history, not news. No welcome, "published", "please report" or
        // "received" mail about 2024's events waits to be sent; the import says how many it left.
        #expect(orgs.unsentMessages > 0 && pledges.unsentMessages > 0)
        let waiting = try f.app.outbox(limit: 1000).map(\.subject)
        #expect(waiting.isEmpty, "\(waiting)")
        // Issue 23: what was withheld is recorded, so the audit can tell it from a message deleted.
        #expect(try f.app.verifyAuditLog(expectedHead: nil).isIntact)
        let withheld = try f.app.database.read { try $0.queryOne("SELECT count(*) AS n FROM outbox_withheld WHERE reason = 'imported history'")?.int("n") }
        #expect(withheld == orgs.unsentMessages + pledges.unsentMessages)
        let bakery = try f.app.engine.instance(InstanceID(pledges.created[0]))
        #expect(bakery.state == "reported")
        let history = try f.app.engine.history(of: bakery.id)
        #expect(history.map(\.event) == ["start", "submit", "approve", "year-ended", "report"])
        #expect(f.app.time.day(of: history[2].occurredAt).description == "2024-03-20")
        // The trust reported after its deadline (20 working days after 2 May 2025, two bank holidays skipped: 3 June), so it went overdue first.
        #expect(try f.app.engine.history(of: InstanceID(pledges.created[1])).map(\.event) == ["start", "submit", "approve", "year-ended", "report-overdue", "report"])
        // The school's pledge is current: on the wall, with its past check-in not sent.
        #expect(try f.app.wall().entries.map(\.organisation) == ["fenland-primary-school"])
        // Deadlines that passed before the import are history too: the bakery's year ended in
        // March 2025 and it never renewed, so it lapsed as 20 June 2025 began; that is settled in
        // the import, dated then, and the next tick has nothing to act on or announce.
        #expect(pledges.settledDeadlines > 0)
        #expect(try f.app.engine.tick().isEmpty, "nothing past due is left for the tick")
        let membership = try #require(try f.app.organisation("wensum-valley-bakery").membership)
        #expect(membership.state == .lapsed)
        let settled = try f.app.engine.history(of: membership.id.instance).filter { ["renewal-due-reached", "grace-ended"].contains($0.event) }
        #expect(settled.map(\.event) == ["renewal-due-reached", "grace-ended"])
        #expect(settled.map { f.app.time.day(of: $0.occurredAt).description } == ["2025-03-20", "2025-06-20"])
        #expect(try f.app.outbox(limit: 1000).isEmpty, "no mail about 2025's lapse")
        #expect(try f.app.engine.verifyAuditLog().isIntact)
    }

    /// A report's date (or evidence) without its outcome is refused at its line, not dropped
    /// (the pledge came in as report-overdue, the date gone without a word).
    @Test func aReportDateWithoutItsOutcomeIsRefused() throws {
        let f = try NorfolkFixture(start: "2026-05-12T09:15")
        try f.person("sec", alliance, "secretariat")
        _ = try f.app.importOrganisations(csv: sample("organisations"), dryRun: false, by: "sec")
        let refused = #expect(throws: ImportError.self) {
            try f.app.importPledges(csv: """
                organisation,pledge_year,text,areas,theme,priority,submitted_on,approved_on,outcome,evidence,reported_on
                fenland-primary-school,2025,Family reading mornings,learning,,,2025-03-10,2025-03-20,,,2026-04-01
                """, dryRun: false, by: "sec")
        }
        #expect(refused?.problems.map(\.message).contains { $0.contains("is needed when reported_on is given") } == true, "\(refused?.problems.map(\.message) ?? [])")
        #expect(try f.app.engine.instances(workflow: "pledge", limit: 100).isEmpty, "nothing imported")
    }

    /// Issue 18: a pledge approved today was refused as "in the future" before noon.
    @Test func aPledgeSubmittedAndApprovedTodayImportsBeforeNoon() throws {
        let f = try NorfolkFixture(start: "2026-05-12T09:15")
        try f.person("sec", alliance, "secretariat")
        _ = try f.app.importOrganisations(csv: sample("organisations"), dryRun: false, by: "sec")
        let csv = """
        organisation,pledge_year,text,areas,theme,priority,submitted_on,approved_on,outcome,evidence,reported_on
        fenland-primary-school,2026,Family reading mornings,learning,,,2026-05-12,2026-05-12,,,
        """
        let report = try f.app.importPledges(csv: csv, dryRun: false, by: "sec")
        #expect(report.created.count == 1)
        let history = try f.app.engine.history(of: InstanceID(report.created[0]))
        #expect(history.allSatisfy { $0.occurredAt <= f.clock.now() }, "nothing is dated after now")
        // Tomorrow is still the future.
        let tomorrow = #expect(throws: ImportError.self) {
            try f.app.importPledges(csv: csv.replacingOccurrences(of: "2026-05-12,2026-05-12", with: "2026-05-12,2026-05-13"), dryRun: true, by: "sec")
        }
        #expect(tomorrow?.problems.map(\.message) == ["2026-05-13 is in the future"])
        // A later import saying again what an earlier year's pledge said is flagged for the reviewer;
        // the same words in the same year, or new words, are not.
        let again = try f.app.importPledges(csv: """
            organisation,pledge_year,text,areas,theme,priority,submitted_on,approved_on,outcome,evidence,reported_on
            fenland-primary-school,2025,Family Reading Mornings!,learning,,,2025-05-12,,,,
            fenland-primary-school,2026,A new lending library,learning,,,2026-05-12,,,,
            """, dryRun: false, by: "sec")
        #expect(try again.created.map { try f.app.engine.instance(InstanceID($0)).data["repeatsLastYear"] } == [false, false])
        let third = try f.app.importPledges(csv: """
            organisation,pledge_year,text,areas,theme,priority,submitted_on,approved_on,outcome,evidence,reported_on
            fenland-primary-school,2026,"family reading, mornings",learning,,,2026-05-12,,,,
            """, dryRun: false, by: "sec")
        #expect(try f.app.engine.instance(InstanceID(third.created[0])).data["repeatsLastYear"] == true, "2025's pledge said it")
        // Within one file too: the 2026 row says again what the file's 2025 row said.
        let oneFile = try f.app.importPledges(csv: """
            organisation,pledge_year,text,areas,theme,priority,submitted_on,approved_on,outcome,evidence,reported_on
            fenland-primary-school,2024,Holiday homework club,learning,,,2024-05-12,,,,
            fenland-primary-school,2025,"Holiday homework club.",learning,,,2025-05-12,,,,
            """, dryRun: false, by: "sec")
        #expect(try oneFile.created.map { try f.app.engine.instance(InstanceID($0)).data["repeatsLastYear"] } == [false, true])
    }

    @Test func everyProblemIsReportedByLineAndColumnAndNothingIsWritten() throws {
        let f = try NorfolkFixture(start: "2025-07-01T09:00")
        try f.person("sec", alliance, "secretariat")
        let csv = """
        name,kind,district,size_band,postcode,company_number,contact_name,contact_email,registered_on
        Good Org,business,norwich,small,NR1 1AA,,Ann,ann@example.org,2024-01-01
        Bad Kind,pub,norwich,small,,,Bo,bo@example.org,2024-01-01
        Bad Date,business,norwich,small,,,Cy,cy@example.org,01/02/2024
        "Good Org",business,norwich,small,nr11aa,,Di,di@example.org,2024-01-01
        Bad Email,business,atlantis,small,,,Ed,not-an-email,2024-01-01
        """
        let error = #expect(throws: ImportError.self) { try f.app.importOrganisations(csv: csv, dryRun: false, by: "sec") }
        // Issue 22: every check is made in the first pass, before the write lock, so one refusal
        // lists every problem in the file (it took two tries before).
        #expect(error?.problems.map(\.description) == [
            "line 3, column kind: The kind should be one of: business, public-sector-body, voluntary-or-community-organisation, school-or-college, health-provider.",
            "line 4, column registered_on: \"01/02/2024\" is not a date; write it as YYYY-MM-DD",
            "line 5: the same organisation as line 2",
            "line 6, column district: The district should be one of: breckland, broadland, great-yarmouth, kings-lynn-and-west-norfolk, north-norfolk, norwich, south-norfolk, outside.",
        ])
        #expect(try f.app.organisations().isEmpty)
        // With the date and the duplicate fixed, the rows still at fault are named, still all or nothing.
        let fixed = csv.replacingOccurrences(of: "01/02/2024", with: "2024-02-01").replacingOccurrences(of: "\"Good Org\",business,norwich,small,nr11aa", with: "Other Org,business,norwich,small,NR2 2BB")
        let rowErrors = #expect(throws: ImportError.self) { try f.app.importOrganisations(csv: fixed, dryRun: false, by: "sec") }
        #expect(rowErrors?.problems.map(\.line) == [3, 6])
        #expect(rowErrors?.problems.map(\.column) == ["kind", "district"])
        #expect(try f.app.organisations().isEmpty)
        #expect(try f.app.engine.instances().isEmpty)
    }

    @Test func aHeaderWithoutTheRequiredColumnsIsRefused() throws {
        let f = try NorfolkFixture(start: "2025-07-01T09:00")
        try f.person("sec", alliance, "secretariat")
        let error = #expect(throws: ImportError.self) { try f.app.importPledges(csv: "organisation,text,colour\nx,y,z\n", dryRun: true, by: "sec") }
        #expect(error?.problems.map(\.description) == [
            "line 1, column pledge_year: the header has no pledge_year column; the columns are: organisation,pledge_year,text,areas,theme,priority,submitted_on,approved_on,outcome,evidence,reported_on,reached",
            "line 1, column areas: the header has no areas column; the columns are: organisation,pledge_year,text,areas,theme,priority,submitted_on,approved_on,outcome,evidence,reported_on,reached",
            "line 1, column submitted_on: the header has no submitted_on column; the columns are: organisation,pledge_year,text,areas,theme,priority,submitted_on,approved_on,outcome,evidence,reported_on,reached",
            "line 1, column colour: colour is not a column this import knows; the columns are: organisation,pledge_year,text,areas,theme,priority,submitted_on,approved_on,outcome,evidence,reported_on,reached",
        ])
    }

    /// Organisations rows, `count` of them, each its own organisation; `bad` rows have an unknown kind.
    func organisationsCSV(_ count: Int, badEvery bad: Int = 0, from first: Int = 1, leavingOut left: Set<Int> = []) -> String {
        var lines = ["name,kind,district,size_band,postcode,company_number,contact_name,contact_email,registered_on"]
        for i in first..<(first + count) where !left.contains(i) {
            lines.append("Org \(i),\(bad > 0 && i % bad == 0 ? "spaceship" : "business"),norwich,small,NR1 \(i % 9)AA,C\(i),Person \(i),p\(i)@example.org,2024-01-01")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Issue 22: a refusal lists the first 50 problems (by line and column) and says how many
    /// there are in all, rather than every one of a million; nothing is written.
    @Test func aRefusalListsTheFirstFiftyProblemsAndCountsThemAll() throws {
        let f = try NorfolkFixture(start: "2025-07-01T09:00")
        try f.person("sec", alliance, "secretariat")
        let error = #expect(throws: ImportError.self) { try f.app.importOrganisations(csv: organisationsCSV(600, badEvery: 5), dryRun: false, by: "sec") }
        #expect(error?.problems.count == 50 && error?.total == 120)
        #expect(error?.problems.first?.description.hasPrefix("line 6, column kind: ") == true)
        #expect(error?.problems.last?.line == 251)
        #expect(error?.localizedDescription.hasPrefix("The file has 120 problems; nothing was imported. The first 50:\n  line 6, column kind") == true)
        #expect(try f.app.organisations().isEmpty)
    }

    /// Issue 22: a dry run checks every row without taking the write lock, so it neither waits
    /// for another writer nor holds one up. (It used to run the import and roll it back.)
    @Test func aDryRunTakesNoWriteLock() throws {
        let f = try NorfolkFixture(start: "2025-07-01T09:00")
        try f.person("sec", alliance, "secretariat")
        let other = try Connection(path: f.app.database.path, busyTimeoutMilliseconds: 0)
        try other.execute("BEGIN IMMEDIATE")  // another process is writing
        let dry = try f.app.importOrganisations(csv: organisationsCSV(30), dryRun: true, by: "sec")
        #expect(dry.dryRun && dry.rows == 30)
        try other.execute("ROLLBACK")
        #expect(try f.app.organisations().isEmpty)
    }

    /// Issue 22: a file is read in place, twice (checked, then written), reporting progress on
    /// both passes; contact ids are handed out in order without recounting every contact per row.
    @Test func aFileImportsInPlaceReportingProgressAsItChecksAndWrites() throws {
        let f = try NorfolkFixture(start: "2025-07-01T09:00")
        try f.person("sec", alliance, "secretariat")
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("orgs-\(UUID().uuidString).csv")
        try organisationsCSV(2_500).write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let seen = ProgressLog()
        let report = try f.app.importOrganisations(.file(path: file.path), dryRun: false, by: "sec", progress: { seen.add($0) })
        #expect(report.rows == 2_500 && report.created.count == 2_500)
        let checking = seen.all.filter { $0.stage == .checking }, writing = seen.all.filter { $0.stage == .writing }
        #expect(checking.map(\.rows) == [1_000, 2_000, 2_500] && checking.last?.fraction == 1 && checking.allSatisfy { $0.totalRows == nil })
        #expect(writing.map(\.rows) == [1_000, 2_000, 2_500] && writing.allSatisfy { $0.totalRows == 2_500 } && writing.map(\.fraction) == [0.4, 0.8, 1])
        #expect(seen.all.firstIndex { $0.stage == .writing }! > seen.all.lastIndex { $0.stage == .checking }!, "every row is checked before any is written")
        let contacts = try f.app.database.read { db in try db.query("SELECT id FROM people WHERE id LIKE 'contact-%'").compactMap { $0.string("id") } }
        #expect(Set(contacts) == Set((1...2_500).map { "contact-\($0)" }))
        #expect(try f.app.engine.verifyAuditLog().isIntact)
    }

    /// Issue 22: a live server's writes waited for the whole of a large import (its one
    /// transaction), and were answered 503 after the busy timeout. In steps, the write lock is
    /// free between steps: another process takes it each time the import reports progress. All
    /// or nothing (still the default) holds it throughout, as the same probe shows.
    @Test func anImportInStepsLeavesTheWriteLockFreeBetweenStepsWhereAllOrNothingHoldsIt() throws {
        let f = try NorfolkFixture(start: "2025-07-01T09:00")
        try f.person("sec", alliance, "secretariat")
        let other = try Connection(path: f.app.database.path, busyTimeoutMilliseconds: 0)
        let probes = LockProbes(other)
        let stepped = try f.app.importOrganisations(.text(organisationsCSV(1_200)), dryRun: false, writing: .inSteps(rows: 500), by: "sec",
                                                    progress: { if $0.stage == .writing { probes.probe(after: $0.rows) } })
        #expect(stepped.rows == 1_200 && stepped.created.count == 1_200 && stepped.steps == 3)
        #expect(probes.results.map(\.rows) == [500, 1_000, 1_200])
        #expect(probes.results.allSatisfy { $0.lockWasFree }, "another writer got in after every step: \(probes.results)")
        let run = try f.app.database.read { try $0.queryOne("SELECT rows_in_file, rows_written, finished_at FROM import_runs") }
        #expect(run?.int("rows_in_file") == 1_200 && run?.int("rows_written") == 1_200 && run?.int64("finished_at") != nil)

        let wholeProbes = LockProbes(other)
        let whole = try f.app.importOrganisations(.text(organisationsCSV(1_200, from: 5_001)), dryRun: false, by: "sec",
                                                  progress: { if $0.stage == .writing { wholeProbes.probe(after: $0.rows) } })
        #expect(whole.steps == 1 && whole.rows == 1_200)
        #expect(!wholeProbes.results.isEmpty && wholeProbes.results.allSatisfy { !$0.lockWasFree }, "all or nothing holds the lock: \(wholeProbes.results)")
        #expect(try f.app.organisations().count == 2_400)
        #expect(try f.app.engine.verifyAuditLog().isIntact)
    }

    /// Issue 22: an import in steps that something stops part-way (here the same organisation
    /// registered on the web between two steps) keeps the steps it wrote, says so, and carries
    /// on after them when run again on the file mended after those rows; run all or nothing
    /// instead, it is refused, saying how to carry on. Nothing is written twice.
    @Test func anImportInStepsStoppedPartWayKeepsItsStepsAndCarriesOnWhenRunAgain() throws {
        let f = try NorfolkFixture(start: "2025-07-01T09:00")
        try f.person("sec", alliance, "secretariat")
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("orgs-steps-\(UUID().uuidString).csv")
        try organisationsCSV(1_200).write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let source = ImportSource.file(path: file.path)
        // Org 1100 (line 1101) registers on the web after the first two steps are written.
        let stopped = #expect(throws: ImportStoppedError.self) {
            try f.app.importOrganisations(source, dryRun: false, writing: .inSteps(rows: 500), by: "sec", progress: { p in
                guard p.stage == .writing, p.rows == 1_000 else { return }
                _ = try? f.app.registerOrganisation(.init(name: "Org 1100", kind: "business", district: "norwich", sizeBand: "small",
                                                          postcode: "NR1 2AA", companyNumber: "C1100", contactName: "Person 1100", contactEmail: "p1100@example.org"), by: "sec")
            })
        }
        #expect(stopped?.written == 1_000 && stopped?.rows == 1_200)
        #expect(stopped?.problems.first?.line == 1_101, "\(String(describing: stopped?.problems))")
        #expect(stopped?.localizedDescription.hasPrefix("The import stopped after 1000 of its 1200 rows were written, at:\n  line 1101") == true)
        #expect(try f.app.organisations().count == 1_001, "the two steps written stay, and the third wrote nothing")
        // The doctor says an import was left part-way, and how to carry it on.
        let left = try f.app.doctor(DoctorSettings(replicated: false, sendmailCommand: "/bin/true")).filter { $0.check == "imports" }
        #expect(left.map(\.level) == [.warning] && left.first?.detail.contains("stopped after 1000 of its 1200 rows") == true
                && left.first?.detail.contains("`flourish import organisations FILE --in-steps`") == true, "\(left)")

        // All or nothing, its first rows would meet themselves: refused, saying how to carry on.
        let refused = #expect(throws: ImportError.self) { try f.app.importOrganisations(source, dryRun: false, by: "sec", progress: nil) }
        #expect(refused?.problems.first?.message.hasPrefix("the first 1000 rows of this file were imported in steps on 2025-07-01 by sec, and that import stopped part-way") == true,
                "\(String(describing: refused?.problems))")
        // In steps again, unmended: the check (of the rows after the first 1,000 only) finds line 1101.
        let unmended = #expect(throws: ImportError.self) { try f.app.importOrganisations(source, dryRun: false, writing: .steps, by: "sec", progress: nil) }
        #expect(unmended?.problems.map(\.line) == [1_101] && unmended?.total == 1)
        #expect(try f.app.organisations().count == 1_001)

        // Mended after the rows written (Org 1100's row taken out): the dry run and the import carry on after them.
        try organisationsCSV(1_200, leavingOut: [1_100]).write(to: file, atomically: true, encoding: .utf8)
        let dry = try f.app.importOrganisations(source, dryRun: true, writing: .steps, by: "sec", progress: nil)
        #expect(dry.dryRun && dry.rows == 199 && dry.resumedAfter == 1_000)
        let carried = try f.app.importOrganisations(source, dryRun: false, writing: .steps, by: "sec", progress: nil)
        #expect(carried.rows == 199 && carried.resumedAfter == 1_000 && carried.steps == 1)
        #expect(carried.created.first == "org-1001" && carried.created.count == 199, "\(carried.created.prefix(3))")
        #expect(try f.app.organisations().count == 1_200)
        #expect(try f.app.database.read { try $0.queryOne("SELECT count(*) AS n FROM import_runs WHERE finished_at IS NULL")?.int("n") } == 0)
        #expect(try f.app.doctor(DoctorSettings(replicated: false, sendmailCommand: "/bin/true")).allSatisfy { $0.check != "imports" })
        // Finished, the file is an ordinary one again: importing it once more meets its organisations as registered.
        #expect(throws: ImportError.self) { try f.app.importOrganisations(source, dryRun: false, writing: .steps, by: "sec", progress: nil) }
        #expect(try f.app.engine.verifyAuditLog().isIntact)
    }

    /// An import in steps left part-way that is not to be carried on is set aside by the
    /// secretariat: the rows written stay, the doctor stops warning, and the file is an ordinary
    /// one again (its first rows meet themselves as registered).
    @Test func anImportInStepsLeftPartWayIsSetAsideByTheSecretariat() throws {
        let f = try NorfolkFixture(start: "2025-07-01T09:00")
        try f.person("sec", alliance, "secretariat")
        try f.person("chair", "early-prevention-board", "chair")
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("orgs-aside-\(UUID().uuidString).csv")
        try organisationsCSV(1_200).write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let source = ImportSource.file(path: file.path)
        #expect(throws: ImportStoppedError.self) {
            try f.app.importOrganisations(source, dryRun: false, writing: .inSteps(rows: 500), by: "sec", progress: { p in
                guard p.stage == .writing, p.rows == 500 else { return }
                _ = try? f.app.registerOrganisation(.init(name: "Org 700", kind: "business", district: "norwich", sizeBand: "small",
                                                          postcode: "NR1 2AA", companyNumber: "C700", contactName: "Person 700", contactEmail: "p700@example.org"), by: "sec")
            })
        }
        let doctor = { try f.app.doctor(DoctorSettings(replicated: false, sendmailCommand: "/bin/true")).filter { $0.check == "imports" } }
        #expect(try doctor().first?.detail.contains("or `flourish import set-aside organisations` if the rest is not to be imported") == true)
        // Only the secretariat; a kind that never runs in steps is named as such; nothing changes.
        #expect(throws: WorkflowError.self) { try f.app.setAsideUnfinishedImports(of: "organisations", by: "chair") }
        let wrongKind = #expect(throws: ImportKindError.self) { try f.app.setAsideUnfinishedImports(of: "actions", by: "sec") }
        #expect(wrongKind?.localizedDescription == "only imports of organisations and pledges run in steps, not 'actions'")
        #expect(try f.app.setAsideUnfinishedImports(of: "pledges", by: "sec").isEmpty)
        #expect(try f.app.unfinishedImports().count == 1)

        let setAside = try f.app.setAsideUnfinishedImports(of: "organisations", by: "sec")
        #expect(setAside.map(\.rowsWritten) == [500] && setAside.map(\.rowsInFile) == [1_200] && setAside.map(\.by) == ["sec"])
        #expect(try f.app.unfinishedImports().isEmpty && (try doctor()).isEmpty)
        #expect(try f.app.organisations().count == 501, "the step written stays, with the organisation registered meanwhile")
        #expect(try f.app.setAsideUnfinishedImports(of: "organisations", by: "sec").isEmpty, "once only")
        // No longer carried on: the whole file is checked again, and its first rows are already registered.
        let again = #expect(throws: ImportError.self) { try f.app.importOrganisations(source, dryRun: true, writing: .steps, by: "sec", progress: nil) }
        #expect(again?.problems.first?.line == 2 && again?.total == 501, "\(String(describing: again?.problems.prefix(2)))")
        #expect(try f.app.engine.verifyAuditLog().isIntact)
    }

    /// Pledges imported in steps (here one row a step) end as the same records as imported all
    /// at once: the same history, deadlines settled, no message about the past sent, audit intact.
    @Test func pledgesImportedInStepsEndAsTheyWouldAllAtOnce() throws {
        func imported(_ writing: ImportWriting) throws -> (states: [String], histories: [[String]], report: ImportReport, f: NorfolkFixture) {
            let f = try NorfolkFixture(start: "2025-07-01T09:00")
            try f.person("sec", alliance, "secretariat")
            _ = try f.app.importOrganisations(.text(sample("organisations")), dryRun: false, writing: writing, by: "sec", progress: nil)
            let report = try f.app.importPledges(.text(sample("pledges")), dryRun: false, writing: writing, by: "sec", progress: nil)
            let pledges = try report.created.map { try f.app.engine.instance(InstanceID($0)) }
            return (pledges.map(\.state), try pledges.map { try f.app.engine.history(of: $0.id).map(\.event) }, report, f)
        }
        let whole = try imported(.allOrNothing), stepped = try imported(.inSteps(rows: 1))
        #expect(stepped.report.steps == 3 && whole.report.steps == 1)
        #expect(stepped.states == whole.states && stepped.histories == whole.histories)
        #expect(stepped.report.unsentMessages == whole.report.unsentMessages && stepped.report.settledDeadlines == whole.report.settledDeadlines)
        #expect(try stepped.f.app.outbox(limit: 100).isEmpty)
        #expect(try stepped.f.app.engine.tick().isEmpty)
        #expect(try stepped.f.app.verifyAuditLog(expectedHead: nil).isIntact)
    }

    /// A file that is not UTF-8 is refused naming the line, and nothing is written.
    @Test func aFileThatIsNotUTF8IsRefusedByLine() throws {
        let f = try NorfolkFixture(start: "2025-07-01T09:00")
        try f.person("sec", alliance, "secretariat")
        var bytes = Array(organisationsCSV(3).utf8)
        bytes.append(contentsOf: Array("Caf".utf8) + [0xE9] + Array(",business,norwich,small,,,Ann,ann@example.org,2024-01-01\n".utf8))  // Latin-1 é
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("latin1-\(UUID().uuidString).csv")
        try Data(bytes).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let error = #expect(throws: ImportError.self) { try f.app.importOrganisations(.file(path: file.path), dryRun: false, by: "sec", progress: nil) }
        #expect(error?.problems.map(\.description) == ["line 5: the text is not UTF-8; save the file as CSV UTF-8"])
        #expect(try f.app.organisations().isEmpty)
    }
}

/// Progress reports collected by a test.
final class ProgressLog: @unchecked Sendable {
    private(set) var all: [ImportProgress] = []
    func add(_ p: ImportProgress) { all.append(p) }
}

/// Whether another connection could take the write lock at each moment asked.
final class LockProbes: @unchecked Sendable {
    private let connection: Connection
    private(set) var results: [(rows: Int, lockWasFree: Bool)] = []
    init(_ connection: Connection) { self.connection = connection }
    func probe(after rows: Int) {
        do {
            try connection.execute("BEGIN IMMEDIATE")
            try connection.execute("ROLLBACK")
            results.append((rows, true))
        } catch {
            results.append((rows, false))
        }
    }
}
