import Foundation
@_spi(Harness) public import Services
public import Engine
import SQLite
import Glibc

/// `flourish bench engine` and `flourish stress write`: measurement and crash-test drivers,
/// run on scratch databases of their own. They reach the engine and the database directly
/// (through the services' `Harness` SPI), to measure them; the front doors never do.
public enum EngineBenchmarks {
    public static func durableTransitions(_ inv: some BenchInvocation) throws {
        let n = try inv.integer("events") ?? 3000
        let callers = try inv.integer("callers") ?? 64
        guard n > 0, callers > 0 else { throw BenchUsageError("--events and --callers must be positive") }
        let dir = inv.value("dir").map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("flourish-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { if inv.value("dir") == nil { try? FileManager.default.removeItem(at: dir) } }
        let library = try WorkflowLibrary(directory: try WorkflowLibrary.locate(explicit: inv.value("workflows"), environment: inv.environment))

        // Baseline: one-row commits straight to SQLite, same pragmas as the engine's database.
        let raw = try Database(path: dir.appendingPathComponent("raw.sqlite").path)
        try raw.write { try $0.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)") }

        func freshApp(_ name: String) throws -> (Flourish, [InstanceID]) {
            let app = try Flourish(databasePath: dir.appendingPathComponent("\(name).sqlite").path, library: library, clock: SystemClock())
            try ensureBenchContact(app)
            var ids: [InstanceID] = []
            for i in 0..<max(callers, 1) {
                ids.append(try app.engine.start("pledge", data: pledgeData(i), computed: benchContacts, actor: benchActor).instance.id)
            }
            return (app, ids)
        }
        if let only = inv.value("only") {
            // One measurement alone, for a harness that pairs it with its own (the web benchmark's
            // API writes, round by round): the 64-caller rate, moments before or after the other.
            guard only == "group-commit" || only == "single-caller" else {
                throw BenchUsageError("--only takes group-commit (the concurrent callers' rate alone) or single-caller (the paired rounds alone, to profile), not '\(only)'")
            }
            if only == "single-caller" {
                let (single, singleIDs) = try freshApp("single")
                let rounds = try singleCallerRounds(raw: raw, single, singleIDs[0], events: n)
                guard try single.engine.verifyAuditLog().isIntact else { throw BenchUsageError("the audit chain was broken after the run") }
                inv.benchOutput(["events": .integer(Int64(n)), "rawCommitsPerSecond": .double(rounds.rawRate.rounded()),
                                 "singleCallerPerSecond": .double(rounds.singleRate.rounded()), "singleToRawRatio": .double((rounds.ratio * 100).rounded() / 100),
                                 "rawCPUMicroseconds": .double((rounds.rawCPU * 1e7).rounded() / 10), "singleCPUMicroseconds": .double((rounds.singleCPU * 1e7).rounded() / 10)]) {
                    String(format: "engine, one caller: %.0f durable transitions a second against %.0f raw commits: %.2f (median of %d paired rounds; %.2f to %.2f)\n"
                           + "CPU in user space on the caller's thread: %.1f µs a transition, %.1f µs a raw commit",
                           rounds.singleRate, rounds.rawRate, rounds.ratio, rounds.pairs.count, rounds.pairs.min() ?? 0, rounds.pairs.max() ?? 0,
                           rounds.singleCPU * 1e6, rounds.rawCPU * 1e6)
                }
                return
            }
            let (grouped, groupedIDs) = try freshApp("grouped")
            let rate = try groupCommitRate(grouped, groupedIDs, events: n)
            guard try grouped.engine.verifyAuditLog().isIntact else { throw BenchUsageError("the audit chain was broken after the run") }
            inv.benchOutput(["events": .integer(Int64(n)), "callers": .integer(Int64(callers)), "groupCommitPerSecond": .double(rate.rounded())]) {
                "engine, \(callers) concurrent callers (group commit): \(Int(rate.rounded())) durable transitions a second"
            }
            return
        }
        let (single, singleIDs) = try freshApp("single")
        let singleRounds = try singleCallerRounds(raw: raw, single, singleIDs[0], events: n)
        let rawRate = singleRounds.rawRate, singleRate = singleRounds.singleRate
        let pairedRatios = singleRounds.pairs, singleRatio = singleRounds.ratio, rounds = pairedRatios.count
        let (batched, batchedIDs) = try freshApp("batched")
        let batchSize = 100
        let batchStart = Date()
        var done = 0
        while done < n {
            let count = min(batchSize, n - done)
            let results = try batched.engine.fireBatch((0..<count).map { k in
                WorkflowEngine.FireRequest(event: "edit", id: batchedIDs[(done + k) % batchedIDs.count], payload: ["text": .string("b\(done + k)")], actor: benchActor)
            })
            guard results.allSatisfy({ if case .success = $0 { return true } else { return false } }) else { throw BenchUsageError("a batched event was refused") }
            done += count
        }
        let batchedRate = Double(n) / Date().timeIntervalSince(batchStart)
        let (grouped, groupedIDs) = try freshApp("grouped")
        let groupedRate = try groupCommitRate(grouped, groupedIDs, events: n)
        let verified = try grouped.engine.verifyAuditLog().isIntact && (try single.engine.verifyAuditLog().isIntact)

        let rows: [(String, Double, String)] = [
            ("raw SQLite single-row commits/s (baseline)", rawRate, "1.00"),
            ("engine, one caller, one transaction per event", singleRate,
             String(format: "%.2f (median of %d paired rounds; %.2f to %.2f)", singleRatio, rounds, pairedRatios.min() ?? 0, pairedRatios.max() ?? 0)),
            ("engine, batches of \(batchSize) events", batchedRate, String(format: "%.2f", batchedRate / rawRate)),
            ("engine, \(callers) concurrent callers (group commit)", groupedRate, String(format: "%.2f", groupedRate / rawRate)),
        ]
        inv.benchOutput(["events": .integer(Int64(n)), "callers": .integer(Int64(callers)), "rawCommitsPerSecond": .double(rawRate.rounded()),
                    "singleCallerPerSecond": .double(singleRate.rounded()), "batchedPerSecond": .double(batchedRate.rounded()),
                    "groupCommitPerSecond": .double(groupedRate.rounded()), "singleToRawRatio": .double((singleRatio * 100).rounded() / 100),
                    "singleToRawRatioRange": .array([.double(((pairedRatios.min() ?? 0) * 100).rounded() / 100), .double(((pairedRatios.max() ?? 0) * 100).rounded() / 100)]),
                    "rawCPUMicroseconds": .double((singleRounds.rawCPU * 1e7).rounded() / 10), "singleCPUMicroseconds": .double((singleRounds.singleCPU * 1e7).rounded() / 10),
                    "auditIntact": .bool(verified), "sqlite": .string(Connection.libraryVersion)]) {
            var lines = ["Engine benchmark: \(n) events each, WAL, synchronous=FULL, SQLite \(Connection.libraryVersion)", ""]
            lines.append("measurement".padding(toLength: 52, withPad: " ", startingAt: 0) + "     per second   vs baseline")
            for (name, value, ratio) in rows {
                lines.append(name.padding(toLength: 52, withPad: " ", startingAt: 0) + String(format: "%15.0f", value) + "   " + ratio)
            }
            lines.append("")
            lines.append(String(format: "CPU in user space on the caller's thread, one caller: %.1f µs a transition, %.1f µs a raw commit",
                                singleRounds.singleCPU * 1e6, singleRounds.rawCPU * 1e6))
            lines.append("Audit chains verified after the run: \(verified ? "intact" : "BROKEN")")
            return lines.joined(separator: "\n")
        }
    }

    /// One caller's durable transitions against raw one-row commits: rounds alternate, and the
    /// ratio is the median of each round's pair (raw, then engine, moments apart), so a slow
    /// spell of the disk lands on both sides of the comparison it falls in rather than on one
    /// side of the whole run.
    static func singleCallerRounds(raw: Database, _ app: Flourish, _ id: InstanceID, events n: Int, rounds: Int = 10) throws
        -> (rawRate: Double, singleRate: Double, ratio: Double, pairs: [Double], rawCPU: Double, singleCPU: Double) {
        var rawRates: [Double] = [], singleRates: [Double] = []
        var counter = 0
        var rawCPU = 0.0, singleCPU = 0.0
        for _ in 0..<rounds {
            var before = threadCPUSeconds()
            rawRates.append(try rate(n / rounds) { i in try raw.write { try $0.run("INSERT INTO t (v) VALUES (?)", "event \(i)") } })
            rawCPU += threadCPUSeconds() - before
            before = threadCPUSeconds()
            singleRates.append(try rate(n / rounds) { _ in
                counter += 1
                try app.engine.fire("edit", on: id, payload: ["text": .string("revision \(counter)")], actor: benchActor, expectedVersion: nil)
            })
            singleCPU += threadCPUSeconds() - before
        }
        func median(_ values: [Double]) -> Double {
            let sorted = values.sorted()
            return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
        }
        let pairs = zip(singleRates, rawRates).map { $0 / $1 }
        let each = Double(rounds * (n / rounds))
        return (median(rawRates), median(singleRates), median(pairs), pairs, rawCPU / each, singleCPU / each)
    }

    /// The calling thread's CPU time so far in user space (the engine's and SQLite's own work,
    /// without the kernel's writing and syncing), in seconds.
    static func threadCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(1), &usage)  // RUSAGE_THREAD (Glibc's Swift module leaves the name out)
        return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
    }

    /// Durable transitions a second with one caller per instance in `ids`, each on its own
    /// thread, sharing commits (group commit): `events` in all.
    static func groupCommitRate(_ app: Flourish, _ ids: [InstanceID], events n: Int) throws -> Double {
        let callers = ids.count
        let perCaller = max(1, n / callers)
        let failures = Counter()
        // Real threads, one per caller: concurrentPerform would run only as many at once as there are cores.
        let groupStart = Date()
        let group = DispatchGroup()
        for c in 0..<callers {
            group.enter()
            let thread = Thread {
                for k in 0..<perCaller {
                    do { try app.engine.fire("edit", on: ids[c], payload: ["text": .string("c\(c)-\(k)")], actor: benchActor, expectedVersion: nil) }
                    catch { failures.add() }
                }
                group.leave()
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
        group.wait()
        let rate = Double(perCaller * callers) / Date().timeIntervalSince(groupStart)
        guard failures.value == 0 else { throw BenchUsageError("\(failures.value) concurrent events were refused") }
        return rate
    }

    public static func stressWrite(_ inv: some BenchInvocation) throws {
        let count = try inv.integer("count") ?? 100_000
        let threads = try inv.integer("threads") ?? 4
        let prefix = inv.value("prefix") ?? UUID().uuidString.prefix(8).lowercased()
        let app = try inv.app
        try ensureBenchContact(app)
        var ids: [InstanceID] = []
        for t in 0..<threads {
            let started = try app.engine.start("pledge", data: pledgeData(t), computed: benchContacts, actor: benchActor, idempotencyKey: "\(prefix)-start-\(t)")
            ids.append(started.instance.id)
            writeLine("ack \(prefix)-start-\(t)")
        }
        let instances = ids
        DispatchQueue.concurrentPerform(iterations: threads) { t in
            for k in 0..<count {
                let token = "\(prefix)-\(t)-\(k)"
                do {
                    try app.engine.fire("edit", on: instances[t], payload: ["text": .string(token)], actor: benchActor, expectedVersion: nil, idempotencyKey: token)
                    writeLine("ack \(token)")
                } catch {
                    writeLine("error \(token) \(error.localizedDescription)")
                }
            }
        }
    }

    static let benchActor = Actor("bench")
    /// The pledging organisation the bench pledges belong to, with "bench" as its contact.
    static let benchOrganisation = "bench-org"

    /// Makes the bench's organisation and its contact in the directory, once: who speaks for an
    /// organisation is the directory's, so the bench's pledges need a real contact.
    static func ensureBenchContact(_ app: Flourish) throws {
        try app.database.write { db in
            try db.run("INSERT OR IGNORE INTO organisations (key, name, kind, district, size_band, created_at) VALUES (?, 'Bench Organisation', 'business', 'norwich', 'small', 0)",
                       benchOrganisation)
            try db.run("INSERT OR IGNORE INTO people (id, name, email, organisation, created_at) VALUES ('bench', 'Bench', NULL, ?, 0)", benchOrganisation)
        }
    }
    /// The bench pledges' contacts: a field only Flourish sets, so given as worked out.
    static let benchContacts: [String: JSONValue] = ["contacts": ["bench"]]

    static func pledgeData(_ i: Int) -> [String: JSONValue] {
        ["organisation": .string(benchOrganisation), "pledgeYear": 2026, "text": .string("A new thing \(i)"), "areas": ["learning"]]
    }

    static func rate(_ n: Int, _ body: (Int) throws -> Void) throws -> Double {
        let start = Date()
        for i in 0..<n { try body(i) }
        return Double(n) / Date().timeIntervalSince(start)
    }

    /// Writes one line to stdout at once, unbuffered, so an acknowledgement is out before the next commit.
    static func writeLine(_ text: String) {
        let bytes = Array((text + "\n").utf8)
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(1, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 { if errno == EINTR { continue }; return }
                offset += written
            }
        }
    }
}

public final class Counter: @unchecked Sendable {  // `count` guarded by `lock`
    private let lock = NSLock()
    private var count = 0
    public func add() { lock.withLock { count += 1 } }
    public var value: Int { lock.withLock { count } }
}
