import Foundation
@_spi(Harness) public import Services
public import Engine
import SQLite
import HTTPServer
import WebApp

/// `flourish bench reports` and `flourish bench timers`: how the annual report, the dashboard
/// and the timer tick scale, each beside a baseline measured in the same run.
public enum ScaleBenchmarks {
    public static func reports(_ inv: some BenchInvocation) throws {
        var shape = LargePartnership()
        shape.organisations = try inv.integer("organisations") ?? shape.organisations
        shape.years = try inv.integer("years") ?? shape.years
        shape.actions = try inv.integer("actions") ?? shape.actions
        shape.measures = try inv.integer("measures") ?? shape.measures
        shape.escalations = try inv.integer("escalations") ?? shape.escalations
        guard shape.organisations > 0, shape.years > 0, shape.actions >= 0, shape.measures >= 0, shape.escalations >= 0 else {
            throw BenchUsageError("--organisations and --years must be positive; --actions, --measures and --escalations zero or more")
        }
        let (dir, keep) = try scratch(inv)
        defer { if !keep { try? FileManager.default.removeItem(at: dir) } }
        let library = try library(inv)
        let name = "large-\(shape.organisations)x\(shape.years)-\(shape.actions)-\(shape.measures)-\(shape.escalations)"
        let path = dir.appendingPathComponent("\(name).sqlite").path, done = dir.appendingPathComponent("\(name).complete").path
        let time = PartnershipTime(timeZone: TimeZone(identifier: "Europe/London")!, workingDays: library.calendars["england-and-wales"]!)
        let clock = TestClock(time.parse(benchNow)!)
        var generated: LargePartnership.Generated?
        if !FileManager.default.fileExists(atPath: done) {
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
            let app = try Flourish(databasePath: path, library: library, clock: clock)
            generated = try shape.generate(into: app, clock: clock, year: 2026)
            FileManager.default.createFile(atPath: done, contents: Data())
        }
        let app = try Flourish(databasePath: path, library: library, clock: clock)
        let web = try WebApp(app: app, log: ServerLog { _ in })
        let counts = try app.database.read { db in
            (try db.queryOne("SELECT count(*) AS n FROM instances")?.int("n") ?? 0, try db.queryOne("SELECT count(*) AS n FROM events")?.int("n") ?? 0,
             try db.queryOne("SELECT count(*) AS n FROM instances WHERE workflow = 'pledge'")?.int("n") ?? 0)
        }
        let year = app.currentPledgeYear()
        let cookie = try signIn(web, as: "sam")
        var scanned = 0
        let baseline = try medianSeconds {
            scanned = try app.database.read { db in
                var bytes = 0
                for row in try db.query("SELECT id, workflow, state, data FROM instances") { bytes += (row.string("data") ?? "").utf8.count + (row.string("id") ?? "").utf8.count }
                return bytes
            }
        }
        // Cold: a fresh app each round, so nothing kept from an earlier build is used.
        func fresh() throws -> (Flourish, WebApp, String) {
            let a = try Flourish(databasePath: path, library: library, clock: clock)
            let w = try WebApp(app: a, log: ServerLog { _ in })
            return (a, w, try signIn(w, as: "sam"))
        }
        var report: AnnualReport?
        var reportTimes: [Double] = [], dashboardTimes: [Double] = [], wallTimes: [Double] = []
        var dashboardBytes = 0, wallBytes = 0
        for _ in 0..<3 {
            let (a, _, _) = try fresh()
            reportTimes.append(try medianSeconds(1) { report = try a.annualReport(year: year) })
            let (_, w, c) = try fresh()
            dashboardTimes.append(try medianSeconds(1) { dashboardBytes = try page(w, "/dashboard", cookie: c) })
            let (_, w2, _) = try fresh()
            wallTimes.append(try medianSeconds(1) { wallBytes = try page(w2, "/pledges", cookie: nil) })
        }
        let reportTime = reportTimes.sorted()[1], dashboardTime = dashboardTimes.sorted()[1], wallTime = wallTimes.sorted()[1]
        let asOf = time.parse("\(year)-06-30T12:00")!
        let asOfTime = try medianSeconds { _ = try app.annualReport(year: year, asOf: asOf) }
        // Warm: the same pages again with nothing changed since (kept until the next event).
        _ = try page(web, "/dashboard", cookie: cookie); _ = try page(web, "/pledges", cookie: nil)
        let warmDashboard = try medianSeconds { _ = try page(web, "/dashboard", cookie: cookie) }
        let warmWall = try medianSeconds { _ = try page(web, "/pledges", cookie: nil) }
        let made = report?.totals
        let rows: [(String, Double, Double?)] = [
            ("read every instance from SQLite (\(counts.0) rows, \(scanned / 1_048_576) MiB)", baseline, nil),
            ("annual report \(year) (\(made?.pledges.made ?? 0) pledges made)", reportTime, baseline),
            ("annual report \(year) as of 30 June, rebuilt from \(counts.1) events", asOfTime, baseline),
            ("dashboard page, signed in (\(dashboardBytes / 1024) KiB)", dashboardTime, baseline),
            ("public pledge wall page (\(wallBytes / 1024) KiB)", wallTime, baseline),
            ("dashboard page again, no event since (kept)", warmDashboard, baseline),
            ("pledge wall page again, no event since (kept)", warmWall, baseline),
        ]
        inv.benchOutput(["organisations": .integer(Int64(shape.organisations)), "pledges": .integer(Int64(counts.2)), "instances": .integer(Int64(counts.0)),
                    "events": .integer(Int64(counts.1)), "generatedSeconds": generated.map { .double(($0.seconds * 10).rounded() / 10) } ?? .null,
                    "baselineSeconds": .double(baseline), "annualReportSeconds": .double(reportTime), "annualReportAsOfSeconds": .double(asOfTime),
                    "dashboardSeconds": .double(dashboardTime), "pledgeWallSeconds": .double(wallTime), "database": .string(path)]) {
            var header = "Reports benchmark: \(shape.organisations) organisations over \(shape.years) years (\(counts.2) pledges), \(shape.actions) actions, "
                + "\(shape.measures) measures, \(shape.escalations) escalations; \(counts.0) instances, \(counts.1) events"
            if let generated { header += String(format: "\n(generated in %.0f s through the imports and services)", generated.seconds) }
            return table(header, rows) + "\n\nTarget: the annual report and the dashboard each within 1 second."
        }
    }

    public static func timers(_ inv: some BenchInvocation) throws {
        let pending = try inv.integer("pending") ?? 1_000_000, due = try inv.integer("due") ?? 1_000, allDue = try inv.integer("all-due") ?? 100_000
        guard pending >= 0, due > 0, allDue > 0 else { throw BenchUsageError("--due and --all-due must be positive, --pending zero or more") }
        let (dir, keep) = try scratch(inv)
        defer { if !keep { try? FileManager.default.removeItem(at: dir) } }
        let library = try library(inv)
        let time = PartnershipTime(timeZone: TimeZone(identifier: "Europe/London")!, workingDays: library.calendars["england-and-wales"]!)
        let now = time.parse(benchNow)!

        /// A database with `instances` approved pledges, `future` pending timers among them and `dueNow` due ones.
        func prepare(_ name: String, future: Int, dueNow: Int) throws -> Flourish {
            let path = dir.appendingPathComponent("\(name).sqlite").path
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
            let app = try Flourish(databasePath: path, library: library, clock: FixedClock(now))
            try app.database.withWriter { try $0.execute("PRAGMA synchronous = OFF") }
            try EngineBenchmarks.ensureBenchContact(app)
            let instances = 1_000
            var ids: [InstanceID] = []
            for i in 0..<instances {
                let started = try app.engine.start("pledge", data: EngineBenchmarks.pledgeData(i), computed: EngineBenchmarks.benchContacts, actor: EngineBenchmarks.benchActor)
                ids.append(started.instance.id)
            }
            // Straight to approved, with the dates the approval needs; its own timers are cleared
            // so that only the benchmark's timers are in play.
            _ = try app.engine.fireBatch(ids.map { .init(event: "submit", id: $0, actor: EngineBenchmarks.benchActor) })
            try app.database.write { db in
                try db.run("UPDATE instances SET state = 'approved' WHERE workflow = 'pledge'")
                try db.run("DELETE FROM timers")
                let insert = "INSERT INTO timers (instance_id, name, event, due_at, status, created_at) VALUES (?, ?, ?, ?, 'pending', ?)"
                let far = now.addingTimeInterval(400 * 86_400).milliseconds, past = now.addingTimeInterval(-3600).milliseconds
                for k in 0..<future { try db.run(insert, ids[k % instances].rawValue, "later-\(k)", "check-in-due", far + Int64(k), now.milliseconds) }
                for k in 0..<dueNow { try db.run(insert, ids[k % instances].rawValue, "due-\(k)", "check-in-due", past + Int64(k % 1000), now.milliseconds) }
            }
            try app.database.withWriter { try $0.execute("PRAGMA synchronous = FULL") }
            try app.database.checkpoint()
            return app
        }
        /// One tick firing `expect` due timers (re-armed first when an earlier tick fired them); with `rounds` > 1, the median.
        func tickSeconds(_ app: Flourish, expect: Int, rounds: Int = 1) throws -> Double {
            var times: [Double] = []
            for _ in 0..<rounds {
                try app.database.write { try $0.run("UPDATE timers SET status = 'pending', resolved_at = NULL WHERE name LIKE 'due-%' AND status != 'pending'") }
                let start = DispatchTime.now().uptimeNanoseconds
                let fired = try app.engine.tick()
                times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
                guard fired.count == expect, fired.allSatisfy(\.fired) else {
                    throw BenchUsageError("the tick fired \(fired.filter(\.fired).count) of \(expect) timers: \(fired.first { !$0.fired }?.note ?? "")")
                }
            }
            return times.sorted()[rounds / 2]
        }
        let base = try prepare("due-only", future: 0, dueNow: due)
        let crowded = try prepare("crowded", future: pending, dueNow: due)
        // Alternate the two, so a slow moment of the disk does not land on one side only.
        var baseTimes: [Double] = [], crowdedTimes: [Double] = []
        for _ in 0..<3 {
            baseTimes.append(try tickSeconds(base, expect: due))
            crowdedTimes.append(try tickSeconds(crowded, expect: due))
        }
        let baseTime = baseTimes.sorted()[1], crowdedTime = crowdedTimes.sorted()[1]
        let emptyTick = try medianSeconds { _ = try crowded.engine.tick() }
        let flood = try prepare("flood", future: 0, dueNow: allDue)
        let floodTime = try tickSeconds(flood, expect: allDue)
        let rows: [(String, Double, Double?)] = [
            ("tick: \(due) due, nothing else pending", baseTime, nil),
            ("tick: \(due) due among \(pending) pending", crowdedTime, baseTime),
            ("tick: nothing due among \(pending) pending", emptyTick, baseTime),
            ("tick: \(allDue) due at once (per \(due): \(String(format: "%.3f", floodTime / Double(allDue) * Double(due))) s)", floodTime, baseTime * Double(allDue) / Double(due)),
        ]
        inv.benchOutput(["pending": .integer(Int64(pending)), "due": .integer(Int64(due)), "allDue": .integer(Int64(allDue)),
                    "dueOnlySeconds": .double(baseTime), "dueAmongPendingSeconds": .double(crowdedTime), "nothingDueSeconds": .double(emptyTick),
                    "allDueSeconds": .double(floodTime), "pendingCostRatio": .double((crowdedTime / baseTime * 100).rounded() / 100)]) {
            table("Timer benchmark: synchronous=FULL, ticks in batches of 500", rows)
                + "\n\nThe last row's baseline is the first row scaled to \(allDue) timers. Target: the second row's ratio near 1 (cost follows the due timers)."
        }
    }

    /// The moment the benchmarks pretend it is: late in a pledge year.
    static let benchNow = "2026-11-20T10:00"

    static func library(_ inv: some BenchInvocation) throws -> WorkflowLibrary {
        try WorkflowLibrary(directory: try WorkflowLibrary.locate(explicit: inv.value("workflows"), environment: inv.environment))
    }

    static func scratch(_ inv: some BenchInvocation) throws -> (URL, keep: Bool) {
        let dir = inv.value("dir").map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("flourish-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return (dir, inv.value("dir") != nil)
    }

    /// The median of `rounds` timings of `body`, in seconds.
    static func medianSeconds(_ rounds: Int = 3, _ body: () throws -> Void) rethrows -> Double {
        var times: [Double] = []
        for _ in 0..<rounds {
            let start = DispatchTime.now().uptimeNanoseconds
            try body()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return times.sorted()[rounds / 2]
    }

    static func table(_ title: String, _ rows: [(String, Double, Double?)]) -> String {
        var lines = [title, "", "measurement".padding(toLength: 58, withPad: " ", startingAt: 0) + "   seconds   vs baseline"]
        for (name, seconds, baseline) in rows {
            lines.append(name.padding(toLength: 58, withPad: " ", startingAt: 0) + String(format: "%10.3f", seconds)
                         + (baseline.map { String(format: "   %8.2f", seconds / $0) } ?? "   baseline"))
        }
        return lines.joined(separator: "\n")
    }

    /// A page's size in bytes, got as a browser gets it; anything but 200 stops the benchmark.
    static func page(_ web: WebApp, _ target: String, cookie: String?) throws -> Int {
        var headers = HTTPHeaders([("Host", "localhost")])
        if let cookie { headers.add("Cookie", cookie) }
        let response = web.handle(try HTTPRequest(method: "GET", target: target, headers: headers, remoteAddress: "127.0.0.1"))
        guard response.status.code == 200 else { throw BenchUsageError("GET \(target) answered \(response.status.code)") }
        return response.body.count
    }

    /// Signs in through the pages, as a browser would, and returns the session cookie.
    static func signIn(_ web: WebApp, as person: String) throws -> String {
        let form = web.handle(try HTTPRequest(method: "GET", target: "/sign-in", headers: HTTPHeaders([("Host", "localhost")]), remoteAddress: "127.0.0.1"))
        let text = String(decoding: form.body, as: UTF8.self)
        guard let r = text.range(of: "name=\"csrf\" value=\"") else { throw BenchUsageError("the sign-in page has no form") }
        let csrf = String(text[r.upperBound...].prefix { $0 != "\"" })
        let cookies = form.headers.values("Set-Cookie").map { String($0.split(separator: ";")[0]) }.joined(separator: "; ")
        let body = "person=\(person)&password=\(URLEncoding.encode(Flourish.demoPassword))&csrf=\(URLEncoding.encode(csrf))"
        let signedIn = web.handle(try HTTPRequest(method: "POST", target: "/sign-in", headers: HTTPHeaders([("Host", "localhost"), ("Cookie", cookies),
                                                  ("Content-Type", "application/x-www-form-urlencoded")]), body: Array(body.utf8), remoteAddress: "127.0.0.1"))
        guard signedIn.status.code == 303 else { throw BenchUsageError("signing in as \(person) answered \(signedIn.status.code)") }
        return signedIn.headers.values("Set-Cookie").map { String($0.split(separator: ";")[0]) }.joined(separator: "; ")
    }
}
