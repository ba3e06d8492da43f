public import Foundation
#if canImport(Glibc)
import Glibc
#endif
internal import Engine
internal import Domain
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

/// An import refused: the first problems found (at most ``ImportProblems/listed``), how
/// many there are in all, and nothing written.
public struct ImportError: Error, Sendable, LocalizedError {
    public let problems: [ImportProblem]
    /// Every problem in the file, listed or not.
    public let total: Int
    public init(problems: [ImportProblem], total: Int? = nil) {
        self.problems = problems
        self.total = max(total ?? problems.count, problems.count)
    }
    public var errorDescription: String? {
        let heading = total > problems.count
            ? "The file has \(total) problems; nothing was imported. The first \(problems.count):"
            : "The file has \(total) problem\(total == 1 ? "" : "s"); nothing was imported:"
        return heading + "\n" + problems.map { "  \($0)" }.joined(separator: "\n")
    }
}

/// The problems an import has found so far: the first ``listed`` kept (in file order) and
/// every one counted, so a file with a million bad rows is refused in bounded memory.
public struct ImportProblems: Sendable {
    /// How many problems a refusal lists.
    public static let listed = 50
    public private(set) var first: [ImportProblem] = []
    public private(set) var count = 0
    public init() {}
    public var isEmpty: Bool { count == 0 }
    public mutating func append(_ problem: ImportProblem) {
        count += 1
        if first.count < Self.listed { first.append(problem) }
    }
    /// Throws ``ImportError`` when there is any problem.
    public func throwIfAny() throws {
        if count > 0 { throw ImportError(problems: first, total: count) }
    }
}

/// Where an import's rows come from: a text in memory, or a file read in place (mapped, not
/// copied), so a 200,000-row file is read twice (checked, then written) without being held.
public enum ImportSource: Sendable {
    case text(String)
    case file(path: String)

    func withBytes<T>(_ body: (UnsafeRawBufferPointer) throws -> T) throws -> T {
        switch self {
        case .text(var text):
            return try text.withUTF8 { try body(UnsafeRawBufferPointer($0)) }
        case .file(let path):
            let fd = open(path, O_RDONLY)
            guard fd >= 0 else { throw ImportFileError(path: path, reason: String(cString: strerror(errno))) }
            defer { close(fd) }
            var info = stat()
            guard fstat(fd, &info) == 0 else { throw ImportFileError(path: path, reason: String(cString: strerror(errno))) }
            let size = Int(info.st_size)
            if size == 0 { return try body(UnsafeRawBufferPointer(start: nil, count: 0)) }
            guard let mapped = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), mapped != MAP_FAILED else {
                throw ImportFileError(path: path, reason: String(cString: strerror(errno)))
            }
            defer { munmap(mapped, size) }
            return try body(UnsafeRawBufferPointer(start: mapped, count: size))
        }
    }
}

/// An import file that could not be read.
public struct ImportFileError: Error, Sendable, LocalizedError {
    public let path: String
    public let reason: String
    public var errorDescription: String? { "cannot read \(path): \(reason)" }
}

/// How far an import has got, for a progress line: rows checked (the first pass, which reads
/// the whole file before anything is written) or rows written (the second, in one transaction).
public struct ImportProgress: Sendable {
    public enum Stage: String, Sendable { case checking = "checked", writing = "written" }
    public let stage: Stage
    /// Rows done in this stage.
    public let rows: Int
    /// Of how many, when known (the writing stage knows; the checking stage is finding out).
    public let totalRows: Int?
    /// The part of this stage done, 0 to 1 (by bytes read while checking, by rows while writing).
    public let fraction: Double
    /// Seconds since this stage began.
    public let elapsed: Double
}

/// Told how an import is getting on, every ``ImportProgress`` step of rows.
public typealias ImportProgressHandler = (ImportProgress) -> Void

/// What an import did (or, on a dry run, would do).
public struct ImportReport: Sendable, Equatable {
    public let rows: Int
    public let created: [String]
    public let dryRun: Bool
    /// Messages the imported history would have queued about past events, deliberately not sent.
    public var unsentMessages: Int = 0
    /// Deadlines (timers) that fell due before the import, settled as history at their own moments.
    public var settledDeadlines: Int = 0
    /// The transactions the rows were written in: 1 all or nothing, more in steps (0 on a dry run).
    public var steps: Int = 0
    /// Rows at the start of the file that an earlier import in steps, which stopped part-way,
    /// had written: skipped now (not counted in `rows`), the import carrying on after them.
    public var resumedAfter: Int = 0
}

/// How an import writes a file once every row has passed its check.
public enum ImportWriting: Sendable, Equatable {
    /// Every row in one transaction: all or nothing. A live server's writes wait for it (and
    /// are answered 503 after the busy timeout), so this suits files of thousands of rows.
    case allOrNothing
    /// In transactions of `rows` rows each, so a live server's writes are answered between
    /// them. The file is still checked whole before anything is written, so a bad row writes
    /// nothing; what can stop it part-way is a change made meanwhile (the same organisation
    /// registered on the web, say), a full disk or a crash. The steps written then stay, and
    /// running the import again on a file that begins with the same rows carries on after them.
    case inSteps(rows: Int)

    /// The rows in each step of an import in steps: about a third of a second of the write
    /// lock for pledges on a 2-core machine, so a live write waits for a step, not the import.
    public static let rowsPerStep = 500
    public static let steps = ImportWriting.inSteps(rows: rowsPerStep)
}

/// An import in steps that stopped part-way: the steps before it stay written, and running the
/// import again (in steps, on a file beginning with the same rows) carries on after them.
public struct ImportStoppedError: Error, Sendable, LocalizedError {
    /// Rows of the file written, by this run and any earlier one it carried on from.
    public let written: Int
    /// Rows in the file.
    public let rows: Int
    /// What stopped it: the problems of the step that could not be written, or another failure.
    public let problems: [ImportProblem]
    public let reason: String?
    public var errorDescription: String? {
        let what = problems.isEmpty ? (reason ?? "an error") : problems.map { "  \($0)" }.joined(separator: "\n")
        return "The import stopped after \(written) of its \(rows) rows were written, at:\n\(what)\n"
            + "The \(written) rows written in earlier steps stay. Mend what is wrong (only the rows after them may change) "
            + "and run the same import in steps again: it carries on after them."
    }
}

/// Where a data row of an import file is: its place among the rows (1 for the first after the
/// header), the byte just after it, and how far through the file that is (0 to 1).
struct ImportRowPlace {
    let index: Int
    let end: Int
    let fraction: Double
}

/// An import kind that does not run in steps, named where one that does is wanted.
public struct ImportKindError: Error, Sendable, LocalizedError {
    public let kind: String
    public var errorDescription: String? {
        "only imports of \(Flourish.importsInSteps.joined(separator: " and ")) run in steps, not '\(kind)'"
    }
}

/// An import in steps that has not finished (it stopped part-way, or is under way): its record
/// in `import_runs`, who began it and when, and how far through its file it has got.
public struct UnfinishedImport: Sendable {
    public let kind: String
    public let by: String
    public let startedAt: Date
    public let rowsInFile: Int
    public let rowsWritten: Int
    let id: Int64
    let bytesWritten: Int
    let writtenDigest: String
}

extension SHA256 {
    /// Adds `bytes[range]` (a part of an import file) to the message.
    mutating func update(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) {
        update(UnsafeRawBufferPointer(rebasing: bytes[range]).assumingMemoryBound(to: UInt8.self))
    }
}

/// An import in steps that stopped part-way and that this file carries on: its record, the rows
/// and bytes it wrote, and the hash of those bytes, to go on from. `none` for a fresh start.
struct ImportResumption {
    let run: Int64?
    let rows: Int
    let bytes: Int
    let hash: SHA256
    static let none = ImportResumption(run: nil, rows: 0, bytes: 0, hash: SHA256())
}

extension Flourish {
    /// The columns of an organisations import, in order.
    public static let organisationColumns = ["name", "kind", "district", "size_band", "postcode", "company_number", "contact_name", "contact_email", "registered_on"]
    /// The columns of a pledges import, in order.
    public static let pledgeColumns = ["organisation", "pledge_year", "text", "areas", "theme", "priority", "submitted_on", "approved_on", "outcome", "evidence", "reported_on", "reached"]

    /// Reads a CSV with a header naming at least the required columns; every other check is the caller's.
    func importRows(_ source: ImportSource, columns: [String], required: [String]) throws -> [(line: Int, values: [String: String])] {
        var rows: [(line: Int, values: [String: String])] = []
        _ = try forEachImportRow(source, columns: columns, required: required, progress: nil) { line, values, _ in rows.append((line, values)) }
        return rows
    }

    /// Reads an import's rows one at a time, after checking the header names at least the
    /// required columns and no unknown one; blank lines are skipped. `body` gets each row's
    /// line, its values by column (trimmed) and where it is in the file.
    ///
    /// - Returns: how many rows there were.
    @discardableResult
    func forEachImportRow(_ source: ImportSource, columns: [String], required: [String], progress: ((Int, Double) -> Void)?,
                          _ body: (Int, [String: String], ImportRowPlace) throws -> Void) throws -> Int {
        try source.withBytes { bytes in
            var names: [String]?
            var rows = 0
            do {
                try CSV.forEachRecord(in: bytes) { record, end in
                    guard let header = names else {
                        let given = record.fields.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
                        var problems = ImportProblems()
                        for column in required where !given.contains(column) {
                            problems.append(ImportProblem(line: 1, column: column, message: "the header has no \(column) column; the columns are: \(columns.joined(separator: ","))"))
                        }
                        for name in given where !columns.contains(name) {
                            problems.append(ImportProblem(line: 1, column: name, message: "\(name) is not a column this import knows; the columns are: \(columns.joined(separator: ","))"))
                        }
                        try problems.throwIfAny()
                        names = given
                        return
                    }
                    guard !record.fields.isEmpty else { return }
                    var values: [String: String] = [:]
                    for (i, name) in header.enumerated() where i < record.fields.count {
                        values[name] = record.fields[i].trimmed
                    }
                    rows += 1
                    let fraction = bytes.isEmpty ? 1 : Double(end) / Double(bytes.count)
                    try body(record.line, values, ImportRowPlace(index: rows, end: end, fraction: fraction))
                    if rows % Self.importProgressStep == 0 { progress?(rows, fraction) }
                }
            } catch let e as CSVError {
                throw ImportError(problems: [ImportProblem(line: e.line, column: nil, message: e.message)])
            }
            guard names != nil else {
                throw ImportError(problems: [ImportProblem(line: 1, column: nil, message: "the file is empty; it needs a header row: \(columns.joined(separator: ","))")])
            }
            progress?(rows, 1)
            return rows
        }
    }

    /// Microseconds an import in steps waits between two steps (2 ms: 0.8 s over 400 steps).
    static let pauseBetweenImportSteps: UInt32 = 2_000

    /// How many rows pass between two progress reports.
    static let importProgressStep = 1_000

    func importDate(_ text: String?, line: Int, column: String, into problems: inout ImportProblems) -> Date? {
        guard let text, !text.isEmpty else { return nil }
        // Noon on the day, in the partnership's time zone.
        guard let day = CalendarDay(text) else {
            problems.append(ImportProblem(line: line, column: column, message: "\"\(text)\" is not a date; write it as YYYY-MM-DD"))
            return nil
        }
        let date = time.moment(day, hour: 12)
        // A day is in the future only after today; today's events are dated noon, or now if earlier.
        let now = clock.now()
        if day > time.day(of: now) { problems.append(ImportProblem(line: line, column: column, message: "\(text) is in the future")) }
        return min(date, now)
    }

    /// An import's first pass: `check` sees every row before anything is written, and no
    /// write lock is taken (a live server's writes go on; a dry run stops here).
    ///
    /// The first `skipping` rows (written by an earlier import in steps that this one carries on)
    /// are not checked again.
    ///
    /// - Returns: how many rows the file has.
    /// - Throws: ``ImportError`` with the first problems, by line and column, and how many in all.
    func checkImport(_ source: ImportSource, columns: [String], required: [String], skipping: Int = 0, progress: ImportProgressHandler?,
                     _ check: (Int, [String: String], inout ImportProblems) throws -> Void) throws -> Int {
        var problems = ImportProblems()
        let began = Date()
        let rows = try forEachImportRow(source, columns: columns, required: required, progress: { rows, fraction in
            progress?(ImportProgress(stage: .checking, rows: rows, totalRows: nil, fraction: fraction, elapsed: -began.timeIntervalSinceNow))
        }) { line, values, place in
            if place.index > skipping { try check(line, values, &problems) }
        }
        try problems.throwIfAny()
        return rows
    }

    /// Imports in steps not finished, oldest first.
    public func unfinishedImports() throws -> [UnfinishedImport] {
        try database.read { db in
            try db.query("SELECT \(Self.unfinishedImportColumns) FROM import_runs WHERE finished_at IS NULL ORDER BY id").map(Self.unfinishedImport)
        }
    }

    /// The kinds of import that run in steps (and so may stop part-way).
    public static let importsInSteps = ["organisations", "pledges"]

    /// Sets aside the imports in steps of `kind` that stopped part-way and are not to be carried
    /// on: the rows they wrote stay, as written; the doctor no longer warns of them, and a file
    /// beginning with their rows is no longer taken to carry them on (imported again, its first
    /// rows meet themselves as already there). Only the secretariat, who imports.
    ///
    /// - Returns: the imports set aside (none when none was waiting).
    public func setAsideUnfinishedImports(of kind: String, by person: String) throws -> [UnfinishedImport] {
        guard Self.importsInSteps.contains(kind) else { throw ImportKindError(kind: kind) }
        try requireSecretariat(try viewer(for: person), doing: "set aside an import")
        let now = clock.now()
        return try database.write { db in
            let waiting = try db.query("SELECT \(Self.unfinishedImportColumns) FROM import_runs WHERE finished_at IS NULL AND kind = ? ORDER BY id", kind).map(Self.unfinishedImport)
            try db.run("UPDATE import_runs SET finished_at = ? WHERE finished_at IS NULL AND kind = ?", now.milliseconds, kind)
            return waiting
        }
    }

    /// The columns ``unfinishedImport(_:)`` reads.
    static let unfinishedImportColumns = "id, kind, by_person, rows_in_file, rows_written, bytes_written, written_digest, started_at"

    static func unfinishedImport(_ row: Row) -> UnfinishedImport {
        UnfinishedImport(kind: row.string("kind") ?? "", by: row.string("by_person") ?? "?", startedAt: Date(milliseconds: row.int64("started_at") ?? 0),
                         rowsInFile: row.int("rows_in_file") ?? 0, rowsWritten: row.int("rows_written") ?? 0, id: row.int64("id") ?? 0,
                         bytesWritten: row.int("bytes_written") ?? 0, writtenDigest: row.string("written_digest") ?? "")
    }

    /// Whether this file carries on an import in steps of `kind` that stopped part-way: one whose
    /// written bytes this file begins with. Such a file imported all or nothing would meet its
    /// own first rows as already there, so that is refused, saying how to carry on instead.
    func importResumption(kind: String, source: ImportSource, writing: ImportWriting) throws -> ImportResumption {
        let unfinished = try unfinishedImports().filter { $0.kind == kind }.reversed()
        guard !unfinished.isEmpty else { return .none }
        return try source.withBytes { bytes in
            for run in unfinished {
                let count = run.bytesWritten
                guard count > 0, count <= bytes.count else { continue }
                var hash = SHA256()
                hash.update(bytes, 0..<count)
                var copy = hash
                guard copy.finalize().hexString == run.writtenDigest else { continue }
                if writing == .allOrNothing {
                    throw ImportError(problems: [ImportProblem(line: 2, column: nil, message:
                        "the first \(run.rowsWritten) rows of this file were imported in steps on \(time.day(of: run.startedAt)) by \(run.by), and that import stopped part-way; "
                        + "import it in steps again to carry on after them (written all at once, its first rows would meet themselves)")])
                }
                return ImportResumption(run: run.id, rows: run.rowsWritten, bytes: count, hash: hash)
            }
            return .none
        }
    }

    /// An import's second pass, after ``checkImport(_:columns:required:skipping:progress:_:)``
    /// found nothing wrong: `write` takes every row again, all in one transaction or in steps
    /// (see ``ImportWriting``). What changed since the check (another registration of the same
    /// organisation, say) is still caught: all or nothing, then nothing is written; in steps, the
    /// step it falls in is not, and the import stops there (``ImportStoppedError``).
    func writeImport(_ source: ImportSource, kind: String, columns: [String], required: [String], rows: Int,
                     writing: ImportWriting, resuming resume: ImportResumption, by person: String, progress: ImportProgressHandler?,
                     _ write: (EngineTransaction, Int, [String: String]) throws -> String) throws -> ImportReport {
        let began = Date()
        let toWrite = rows - resume.rows
        func report(_ done: Int) {
            progress?(ImportProgress(stage: .writing, rows: done, totalRows: toWrite, fraction: toWrite == 0 ? 1 : Double(done) / Double(toWrite), elapsed: -began.timeIntervalSinceNow))
        }
        guard case .inSteps(let stepRows) = writing else {
            return try applyImport(rowCount: rows, problems: ImportProblems(), dryRun: false) { tx in
                var created: [String] = []
                created.reserveCapacity(rows)
                var problems = ImportProblems()
                try forEachImportRow(source, columns: columns, required: required, progress: { done, _ in report(done) }) { line, values, _ in
                    do { created.append(try write(tx, line, values)) } catch let e as ImportError { e.problems.forEach { problems.append($0) } }
                }
                try problems.throwIfAny()
                return created
            }
        }
        var created: [String] = [], unsent = 0, settled = 0, steps = 0
        created.reserveCapacity(toWrite)
        var run = resume.run, hash = resume.hash, hashedThrough = resume.bytes, written = resume.rows
        var step: [(line: Int, values: [String: String])] = []
        step.reserveCapacity(stepRows)
        // One step: its rows, settled and withheld as any import's, and how far the file has got
        // (the rows and bytes written, and the hash of those bytes), in one transaction.
        func writeStep(through end: Int, last: Bool) throws {
            try source.withBytes { bytes in
                hash.update(bytes, hashedThrough..<end)
            }
            hashedThrough = end
            var copy = hash
            let digest = copy.finalize().hexString, rowsNow = written + step.count, now = clock.now()
            let done: ImportReport
            do {
                done = try applyImport(rowCount: step.count, problems: ImportProblems(), dryRun: false) { tx in
                    var created: [String] = []
                    for row in step { created.append(try write(tx, row.line, row.values)) }
                    if let run {
                        try tx.db.run("UPDATE import_runs SET rows_written = ?, bytes_written = ?, written_digest = ?, finished_at = ? WHERE id = ?",
                                      rowsNow, end, digest, last ? now.milliseconds : nil, run)
                    } else {
                        try tx.db.run("INSERT INTO import_runs (kind, by_person, rows_in_file, rows_written, bytes_written, written_digest, started_at, finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                                      kind, person, rows, rowsNow, end, digest, now.milliseconds, last ? now.milliseconds : nil)
                        run = tx.db.lastInsertRowID
                    }
                    return created
                }
            } catch let e as ImportError {
                throw ImportStoppedError(written: written, rows: rows, problems: e.problems, reason: nil)
            } catch {
                throw ImportStoppedError(written: written, rows: rows, problems: [], reason: error.localizedDescription)
            }
            written = rowsNow
            created += done.created
            unsent += done.unsentMessages
            settled += done.settledDeadlines
            steps += 1
            step.removeAll(keepingCapacity: true)
        }
        if toWrite == 0, let run = resume.run {
            // A file that ends where the import stopped: nothing is left of it to write.
            try database.write { try $0.run("UPDATE import_runs SET finished_at = ? WHERE id = ?", clock.now().milliseconds, run) }
        }
        try forEachImportRow(source, columns: columns, required: required, progress: nil) { line, values, place in
            guard place.index > resume.rows else { return }
            step.append((line, values))
            if step.count == stepRows || place.index == rows {
                try writeStep(through: place.end, last: place.index == rows)
                report(written - resume.rows)
                // A breath between steps, so a writer waiting for the lock (which looks for it
                // every millisecond) takes it before the next step does.
                if place.index < rows { usleep(Self.pauseBetweenImportSteps) }
            }
        }
        return ImportReport(rows: toWrite, created: created, dryRun: false, unsentMessages: unsent, settledDeadlines: settled,
                            steps: steps, resumedAfter: resume.rows)
    }

    /// An organisations row, read: the registration and the moment it is dated.
    func organisationRow(_ line: Int, _ v: [String: String], problems: inout ImportProblems) -> (registration: OrganisationRegistration, at: Date) {
        let registration = OrganisationRegistration(name: v["name"] ?? "", kind: v["kind"] ?? "", district: v["district"] ?? "", sizeBand: v["size_band"] ?? "",
                                                    postcode: v["postcode"].flatMap { $0.isEmpty ? nil : $0 }, companyNumber: v["company_number"].flatMap { $0.isEmpty ? nil : $0 },
                                                    contactName: v["contact_name"] ?? "", contactEmail: v["contact_email"] ?? "")
        let at = importDate(v["registered_on"], line: line, column: "registered_on", into: &problems) ?? clock.now()
        return (registration, at)
    }

    /// A registration refused, as the import's problem on that line.
    static func importProblem(_ e: RegistrationError, line: Int) -> ImportProblem {
        ImportProblem(line: line, column: e.field.map { $0.replacingOccurrences(of: " ", with: "_") }, message: e.localizedDescription)
    }

    /// Imports pledging organisations from RFC 4180 CSV: every row is checked first and each
    /// problem reported by line and column; with any problem nothing is written. Each
    /// organisation's registration is dated from the file.
    public func importOrganisations(csv text: String, dryRun: Bool, by person: String) throws -> ImportReport {
        try importOrganisations(.text(text), dryRun: dryRun, by: person, progress: nil)
    }

    /// Imports pledging organisations from a file or text, checking every row before taking
    /// the write lock (a dry run never takes it), then writing every row in one transaction.
    public func importOrganisations(_ source: ImportSource, dryRun: Bool, writing: ImportWriting = .allOrNothing, by person: String, progress: ImportProgressHandler?) throws -> ImportReport {
        // Who may import is known before any row is read: only the secretariat registers organisations in bulk.
        try requireSecretariat(try viewer(for: person), doing: "import organisations")
        let columns = Self.organisationColumns, required = ["name", "kind", "district", "size_band", "contact_name", "contact_email"]
        let resume = try importResumption(kind: "organisations", source: source, writing: writing)
        let kinds = partnership.organisationKinds.map(\.key), districts = partnership.districts.map(\.key), sizes = partnership.sizeBands.map(\.key)
        var seen: [String: Int] = [:]
        let rows = try database.read { db in
            try checkImport(source, columns: columns, required: required, skipping: resume.rows, progress: progress) { line, v, problems in
                let (registration, _) = organisationRow(line, v, problems: &problems)
                let identity = registration.companyNumber.map { "company " + $0.uppercased().filter { !$0.isWhitespace } }
                    ?? "name " + registration.name.lowercased() + " " + (PledgingOrganisations.normalisedPostcode(registration.postcode) ?? "line\(line)")
                if let first = seen[identity] { problems.append(ImportProblem(line: line, column: nil, message: "the same organisation as line \(first)")); return }
                seen[identity] = line
                do { try PledgingOrganisations.check(registration, kinds: kinds, districts: districts, sizeBands: sizes, db: db) } catch let e as RegistrationError {
                    problems.append(Self.importProblem(e, line: line))
                }
            }
        }
        seen = [:]
        if dryRun { return ImportReport(rows: rows - resume.rows, created: [], dryRun: true, resumedAfter: resume.rows) }
        // Each id handed out is looked for first, so one taken between two steps (a registration
        // on the web) is passed over.
        var contacts = PledgingOrganisations.ContactIDs()
        return try writeImport(source, kind: "organisations", columns: columns, required: required, rows: rows, writing: writing, resuming: resume,
                               by: person, progress: progress) { tx, line, v in
            var problems = ImportProblems()
            let (registration, at) = organisationRow(line, v, problems: &problems)
            try problems.throwIfAny()
            do {
                let made = try PledgingOrganisations.insert(registration, kinds: kinds, districts: districts, sizeBands: sizes, db: tx.db, at: at,
                                                            contactID: try contacts.next(tx.db))
                try tx.start("scheme-membership", data: ["organisation": .string(made.key),
                                                         "contactName": .string(registration.contactName), "contactEmail": .string(registration.contactEmail)],
                             computed: ["contacts": [.string(made.contact)]], actor: Actor(person), at: at)
                return made.key
            } catch let e as RegistrationError {
                throw ImportError(problems: [Self.importProblem(e, line: line)])
            } catch let e as WorkflowError {
                throw ImportError(problems: [ImportProblem(line: line, column: e.field.map(Self.columnName), message: e.localizedDescription)])
            }
        }
    }

    /// A checked pledges row: what its pledge starts with and the history it brings.
    struct PlannedPledge {
        let data: [String: JSONValue]
        let contact: String
        let submitted: Date
        let approved: Date?
        let report: (outcome: String, evidence: String, at: Date, reached: Int?)?
    }

    /// What an import needs of an organisation a pledges row names, read once per organisation.
    /// What an import keeps of each organisation it has met: its contacts, and the years and
    /// wording of the pledges it already had (not the whole organisation, with every pledge's
    /// record: 200,000 of those held 800 MB).
    struct ImportedPledger {
        let contacts: [String]
        let earlier: [(year: Int?, normalText: String)]

        init(contacts: [String], pledges: [Pledge]) {
            self.contacts = contacts
            earlier = pledges.map { ($0.pledgeYear, Flourish.normalise($0.text)) }
        }

        /// Whether `text` says again what an earlier year's pledge said.
        func repeats(_ text: String, before year: Int) -> Bool { Flourish.repeatsEarlierPledge(text, earlier: earlier, before: year) }
    }

    /// An organisation as a pledges import needs it, nil when there is none: its record and
    /// pledges only (``organisation(_:)`` also asks the wall, whose first reading decodes every
    /// membership: 600 MB over 200,000 organisations, for an answer the import does not use).
    func importedPledger(_ key: String) throws -> ImportedPledger? {
        guard let org = try database.read({ db in try PledgingOrganisations.load(key, db: db) }) else { return nil }
        return ImportedPledger(contacts: org.contacts, pledges: try Pledge.records(instances(of: "pledge", whereData: "organisation", equals: key)))
    }

    /// The same, read within the import's own write transaction: it sees what the rows before
    /// have written (an earlier year's pledge in the same file), and costs no read transaction.
    func importedPledger(_ key: String, in tx: EngineTransaction) throws -> ImportedPledger? {
        guard let org = try PledgingOrganisations.load(key, db: tx.db) else { return nil }
        return ImportedPledger(contacts: org.contacts, pledges: try Pledge.records(tx.instances(of: "pledge", where: "organisation", equals: key)))
    }

    /// How many organisations a pledges import's check keeps what it read of at once.
    static let pledgersKept = 5_000

    /// Reads and checks one pledges row, adding its problems; nil when it has any.
    /// - Parameter pledger: what is known of the row's organisation (nil: there is none).
    func pledgeRow(_ line: Int, _ v: [String: String], pledger: ImportedPledger?, problems: inout ImportProblems) throws -> PlannedPledge? {
        let org = v["organisation"] ?? ""
        var rowOK = true
        func problem(_ column: String?, _ message: String) { problems.append(ImportProblem(line: line, column: column, message: message)); rowOK = false }
        guard let pledger else {
            let some = try database.read { db in try db.query("SELECT key FROM organisations WHERE kind IS NOT NULL ORDER BY key LIMIT 10").compactMap { $0.string("key") } }
            problem("organisation", "there is no organisation \"\(org)\"; import the organisations first, or use one of: \(some.joined(separator: ", "))")
            return nil
        }
        guard let contact = pledger.contacts.first else { problem("organisation", "\(org) has no contact"); return nil }
        let year = Int(v["pledge_year"] ?? "")
        if year == nil || !(2000...2100).contains(year!) { problem("pledge_year", "should be a year such as 2025") }
        let text = v["text"] ?? ""
        if text.isEmpty { problem("text", "is required: the new thing the organisation pledged") }
        let areas = (v["areas"] ?? "").split(separator: ";").map { String($0).trimmedOfSpaces }.filter { !$0.isEmpty }
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
        let reachedText = (v["reached"] ?? "").trimmedOfSpaces
        let reached = Int(reachedText)
        if !reachedText.isEmpty {
            if reached == nil || !(0...Self.mostReached).contains(reached!) { problem("reached", "should be the number of children and young people reached, a whole number from 0 to \(Self.mostReached)") }
            if outcome == nil { problem("reached", "goes with an outcome: a pledge reports how many it reached when it reports") }
        }
        // A report's date, or its evidence, without its outcome was dropped without a word.
        if outcome == nil, reported != nil { problem("outcome", "is needed when reported_on is given: one of \(Self.importedOutcomes.joined(separator: ", ")); or leave reported_on empty") }
        if outcome == nil, !(v["evidence"] ?? "").isEmpty { problem("outcome", "is needed when evidence is given: one of \(Self.importedOutcomes.joined(separator: ", ")); or leave evidence empty") }
        if let outcome {
            if !Self.importedOutcomes.contains(outcome) { problem("outcome", "should be one of: \(Self.importedOutcomes.joined(separator: ", "))") }
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
        guard rowOK, let submitted, let year else { return nil }
        var data: [String: JSONValue] = ["organisation": .string(org), "contacts": .array(pledger.contacts.map(JSONValue.string)),
                                         "pledgeYear": .integer(Int64(year)), "text": .string(text), "areas": .array(areas.map(JSONValue.string)),
                                         "repeatsLastYear": .bool(pledger.repeats(text, before: year))]
        if let theme { data["theme"] = .string(theme) }
        if let priority { data["priority"] = .string(priority) }
        return PlannedPledge(data: data, contact: contact, submitted: submitted, approved: approved, report: report)
    }

    static let importedOutcomes = ["delivered", "partly-delivered", "not-delivered"]

    /// Imports pledges from RFC 4180 CSV, with their history dated from the file: submitted,
    /// approved (with that day's pledge-year dates), reported. Reminders that fell due before
    /// the import are not sent; deadlines still open run as for any pledge.
    public func importPledges(csv text: String, dryRun: Bool, by person: String) throws -> ImportReport {
        try importPledges(.text(text), dryRun: dryRun, by: person, progress: nil)
    }

    /// Imports pledges from a file or text, checking every row before taking the write lock (a
    /// dry run never takes it), then writing every row's history in one transaction.
    public func importPledges(_ source: ImportSource, dryRun: Bool, writing: ImportWriting = .allOrNothing, by person: String, progress: ImportProgressHandler?) throws -> ImportReport {
        // Who may import is known before any row is read: only the secretariat approves pledges, as the import does.
        try requireSecretariat(try viewer(for: person), doing: "import pledges")
        let columns = Self.pledgeColumns, required = ["organisation", "pledge_year", "text", "areas", "submitted_on"]
        let resume = try importResumption(kind: "pledges", source: source, writing: writing)
        // The check keeps what it read of the organisations met lately, not of every one the
        // file names (200,000 held 100 MB): a file's rows for one organisation usually come
        // together, and one met again after the clear-out is read again.
        var pledgers: [String: ImportedPledger?] = [:]
        let now = clock.now()
        let rows = try checkImport(source, columns: columns, required: required, skipping: resume.rows, progress: progress) { line, v, problems in
            let org = v["organisation"] ?? ""
            if pledgers[org] == nil {
                if pledgers.count >= Self.pledgersKept { pledgers.removeAll(keepingCapacity: true) }
                pledgers[org] = .some(try importedPledger(org))
            }
            _ = try pledgeRow(line, v, pledger: pledgers[org] ?? nil, problems: &problems)
        }
        pledgers = [:]
        if dryRun { return ImportReport(rows: rows - resume.rows, created: [], dryRun: true, resumedAfter: resume.rows) }
        // A file's pledges share a handful of approval days: each day's pledge-year dates are
        // worked out once (working days, bank holidays), not for every row.
        var yearDates: [CalendarDay: (dates: PledgeSettings.YearDates, fields: [String: JSONValue])] = [:]
        func datesOfYear(approvedOn day: CalendarDay) throws -> (dates: PledgeSettings.YearDates, fields: [String: JSONValue]) {
            if let known = yearDates[day] { return known }
            let dates = try partnership.pledges.dates(approvedOn: day, time: time)
            if yearDates.count >= 10_000 { yearDates.removeAll(keepingCapacity: true) }
            yearDates[day] = (dates, Self.pledgeYearFields(dates))
            return yearDates[day]!
        }
        return try writeImport(source, kind: "pledges", columns: columns, required: required, rows: rows, writing: writing, resuming: resume,
                               by: person, progress: progress) { tx, line, v in
            var problems = ImportProblems()
            let planned = try pledgeRow(line, v, pledger: try importedPledger(v["organisation"] ?? "", in: tx), problems: &problems)
            try problems.throwIfAny()
            guard let p = planned else { throw ImportError(problems: [ImportProblem(line: line, column: nil, message: "the row could not be read again")]) }
            do {
                let built = try engine.separatingComputed(p.data, workflow: "pledge", event: "start")
                let pledge = try tx.start("pledge", data: built.given, computed: built.computed, actor: Actor(p.contact), at: p.submitted)
                try tx.fire("submit", on: pledge.id, actor: Actor(p.contact), at: p.submitted)
                if let approved = p.approved {
                    let (dates, fields) = try datesOfYear(approvedOn: time.day(of: approved))
                    try tx.fire("approve", on: pledge.id, computed: fields, actor: Actor(person), at: approved)
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
                return pledge.id.rawValue
            } catch let e as WorkflowError {
                throw ImportError(problems: [ImportProblem(line: line, column: e.field.map(Self.columnName), message: e.localizedDescription)])
            }
        }
    }

    /// Applies a checked import in one transaction. A dry run checks only and writes nothing:
    /// it takes no write lock, so it neither waits for nor holds up anyone else's writes.
    func applyImport(rowCount: Int, problems: ImportProblems, dryRun: Bool, _ body: (EngineTransaction) throws -> [String]) throws -> ImportReport {
        try problems.throwIfAny()
        if dryRun { return ImportReport(rows: rowCount, created: [], dryRun: true) }
        let now = clock.now()
        var settled = 0
        let (created, unsent) = try engine.batch { tx -> ([String], Int) in
            // Imports are history, not news: messages about events dated before the import
            // (a welcome, "published", "please report" for a pledge of two years ago) are
            // recorded as withheld, not queued.
            let (created, unsent) = try tx.withholdingMessages(datedBefore: now, reason: "imported history", at: now) { () -> [String] in
                let before = try tx.db.queryOne("SELECT COALESCE(MAX(seq), 0) AS seq FROM events")?.int64("seq") ?? 0
                let created = try body(tx)
                // Deadlines that passed before the import (a year's end, a renewal, a lapse) are
                // settled now, each at its own moment, as history: not left for the next tick to
                // act on and announce.
                settled = try tx.settleTimers(ofInstancesWrittenAfter: before, dueBy: now)
                return created
            }
            return (created, unsent)
        }
        return ImportReport(rows: rowCount, created: created, dryRun: false, unsentMessages: unsent, settledDeadlines: settled, steps: 1)
    }

    static func columnName(_ field: String) -> String {
        field.reduce("") { $0 + ($1.isUppercase ? "_" + $1.lowercased() : String($1)) }
    }
}
