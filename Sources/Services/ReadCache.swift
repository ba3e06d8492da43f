import Foundation
internal import CSystem

/// Figures that are costly to build over a large partnership (the pledge wall, this year's
/// report for the dashboard) and change only when something happens: each is kept with the
/// change it was built at (the last event's sequence number, and the day where "today"
/// matters) and rebuilt only after a new event. One build at a time, so a burst of requests
/// after a change builds once and the others wait for it, rather than all building at once.
final class ReadCache: @unchecked Sendable {  // `entries` guarded by `lock`
    private let lock = NSLock()
    private var entries: [String: (key: String, value: any Sendable)] = [:]

    /// - Parameter trim: hand freed memory back to the system after building (for a build that
    ///   reads tens of megabytes; not for one that reads only what changed).
    func value<Value: Sendable>(_ name: String, key: String, trim: Bool = true, build: () throws -> Value) rethrows -> Value {
        lock.lock()
        defer { lock.unlock() }
        if let entry = entries[name], entry.key == key, let value = entry.value as? Value { return value }
        let value = try build()
        entries[name] = (key, value)
        // A build over a large partnership reads tens of megabytes it then frees; hand the
        // free pages back to the system rather than keep them as the process's high-water mark.
        if trim { malloc_trim(0) }
        return value
    }
}

/// Hands the pages freed by a first reading of every record (tens of megabytes of decoded
/// instances, kept only as the few facts a ledger needs) back to the system, so they do not
/// stay the process's resident memory for the rest of its life.
func handBackFreedMemory() { malloc_trim(0) }

extension Flourish {
    /// What kept figures are as of: the last event, and how many rebuilds have been asked for
    /// (``requestFiguresRebuild(by:)``), so either makes them be worked out again.
    func figuresVersion() throws -> (seq: Int64, rebuilds: Int64) {
        try database.read { db in
            let row = try db.queryOne("SELECT (SELECT coalesce(max(seq), 0) FROM events) AS seq, (SELECT coalesce(max(id), 0) FROM figure_rebuilds) AS rebuilds")
            return (row?.int64("seq") ?? 0, row?.int64("rebuilds") ?? 0)
        }
    }

    /// Asks every process keeping figures (the web server's dashboard, wall and this year's
    /// report) to work them out again from the records, at the next view: the repair should the
    /// kept figures ever differ from the records. Only the secretariat.
    public func requestFiguresRebuild(by viewer: Viewer) throws {
        try requireSecretariat(viewer, doing: "rebuild the kept figures")
        let now = clock.now()
        try database.write { db in try db.run("INSERT INTO figure_rebuilds (requested_at, requested_by) VALUES (?, ?)", now.milliseconds, viewer.person ?? "") }
    }
}
