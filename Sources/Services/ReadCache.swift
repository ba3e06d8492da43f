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

/// Answers worked out for one viewer, kept until anything is next committed to the database
/// (by this process or another: `PRAGMA data_version`), so a page asked again and again
/// between writes is worked out once, not on every view. Each answer is kept for the viewer
/// it was worked out for, compared whole (who they are and what they hold), so no one is ever
/// given an answer made for someone else. A few answers are kept, the oldest dropped first;
/// the work runs without the lock held, so one slow answer holds up no other.
final class ViewerAnswers<Value: Sendable>: @unchecked Sendable {  // `entries` guarded by `lock`
    private struct Entry {
        let key: String, viewer: Viewer, counter: Int64, value: Value
    }
    private let lock = NSLock()
    private var entries: [Entry] = []
    private let capacity: Int

    init(capacity: Int = 32) { self.capacity = capacity }

    /// The answer kept for `key` and `viewer` when nothing has been committed since it was
    /// worked out (the counter is the same), or `build`'s, then kept. A nil counter (the
    /// database could not say at once) works the answer out and keeps nothing.
    func value(_ key: String, for viewer: Viewer, counter: Int64?, build: () throws -> Value) rethrows -> Value {
        guard let counter else { return try build() }
        if let kept = lock.withLock({ entries.first { $0.key == key && $0.counter == counter && $0.viewer == viewer } }) {
            return kept.value
        }
        // The counter was read before the work began: a commit during it leaves the answer
        // kept under the older counter, so the next view works it out again.
        let value = try build()
        lock.withLock {
            entries.removeAll { $0.key == key && $0.viewer == viewer }
            entries.removeAll { $0.counter != counter }
            if entries.count >= capacity { entries.removeFirst(entries.count - capacity + 1) }
            entries.append(Entry(key: key, viewer: viewer, counter: counter, value: value))
        }
        return value
    }
}
