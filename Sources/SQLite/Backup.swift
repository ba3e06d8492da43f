internal import CSQLite
import Foundation

extension Database {
    /// What a backup wrote.
    public struct BackupResult: Sendable, Equatable {
        /// The file written.
        public let path: String
        /// Pages copied, and the page size in bytes.
        public let pages: Int
        public let pageSize: Int
        public var bytes: Int { pages * pageSize }
    }

    /// Copies the whole database to `destination` with SQLite's online backup API while
    /// others go on writing: the copy is one consistent snapshot (taken in a single step
    /// under a read transaction, which in WAL mode never blocks writers).
    ///
    /// The copy is written to a temporary file beside `destination`, made durable, and only
    /// then renamed into place, so a failed or interrupted backup never leaves a half-written
    /// file under the name asked for. An existing `destination` is refused unless `replacing`.
    ///
    /// Related SQLite documentation: <https://sqlite.org/backup.html>
    public func backup(to destination: String, replacing: Bool = false) throws -> BackupResult {
        let fm = FileManager.default
        if fm.fileExists(atPath: destination) && !replacing {
            throw SQLiteError(code: SQLITE_CANTOPEN, message: "\(destination) already exists; choose another name or allow replacing it")
        }
        let temporary = destination + ".partial-\(getpid())"
        let cleanUp = { for suffix in ["", "-wal", "-shm", "-journal"] { try? fm.removeItem(atPath: temporary + suffix) } }
        cleanUp()
        do {
            let (pages, pageSize) = try copyPages(to: temporary)
            try syncFile(temporary)
            if replacing { try? fm.removeItem(atPath: destination) }
            guard rename(temporary, destination) == 0 else {
                throw SQLiteError(code: SQLITE_CANTOPEN, message: "could not move the copy into place at \(destination): \(String(cString: strerror(errno)))")
            }
            try syncFile((destination as NSString).deletingLastPathComponent.isEmpty ? "." : (destination as NSString).deletingLastPathComponent)
            return BackupResult(path: destination, pages: pages, pageSize: pageSize)
        } catch {
            cleanUp()
            throw error
        }
    }

    /// Copies every page into a new file at `temporary`; the connections close on return.
    private func copyPages(to temporary: String) throws -> (pages: Int, pageSize: Int) {
        let source = try Connection(path: path, readOnly: true)
        let target = try Connection(path: temporary)
        guard let backup = sqlite3_backup_init(target.handle, "main", source.handle, "main") else {
            throw target.error(sqlite3_errcode(target.handle), sql: nil)
        }
        // One step copies every page inside one read transaction: a consistent snapshot.
        var rc = sqlite3_backup_step(backup, -1)
        while rc == SQLITE_BUSY || rc == SQLITE_LOCKED {
            sqlite3_sleep(20)
            rc = sqlite3_backup_step(backup, -1)
        }
        let pages = Int(sqlite3_backup_pagecount(backup))
        let finish = sqlite3_backup_finish(backup)
        guard rc == SQLITE_DONE, finish == SQLITE_OK else { throw target.error(rc == SQLITE_DONE ? finish : rc, sql: nil) }
        let pageSize = try target.query("PRAGMA page_size").first?.int("page_size") ?? 4096
        // The copy is a plain rollback-journal file: one file, nothing beside it to forget.
        try target.execute("PRAGMA journal_mode = DELETE")
        return (pages, pageSize)
    }

    private func syncFile(_ path: String) throws {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw SQLiteError(code: SQLITE_IOERR, message: "could not open \(path) to flush it: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw SQLiteError(code: SQLITE_IOERR, message: "could not flush \(path) to disk: \(String(cString: strerror(errno)))") }
    }
}
