public import Foundation
public import Engine
public import SQLite

/// A backup taken while Flourish runs, and what checking the copy found.
public struct BackupReport: Sendable {
    public let copy: Database.BackupResult
    /// `PRAGMA integrity_check` on the copy: `["ok"]` when the file is sound.
    public let integrity: [String]
    /// The copy's audit log, walked link by link.
    public let audit: AuditChain.Report
    public var isSound: Bool { integrity == ["ok"] && audit.isIntact }
}

extension Flourish {
    /// Copies the live database to `destination` (a consistent snapshot, even while the
    /// server writes) and checks the copy: it opens, passes SQLite's integrity check, and its
    /// audit log verifies. A copy that does not check out is removed and the problem thrown.
    public func backup(to destination: String, replacing: Bool = false) throws -> BackupReport {
        let copy = try database.backup(to: destination, replacing: replacing)
        let report = try checkBackup(copy)
        guard report.isSound else {
            try? FileManager.default.removeItem(atPath: destination)
            throw BackupError.copyDoesNotCheckOut(destination, integrity: report.integrity, audit: report.audit.problem?.description)
        }
        return report
    }

    /// Checks a backup file without changing it: integrity, the audit log's hash chain, and
    /// every record against the log (as `flourish audit verify` does the live database).
    public func checkBackup(_ copy: Database.BackupResult) throws -> BackupReport {
        let db = try Connection(path: copy.path, readOnly: true)
        let integrity = try db.query("PRAGMA integrity_check").compactMap { $0.string("integrity_check") }
        let audit = try engine.verifyAuditLog(db)
        return BackupReport(copy: copy, integrity: integrity, audit: audit)
    }
}

public enum BackupError: Error, CustomStringConvertible {
    case copyDoesNotCheckOut(String, integrity: [String], audit: String?)

    public var description: String {
        switch self {
        case .copyDoesNotCheckOut(let path, let integrity, let audit):
            return "the copy at \(path) did not check out (integrity: \(integrity.prefix(3).joined(separator: "; "))"
                + (audit.map { "; audit log: \($0)" } ?? "") + "), so it was removed; the live database was not changed"
        }
    }
}
