import Testing
@testable import WebApp
import HTTPServer

/// The route table finds a path's route by its shape; every answer is checked against the
/// plain way of routing (compare the path with every route, fewest parameters first).
@Suite struct RouteTableTests {
    static func route(_ method: String, _ pattern: String) -> Route {
        Route(method, pattern, .everyone, pattern) { _ in .text(.ok, pattern) }
    }

    /// Routing as it was done before the table: every route compared, the matches ordered by
    /// how many parameters they take, ties in declaration order.
    static func everyRouteCompared(_ routes: [Route], _ parts: [Substring]) -> [(route: Int, params: [String: String])] {
        var found: [(route: Int, params: [String: String])] = []
        for (i, r) in routes.enumerated() where r.segments.count == parts.count {
            var params: [String: String] = [:], matches = true
            for (p, s) in zip(parts, r.segments) {
                if s.hasPrefix("{") { params[String(s.dropFirst().dropLast())] = String(p) } else if p != s { matches = false }
            }
            if matches { found.append((i, params)) }
        }
        return found.enumerated().sorted { a, b in
            a.element.params.count != b.element.params.count ? a.element.params.count < b.element.params.count : a.offset < b.offset
        }.map(\.element)
    }

    @Test func aLiteralSegmentBeatsAParameterAndTheMethodChoosesAmongEquals() {
        let table = RouteTable([
            Self.route("GET", "/pledges/{id}"), Self.route("POST", "/pledges/{id}"), Self.route("GET", "/pledges/new"),
            Self.route("GET", "/pledges/{id}/{event}"), Self.route("GET", "/"),
        ])
        let parts: (String) -> [Substring] = { $0.split(separator: "/", omittingEmptySubsequences: true) }
        #expect(table.route("GET", parts("/pledges/new"))?.pattern == "/pledges/new")
        #expect(table.route("GET", parts("/pledges/p-1"))?.pattern == "/pledges/{id}")
        #expect(table.route("POST", parts("/pledges/new"))?.pattern == "/pledges/{id}")
        #expect(table.matching(parts("/pledges/p-1")).map(\.params) == [["id": "p-1"], ["id": "p-1"]])
        #expect(table.matching(parts("/pledges/p-1/approve")).first?.params == ["id": "p-1", "event": "approve"])
        #expect(table.route("GET", parts("/"))?.pattern == "/")
        #expect(table.matching(parts("/pledges")).isEmpty)
        #expect(table.matching(parts("/organisations/x")).isEmpty)
        #expect(table.route("DELETE", parts("/pledges/p-1")) == nil)
    }

    @Test func theServersTableRoutesEveryPathAsComparingEveryRouteWould() throws {
        let f = try WebFixture()
        let routes = f.web.routes.all
        // Each route's own pattern, its parameters filled in, and paths near them.
        var paths = Set<String>()
        for r in routes {
            let filled = r.segments.map { $0.hasPrefix("{") ? "x-1" : String($0) }
            paths.insert("/" + filled.joined(separator: "/"))
            paths.insert("/" + r.segments.joined(separator: "/"))
            paths.insert("/" + (filled + ["extra"]).joined(separator: "/"))
            if !filled.isEmpty { paths.insert("/" + filled.dropLast().joined(separator: "/") + "/new") }
        }
        paths.formUnion(["/", "/nowhere", "/api/v1/nothing/here", "//pledges//new"])
        for path in paths {
            let parts = path.split(separator: "/", omittingEmptySubsequences: true)
            let expected = Self.everyRouteCompared(routes, parts)
            let found = f.web.routes.matching(parts)
            #expect(found.map(\.route) == expected.map(\.route), "\(path)")
            #expect(found.map(\.params) == expected.map(\.params), "\(path)")
        }
        #expect(paths.count > routes.count)
    }
}
