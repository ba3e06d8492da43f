public import Foundation

/// A database file shared by the whole process: one writer connection and a pool of readers.
///
/// Writes are serialised on the writer behind a lock and run in `BEGIN IMMEDIATE`
/// transactions, so two processes (the server and the CLI) queue on SQLite's busy timeout
/// instead of failing. Reads run on their own connections in WAL mode and never wait for
/// the writer.
///
/// Related SQLite documentation: <https://sqlite.org/wal.html>
public final class Database: @unchecked Sendable {  // writer guarded by writerLock, readers by poolLock, counterConnection by counterLock
    /// The database file.
    public let path: String
    private let writer: Connection
    private let writerLock = NSLock()
    private var readers: [Connection] = []
    private let poolLock = NSLock()
    private var readsBegun = 0
    private var counterConnection: Connection?
    private let counterLock = NSLock()
    private var damage: String?
    private let damageLock = NSLock()

    /// The size the write-ahead log is cut back to once a checkpoint has copied it into the
    /// file and it starts again: 64 MiB. A large import's one transaction grows it past a
    /// gigabyte; without a limit SQLite reuses that file from the start but never shrinks it.
    public static let walSizeLimit = 64 << 20

    /// Opens the database at `path`, creating it (in WAL mode) when missing.
    ///
    /// - Parameter walSizeLimit: see ``walSizeLimit``.
    /// - Throws: ``SQLiteError`` when the file cannot be opened or WAL cannot be turned on.
    public init(path: String, walSizeLimit: Int = Database.walSizeLimit) throws {
        self.path = path
        writer = try Connection(path: path)
        // Related SQLite documentation: <https://sqlite.org/pragma.html#pragma_journal_size_limit>
        try writer.execute("PRAGMA journal_size_limit = \(walSizeLimit)")
        // The writer's savepoint journals stay in memory. Every write of a group commit runs
        // in its own savepoint, and SQLite keeps the pages each one changes in a journal of its
        // own: on disk, that is a temporary file opened, written and closed for every commit.
        // In memory it is cleared each time a savepoint is released, so it holds one write's
        // pages at a time.
        try writer.execute("PRAGMA temp_store = MEMORY")
        // WAL is a property of the file: set once, and checked, rather than on every open.
        let mode = try writer.query("PRAGMA journal_mode").first?.string("journal_mode")
        if mode != "wal" {
            let set = try writer.query("PRAGMA journal_mode = WAL").first?.string("journal_mode")
            guard set == "wal" else {
                throw SQLiteError(code: 1, message: "could not turn on WAL mode (got \(set ?? "nothing"))", sql: "PRAGMA journal_mode = WAL")
            }
        }
    }

    /// Runs `body` in a write transaction (`BEGIN IMMEDIATE`), committing on return and
    /// rolling back on any throw.
    public func write<T>(_ body: (Connection) throws -> T) throws -> T {
        try refuseIfDamaged()
        writerLock.lock()
        defer { writerLock.unlock() }
        do {
            return try writer.transaction(body)
        } catch let error as SQLiteError where error.isDamage {
            markDamaged(error.message)
            throw error
        }
    }

    // MARK: - Damage

    /// Why the file is known to be damaged (a failed `quick_check`, or SQLite reporting
    /// corruption during a write), or nil. While it is set, every write is refused before it
    /// starts, so nothing more is built on damaged pages; reads go on.
    public var knownDamage: String? { damageLock.withLock { damage } }

    /// Records that the file is damaged, refusing writes from now on.
    public func markDamaged(_ reason: String) { damageLock.withLock { if damage == nil { damage = reason } } }

    private func refuseIfDamaged() throws {
        if let reason = knownDamage {
            throw SQLiteError(code: 11, message: "known to be damaged since a check found: \(reason)")
        }
    }

    /// Runs `PRAGMA quick_check` (every page and index entry's structure, without comparing
    /// indexes with their tables: linear in the file's size) and returns its lines, `["ok"]`
    /// when sound. Anything else marks the database damaged; a later check that passes (the
    /// file restored in place) clears it.
    ///
    /// Related SQLite documentation: <https://sqlite.org/pragma.html#pragma_quick_check>
    @discardableResult
    public func quickCheck() throws -> [String] {
        var lines: [String]
        do {
            lines = try read { db in try db.query("PRAGMA quick_check").compactMap { $0.string("quick_check") } }
        } catch let error as SQLiteError where error.isDamage {
            lines = [error.message]
        }
        if lines == ["ok"] {
            damageLock.withLock { damage = nil }
        } else {
            markDamaged(lines.prefix(3).joined(separator: "; "))
        }
        return lines
    }

    /// Runs `body` on the writer connection outside any transaction (for PRAGMAs and
    /// statements that cannot run in one, and for callers that manage their own).
    public func withWriter<T>(_ body: (Connection) throws -> T) throws -> T {
        try refuseIfDamaged()
        writerLock.lock()
        defer { writerLock.unlock() }
        return try body(writer)
    }

    /// Runs `body` on a reader connection inside a read transaction, so everything it reads
    /// comes from one snapshot of the database.
    public func read<T>(_ body: (Connection) throws -> T) throws -> T {
        let reader = try takeReader()
        defer { giveBack(reader) }
        try reader.run("BEGIN DEFERRED")
        defer { try? reader.run("COMMIT") }
        return try body(reader)
    }

    /// How many read transactions this database has begun: what a caller's work costs in reads.
    public var readTransactions: Int { poolLock.withLock { readsBegun } }

    private func takeReader() throws -> Connection {
        poolLock.lock()
        readsBegun += 1
        if let reader = readers.popLast() {
            poolLock.unlock()
            return reader
        }
        poolLock.unlock()
        return try Connection(path: path, readOnly: true)
    }

    private func giveBack(_ reader: Connection) {
        poolLock.lock()
        defer { poolLock.unlock() }
        if readers.count < 8 { readers.append(reader) }
    }

    /// A number that changes whenever anything is committed to the file, by any connection of
    /// this process or another (`PRAGMA data_version`, asked on a connection kept for it that
    /// never writes). Cheap enough to ask on every request: it reads the WAL index, not pages.
    ///
    /// Related SQLite documentation: <https://sqlite.org/pragma.html#pragma_data_version>
    public func changeCounter() throws -> Int64 {
        counterLock.lock()
        defer { counterLock.unlock() }
        // No busy wait: a caller that must not block (the web server's event loop) gets an
        // error at once and takes its slower path instead.
        if counterConnection == nil { counterConnection = try Connection(path: path, readOnly: true, busyTimeoutMilliseconds: 0) }
        return try counterConnection!.queryOne("PRAGMA data_version")?.int64("data_version") ?? 0
    }

    /// Turns SQLite's automatic checkpoints on this process's writer on or off. Off when a
    /// replicator (Litestream) streams the WAL and runs the checkpoints itself, so that a
    /// checkpoint never races the replicator as it moves to the WAL's next generation.
    /// With them off and nothing checkpointing, the WAL grows until something does.
    ///
    /// Related documentation: <https://sqlite.org/pragma.html#pragma_wal_autocheckpoint>,
    /// <https://litestream.io/tips/>
    public func setAutomaticCheckpoints(_ on: Bool) throws {
        try withWriter { try $0.execute("PRAGMA wal_autocheckpoint = \(on ? 1000 : 0)") }
    }

    /// Checkpoints the WAL into the main file; used before a clean shutdown.
    public func checkpoint() throws {
        try withWriter { try $0.execute("PRAGMA wal_checkpoint(TRUNCATE)") }
    }

    /// Runs `PRAGMA integrity_check` and returns its lines ("ok" when the file is sound).
    public func integrityCheck() throws -> [String] {
        try read { db in try db.query("PRAGMA integrity_check").compactMap { $0.string("integrity_check") } }
    }
}
