import Foundation
import HTTPServer
import Engine

/// Forms sent twice (a double click, a refresh, a retry after a slow answer) are carried out
/// once: every form carries a one-time `submission` token, and a second POST of the same form
/// (the same path and the same body, token, session and all) is answered with the first one's
/// answer instead of being carried out again (two identical actions were logged). A copy that
/// arrives while the first is still being carried out waits for its answer. Only answers that
/// carried something out (a redirect) are kept; a refused form, fixed and sent again, is a
/// different body. Kept in memory for ten minutes, a bounded number at a time.
final class FormSubmissions: @unchecked Sendable {  // `entries` guarded by `condition`
    private enum State {
        case running
        case done(HTTPResponse, at: Date)
    }
    private let condition = NSCondition()
    private var entries: [String: State] = [:]
    private var order: [String] = []
    static let kept: TimeInterval = 600
    static let capacity = 5000

    /// The key of a form POST that carries a submission token, or nil for any other request.
    static func key(_ request: HTTPRequest, submission: String?) -> String? {
        guard request.method == "POST", submission != nil else { return nil }
        return SHA256.hash(Array((request.path + "\n").utf8) + request.body).hexString
    }

    /// Carries out `body` once for `key`: the answer kept for a copy sent before, waiting for
    /// one still being carried out (at most `wait` seconds, then carried out again).
    func once(_ key: String, now: Date, wait: TimeInterval = 15, _ body: () -> HTTPResponse) -> HTTPResponse {
        condition.lock()
        let deadline = Date().addingTimeInterval(wait)
        while true {
            switch entries[key] {
            case .done(let response, let at)? where now.timeIntervalSince(at) < Self.kept:
                condition.unlock()
                return response
            case .running?:
                if condition.wait(until: deadline) { continue }
                condition.unlock()
                return body()
            default:
                entries[key] = .running
                order.append(key)
                condition.unlock()
                let response = body()
                condition.lock()
                if (300..<400).contains(response.status.code) {
                    entries[key] = .done(response, at: now)
                } else {
                    entries[key] = nil
                }
                while order.count > Self.capacity {
                    let oldest = order.removeFirst()
                    if case .done? = entries[oldest] { entries[oldest] = nil }
                }
                condition.broadcast()
                condition.unlock()
                return response
            }
        }
    }
}
