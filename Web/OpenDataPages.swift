import Foundation
import HTTPServer
import Services
import Engine
import Domain

extension WebApp {
    static let openDataRoutes: [Route] = [
        Route("GET", "/open-data", .everyone, "Open data: the pledge wall as CSV, JSON and an Atom feed; deadline calendars") { c in
            let body: HTML = """
            <h1 class="govuk-heading-l">Open data</h1>
            <p class="govuk-body">The public pledge wall, free to reuse. Each file says when it was generated.</p>
            <ul class="govuk-list govuk-list--bullet">
            <li><a class="govuk-link" href="/open-data/pledges.csv">Pledges as CSV</a> (RFC 4180, UTF-8)</li>
            <li><a class="govuk-link" href="/open-data/pledges.json">Pledges as JSON</a></li>
            <li><a class="govuk-link" href="/open-data/pledges.atom">New pledges as an Atom feed</a></li>
            </ul>
            <h2 class="govuk-heading-m">Deadline calendars</h2>
            <p class="govuk-body">Subscribe in a calendar app: <code>/organisations/ORGANISATION/deadlines.ics</code> for an organisation’s published pledges’ check-ins and reports. A group’s actions, measures, escalations and report section, and an organisation’s renewal dates, are not public: signed in, you find your own calendar link on your group’s page and on My organisation.</p>
            """
            return Layout.page(title: "Open data", body: body, context: c)
        },
        Route("GET", "/open-data/pledges.csv", .everyone, "The pledge wall as CSV") { c in
            download(try c.app.export("pledges").csv, type: "text/csv; charset=utf-8", name: "flourish-pledges.csv")
        },
        Route("GET", "/open-data/pledges.json", .everyone, "The pledge wall as JSON") { c in
            HTTPResponse(.ok, contentType: "application/json", body: try c.app.export("pledges").json.prettyString + "\n")
        },
        Route("GET", "/open-data/pledges.atom", .everyone, "An Atom feed of newly published pledges") { c in
            HTTPResponse(.ok, contentType: "application/atom+xml; charset=utf-8", body: try c.app.pledgeFeed(siteURL: siteURL(c)))
        },
        Route("GET", "/groups/{key}/deadlines.ics", .everyone, "A group's deadlines as an iCalendar feed") { c in
            guard (try? c.app.governance.body(c.param("key"))) != nil else { return notFound(c) }
            return calendar(try c.app.groupCalendar(c.param("key"), for: try feedViewer(c)), name: "\(c.param("key"))-deadlines.ics")
        },
        Route("GET", "/organisations/{key}/deadlines.ics", .everyone, "An organisation's pledge deadlines as an iCalendar feed") { c in
            do {
                return calendar(try c.app.organisationCalendar(c.param("key"), for: try feedViewer(c)), name: "\(c.param("key"))-deadlines.ics")
            } catch RegistrationError.unknownOrganisation(_) {
                return notFound(c)  // none, or none the reader may know of
            }
        },
    ]

    /// Who a feed is read for: the person a personal link names (its key checked), else whoever asks.
    static func feedViewer(_ c: Context) throws -> Viewer {
        try c.app.feedViewer(person: c.request.queryValue("for"), key: c.request.queryValue("key"), feed: c.request.path) ?? c.viewer
    }

    static func calendar(_ text: String, name: String) -> HTTPResponse {
        HTTPResponse(.ok, headers: HTTPHeaders([("Content-Type", "text/calendar; charset=utf-8"), ("Content-Disposition", "inline; filename=\"\(name)\"")]), body: Array(text.utf8))
    }

    /// The site's address for links in feeds and badges: the configured one (`--site-url`, or
    /// the address `serve` listens on), never the request's Host header, which anyone can set
    /// (an Atom feed's links pointed wherever a request's Host said). Only an app made without
    /// one (in tests) falls back to the Host.
    static func siteURL(_ c: Context) -> String {
        if !c.web.siteURL.isEmpty { return c.web.siteURL }
        let host = c.request.headers["Host"] ?? "localhost"
        return (c.web.secureCookies ? "https://" : "http://") + host
    }
}
