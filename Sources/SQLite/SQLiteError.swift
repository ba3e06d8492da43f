public import Foundation

/// An error reported by SQLite, with its codes, its message and the SQL that failed.
///
/// Bound values are never part of the error: they may be personal data.
public struct SQLiteError: Error, Equatable, Sendable, LocalizedError {
    /// The primary result code (`SQLITE_BUSY`, `SQLITE_CONSTRAINT`, …).
    public let code: Int32
    /// The extended result code (`SQLITE_CONSTRAINT_UNIQUE`, …).
    public let extendedCode: Int32
    /// SQLite's own message from `sqlite3_errmsg`.
    public let message: String
    /// The statement that failed, if any.
    public let sql: String?

    /// Creates an error from its parts.
    public init(code: Int32, extendedCode: Int32? = nil, message: String, sql: String? = nil) {
        self.code = code
        self.extendedCode = extendedCode ?? code
        self.message = message
        self.sql = sql
    }

    /// Whether the database file or its disk is full.
    public var isDiskFull: Bool { code == 13 }  // SQLITE_FULL
    /// Whether another connection held a lock for longer than the busy timeout.
    public var isBusy: Bool { code == 5 || code == 6 }  // SQLITE_BUSY, SQLITE_LOCKED
    /// Whether a constraint (unique, foreign key, check) refused the change.
    public var isConstraint: Bool { code == 19 }
    /// Whether the file is damaged (`SQLITE_CORRUPT`, `SQLITE_NOTADB`), or known to be.
    public var isDamage: Bool { code == 11 || code == 26 }

    public var errorDescription: String? {
        if isDiskFull {
            return "The disk holding the database is full; nothing was written. Free some space and try again."
        }
        if isBusy {
            return "The database stayed busy with another writer for too long; nothing was written. Try again."
        }
        if isDamage {
            return "The database file is damaged (\(message)); nothing was written. Restore it from a backup or the replica (see the README's backup and restore)."
        }
        var text = "SQLite error \(extendedCode): \(message)"
        if let sql { text += " (in: \(sql))" }
        return text
    }
}
