import Foundation
@_spi(Harness) import Services
import Engine
import Domain
import SQLite
import HTTPServer
import WebApp
internal import CSystem

/// `flourish bench growth`: how the costly work grows with the partnership. At each size (1,000,
/// 5,000, 20,000 and 100,000 organisations by default) it times, and takes the peak memory of,
/// the annual report, the dashboard (cold, and kept in step after a write), the pledge wall
/// (the same two ways), a day's tick and an organisations import of that many rows, each beside
/// reading every instance straight from SQLite at the same size.
public enum GrowthBenchmarks {
    /// One measurement at one size.
    struct Cell {
        let seconds: Double
        let peakMiB: Double
    }

    /// The measurements, in the order they are printed.
    static let measurements = [
        "read every instance from SQLite (baseline)",
        "annual report, this year (cold)",
        "dashboard page (cold)",
        "dashboard page after a write (kept in step)",
        "pledge wall page (cold)",
        "pledge wall page after a write (kept in step)",
        "tick a week on (timers falling due)",
        "import as many organisations from CSV",
    ]

    public static func run(_ inv: some BenchInvocation) throws {
        let sizes = try (inv.value("sizes") ?? "1000,5000,20000,100000").split(separator: ",").map { part -> Int in
            guard let n = Int(part.trimmingCharacters(in: .whitespaces)), n >= 10 else {
                throw BenchUsageError("--sizes takes organisation counts of at least 10, separated by commas (for example 1000,5000)")
            }
            return n
        }
        let years = try inv.integer("years") ?? 2
        guard years > 0, !sizes.isEmpty else { throw BenchUsageError("--years must be positive and --sizes name at least one size") }
        let (dir, keep) = try ScaleBenchmarks.scratch(inv)
        defer { if !keep { try? FileManager.default.removeItem(at: dir) } }
        let library = try ScaleBenchmarks.library(inv)
        let time = PartnershipTime(timeZone: TimeZone(identifier: "Europe/London")!, workingDays: library.calendars["england-and-wales"]!)
        let now = time.parse(ScaleBenchmarks.benchNow)!

        var results: [[Cell]] = []  // [size][measurement]
        var shapes: [(organisations: Int, pledges: Int, instances: Int, events: Int, timersFired: Int)] = []
        for size in sizes {
            var shape = LargePartnership()
            shape.organisations = size
            shape.years = years
            shape.actions = size / 10
            shape.measures = min(50, size / 20)
            shape.escalations = size / 40
            let name = "growth-\(size)x\(years)"
            let path = dir.appendingPathComponent("\(name).sqlite").path, done = dir.appendingPathComponent("\(name).complete").path
            if !FileManager.default.fileExists(atPath: done) {
                for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
                let clock = TestClock(now)
                _ = try shape.generate(into: try Flourish(databasePath: path, library: library, clock: clock), clock: clock, year: 2026)
                FileManager.default.createFile(atPath: done, contents: Data())
            }
            let (cells, counts) = try measure(path: path, size: size, library: library, now: now, scratch: dir)
            results.append(cells)
            shapes.append((size, counts.pledges, counts.instances, counts.events, counts.timersFired))
        }

        let json: JSONValue = .object([
            "years": .integer(Int64(years)),
            "sizes": .array(zip(shapes, results).map { shape, cells in
                .object(["organisations": .integer(Int64(shape.organisations)), "pledges": .integer(Int64(shape.pledges)),
                         "instances": .integer(Int64(shape.instances)), "events": .integer(Int64(shape.events)), "timersFiredByTheTick": .integer(Int64(shape.timersFired)),
                         "measurements": .array(zip(measurements, cells).map { name, cell in
                             .object(["measurement": .string(name), "seconds": .double(cell.seconds), "peakAddedMiB": .double((cell.peakMiB * 10).rounded() / 10)])
                         })])
            }),
        ])
        inv.benchOutput(json) { table(sizes: sizes, years: years, shapes: shapes.map { ($0.pledges, $0.events, $0.timersFired) }, results: results) }
    }

    /// Every measurement at one size. The cold ones open the database afresh; the ones that
    /// write (the kept views, the tick) work on a copy, so a kept database stays as generated.
    static func measure(path: String, size: Int, library: WorkflowLibrary, now: Date, scratch: URL) throws
        -> (cells: [Cell], counts: (pledges: Int, instances: Int, events: Int, timersFired: Int)) {
        let clock = TestClock(now)
        func fresh(_ path: String) throws -> (Flourish, WebApp, String) {
            let app = try Flourish(databasePath: path, library: library, clock: clock)
            let web = try WebApp(app: app, log: ServerLog { _ in })
            return (app, web, try ScaleBenchmarks.signIn(web, as: "sam"))
        }
        let (app, _, _) = try fresh(path)
        let counts = try app.database.read { db in
            (try db.queryOne("SELECT count(*) AS n FROM instances WHERE workflow = 'pledge'")?.int("n") ?? 0,
             try db.queryOne("SELECT count(*) AS n FROM instances")?.int("n") ?? 0, try db.queryOne("SELECT count(*) AS n FROM events")?.int("n") ?? 0)
        }
        var cells: [Cell] = []
        cells.append(try cell {
            _ = try app.database.read { db in
                var bytes = 0
                for row in try db.query("SELECT id, workflow, state, data FROM instances") { bytes += (row.string("data") ?? "").utf8.count + (row.string("id") ?? "").utf8.count }
                return bytes
            }
        })
        let year = app.currentPledgeYear()
        cells.append(try cell(prepare: { try fresh(path).0 }) { a in _ = try a.annualReport(year: year) })
        cells.append(try cell(prepare: { try fresh(path) }) { f in _ = try ScaleBenchmarks.page(f.1, "/dashboard", cookie: f.2) })

        // A copy to write to: each kept view follows one write (a pledge approved, as the
        // secretariat approves them through the year), the view before it already built.
        try app.database.checkpoint()
        let copy = scratch.appendingPathComponent("growth-\(size)-copy.sqlite").path
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: copy + suffix) }
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: copy + suffix) } }
        try FileManager.default.copyItem(atPath: path, toPath: copy)
        let (writer, web, cookie) = try fresh(copy)
        var submitted = try writer.database.read { db in
            try db.query("SELECT id FROM instances WHERE workflow = 'pledge' AND state = 'submitted' ORDER BY id LIMIT 20").compactMap { $0.string("id") }
        }
        func write() throws {
            if let id = submitted.popLast() {
                _ = try writer.approvePledge(RecordID(InstanceID(id)), comment: nil, expectedVersion: nil, by: "sam")
            } else {
                _ = try writer.logAction(ActionRequest(group: "early-prevention-board", title: "Growth benchmark action", description: "", priority: nil, areas: ["learning"],
                                                       owner: "erin", dueDate: "2027-01-29", item: nil), by: "erin")
            }
        }
        _ = try ScaleBenchmarks.page(web, "/dashboard", cookie: cookie)
        cells.append(try cell(prepare: { try write() }) { _ in _ = try ScaleBenchmarks.page(web, "/dashboard", cookie: cookie) })
        cells.append(try cell(prepare: { try fresh(path) }) { f in _ = try ScaleBenchmarks.page(f.1, "/pledges", cookie: nil) })
        _ = try ScaleBenchmarks.page(web, "/pledges", cookie: nil)
        cells.append(try cell(prepare: { try write() }) { _ in _ = try ScaleBenchmarks.page(web, "/pledges", cookie: nil) })
        // One tick, a week on: the check-ins, reminders and deadlines of seven days.
        var fired = 0
        cells.append(try cell(rounds: 1) { fired = try writer.engine.tick(now: now.addingTimeInterval(7 * 86_400)).count })

        // An import of as many organisations into a fresh partnership.
        let target = scratch.appendingPathComponent("growth-\(size)-import.sqlite").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: target + suffix) } }
        var rows = [["name", "kind", "district", "size_band", "postcode", "company_number", "contact_name", "contact_email", "registered_on"]]
        let kinds = app.partnership.organisationKinds.map(\.key), districts = app.partnership.districts.map(\.key), bands = app.partnership.sizeBands.map(\.key)
        for i in 0..<size {
            rows.append(["Imported Organisation \(i)", kinds[i % kinds.count], districts[i % districts.count], bands[i % bands.count], "NR\(i % 30) \(i % 9)AB", "",
                         "Contact \(i)", "contact\(i)@imported\(i).example", "2025-03-04"])
        }
        let csv = CSV.write(rows)
        rows = []
        cells.append(try cell(rounds: 1, prepare: { () -> Flourish in
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: target + suffix) }
            let fresh = try Flourish(databasePath: target, library: library, clock: clock)
            _ = try fresh.loadDemo()
            return fresh
        }) { fresh in
            let report = try fresh.importOrganisations(.text(csv), dryRun: false, by: "sam", progress: nil)
            guard report.created.count == size else { throw BenchUsageError("the import wrote \(report.created.count) of \(size) organisations") }
        })
        return (cells, (counts.0, counts.1, counts.2, fired))
    }

    /// The median time of `rounds` runs of `body` (each after its own `prepare`, not timed), and
    /// the most memory a run took: the process's peak during it over what it held as it began.
    static func cell<T>(rounds: Int = 3, prepare: () throws -> T, _ body: (T) throws -> Void) throws -> Cell {
        var times: [Double] = [], peak = 0.0
        for _ in 0..<rounds {
            let prepared = try prepare()
            let resident = PeakMemory.reset()
            let start = DispatchTime.now().uptimeNanoseconds
            try body(prepared)
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            peak = max(peak, PeakMemory.mebibytes("VmHWM") - resident)
        }
        return Cell(seconds: times.sorted()[rounds / 2], peakMiB: peak)
    }

    static func cell(rounds: Int = 3, _ body: () throws -> Void) throws -> Cell {
        try cell(rounds: rounds, prepare: {}) { _ in try body() }
    }

    static func table(sizes: [Int], years: Int, shapes: [(pledges: Int, events: Int, timersFired: Int)], results: [[Cell]]) -> String {
        let nameWidth = 48, cellWidth = 18
        func pad(_ text: String, _ width: Int) -> String { text.count >= width ? text : String(repeating: " ", count: width - text.count) + text }
        var lines = ["Growth benchmark: organisations pledging over \(years == 1 ? "one year" : "\(years) years"), an action for every 10 and an escalation for every 40,",
                     "generated through the imports and services. Each cell: median seconds (the most memory the step took, MiB:",
                     "the process's peak resident memory during it over what it held as it began).",
                     "",
                     "organisations".padding(toLength: nameWidth, withPad: " ", startingAt: 0) + sizes.map { pad(String($0), cellWidth) }.joined(),
                     "pledges, events".padding(toLength: nameWidth, withPad: " ", startingAt: 0) + shapes.map { pad("\($0.pledges), \($0.events)", cellWidth) }.joined(),
                     "timers the tick a week on fired".padding(toLength: nameWidth, withPad: " ", startingAt: 0) + shapes.map { pad(String($0.timersFired), cellWidth) }.joined()]
        for (m, name) in measurements.enumerated() {
            lines.append(name.padding(toLength: nameWidth, withPad: " ", startingAt: 0)
                         + results.map { pad(String(format: "%.3f (%.1f)", $0[m].seconds, $0[m].peakMiB), cellWidth) }.joined())
        }
        guard sizes.count > 1, let first = sizes.first, let last = sizes.last else { return lines.joined(separator: "\n") }
        lines += ["", "Growth from \(first) to \(last) organisations (\(String(format: "%g", Double(last) / Double(first))) times as many): time per organisation at \(last) over time per organisation at \(first), and the ratio to the baseline at \(last)."]
        for (m, name) in measurements.enumerated() {
            let perFirst = results[0][m].seconds / Double(first), perLast = results[results.count - 1][m].seconds / Double(last)
            let growth = perFirst > 0 ? perLast / perFirst : 0
            let verdict = growth <= 1.25 ? "linear or better" : "worse than linear"
            lines.append(name.padding(toLength: nameWidth, withPad: " ", startingAt: 0) + pad(String(format: "%.2f", growth), 8) + "  " + verdict.padding(toLength: 18, withPad: " ", startingAt: 0)
                         + (m == 0 ? "" : String(format: "  %.2f x baseline", results[results.count - 1][m].seconds / max(results[results.count - 1][0].seconds, 1e-9))))
        }
        return lines.joined(separator: "\n")
    }
}

/// The most memory the process has held (VmHWM) and holds now (VmRSS), and a way to start the
/// peak again: writing 5 to /proc/self/clear_refs resets it to what is resident now (Linux 4.0 on).
enum PeakMemory {
    /// Hands memory freed earlier back to the system, resets the peak, and returns what is
    /// resident now (MiB).
    static func reset() -> Double {
        malloc_trim(0)
        let fd = open("/proc/self/clear_refs", O_WRONLY)
        if fd >= 0 {
            _ = write(fd, "5", 1)
            close(fd)
        }
        return mebibytes("VmRSS")
    }

    static func mebibytes(_ field: String) -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix(field + ":") }),
              let kib = Double(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") else { return .nan }
        return kib / 1024
    }
}
