internal import CSQLite
public import Foundation

/// One open SQLite connection, with a cache of compiled statements.
///
/// Opening turns on extended result codes, foreign keys and a busy timeout. A failed open
/// still closes the handle.
///
/// - Warning: A connection is not thread-safe. ``Database`` keeps each one behind a lock;
///   use it only inside `read { }` or `write { }`.
///
/// Related SQLite documentation: <https://sqlite.org/c3ref/open.html>
public final class Connection {
    /// The path of the database file.
    public let path: String
    let handle: OpaquePointer
    private var cache: [String: Statement] = [:]
    /// The same statements by where their SQL's bytes are (see ``prepared(_:)``).
    private var byAddress: [Int: Statement] = [:]
    /// Whether a transaction opened by ``transaction(_:)`` is under way.
    public private(set) var isInTransaction = false
    /// What ``onCommit(_:)`` was given in the open transaction, in order.
    private var afterCommit: [() -> Void] = []

    /// Process-wide settings, made once before SQLite first initializes (the first connection
    /// opened): SQLite does not count the memory it holds, so its allocations take no shared
    /// mutex and connections on different threads do not queue for one another's mallocs.
    static let configureSQLiteOnce: Int32 = flourish_sqlite3_stop_counting_memory()

    /// Whether SQLite is counting its memory (false once ``configureSQLiteOnce`` has run first).
    public static var sqliteCountsMemory: Bool {
        _ = configureSQLiteOnce
        return flourish_sqlite3_counts_memory() != 0
    }

    /// Opens (and creates when missing) the database file at `path`.
    ///
    /// Waits up to `limit` milliseconds for another connection's lock, looking again every
    /// millisecond. SQLite's own busy timeout sleeps in steps that grow to 100 ms, so a writer
    /// waiting on another process looked only ten times a second, and never found the
    /// moment between two transactions of an import written in steps (a few milliseconds):
    /// it waited for the whole import and was refused after its timeout. Each look is a
    /// failed try of a lock, so a millisecond apart costs next to nothing.
    static func waitForLocks(_ db: OpaquePointer, upToMilliseconds limit: Int32) {
        guard limit > 0 else { sqlite3_busy_timeout(db, 0); return }
        sqlite3_busy_handler(db, { context, tries in
            // The tries so far, a millisecond apart, stand for the time waited.
            guard tries < Int32(truncatingIfNeeded: Int(bitPattern: context)) else { return 0 }
            usleep(1_000)
            return 1
        }, UnsafeMutableRawPointer(bitPattern: Int(limit)))
    }

    /// - Parameters:
    ///   - path: the database file.
    ///   - readOnly: open without write access.
    ///   - busyTimeoutMilliseconds: how long to wait for another connection's lock.
    /// - Throws: ``SQLiteError`` when the file cannot be opened.
    public init(path: String, readOnly: Bool = false, busyTimeoutMilliseconds: Int32 = 10_000) throws {
        _ = Self.configureSQLiteOnce
        var db: OpaquePointer?
        let flags = (readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)) | SQLITE_OPEN_NOMUTEX
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            sqlite3_close_v2(db)
            throw SQLiteError(code: rc, message: "\(message): \(path)")
        }
        self.path = path
        self.handle = db
        sqlite3_extended_result_codes(db, 1)
        Self.waitForLocks(db, upToMilliseconds: busyTimeoutMilliseconds)
        do {
            try execute("PRAGMA foreign_keys = ON")
            // FULL: a commit acknowledged to a caller has reached the disk, so it survives a
            // power cut as well as a crash of the process (NORMAL in WAL mode may lose the
            // last commits when the machine itself goes down).
            try execute("PRAGMA synchronous = FULL")
            // Readers keep a small page cache of their own (the operating system caches the
            // file for all of them): a pool of readers that each scanned a large partnership
            // would otherwise hold 2 MB apiece for as long as the process runs.
            if readOnly { try execute("PRAGMA cache_size = -512") }
        } catch {
            cache.removeAll()
            byAddress.removeAll()
            sqlite3_close_v2(db)
            throw error
        }
    }

    deinit {
        cache.removeAll()
        byAddress.removeAll()
        sqlite3_close_v2(handle)
    }

    // MARK: - Running SQL

    /// Runs one or more statements that take no parameters and return nothing.
    public func execute(_ sql: String) throws {
        var message: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &message)
        if rc != SQLITE_OK {
            let text = message.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(handle))
            sqlite3_free(message)
            throw SQLiteError(code: rc & 0xff, extendedCode: sqlite3_extended_errcode(handle), message: text, sql: sql)
        }
    }

    /// Runs a statement with positional parameters for its effect.
    public func run(_ sql: String, _ values: any SQLiteBindable...) throws {
        try run(sql, arguments: values)
    }

    /// Runs a statement with positional parameters for its effect.
    public func run(_ sql: String, arguments: [any SQLiteBindable]) throws {
        let statement = try prepared(sql)
        try statement.bind(arguments)
        try statement.run()
    }

    /// Runs a statement with `:named` parameters for its effect.
    public func run(_ sql: String, named: [String: any SQLiteBindable]) throws {
        let statement = try prepared(sql)
        try statement.bind(named: named)
        try statement.run()
    }

    /// Runs a query and returns every row.
    public func query(_ sql: String, _ values: any SQLiteBindable...) throws -> [Row] {
        try query(sql, arguments: values)
    }

    /// Runs a query and returns every row.
    public func query(_ sql: String, arguments: [any SQLiteBindable]) throws -> [Row] {
        let statement = try prepared(sql)
        try statement.bind(arguments)
        return try statement.rows()
    }

    /// Runs a query and hands each row to `body` as it is read, holding one row at a time: for
    /// scans of large tables. `body` must not run the same SQL on this connection.
    public func forEachRow(_ sql: String, arguments: [any SQLiteBindable] = [], _ body: (Row) throws -> Void) throws {
        let statement = try prepared(sql)
        try statement.bind(arguments)
        try statement.forEachRow(body)
    }

    /// Runs a query and returns its first row, if any.
    public func queryOne(_ sql: String, _ values: any SQLiteBindable...) throws -> Row? {
        try query(sql, arguments: values).first
    }

    /// The rowid of the last row inserted on this connection.
    public var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    /// How many rows the last statement changed.
    public var changes: Int { Int(sqlite3_changes(handle)) }

    // MARK: - Transactions

    /// Runs `body` in a transaction that takes the write lock up front (`BEGIN IMMEDIATE`).
    ///
    /// Commits when `body` returns; rolls back on any throw and rethrows the first error.
    /// Transactions never nest: use ``savepoint(_:_:)`` inside one.
    public func transaction<T>(_ body: (Connection) throws -> T) throws -> T {
        precondition(!isInTransaction, "transactions do not nest; use a savepoint")
        try run("BEGIN IMMEDIATE")
        isInTransaction = true
        defer { isInTransaction = false }
        do {
            let result = try body(self)
            try run("COMMIT")
            let committed = afterCommit
            afterCommit = []
            for work in committed { work() }
            return result
        } catch {
            afterCommit = []
            try? execute("ROLLBACK")
            throw error
        }
    }

    /// Runs `work` once the transaction now open has committed: at once outside one. Dropped
    /// when the transaction rolls back, or the savepoint it was asked for within. For what
    /// must not outlive a rollback: a cache of the data a write is making, say.
    public func onCommit(_ work: @escaping () -> Void) {
        if isInTransaction { afterCommit.append(work) } else { work() }
    }

    /// How many pieces of work left with ``onCommitIfRoom(_:)`` one transaction keeps.
    public static let commitWorkRoom = 256

    /// How many pieces of work wait for the open transaction's commit.
    public var commitWorkWaiting: Int { afterCommit.count }

    /// Runs `work` once the transaction now open has committed, as ``onCommit(_:)`` does, but
    /// only while fewer than ``commitWorkRoom`` pieces wait: for work that may be
    /// left undone, such as filling a cache. A transaction of a million writes (an import)
    /// then holds 256 closures and what they capture, not a million.
    public func onCommitIfRoom(_ work: @escaping () -> Void) {
        if !isInTransaction { work() } else if afterCommit.count < Self.commitWorkRoom { afterCommit.append(work) }
    }

    /// Runs `body` inside a savepoint: a throw undoes only what `body` did.
    public func savepoint<T>(_ name: String = "step", _ body: (Connection) throws -> T) throws -> T {
        try run("SAVEPOINT \(name)")
        let committing = afterCommit.count
        do {
            let result = try body(self)
            try run("RELEASE \(name)")
            return result
        } catch {
            if afterCommit.count > committing { afterCommit.removeSubrange(committing...) }
            try? execute("ROLLBACK TO \(name)")
            try? execute("RELEASE \(name)")
            throw error
        }
    }

    // MARK: - Internals

    func prepared(_ sql: String) throws -> Statement {
        // Most statements are string literals, whose bytes stay at one address for as long as
        // the program runs: found by that address and checked by an equality that is one
        // comparison for the same literal, rather than by hashing every byte of the SQL.
        // (A text of another kind that comes to have the address is checked the same way,
        // and then looked up by its bytes.) Short texts are held inside the string itself,
        // with no lasting address, and are cheap to hash.
        let address = sql.utf8.count > 15 ? sql.utf8.withContiguousStorageIfAvailable { Int(bitPattern: $0.baseAddress) } ?? nil : nil
        if let address, let known = byAddress[address], known.sql == sql { return known }
        let statement: Statement
        if let cached = cache[sql] {
            statement = cached
        } else {
            statement = try Statement(connection: self, sql: sql)
            cache[sql] = statement
        }
        if let address {
            // Texts built at run time come and go at many addresses: the table is kept small.
            if byAddress.count >= 512 { byAddress.removeAll(keepingCapacity: true) }
            byAddress[address] = statement
        }
        return statement
    }

    func error(_ rc: Int32, sql: String?) -> SQLiteError {
        SQLiteError(code: rc & 0xff, extendedCode: sqlite3_extended_errcode(handle),
                    message: String(cString: sqlite3_errmsg(handle)), sql: sql)
    }

    /// The SQLite library version, e.g. "3.40.1".
    public static var libraryVersion: String { String(cString: sqlite3_libversion()) }
}
