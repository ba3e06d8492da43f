import Foundation
import Testing
@testable import SQLite

func temporaryDatabasePath(_ name: String = "test") -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("flourish-tests-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir.appendingPathComponent("\(name).sqlite").path
}

@Suite struct ConnectionTests {
    /// Compiled statements are found first by where their SQL's bytes are (a string literal's
    /// stay put). SQL built at run time is freed and its address used again for other text:
    /// each text must still get its own statement, never the one last seen at that address.
    @Test func sqlBuiltAtRunTimeGetsItsOwnStatementWhereverItsBytesAre() throws {
        let connection = try Connection(path: temporaryDatabasePath())
        for n in 0..<2_000 {
            // Each text is built twice: the second copy finds the statement by its bytes and
            // is then freed, leaving its address to be taken by the next text built.
            for _ in 0..<2 {
                let sql = "SELECT \(n) AS n, 'long enough for the heap' AS label"
                #expect(try connection.queryOne(sql)?.int("n") == n, "\(sql)")
            }
        }
        // And a literal is found again and again as itself.
        for _ in 0..<3 { #expect(try connection.queryOne("SELECT 'the same literal each time' AS text")?.string("text") == "the same literal each time") }
    }

    /// Issue 22: a writer waiting for another process's lock looks for it every millisecond, so
    /// it gets in between two of that process's transactions (an import in steps leaves a few
    /// milliseconds between steps). SQLite's own busy timeout slept in steps growing to 100 ms,
    /// looking at 33, 53, 78, 103, 128, 178 ms: it missed every gap here and waited for the end.
    /// And it still gives up after its timeout, with a busy error.
    @Test func aWriterWaitingForALockGetsInBetweenAnotherProcesssTransactions() throws {
        let path = temporaryDatabasePath()
        let setup = try Connection(path: path)
        try setup.execute("CREATE TABLE t (v TEXT)")
        let live = try Connection(path: path, busyTimeoutMilliseconds: 5_000)
        let cycles = Cycles(), begun = DispatchSemaphore(value: 0)
        let other = Thread {
            guard let importing = try? Connection(path: path) else { return }
            // Ten steps of 45 ms, 4 ms apart.
            for step in 1...10 {
                try? importing.execute("BEGIN IMMEDIATE")
                if step == 1 { begun.signal() }
                try? importing.run("INSERT INTO t VALUES (?)", "step \(step)")
                Thread.sleep(forTimeInterval: 0.045)
                try? importing.execute("COMMIT")
                cycles.done(step)
                Thread.sleep(forTimeInterval: 0.004)
            }
        }
        other.start()
        begun.wait()
        try live.execute("BEGIN IMMEDIATE")
        let stepsBefore = cycles.count
        try live.run("INSERT INTO t VALUES ('live')")
        try live.execute("COMMIT")
        #expect(stepsBefore < 5, "the live write got in after \(stepsBefore) of the 10 steps")
        while cycles.count < 10 { Thread.sleep(forTimeInterval: 0.01) }

        let holding = try Connection(path: path), impatient = try Connection(path: path, busyTimeoutMilliseconds: 50)
        try holding.execute("BEGIN IMMEDIATE")
        let began = Date()
        let error = #expect(throws: SQLiteError.self) { try impatient.execute("BEGIN IMMEDIATE") }
        #expect(error?.isBusy == true)
        #expect(Date().timeIntervalSince(began) >= 0.045)
        try holding.execute("ROLLBACK")
    }

    @Test func opensInWALModeWithForeignKeysAndFullSync() throws {
        let db = try Database(path: temporaryDatabasePath())
        let mode = try db.withWriter { try $0.queryOne("PRAGMA journal_mode")?.string("journal_mode") }
        let fk = try db.withWriter { try $0.queryOne("PRAGMA foreign_keys")?.int("foreign_keys") }
        let sync = try db.withWriter { try $0.queryOne("PRAGMA synchronous")?.int("synchronous") }
        #expect(mode == "wal")
        #expect(fk == 1)
        #expect(sync == 2)  // FULL
    }

    /// A transaction far larger than the limit grows the write-ahead log past it; once a
    /// checkpoint has copied the log into the file, the next write starts the log again and
    /// cuts the file back to the limit rather than keeping it at its largest for ever.
    @Test func theWriteAheadLogIsCutBackToItsLimitAfterACheckpoint() throws {
        let path = temporaryDatabasePath()
        let limit = 256 << 10
        let db = try Database(path: path, walSizeLimit: limit)
        #expect(try db.withWriter { try $0.queryOne("PRAGMA journal_size_limit")?.int64("journal_size_limit") } == Int64(limit))
        #expect(try Database(path: temporaryDatabasePath()).withWriter { try $0.queryOne("PRAGMA journal_size_limit")?.int64("journal_size_limit") }
                == Int64(Database.walSizeLimit))
        func walBytes() throws -> Int { (try FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int) ?? 0 }
        try db.write { db in
            try db.execute("CREATE TABLE t (v TEXT)")
            for _ in 0..<400 { try db.run("INSERT INTO t (v) VALUES (?)", String(repeating: "x", count: 8_000)) }
        }
        let grown = try walBytes()
        #expect(grown > 2 * limit, "one large transaction: \(grown) bytes")
        // As SQLite's own automatic checkpoint does it (a truncating one would empty the log anyway).
        _ = try db.withWriter { try $0.queryOne("PRAGMA wal_checkpoint(PASSIVE)") }
        #expect(try walBytes() > 2 * limit, "a checkpoint alone leaves the file as it was")
        try db.write { try $0.run("INSERT INTO t (v) VALUES ('after')") }
        let after = try walBytes()
        #expect(after <= limit, "cut back: \(after) bytes")
        #expect(try db.read { try $0.queryOne("SELECT count(*) AS n FROM t")?.int("n") } == 401)
    }

    /// SQLite's count of its memory takes one mutex on every allocation, shared by every
    /// connection in the process; nothing reads it, so it is off before SQLite starts.
    @Test func sqliteKeepsNoProcessWideCountOfItsMemory() throws {
        let db = try Database(path: temporaryDatabasePath())
        try db.write { db in
            try db.execute("CREATE TABLE t (v TEXT)")
            for i in 0..<200 { try db.run("INSERT INTO t (v) VALUES (?)", String(repeating: "x", count: i * 10)) }
        }
        #expect(try db.read { try $0.queryOne("SELECT count(*) AS n FROM t")?.int("n") } == 200)
        #expect(Connection.configureSQLiteOnce == 0, "SQLITE_OK: configured before SQLite started")
        #expect(!Connection.sqliteCountsMemory)
    }

    /// Work asked for "once committed" runs after the commit, never after a rollback, and not
    /// for a savepoint that was rolled back; outside a transaction it runs at once.
    @Test func workAfterCommitRunsOnlyForWhatCommitted() throws {
        let db = try Database(path: temporaryDatabasePath())
        var ran: [String] = []
        try db.withWriter { $0.onCommit { ran.append("outside") } }
        #expect(ran == ["outside"])
        struct Refused: Error {}
        try db.write { c in
            c.onCommit { ran.append("kept") }
            _ = try? c.savepoint { c -> Int in
                c.onCommit { ran.append("savepoint rolled back") }
                throw Refused()
            }
            try c.savepoint { c in c.onCommit { ran.append("savepoint released") } }
            #expect(ran == ["outside"], "nothing before the commit")
        }
        #expect(ran == ["outside", "kept", "savepoint released"])
        #expect(throws: Refused.self) { try db.write { c in c.onCommit { ran.append("rolled back") }; throw Refused() } }
        #expect(ran == ["outside", "kept", "savepoint released"])
    }

    /// A cache filled after each write of an import's one transaction must not hold every
    /// write's data until the commit: skippable work stops being kept after a limit, and work
    /// that must run still runs.
    @Test func skippableWorkAfterCommitIsKeptOnlyUpToItsLimit() throws {
        let db = try Database(path: temporaryDatabasePath())
        final class Counter { var skippable = 0, needed = 0 }
        let counter = Counter()
        try db.write { c in
            for _ in 0..<1_000 { c.onCommitIfRoom { counter.skippable += 1 } }
            c.onCommit { counter.needed += 1 }
        }
        #expect(counter.skippable == Connection.commitWorkRoom)
        #expect(counter.needed == 1)
        // Outside a transaction it runs at once, every time.
        try db.withWriter { c in for _ in 0..<300 { c.onCommitIfRoom { counter.skippable += 1 } } }
        #expect(counter.skippable == Connection.commitWorkRoom + 300)
    }

    @Test func bindsAndReadsEveryType() throws {
        let db = try Database(path: temporaryDatabasePath())
        try db.write { db in
            try db.execute("CREATE TABLE t (i INTEGER, r REAL, s TEXT, b BLOB, n TEXT)")
            try db.run("INSERT INTO t VALUES (?, ?, ?, ?, ?)", 42, 2.5, "héllo 'quoted'; DROP TABLE t;--", [UInt8]([0, 1, 255]), String?.none)
        }
        let row = try db.read { try $0.queryOne("SELECT * FROM t") }!
        #expect(row.int("i") == 42)
        #expect(row.double("r") == 2.5)
        #expect(row.string("s") == "héllo 'quoted'; DROP TABLE t;--")
        #expect(row["b"] == .blob([0, 1, 255]))
        #expect(row["n"] == .null)
    }

    @Test func textIsStoredWholeThroughNULsAndEmpty() throws {
        let db = try Database(path: temporaryDatabasePath())
        try db.write { db in
            try db.execute("CREATE TABLE t (s TEXT)")
            for s in ["Nul\u{0}Tail Ltd", "", "\u{0}", "emoji 🌱 and \u{202E}"] { try db.run("INSERT INTO t VALUES (?)", s) }
        }
        let rows = try db.read { try $0.query("SELECT s, length(CAST(s AS BLOB)) AS bytes FROM t ORDER BY rowid") }
        #expect(rows.map { $0.string("s") } == ["Nul\u{0}Tail Ltd", "", "\u{0}", "emoji 🌱 and \u{202E}"])
        #expect(rows.map { $0.int("bytes") } == [12, 0, 1, 18])
    }

    @Test func namedParametersBindByName() throws {
        let db = try Database(path: temporaryDatabasePath())
        try db.write { db in
            try db.execute("CREATE TABLE t (a TEXT, b INTEGER)")
            try db.run("INSERT INTO t VALUES (:a, :b)", named: ["b": 7, "a": "x"])
        }
        #expect(try db.read { try $0.queryOne("SELECT a, b FROM t") }?.int("b") == 7)
    }

    @Test func errorsCarryCodeMessageAndSQLButNotValues() throws {
        let db = try Database(path: temporaryDatabasePath())
        try db.write { try $0.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, email TEXT UNIQUE)") }
        try db.write { try $0.run("INSERT INTO t (email) VALUES (?)", "private@example.org") }
        let error = #expect(throws: SQLiteError.self) {
            try db.write { try $0.run("INSERT INTO t (email) VALUES (?)", "private@example.org") }
        }
        #expect(error?.code == 19)  // SQLITE_CONSTRAINT
        #expect(error?.extendedCode == 2067)  // SQLITE_CONSTRAINT_UNIQUE
        #expect(error?.message.contains("UNIQUE constraint failed: t.email") == true)
        #expect(error?.sql == "INSERT INTO t (email) VALUES (?)")
        #expect(error?.localizedDescription.contains("private@example.org") == false)
    }

    @Test func aThrowRollsBackTheWholeTransactionAndRethrowsTheFirstError() throws {
        struct Boom: Error {}
        let db = try Database(path: temporaryDatabasePath())
        try db.write { try $0.execute("CREATE TABLE t (x INTEGER)") }
        #expect(throws: Boom.self) {
            try db.write { db in
                try db.run("INSERT INTO t VALUES (1)")
                throw Boom()
            }
        }
        #expect(try db.read { try $0.queryOne("SELECT COUNT(*) AS n FROM t") }?.int("n") == 0)
    }

    @Test func aSavepointUndoesOnlyItsOwnWork() throws {
        struct Boom: Error {}
        let db = try Database(path: temporaryDatabasePath())
        try db.write { try $0.execute("CREATE TABLE t (x INTEGER)") }
        try db.write { db in
            try db.run("INSERT INTO t VALUES (1)")
            _ = try? db.savepoint { db in
                try db.run("INSERT INTO t VALUES (2)")
                throw Boom()
            }
        }
        #expect(try db.read { try $0.query("SELECT x FROM t") }.map { $0.int("x") } == [1])
    }

    @Test func twoProcessesWorthOfConnectionsWriteConcurrentlyWithoutLockErrors() throws {
        let path = temporaryDatabasePath()
        let first = try Database(path: path)
        try first.write { try $0.execute("CREATE TABLE t (x INTEGER)") }
        let second = try Database(path: path)  // a second writer connection, as another process would have
        let failures = LockedCounter()
        DispatchQueue.concurrentPerform(iterations: 8) { i in
            let db = i % 2 == 0 ? first : second
            for n in 0..<50 {
                do { try db.write { try $0.run("INSERT INTO t VALUES (?)", i * 1000 + n) } } catch { failures.add() }
            }
        }
        #expect(failures.value == 0)
        #expect(try first.read { try $0.queryOne("SELECT COUNT(*) AS n FROM t") }?.int("n") == 400)
    }
}

final class LockedCounter: @unchecked Sendable {  // `count` guarded by `lock`
    private let lock = NSLock()
    private var count = 0
    func add() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}

@Suite struct MigratorTests {
    static let migrations = [
        Migration(version: 1, name: "a", sql: "CREATE TABLE a (x INTEGER);"),
        Migration(version: 2, name: "b", sql: "CREATE TABLE b (y TEXT); ALTER TABLE a ADD COLUMN z TEXT;"),
        Migration(version: 3, name: "c", sql: "CREATE INDEX a_z ON a (z);"),
    ]

    static func schema(_ db: Database) throws -> [String] {
        try db.read { try $0.query("SELECT sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' AND sql IS NOT NULL ORDER BY name").compactMap { $0.string("sql") } }
    }

    @Test func fromAnEmptyFileAndFromEveryEarlierVersionReachTheSameSchema() throws {
        let migrator = Migrator(component: "test", migrations: Self.migrations)
        let fresh = try Database(path: temporaryDatabasePath())
        #expect(try migrator.migrate(fresh) == [1, 2, 3])
        let expected = try Self.schema(fresh)
        for start in 1...3 {
            let db = try Database(path: temporaryDatabasePath())
            try migrator.migrate(db, upTo: start)
            let applied = try migrator.migrate(db)
            #expect(applied == Array(stride(from: start + 1, through: 3, by: 1)))
            #expect(try Self.schema(db) == expected)
            #expect(try db.read { try migrator.currentVersion($0) } == 3)
        }
    }

    @Test func aFailingMigrationLeavesTheSchemaAsItWas() throws {
        let db = try Database(path: temporaryDatabasePath())
        try Migrator(component: "test", migrations: Array(Self.migrations.prefix(1))).migrate(db)
        let broken = Migrator(component: "test", migrations: [Self.migrations[0], Migration(version: 2, name: "bad", sql: "CREATE TABLE b (y TEXT); NOT SQL;")])
        #expect(throws: SQLiteError.self) { try broken.migrate(db) }
        #expect(try db.read { try broken.currentVersion($0) } == 1)
        #expect(try db.read { try $0.queryOne("SELECT name FROM sqlite_master WHERE name = 'b'") } == nil)
    }

    @Test func aDatabaseFromANewerProgramIsRefused() throws {
        let db = try Database(path: temporaryDatabasePath())
        try Migrator(component: "test", migrations: Self.migrations).migrate(db)
        let older = Migrator(component: "test", migrations: Array(Self.migrations.prefix(2)))
        let error = #expect(throws: SQLiteError.self) { try older.migrate(db) }
        #expect(error?.message.contains("newer than this program knows") == true)
    }
}

@Suite struct BackupTests {
    @Test func aBackupTakenWhileAnotherConnectionWritesIsOneConsistentSnapshot() throws {
        let path = temporaryDatabasePath()
        let db = try Database(path: path)
        // Two tables written in one transaction each time: a torn copy would show them differ.
        try db.write { try $0.execute("CREATE TABLE a (n INTEGER); CREATE TABLE b (n INTEGER)") }
        let stop = Locked(false)
        let writer = Thread {
            let other = try! Database(path: path)
            var n = 0
            while !stop.value {
                n += 1
                try! other.write { c in try c.run("INSERT INTO a VALUES (?)", n); try c.run("INSERT INTO b VALUES (?)", n) }
            }
        }
        writer.start()
        defer { stop.value = true }
        for round in 0..<5 {
            Thread.sleep(forTimeInterval: 0.02)
            let copyPath = temporaryDatabasePath("copy-\(round)")
            let result = try db.backup(to: copyPath)
            #expect(result.pages > 0 && result.path == copyPath)
            let copy = try Connection(path: copyPath, readOnly: true)
            let a = try copy.queryOne("SELECT count(*) AS n, coalesce(max(n), 0) AS m FROM a")!
            let b = try copy.queryOne("SELECT count(*) AS n, coalesce(max(n), 0) AS m FROM b")!
            #expect(a.int("n") == b.int("n") && a.int("m") == b.int("m"))
            #expect(try copy.queryOne("PRAGMA integrity_check")?.string("integrity_check") == "ok")
            #expect(try copy.queryOne("PRAGMA journal_mode")?.string("journal_mode") == "delete")
            #expect(!FileManager.default.fileExists(atPath: copyPath + "-wal"))
        }
    }

    @Test func anExistingFileIsRefusedUnlessReplacingAndNothingHalfWrittenIsLeft() throws {
        let db = try Database(path: temporaryDatabasePath())
        try db.write { try $0.execute("CREATE TABLE t (n INTEGER); INSERT INTO t VALUES (1)") }
        let target = temporaryDatabasePath("existing")
        try Data("precious".utf8).write(to: URL(fileURLWithPath: target))
        #expect(throws: SQLiteError.self) { try db.backup(to: target) }
        #expect(try Data(contentsOf: URL(fileURLWithPath: target)) == Data("precious".utf8))
        _ = try db.backup(to: target, replacing: true)
        #expect(try Connection(path: target, readOnly: true).queryOne("SELECT n FROM t")?.int("n") == 1)
        // A folder that does not exist: refused, and no temporary file anywhere.
        let missing = "/nonexistent-\(UUID().uuidString)/copy.sqlite"
        #expect(throws: SQLiteError.self) { try db.backup(to: missing) }
        let dir = (target as NSString).deletingLastPathComponent
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.contains(".partial-") }.isEmpty)
    }
}

/// A value shared with a background thread in a test.
final class Locked<T>: @unchecked Sendable {
    private var stored: T
    private let lock = NSLock()
    init(_ value: T) { stored = value }
    var value: T {
        get { lock.lock(); defer { lock.unlock() }; return stored }
        set { lock.lock(); stored = newValue; lock.unlock() }
    }
}

@Suite struct ChangeCounterTests {
    @Test func theCounterMovesOnEveryCommitFromAnyConnectionAndNeverOnReads() throws {
        let path = temporaryDatabasePath()
        let db = try Database(path: path)
        try db.write { try $0.execute("CREATE TABLE notes (text TEXT)") }
        let start = try db.changeCounter()
        #expect(try db.changeCounter() == start, "asking again, with nothing committed")
        _ = try db.read { try $0.query("SELECT * FROM notes") }
        #expect(try db.changeCounter() == start, "a read is not a change")

        try db.write { try $0.run("INSERT INTO notes VALUES (?)", "this process") }
        let afterOwn = try db.changeCounter()
        #expect(afterOwn != start, "this process's own writer")

        let other = try Database(path: path)  // as the CLI would open it
        try other.write { try $0.run("INSERT INTO notes VALUES (?)", "another") }
        let afterOther = try db.changeCounter()
        #expect(afterOther != afterOwn, "another connection's commit")

        do { try db.write { _ in throw CancellationError() } } catch {}
        #expect(try db.changeCounter() == afterOther, "a rolled-back transaction changes nothing")
    }
}

@Suite struct RowByRowTests {
    @Test func rowsHandedOneAtATimeAreTheRowsAQueryReturns() throws {
        let db = try Database(path: temporaryDatabasePath())
        try db.write { db in
            try db.execute("CREATE TABLE pledges (id INTEGER PRIMARY KEY, text TEXT)")
            for i in 1...50 { try db.run("INSERT INTO pledges (text) VALUES (?)", "pledge \(i)") }
        }
        let sql = "SELECT id, text FROM pledges WHERE id > ? ORDER BY id DESC"
        let all = try db.read { try $0.query(sql, arguments: [10]) }
        var streamed: [Row] = []
        try db.read { db in try db.forEachRow(sql, arguments: [10]) { streamed.append($0) } }
        #expect(streamed == all && streamed.count == 40 && streamed.first?.string("text") == "pledge 50")

        // A throw from the body stops the scan and leaves the cached statement usable.
        struct Enough: Error {}
        var seen = 0
        #expect(throws: Enough.self) {
            try db.read { db in try db.forEachRow(sql, arguments: [10]) { _ in seen += 1; if seen == 3 { throw Enough() } } }
        }
        #expect(seen == 3)
        #expect(try db.read { try $0.query(sql, arguments: [45]) }.count == 5)
    }
}

/// Steps another thread has finished.
final class Cycles: @unchecked Sendable {
    private let lock = NSLock()
    private var finished = 0
    func done(_ step: Int) { lock.withLock { finished = step } }
    var count: Int { lock.withLock { finished } }
}
