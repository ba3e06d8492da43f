import Foundation
import Services
import Engine

/// The server's Prometheus metrics: what it measures while it runs (requests by route and
/// status, group commits, timer lateness, sign-in refusals) and what it reads from the
/// database when scraped (timers due, the outbox, the audit log's head, file sizes, open
/// escalations). `promtool check metrics` reads the output in the proof suite, and
/// `ops/prometheus/flourish-alerts.yml` alerts on it.
///
/// Related documentation: <https://prometheus.io/docs/instrumenting/exposition_formats/>
final class Metrics: @unchecked Sendable {  // requestDurations guarded by lock
    static let requestBuckets: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]
    private let lock = NSLock()
    /// Keyed by route and status ("GET /pledges" and "200").
    private var requestDurations: [RequestKey: Histogram] = [:]

    private struct RequestKey: Hashable, Comparable {
        let route: String
        let status: Int
        static func < (a: Self, b: Self) -> Bool { (a.route, a.status) < (b.route, b.status) }
    }

    func record(route: String, status: Int, seconds: Double) {
        let key = RequestKey(route: route, status: status)
        lock.lock()
        let histogram = requestDurations[key] ?? {
            let h = Histogram(upperBounds: Self.requestBuckets)
            requestDurations[key] = h
            return h
        }()
        lock.unlock()
        histogram.observe(seconds)
    }

    /// The exposition. What is read from the database is left out when the database cannot
    /// answer (damaged, say): the figures measured in memory, and the damage, are still told.
    func render(app: Flourish) throws -> String {
        let figures = try? app.operationalFigures()
        let open = (try? app.escalations(state: "open")) ?? []
        var byBody: [String: Int] = [:]
        for e in open { for review in e.open { byBody[review.body, default: 0] += 1 } }
        let observed = app.engineObservations
        lock.lock()
        let requests = requestDurations.sorted { $0.key < $1.key }
        lock.unlock()

        var out = PrometheusText()
        out.family("flourish_http_request_duration_seconds", .histogram, "Time to answer a request, by route and status.")
        for (key, histogram) in requests {
            out.histogram("flourish_http_request_duration_seconds", ["route": key.route, "status": String(key.status)], histogram.snapshot())
        }
        out.family("flourish_commit_duration_seconds", .histogram, "Time from a group commit's BEGIN to its durable COMMIT.")
        out.histogram("flourish_commit_duration_seconds", [:], observed.commitSeconds.snapshot())
        out.family("flourish_commit_batch_size", .histogram, "Writes carried by one group commit.")
        out.histogram("flourish_commit_batch_size", [:], observed.commitBatchSize.snapshot())
        out.family("flourish_timer_lateness_seconds", .histogram, "Time between a timer falling due and the tick that fired it.")
        out.histogram("flourish_timer_lateness_seconds", [:], observed.timerLatenessSeconds.snapshot())
        out.family("flourish_sign_in_failures_total", .counter, "Sign-ins refused for a wrong user name or password.")
        out.sample("flourish_sign_in_failures_total", [:], Double(app.accounts.signInFailures.value))
        out.family("flourish_sign_in_throttled_total", .counter, "Sign-ins refused unchecked because the account or address must wait.")
        out.sample("flourish_sign_in_throttled_total", [:], Double(app.accounts.signInThrottles.value))
        out.family("flourish_database_damaged", .gauge, "1 when SQLite's quick_check found the database damaged: writes are refused until it is restored.")
        out.sample("flourish_database_damaged", [:], app.knownDamage == nil ? 0 : 1)
        out.family("flourish_integrity_check_timestamp_seconds", .gauge, "When the last quick_check ran (Unix time; 0: not yet).")
        out.sample("flourish_integrity_check_timestamp_seconds", [:], app.lastIntegrityCheck?.timeIntervalSince1970.rounded() ?? 0)
        out.family("flourish_database_readable", .gauge, "1 when the figures below could be read from the database for this scrape.")
        out.sample("flourish_database_readable", [:], figures == nil ? 0 : 1)
        guard let figures else { return out.text }

        out.family("flourish_timers_due", .gauge, "Timers whose moment has passed that no tick has fired yet.")
        out.sample("flourish_timers_due", [:], Double(figures.timersDue))
        out.family("flourish_timers_oldest_due_age_seconds", .gauge, "How long the longest-waiting due timer has waited (0 when none waits).")
        out.sample("flourish_timers_oldest_due_age_seconds", [:], figures.oldestTimerDueAt.map { max(0, app.clock.now().timeIntervalSince($0)) } ?? 0)
        out.family("flourish_outbox_messages", .gauge, "Notifications in the outbox, by status.")
        for (status, n) in figures.outbox.sorted(by: { $0.key < $1.key }) { out.sample("flourish_outbox_messages", ["status": status], Double(n)) }
        out.family("flourish_audit_head_sequence", .gauge, "The audit log's last event number; with flourish_audit_head_info, the head to give `flourish audit verify --head`.")
        out.sample("flourish_audit_head_sequence", [:], Double(figures.auditHeadSeq))
        out.family("flourish_audit_head_info", .gauge, "The audit log's head as SEQ:HASH (always 1).")
        out.sample("flourish_audit_head_info", ["head": "\(figures.auditHeadSeq):\(figures.auditHeadHash)"], 1)
        out.family("flourish_database_size_bytes", .gauge, "The database file's size.")
        out.sample("flourish_database_size_bytes", [:], Double(figures.databaseBytes))
        out.family("flourish_wal_size_bytes", .gauge, "The write-ahead log's size.")
        out.sample("flourish_wal_size_bytes", [:], Double(figures.walBytes))
        out.family("flourish_disk_free_bytes", .gauge, "Free space on the file system that holds the database.")
        out.sample("flourish_disk_free_bytes", [:], Double(figures.diskFreeBytes))
        out.family("flourish_disk_size_bytes", .gauge, "The size of the file system that holds the database.")
        out.sample("flourish_disk_size_bytes", [:], Double(figures.diskSizeBytes))
        out.family("flourish_open_escalations", .gauge, "Escalations waiting, by the body they wait at.")
        for (body, n) in byBody.sorted(by: { $0.key < $1.key }) { out.sample("flourish_open_escalations", ["body": body], Double(n)) }
        out.family("flourish_transitions_total", .counter, "Workflow events recorded in the audit log.")
        out.sample("flourish_transitions_total", [:], Double(figures.auditHeadSeq))
        return out.text
    }
}

/// Prometheus's text exposition format, written a family at a time.
struct PrometheusText {
    enum Kind: String { case counter, gauge, histogram }
    private(set) var text = ""

    mutating func family(_ name: String, _ kind: Kind, _ help: String) {
        text += "# HELP \(name) \(help.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n"))\n# TYPE \(name) \(kind.rawValue)\n"
    }

    mutating func sample(_ name: String, _ labels: [String: String], _ value: Double) {
        text += name + Self.labels(labels) + " " + Self.number(value) + "\n"
    }

    mutating func histogram(_ name: String, _ labels: [String: String], _ h: Histogram.Snapshot) {
        for (bound, count) in zip(h.upperBounds, h.cumulativeCounts) {
            sample(name + "_bucket", labels.merging(["le": Self.number(bound)]) { a, _ in a }, Double(count))
        }
        sample(name + "_bucket", labels.merging(["le": "+Inf"]) { a, _ in a }, Double(h.count))
        sample(name + "_sum", labels, h.sum)
        sample(name + "_count", labels, Double(h.count))
    }

    /// `{a="1",b="2"}` in name order, values escaped as the format asks (backslash, quote, newline).
    static func labels(_ labels: [String: String]) -> String {
        if labels.isEmpty { return "" }
        return "{" + labels.sorted { $0.key < $1.key }.map { key, value in
            key + "=\"" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n") + "\""
        }.joined(separator: ",") + "}"
    }

    /// Whole numbers without a fraction ("3", not "3.0"); others as Swift writes them.
    static func number(_ value: Double) -> String {
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value.isNaN { return "NaN" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }
}
