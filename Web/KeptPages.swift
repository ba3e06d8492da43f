import Foundation
import HTTPServer

/// Public pages kept whole, as sent, for visitors who are not signed in: the pledge wall and
/// the governance structure are asked for far more often than anything changes. Each page is
/// kept with the database's change counter as it stood before the page was built, and is
/// served only while the counter still reads the same, so any commit (through the web, the CLI
/// or a timer's tick, in this process or another) retires every kept page at once.
final class KeptPages: @unchecked Sendable {  // `pages` guarded by `lock`
    /// At most this many pages (the wall's filters make many addresses); when full, pages kept
    /// before the last change go first, then all.
    static let capacity = 256

    private let changeCounter: @Sendable () throws -> Int64
    private let lock = NSLock()
    private var pages: [String: (version: Int64, route: String, response: HTTPResponse)] = [:]

    init(changeCounter: @escaping @Sendable () throws -> Int64) { self.changeCounter = changeCounter }

    /// The database's change counter now; nil when it cannot be read without waiting.
    func version() -> Int64? { try? changeCounter() }

    /// The page kept for `target` (a path with its query), if nothing has changed since it was
    /// built, with the name of its route.
    func response(for target: String) -> (route: String, response: HTTPResponse)? {
        lock.lock()
        let page = pages[target]
        lock.unlock()
        guard let page, let now = version(), now == page.version else { return nil }
        return (page.route, page.response)
    }

    /// Whether a page was kept for `target`, up to date or not.
    func hasPage(for target: String) -> Bool {
        lock.withLock { pages[target] != nil }
    }

    func keep(_ target: String, route: String, response: HTTPResponse, version: Int64) {
        lock.lock()
        defer { lock.unlock() }
        if pages.count >= Self.capacity && pages[target] == nil {
            pages = pages.filter { $0.value.version == version }
            if pages.count >= Self.capacity { pages.removeAll(keepingCapacity: true) }
        }
        pages[target] = (version, route, response)
    }
}
