import Foundation
import Services

/// Prometheus counters kept in memory: requests by route and status, a latency histogram,
/// plus gauges read from the database when scraped.
final class Metrics: @unchecked Sendable {
    static let buckets: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]
    let lock = NSLock()
    var requests: [String: Int] = [:]          // "route\u{0}status"
    var bucketCounts = [Int](repeating: 0, count: Metrics.buckets.count)
    var count = 0
    var sum = 0.0

    func record(route: String, status: Int, seconds: Double) {
        lock.lock(); defer { lock.unlock() }
        requests[route + "\u{0}" + String(status), default: 0] += 1
        for (i, b) in Self.buckets.enumerated() where seconds <= b { bucketCounts[i] += 1 }
        count += 1
        sum += seconds
    }

    static func label(_ s: String) -> String {
        s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n")
    }

    func render(app: Flourish) throws -> String {
        let open = try app.escalations(state: "open")
        var byLevel: [String: Int] = [:]
        for e in open {
            for review in e.open { byLevel[Optional(review.body) ?? "unknown", default: 0] += 1 }
        }
        let transitions = try app.eventCount()
        lock.lock(); defer { lock.unlock() }
        var out = "# HELP flourish_http_requests_total Requests answered, by route and status.\n# TYPE flourish_http_requests_total counter\n"
        for (key, n) in requests.sorted(by: { $0.key < $1.key }) {
            let parts = key.split(separator: "\u{0}", maxSplits: 1).map(String.init)
            out += "flourish_http_requests_total{route=\"\(Self.label(parts[0]))\",status=\"\(parts[1])\"} \(n)\n"
        }
        out += "# HELP flourish_http_request_duration_seconds Time to answer a request.\n# TYPE flourish_http_request_duration_seconds histogram\n"
        for (i, b) in Self.buckets.enumerated() { out += "flourish_http_request_duration_seconds_bucket{le=\"\(b)\"} \(bucketCounts[i])\n" }
        out += "flourish_http_request_duration_seconds_bucket{le=\"+Inf\"} \(count)\nflourish_http_request_duration_seconds_sum \(sum)\nflourish_http_request_duration_seconds_count \(count)\n"
        out += "# HELP flourish_open_escalations Escalations waiting, by the body they wait at.\n# TYPE flourish_open_escalations gauge\n"
        for (body, n) in byLevel.sorted(by: { $0.key < $1.key }) { out += "flourish_open_escalations{body=\"\(Self.label(body))\"} \(n)\n" }
        out += "# HELP flourish_transitions_total Workflow events recorded.\n# TYPE flourish_transitions_total counter\nflourish_transitions_total \(transitions)\n"
        return out
    }
}
