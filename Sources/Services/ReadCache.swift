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

    func value<Value: Sendable>(_ name: String, key: String, build: () throws -> Value) rethrows -> Value {
        lock.lock()
        defer { lock.unlock() }
        if let entry = entries[name], entry.key == key, let value = entry.value as? Value { return value }
        let value = try build()
        entries[name] = (key, value)
        // A build over a large partnership reads tens of megabytes it then frees; hand the
        // free pages back to the system rather than keep them as the process's high-water mark.
        malloc_trim(0)
        return value
    }
}

extension Flourish {
    /// The last event's sequence number: any change to instances comes with one.
    func lastEventSeq() throws -> Int64 {
        try database.read { try $0.queryOne("SELECT coalesce(max(seq), 0) AS seq FROM events")?.int64("seq") ?? 0 }
    }
}
