import Foundation
import Testing
@testable import WebApp
import HTTPServer
import Services
import Engine

/// A property test over the whole app, in process: random methods, paths (the route table's
/// patterns filled with real ids, wild values and junk), query strings, bodies, cookies and
/// viewers. Whatever arrives, the app answers without crashing, never with a 5xx, with a
/// well-formed response, and never with a marker the viewer may not read by the README's
/// table (the same table as the authorization matrix, written as test data there).
@Suite(.serialized) struct WholeAppFuzzTests {
    /// A small, seeded generator (SplitMix64), so a failure repeats.
    struct Generator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(max(n, 1))) }
        mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }
        mutating func chance(_ percent: Int) -> Bool { below(100) < percent }
    }

    static let wildValues = [
        "", "0", "-1", "1000000", "99999999999999999999", "2026", "1e309", "NaN", "%00", "%ff%fe", "..", "../../etc/passwd", "%2e%2e%2f",
        "pledge-0", "pledge-999999", "<script>alert(1)</script>", "'; DROP TABLE instances; --", "\u{202E}evil", "😀", String(repeating: "a", count: 3000),
        "W%2F%22", "%0d%0aSet-Cookie:%20x=1", "null", "true", "[]", "{}",
    ]

    @Test func noRequestCrashesLeaksOrAnswersMalformed() throws {
        let m = try AuthorizationMatrixTests.Matrix()
        let web = m.f.web
        let ids = [m.draftA, m.draftB, m.reviewedB, m.publicPledge, m.membershipA, m.membershipB, m.escalation, m.secondEscalation, m.action, m.measure, m.section].map(\.rawValue)
        let keys = [Matrix.g1, Matrix.alliance, Matrix.otherBoard, m.organisationA, m.organisationB, "learning", "prevention-and-early-help", "2025", "2026", "2027"]
        let events = ["edit", "submit", "approve", "reject", "withdraw", "update", "record", "resolve", "escalate", "compile", "publish", "approve", "return", "x"]
        let sessions = try Dictionary(uniqueKeysWithValues: AuthorizationMatrixTests.viewers.filter { $0 != "anonymous" }.map {
            ($0, try m.f.app.accounts.openSession(for: $0, at: m.f.app.clock.now()))
        })
        let tokens = try Dictionary(uniqueKeysWithValues: AuthorizationMatrixTests.viewers.filter { $0 != "anonymous" }.map {
            ($0, try m.f.app.accounts.createToken(for: $0, name: "fuzz", at: m.f.app.clock.now()))
        })
        let patterns = web.routeTable.map(\.pattern)
        var g = Generator(state: 0xF10_0215)
        var failures: [String] = []
        let rounds = 2500
        for round in 0..<rounds {
            // Writes come from anyone but the secretariat: only the secretariat can publish a
            // record (approve a pledge, publish a report), which would rightly change who may
            // read its marker mid-run.
            var method = g.pick(["GET", "GET", "GET", "POST", "POST", "HEAD", "PUT", "DELETE", "OPTIONS"])
            let viewer = g.pick(AuthorizationMatrixTests.viewers)
            if viewer == "sam" && method != "GET" && method != "HEAD" { method = "GET" }
            var segments = g.pick(patterns).split(separator: "/").map { s -> String in
                guard s.hasPrefix("{") else { return String(s) }
                switch s {
                case "{id}": return g.chance(75) ? g.pick(ids) : g.pick(Self.wildValues)
                case "{event}", "{step}": return g.chance(75) ? g.pick(events) : g.pick(Self.wildValues)
                default: return g.chance(75) ? g.pick(keys) : g.pick(Self.wildValues)
                }
            }
            if g.chance(5) { segments.append(g.pick(Self.wildValues)) }
            var target = "/" + segments.joined(separator: "/")
            if g.chance(35) {
                let names = ["year", "asOf", "area", "kind", "district", "q", "page", "group", "state", "rag", "overdue", "body", "organisation", "next"]
                target += "?" + (0..<(1 + g.below(3))).map { _ in "\(g.pick(names))=\(g.pick(Self.wildValues + keys))" }.joined(separator: "&")
            }
            var headers: [(String, String)] = [("Host", "localhost")]
            var cookies: [String] = []
            if viewer != "anonymous" {
                if target.hasPrefix("/api/") && g.chance(60) { headers.append(("Authorization", "Bearer \(tokens[viewer]!)")) }
                else { cookies.append("flourish_session=\(sessions[viewer]!)") }
            }
            if g.chance(10) { cookies.append("flourish_session=\(g.pick(Self.wildValues))") }
            if g.chance(10) { cookies.append("flourish_flash=\(g.pick(Self.wildValues))") }
            if !cookies.isEmpty { headers.append(("Cookie", cookies.joined(separator: "; "))) }
            if g.chance(10) { headers.append(("If-Match", g.pick(["\"1\"", "W/\"1\"", "*", "x", "\"99999999999999999999\""]))) }
            if g.chance(10) { headers.append(("Idempotency-Key", g.pick(["k", "fuzz-\(round % 7)", String(repeating: "k", count: 300)]))) }
            var body: [UInt8] = []
            if method == "POST" || method == "PUT" {
                if g.chance(50) {
                    headers.append(("Content-Type", "application/json"))
                    let fields = ["text", "areas", "theme", "priority", "value", "period", "rag", "valueDueOn", "repeatsLastYear", "organisation", "group", "title",
                                  "owner", "dueDate", "severity", "outcome", "body", "rationale", "commentary", "contacts", "digest"]
                    let values = ["\"x\"", "1", "-1", "1e308", "true", "null", "[\"learning\"]", "[\"nope\"]", "{}", "\"2099-01-01\"", "\"green\"", "[1,2]"]
                    let object = (0..<g.below(5)).map { _ in "\"\(g.pick(fields))\":\(g.pick(values))" }.joined(separator: ",")
                    body = Array((g.chance(90) ? "{\(object)}" : g.pick(["[", "{\"a\":", "\u{0}", "nul", "{\"text\":\"\\ud800\"}"])).utf8)
                } else {
                    headers.append(("Content-Type", "application/x-www-form-urlencoded"))
                    let fields = ["text", "areas", "csrf", "version", "reason", "reviewComment", "outcome", "body", "title", "owner", "dueDate", "person", "password", "year"]
                    body = Array((0..<g.below(6)).map { _ in "\(g.pick(fields))=\(g.pick(Self.wildValues))" }.joined(separator: "&").utf8)
                }
            }
            guard let request = try? HTTPRequest(method: method, target: target, headers: HTTPHeaders(headers), body: body, remoteAddress: "192.0.2.9") else { continue }
            let response = web.handle(request)
            let cell = "round \(round): \(method) \(target.prefix(120)) as \(viewer)"
            let code = response.status.code
            if code >= 500 { failures.append("\(cell): \(code)"); continue }
            if !(100...599).contains(code) { failures.append("\(cell): status \(code)") }
            let type = response.headers["Content-Type"] ?? ""
            if !response.body.isEmpty && type.isEmpty { failures.append("\(cell): a body without a Content-Type") }
            let text = String(decoding: response.body, as: UTF8.self)
            if type.hasPrefix("application/json") || type.hasPrefix("application/problem+json"), (try? JSONValue.parse(text)) == nil {
                failures.append("\(cell): JSON that does not parse")
            }
            if type.hasPrefix("text/html"), !text.hasPrefix("<!DOCTYPE html>") { failures.append("\(cell): HTML without its doctype") }
            // Signed in by a cookie or a token: the viewer's markers; anything else reads as a visitor.
            let reader = headers.contains { $0.0 == "Authorization" } || cookies.contains("flourish_session=\(sessions[viewer] ?? "-")") ? viewer : "anonymous"
            let all = text + (response.headers["Location"] ?? "")
            for (marker, readers) in m.markers where !readers.contains(reader) && (all.contains(marker) || all.contains(HTML.escape(marker))) {
                failures.append("\(cell): shows \(marker)")
            }
        }
        #expect(failures == [], Comment(rawValue: "\(failures.count) of \(rounds) requests went wrong:\n" + failures.prefix(40).joined(separator: "\n")))
    }
}

typealias Matrix = AuthorizationMatrixTests.Matrix
