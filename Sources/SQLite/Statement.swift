internal import CSQLite
public import Foundation

/// SQLite's marker that it must copy bound text and blobs at once.
private let transientDestructor = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// A compiled SQL statement that owns its `sqlite3_stmt` and finalizes it when released.
///
/// - Warning: A statement is used only by the connection that compiled it, under that
///   connection's lock; it never crosses threads on its own.
public final class Statement {
    /// The SQL it was compiled from.
    public let sql: String
    let connection: Connection
    let handle: OpaquePointer

    init(connection: Connection, sql: String) throws {
        var stmt: OpaquePointer?
        let rc = sqlite3_prepare_v3(connection.handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &stmt, nil)
        guard rc == SQLITE_OK, let stmt else {
            sqlite3_finalize(stmt)
            throw connection.error(rc, sql: sql)
        }
        self.sql = sql
        self.connection = connection
        self.handle = stmt
    }

    deinit { sqlite3_finalize(handle) }

    /// The result's column names, read once per statement rather than once per run (a
    /// statement is run thousands of times); read again if a recompile changed the count.
    private var cachedNames: [String] = []
    private func columnNames(_ count: Int32) -> [String] {
        if cachedNames.count != Int(count) {
            cachedNames = (0..<count).map { String(cString: sqlite3_column_name(handle, $0)) }
        }
        return cachedNames
    }

    /// Clears earlier bindings and binds new ones, positionally from 1.
    func bind(_ values: [any SQLiteBindable]) throws {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        let expected = Int(sqlite3_bind_parameter_count(handle))
        guard expected == values.count else {
            throw SQLiteError(code: SQLITE_RANGE, message: "expected \(expected) bound values, got \(values.count)", sql: sql)
        }
        for (offset, value) in values.enumerated() {
            try bind(value.sqliteValue, at: Int32(offset + 1))
        }
    }

    /// Clears earlier bindings and binds `:name` parameters by name.
    func bind(named values: [String: any SQLiteBindable]) throws {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        for (name, value) in values {
            let key = name.hasPrefix(":") ? name : ":" + name
            let index = sqlite3_bind_parameter_index(handle, key)
            guard index > 0 else {
                throw SQLiteError(code: SQLITE_RANGE, message: "no parameter named \(key)", sql: sql)
            }
            try bind(value.sqliteValue, at: index)
        }
    }

    private func bind(_ value: SQLiteValue, at index: Int32) throws {
        let rc: Int32
        switch value {
        case .null: rc = sqlite3_bind_null(handle, index)
        case .integer(let v): rc = sqlite3_bind_int64(handle, index, v)
        case .real(let v): rc = sqlite3_bind_double(handle, index, v)
        case .text(let s):
            // By its length in bytes, not up to a NUL: text holding U+0000 is stored whole.
            var text = s
            rc = text.withUTF8 { bytes in
                guard let base = bytes.baseAddress, bytes.count > 0 else { return sqlite3_bind_text(handle, index, "", 0, transientDestructor) }
                return base.withMemoryRebound(to: CChar.self, capacity: bytes.count) { sqlite3_bind_text(handle, index, $0, Int32(bytes.count), transientDestructor) }
            }
        case .blob(let b):
            rc = b.withUnsafeBytes { sqlite3_bind_blob(handle, index, $0.baseAddress, Int32($0.count), transientDestructor) }
        }
        guard rc == SQLITE_OK else { throw connection.error(rc, sql: sql) }
    }

    /// Steps to completion, collecting every row.
    func rows() throws -> [Row] {
        var result: [Row] = []
        try forEachRow { result.append($0) }
        return result
    }

    /// Steps to completion, handing each row to `body` as it is read (nothing is collected, so
    /// a scan of a large table holds one row at a time).
    func forEachRow(_ body: (Row) throws -> Void) throws {
        defer { sqlite3_reset(handle) }
        let count = sqlite3_column_count(handle)
        let names = columnNames(count)
        while true {
            let rc = sqlite3_step(handle)
            if rc == SQLITE_DONE { break }
            guard rc == SQLITE_ROW else { throw connection.error(rc, sql: sql) }
            var values: [SQLiteValue] = []
            values.reserveCapacity(Int(count))
            for i in 0..<count { values.append(column(i)) }
            try body(Row(columns: names, values: values))
        }
    }

    /// Steps until `SQLITE_DONE`; any row or other code is an error for a statement run for effect.
    func run() throws {
        defer { sqlite3_reset(handle) }
        while true {
            let rc = sqlite3_step(handle)
            if rc == SQLITE_DONE { return }
            if rc == SQLITE_ROW { continue }
            throw connection.error(rc, sql: sql)
        }
    }

    private func column(_ i: Int32) -> SQLiteValue {
        switch sqlite3_column_type(handle, i) {
        case SQLITE_INTEGER: return .integer(sqlite3_column_int64(handle, i))
        case SQLITE_FLOAT: return .real(sqlite3_column_double(handle, i))
        case SQLITE_TEXT:
            guard let text = sqlite3_column_text(handle, i) else { return .text("") }
            let length = Int(sqlite3_column_bytes(handle, i))
            return .text(String(decoding: UnsafeBufferPointer(start: text, count: length), as: UTF8.self))
        case SQLITE_BLOB:
            let length = Int(sqlite3_column_bytes(handle, i))
            guard length > 0, let pointer = sqlite3_column_blob(handle, i) else { return .blob([]) }
            return .blob(Array(UnsafeRawBufferPointer(start: pointer, count: length)))
        default: return .null
        }
    }
}
