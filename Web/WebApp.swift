public import Foundation
public import HTTPServer
public import Services
import Engine
import Domain

/// A route: method and path pattern (`/pledges/{id}`), who may reach it, and its handler.
struct Route: Sendable {
    let method: String
    let pattern: String
    let access: Access
    let summary: String
    /// Part of the JSON API (errors as problem+json, listed in the OpenAPI document).
    let isAPI: Bool
    /// A public page whose content follows from the database alone (not the clock, not the
    /// visitor): kept whole for visitors who are not signed in, until the next change.
    let keep: Bool
    /// The query parameters an API route reads, with what each is, for the OpenAPI document.
    let query: [QueryParameter]
    /// The JSON body a write takes (its OpenAPI request schema), when declared.
    let body: RequestBody?
    /// Takes `Authorization: Bearer TOKEN` though it is not part of the API (/metrics, for Prometheus).
    let acceptsToken: Bool
    let handler: @Sendable (Context) throws -> HTTPResponse
    /// For a route that queues a write: checks the request, queues the write and returns,
    /// giving `answer` the response once the write has committed (see ``Route/init(_:_:_:_:api:committing:)``).
    let committing: (@Sendable (Context, _ answer: @escaping @Sendable (Result<HTTPResponse, any Error>) -> Void) throws -> Void)?
    let segments: [Substring]
    /// For each segment, the parameter it names (`{id}`: "id"), or nil where it is literal.
    let parameters: [String?]

    init(_ method: String, _ pattern: String, _ access: Access, _ summary: String, api: Bool = false, keep: Bool = false, query: [QueryParameter] = [],
         body: RequestBody? = nil, acceptsToken: Bool = false, _ handler: @escaping @Sendable (Context) throws -> HTTPResponse) {
        self.method = method; self.pattern = pattern; self.access = access; self.summary = summary; self.isAPI = api; self.keep = keep; self.query = query
        self.body = body
        self.acceptsToken = api || acceptsToken
        self.handler = handler
        committing = nil
        segments = pattern.split(separator: "/", omittingEmptySubsequences: true)
        parameters = Self.parameterNames(segments)
    }

    /// A route whose answer waits for the write it queues: the server's worker goes on to the
    /// next request while the commit is on its way, and the answer is sent once it has landed.
    /// Where nobody answers later (``WebApp/handle(_:)``), the thread waits for the commit.
    init(_ method: String, _ pattern: String, _ access: Access, _ summary: String, api: Bool = false, body: RequestBody? = nil,
         committing: @escaping @Sendable (Context, _ answer: @escaping @Sendable (Result<HTTPResponse, any Error>) -> Void) throws -> Void) {
        self.method = method; self.pattern = pattern; self.access = access; self.summary = summary; self.isAPI = api; keep = false; query = []
        self.body = body
        acceptsToken = api
        handler = { c in
            let answered = AnswerBox()
            try committing(c) { answered.put($0) }
            return try answered.take()
        }
        self.committing = committing
        segments = pattern.split(separator: "/", omittingEmptySubsequences: true)
        parameters = Self.parameterNames(segments)
    }

    /// The path's parameters when it matches the pattern, for a path already split into its
    /// segments (split once for every route). The literal segments are compared first, so a route that does not match costs no
    /// allocation.
    func match(parts: [Substring]) -> [String: String]? {
        guard parts.count == segments.count else { return nil }
        for i in parts.indices where parameters[i] == nil && parts[i] != segments[i] { return nil }
        var params: [String: String] = [:]
        for i in parts.indices { if let name = parameters[i] { params[name] = String(parts[i]) } }
        return params
    }

    static func parameterNames(_ segments: [Substring]) -> [String?] {
        segments.map { $0.hasPrefix("{") && $0.hasSuffix("}") ? String($0.dropFirst().dropLast()) : nil }
    }
}

/// Every route, found by the shape of a path: only the routes with as many segments as the
/// path are compared with it (the server has about 200; a write compared every one, copying
/// each, and a page asked again for every link it might show).
struct RouteTable: Sendable {
    let all: [Route]
    private let bySegmentCount: [Int: [Int]]

    init(_ routes: [Route]) {
        all = routes
        bySegmentCount = Dictionary(grouping: routes.indices, by: { routes[$0].segments.count })
    }

    /// The routes whose pattern `parts` matches, with the path's parameters, the most specific
    /// first: a literal segment beats a parameter (`/pledges/new` before `/pledges/{id}`), and
    /// among equals the route declared first.
    func matching(_ parts: [Substring]) -> [(route: Int, params: [String: String])] {
        guard let candidates = bySegmentCount[parts.count] else { return [] }
        var found: [(route: Int, params: [String: String])] = []
        all.withUnsafeBufferPointer { routes in
            for i in candidates { if let params = routes[i].match(parts: parts) { found.append((i, params)) } }
        }
        // A stable order: fewest parameters first, then declaration order.
        return found.enumerated().sorted { a, b in
            a.element.params.count != b.element.params.count ? a.element.params.count < b.element.params.count : a.offset < b.offset
        }.map(\.element)
    }

    /// The route a request for `parts` with `method` reaches, if any.
    func route(_ method: String, _ parts: [Substring]) -> Route? {
        matching(parts).first { all[$0.route].method == method }.map { all[$0.route] }
    }
}

/// One answer, given on one thread and taken on another.
final class AnswerBox: @unchecked Sendable {  // `result` written before `ready` signals
    private var result: Result<HTTPResponse, any Error>?
    private let ready = DispatchSemaphore(value: 0)
    func put(_ answer: Result<HTTPResponse, any Error>) { result = answer; ready.signal() }
    func take() throws -> HTTPResponse { ready.wait(); return try result!.get() }
}

/// A query parameter of an API route: its name, what it means, and the values it takes
/// (nil: any text).
struct QueryParameter: Sendable {
    let name: String
    let description: String
    var values: [String]? = nil
    var required = false
}

/// A request being answered: who is asking, the route's parameters, the form, and the
/// session's CSRF token.
public final class Context: @unchecked Sendable {
    let request: HTTPRequest
    let app: Flourish
    let web: WebApp
    let viewer: Viewer
    var params: [String: String] = [:]
    let sessionToken: String?
    /// The visitor's cookie before signing in, which their forms' CSRF tokens are made from;
    /// made (and set on the response) only when a page first needs a token, so pages without
    /// forms set no cookie and can be kept whole.
    private(set) var anonymousToken: String?
    /// Cookies to set on the response.
    var cookies: [String] = []
    let flash: String?
    /// Whether the caller signed in with an API token rather than a browser session.
    let byToken: Bool

    init(request: HTTPRequest, app: Flourish, web: WebApp, viewer: Viewer, sessionToken: String?, anonymousToken: String?, flash: String?, byToken: Bool) {
        self.request = request; self.app = app; self.web = web; self.viewer = viewer
        self.sessionToken = sessionToken; self.anonymousToken = anonymousToken; self.flash = flash; self.byToken = byToken
    }

    func param(_ name: String) -> String { params[name] ?? "" }

    /// A person as a confirmation names them: their name, with the user name that tells two
    /// people of one name apart ("Carol Cog (carol.cog-2)"); the user name alone when no name is known.
    func personNamed(_ person: String) -> String {
        let name = app.displayName("person", person)
        return name == person ? person : "\(name) (\(person))"
    }

    /// Whether the viewer may open the page at `path`: the route the path reaches (the most
    /// specific, as requests are routed) is open to them. Pages link only where this holds.
    func mayOpen(_ path: String) -> Bool {
        let parts = path.split(separator: "?", maxSplits: 1).first.map { $0.split(separator: "/", omittingEmptySubsequences: true) } ?? []
        return web.routes.route("GET", parts).map { viewer.may($0.access) } ?? false
    }

    /// A link to `path` when the viewer may open it, else the text alone.
    func link(_ path: String, _ text: HTML) -> HTML {
        mayOpen(path) ? "<a class=\"govuk-link\" href=\"\(path)\">\(text)</a>" : text
    }

    /// The form's fields in order (application/x-www-form-urlencoded, or the text parts of a
    /// multipart/form-data upload), its files, and why a multipart body could not be read.
    lazy var body: (fields: [(name: String, value: String)], files: [MultipartPart], problem: MultipartError?) = {
        guard (request.headers["Content-Type"] ?? "").lowercased().hasPrefix("multipart/form-data") else {
            return (URLEncoding.formDecode(request.bodyText), [], nil)
        }
        do throws(MultipartError) {
            let parts = try request.multipartParts(limits: MultipartLimits(maxFileBytes: WebApp.uploadBodyLimit))
            return (parts.filter { !$0.isFile }.map { ($0.name, $0.text) }, parts.filter(\.isFile), nil)
        } catch {
            return ([], [], error)
        }
    }()
    /// The form's fields, in order.
    var form: [(name: String, value: String)] { body.fields }
    /// Files sent with the form (multipart/form-data), in order.
    var files: [MultipartPart] { body.files }
    func field(_ name: String) -> String? {
        form.first { $0.name == name }.map { $0.value.trimmingCharacters(in: .whitespacesAndNewlines) }.flatMap { $0.isEmpty ? nil : $0 }
    }
    func fields(_ name: String) -> [String] { form.filter { $0.name == name }.map(\.value) }

    /// What was typed into `name` of the form this request sent, to show again when it was
    /// refused; nil on a GET.
    func typed(_ name: String) -> String? {
        request.method == "POST" ? form.first { $0.name == name }?.value : nil
    }

    /// The same on a page with several forms sharing field names: nil for the forms that were
    /// not sent (each is named by its event, or by the body it decides at).
    func typed(_ name: String, ifSent formName: String) -> String? {
        params["event"] == formName || field("body") == formName ? typed(name) : nil
    }

    /// The token every form carries: an HMAC of the session (or the visitor's anonymous cookie).
    var csrfToken: String {
        if sessionToken == nil && anonymousToken == nil && !byToken && !request.path.hasPrefix("/api/") {
            let token = Accounts.randomToken()
            anonymousToken = token
            cookies.append(web.cookie(.csrf, token))
        }
        let basis = sessionToken ?? anonymousToken ?? ""
        return HMACSHA256.authenticationCode(key: web.csrfKey, message: Array(("csrf:" + basis).utf8)).hexString
    }
    /// What every form carries: the CSRF token, and a one-time submission token so that the
    /// form sent twice is carried out once (``FormSubmissions``).
    var csrfField: HTML {
        "<input type=\"hidden\" name=\"csrf\" value=\"\(csrfToken)\"><input type=\"hidden\" name=\"submission\" value=\"\(UUID().uuidString.lowercased())\">"
    }

    var person: String { viewer.person ?? "" }
    /// The client's address: the connection's, or, from a trusted proxy, the one it forwards for.
    var clientAddress: String { web.clientAddress(of: request) }
    /// The request's Idempotency-Key, scoped to its sender (see ``WriteConditions``).
    var idempotencyKey: String? { WriteConditions.scopedIdempotencyKey(request.headers["Idempotency-Key"], sentBy: viewer.person) }
    var now: Date { app.clock.now() }

    /// Starts the browser's session with `token`, or (nil) ends it.
    func setSessionCookie(_ token: String?) {
        cookies.append(token.map { web.cookie(.session, $0) } ?? web.expiredCookie(.session))
    }

    /// Redirects after a successful form, with a confirmation shown on the next page.
    func redirect(_ location: String, confirming message: String? = nil) -> HTTPResponse {
        if let message { cookies.append(web.cookie(.flash, URLEncoding.encode(message), maxAge: 120)) }
        return HTTPResponse(.seeOther, headers: HTTPHeaders([("Location", location)]))
    }

    /// Redirects after a form that did something but not all: the next page shows it in an
    /// "Important" banner, not a green "Success" one.
    func redirect(_ location: String, warning message: String) -> HTTPResponse {
        redirect(location, confirming: Context.warningMark + message)
    }

    /// How a flash that is a warning begins (a character no confirmation starts with).
    static let warningMark = "\u{26A0}"
}

/// The web front door: pages and the JSON API, over the same services as the CLI.
public final class WebApp: Sendable {
    /// Where the stylesheet lives: `Web/static/flourish.css` beside the Workflows folder.
    public static func stylesheetURL(_ library: WorkflowLibrary) -> URL {
        library.directory.deletingLastPathComponent().appendingPathComponent("Web/static/flourish.css")
    }

    /// The one script (the error summary's focus), beside the stylesheet.
    static func scriptURL(_ library: WorkflowLibrary) -> URL {
        library.directory.deletingLastPathComponent().appendingPathComponent("Web/static/flourish.js")
    }

    public let app: Flourish
    let csrfKey: [UInt8]
    let secureCookies: Bool
    /// Addresses of reverse proxies whose `X-Forwarded-For` names the real client.
    let trustedProxies: Set<String>
    private let siteURLLock = NSLock()
    nonisolated(unsafe) private var configuredSiteURL: String
    /// The site's own address, for links in emails (a registration's confirmation, a password
    /// reset): configured, never taken from a request's Host header, which anyone can set.
    public var siteURL: String {
        get { siteURLLock.lock(); defer { siteURLLock.unlock() }; return configuredSiteURL }
        set { siteURLLock.lock(); configuredSiteURL = newValue.hasSuffix("/") ? String(newValue.dropLast()) : newValue; siteURLLock.unlock() }
    }
    let stylesheet: [UInt8]
    let script: [UInt8]
    let metrics = Metrics()
    let keptPages: KeptPages
    /// Forms already carried out, so a copy sent again is answered, not carried out twice.
    let formSubmissions = FormSubmissions()
    let routes: RouteTable
    let log: ServerLog
    /// How people reach the secretariat (the accessibility statement, the privacy notice, the
    /// phase banner's feedback link): `serve --contact-email`, or none given.
    public let contactEmail: String?
    /// How "Send waiting messages now" on the outbox page sends (`FLOURISH_SENDMAIL`, `FLOURISH_MAIL_FROM`).
    let mail: MailSettings

    /// - Parameters:
    ///   - secureCookies: served over HTTPS behind a proxy: cookies are Secure and `__Host-`
    ///     prefixed, and responses carry Strict-Transport-Security.
    ///   - trustedProxies: proxies whose `X-Forwarded-For` is believed (anyone else's is ignored).
    ///   - log: where handler errors are logged.
    ///   - siteURL: the site's address as its users reach it, for links in emails.
    ///   - contactEmail: the secretariat's address, for the service's own pages.
    ///   - mail: how the outbox page sends messages.
    public init(app: Flourish, secureCookies: Bool = false, trustedProxies: [String] = [], siteURL: String = "http://localhost:8080",
                contactEmail: String? = nil, mail: MailSettings = MailSettings(), log: ServerLog = .standardError) throws {
        self.contactEmail = contactEmail.flatMap { $0.isEmpty ? nil : $0 }
        self.mail = mail
        self.trustedProxies = Set(trustedProxies)
        self.configuredSiteURL = siteURL
        self.app = app
        self.keptPages = KeptPages(changeCounter: { try app.changeCounter() })
        self.csrfKey = try app.accounts.secret("csrf")
        self.secureCookies = secureCookies
        self.log = log
        let css = Self.stylesheetURL(app.library)
        stylesheet = (try? Array(Data(contentsOf: css))) ?? Array("/* Web/static/flourish.css was not found */\n".utf8)
        script = (try? Array(Data(contentsOf: Self.scriptURL(app.library)))) ?? Array("/* Web/static/flourish.js was not found */\n".utf8)
        routes = RouteTable(Self.pageRoutes + Self.apiRoutes + [
            Route("GET", "/healthz", .everyone, "Whether the service and its database answer, and the database is not known to be damaged.") { c in
                if c.app.knownDamage != nil {
                    // The reason stays in the log and the metrics: SQLite's words are for the operator.
                    var r = HTTPResponse.text(.serviceUnavailable, "damaged: a check found the database damaged; changes are refused until it is restored\n")
                    r.headers.add("Retry-After", "300")
                    return r
                }
                try c.app.checkDatabase()
                return .text(.ok, "ok\n")
            },
            Route("GET", "/metrics", .secretariat, "Prometheus metrics (the secretariat, or a metrics token as a bearer token).", acceptsToken: true) { c in
                HTTPResponse(.ok, contentType: "text/plain; version=0.0.4; charset=utf-8", body: try c.web.metrics.render(app: c.app))
            },
            Route("GET", "/static/flourish.css", .everyone, "The stylesheet.", keep: true) { c in
                var r = HTTPResponse(.ok, headers: HTTPHeaders([("Content-Type", "text/css; charset=utf-8"), ("Cache-Control", "public, max-age=3600")]), body: c.web.stylesheet)
                r.headers.set("X-Content-Type-Options", "nosniff")
                return r
            },
            Route("GET", "/static/flourish.js", .everyone, "The one script: the error summary takes focus after a failed submit.", keep: true) { c in
                var r = HTTPResponse(.ok, headers: HTTPHeaders([("Content-Type", "text/javascript; charset=utf-8"), ("Cache-Control", "public, max-age=3600")]), body: c.web.script)
                r.headers.set("X-Content-Type-Options", "nosniff")
                return r
            },
        ])
    }

    /// Every route, for the route-by-role test and the OpenAPI document.
    var routeTable: [(method: String, pattern: String, access: Access, isAPI: Bool)] { routes.all.map { ($0.method, $0.pattern, $0.access, $0.isAPI) } }

    /// Answers one request, waiting for any write it makes to commit.
    public func handle(_ request: HTTPRequest) -> HTTPResponse {
        let started = DispatchTime.now().uptimeNanoseconds
        var routeName = "unmatched"
        var keepAt: Int64?
        let response = route(request, name: &routeName, keepAt: &keepAt, later: nil)!
        return finished(response, request: request, route: routeName, keepAt: keepAt, started: started)
    }

    /// Answers one request through `reply`: at once, or, for a route that queues a write,
    /// once the write has committed, while this thread goes on to other work.
    public func answer(_ request: HTTPRequest, reply: HTTPReply) {
        let started = DispatchTime.now().uptimeNanoseconds
        var routeName = "unmatched"
        var keepAt: Int64?
        let later: @Sendable (HTTPResponse, String) -> Void = { [self] response, routeName in
            reply.send(finished(response, request: request, route: routeName, keepAt: nil, started: started))
        }
        if let response = route(request, name: &routeName, keepAt: &keepAt, later: later) {
            reply.send(finished(response, request: request, route: routeName, keepAt: keepAt, started: started))
        }
    }

    /// A response made ready to send: its security headers, kept when its page is kept, and counted.
    private func finished(_ response: HTTPResponse, request: HTTPRequest, route routeName: String, keepAt: Int64?, started: UInt64) -> HTTPResponse {
        var response = response
        addSecurityHeaders(&response)
        if let keepAt, response.status == .ok, response.headers["Set-Cookie"] == nil {
            keptPages.keep(request.target, route: routeName, response: response, version: keepAt)
        }
        metrics.record(route: routeName, status: response.status.code, seconds: Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9)
        return response
    }

    /// Answers from memory, without blocking, a public page kept whole for a visitor who is
    /// not signed in (see ``Route/keep``); nil sends the request to ``handle(_:)``.
    public func immediate(_ request: HTTPRequest) -> HTTPResponse? {
        guard isVisitorsRead(request) else { return nil }
        let started = DispatchTime.now().uptimeNanoseconds
        guard let (route, response) = keptPages.response(for: request.target) else { return nil }
        metrics.record(route: route, status: response.status.code, seconds: Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9)
        return response
    }

    /// Whether a request goes to a worker ahead of those queued: a visitor's read of a page
    /// kept before and changed since. It is built again from what is kept in step with the
    /// log in a moment (the wall in under a millisecond over a large partnership), and the
    /// one build keeps it for every visitor after; queued behind signed-in pages, every visitor
    /// in between waited too. Only addresses kept before go ahead (at most ``KeptPages/capacity``),
    /// so asking for new addresses cannot push anyone else's pages back.
    public func goesAhead(_ request: HTTPRequest) -> Bool {
        isVisitorsRead(request) && keptPages.hasPage(for: request.target)
    }

    /// A GET or HEAD by someone not signed in (no token, session or message cookie): the
    /// requests a kept page may answer.
    private func isVisitorsRead(_ request: HTTPRequest) -> Bool {
        guard request.method == "GET" || request.method == "HEAD", request.headers["Authorization"] == nil else { return false }
        for header in request.headers.values("Cookie") where header.contains(cookieName(.session) + "=") || header.contains(cookieName(.flash) + "=") { return false }
        return true
    }

    /// The response to `request`, or nil when the route has queued a write and will give its
    /// response to `later` (with the route's name) once the write has committed. With no
    /// `later`, a route that writes waits for its commit.
    func route(_ request: HTTPRequest, name: inout String, keepAt: inout Int64?, later: (@Sendable (HTTPResponse, String) -> Void)?) -> HTTPResponse? {
        let method = request.method == "HEAD" ? "GET" : request.method
        // A literal segment beats a parameter: /pledges/new before /pledges/{id}.
        let parts = request.path.split(separator: "/", omittingEmptySubsequences: true)
        let matching = routes.matching(parts)
        let isAPIPath = request.path.hasPrefix("/api/")
        guard !matching.isEmpty else {
            return isAPIPath ? problem(.notFound, "No such API route", detail: "\(request.path) is not part of the API; see /api/openapi.json.")
                : errorPage(.notFound, "Page not found", "If you typed the web address, check it is correct.", request: request)
        }
        guard let (index, params) = matching.first(where: { routes.all[$0.route].method == method }) else {
            let methods = matching.map { routes.all[$0.route].method }
            let allowed = Array(Set(methods + (methods.contains("GET") ? ["HEAD"] : []))).sorted()
            var r = isAPIPath ? problem(.methodNotAllowed, "Method not allowed", detail: "\(request.path) accepts \(allowed.joined(separator: ", "))")
                : HTTPResponse.text(.methodNotAllowed, "This address accepts \(allowed.joined(separator: ", ")).\n")
            r.headers.set("Allow", allowed.joined(separator: ", "))
            return r
        }
        let route = routes.all[index]
        name = route.method + " " + route.pattern
        let cookies = Self.cookies(request)
        var viewer = Viewer.anonymous
        var sessionToken: String?, byToken = false
        do {
            if route.acceptsToken, let auth = request.headers["Authorization"], auth.lowercased().hasPrefix("bearer ") {
                let token = String(auth.dropFirst(7)).trimmedOfSpaces
                guard let caller = try app.caller(bearing: token, at: app.clock.now()) else {
                    return problem(.unauthorized, "Unknown API token",
                                   detail: "The token is not valid, has expired or was revoked. Make a new one on Your account, or with `flourish user token PERSON --name NAME`.")
                }
                if let refusal = Self.scopeRefusal(caller.scope, route: route, method: method) { return problem(.forbidden, "Not allowed with this token", detail: refusal) }
                viewer = caller.viewer
                byToken = true
            } else if let token = cookies[cookieName(.session)], let signedIn = try app.caller(inSession: token, at: app.clock.now()) {
                viewer = signedIn
                sessionToken = token
            }
        } catch {
            return internalError(error, request: request, api: route.isAPI)
        }
        let anonymous = cookies[cookieName(.csrf)]
        var setCookies: [String] = []
        let flash = cookies[cookieName(.flash)].flatMap { URLEncoding.percentDecode($0) }
        if route.keep && method == "GET" && viewer.person == nil && flash == nil {
            // The version is read before the page is built: a change made while it is being
            // built leaves it marked older, so it is built again next time.
            keepAt = keptPages.version()
        }
        if flash != nil { setCookies.append(expiredCookie(.flash)) }
        let context = Context(request: request, app: app, web: self, viewer: viewer, sessionToken: sessionToken, anonymousToken: anonymous, flash: flash, byToken: byToken)
        context.params = params
        context.cookies = setCookies

        guard viewer.may(route.access) else {
            if viewer.person == nil {
                if route.isAPI { return problem(.unauthorized, "Sign in needed", detail: "Send a session cookie or `Authorization: Bearer TOKEN`.") }
                if route.acceptsToken {
                    var r = HTTPResponse.text(.unauthorized, "Send `Authorization: Bearer TOKEN` with a metrics token (`flourish user token PERSON --name prometheus --scope metrics`), or sign in as the secretariat.\n")
                    r.headers.set("WWW-Authenticate", "Bearer")
                    return r
                }
                if method == "GET" { return withCookies(context, context.redirect("/sign-in?next=\(URLEncoding.encode(request.target))")) }
            }
            let who = route.access.audience
            return route.isAPI ? problem(.forbidden, "Not allowed", detail: "Only \(who) may do this.")
                : withCookies(context, errorPage(.forbidden, "You cannot see this page", "This page is for \(who). You are signed in as \(viewer.name).", request: request, context: context))
        }
        if method != "GET" && !byToken {
            if let problem = context.body.problem {
                // An upload that cannot be read: say what is wrong with it, not that the form expired.
                return withCookies(context, errorPage(problem.status, "The form could not be read", problem.description + " Go back and try again.", request: request, context: context))
            }
            let sent = route.isAPI ? request.headers["X-CSRF-Token"] : context.field("csrf")
            guard let sent, constantTimeEquals(Array(sent.utf8), Array(context.csrfToken.utf8)) else {
                return route.isAPI ? problem(.forbidden, "Missing CSRF token", detail: "A browser session writing to the API must send X-CSRF-Token.")
                    : withCookies(context, errorPage(.forbidden, "Your form has expired", "Go back, reload the page and try again.", request: request, context: context))
            }
        }
        if route.isAPI, let refused = Self.queryRefusal(request, route: route) ?? Self.headerRefusal(request) { return refused.response }
        if let committing = route.committing, let later {
            let routeName = name
            do {
                try committing(context) { [self] result in
                    switch result {
                    case .success(let response): later(withCookies(context, response), routeName)
                    case .failure(let error): later(answer(refused: error, route: route, context: context, request: request), routeName)
                    }
                }
                return nil
            } catch {
                return answer(refused: error, route: route, context: context, request: request)
            }
        }
        func carryOut() -> HTTPResponse {
            do {
                return withCookies(context, try route.handler(context))
            } catch {
                return answer(refused: error, route: route, context: context, request: request)
            }
        }
        // A form sent again (the same body, its one-time token included) gets the first answer.
        if !route.isAPI, let key = FormSubmissions.key(request, submission: context.field("submission")) {
            return formSubmissions.once(key, now: app.clock.now(), carryOut)
        }
        return carryOut()
    }

    /// The answer to a request its route's handler refused with `error`.
    func answer(refused error: any Error, route: Route, context: Context, request: HTTPRequest) -> HTTPResponse {
        if let e = error as? APIProblem { return e.response }
        if route.isAPI, let p = APIProblem.from(error) { return p.response }
        switch error as? WorkflowError {
        case .unknownInstance?:
            return withCookies(context, errorPage(.notFound, "Page not found", "If you typed the web address, check it is correct.", request: request, context: context))
        case .notPermitted?:
            return withCookies(context, errorPage(.forbidden, "You cannot see this page", (error as? WorkflowError)?.localizedDescription ?? "", request: request, context: context))
        default: break
        }
        if let paging = error as? PagingError {
            // A page address with a stale or made-up ?after= or ?limit=: say so, never a 500.
            return withCookies(context, errorPage(.badRequest, "That page of the list cannot be shown", paging.localizedDescription, request: request, context: context))
        }
        if let filter = error as? FilterError {
            // A list's address with a filter naming nothing there is (hand-edited, or an old link).
            return withCookies(context, errorPage(.badRequest, "That list cannot be shown", "“\(filter.field)”: \(filter.localizedDescription)", request: request, context: context))
        }
        if let message = Self.refusal(error) {
            return withCookies(context, errorPage(.conflict, "That could not be done", message, request: request, context: context))
        }
        return internalError(error, request: request, api: route.isAPI)
    }

    /// An API request's query refused: a parameter the route does not take (`/api/v1/pledges?state=done`
    /// answered the whole wall, the filter ignored), or one given twice (`?limit=5&limit=6`
    /// took the first); nil when every parameter is the route's, once.
    static func queryRefusal(_ request: HTTPRequest, route: Route) -> APIProblem? {
        let taken = route.query.map(\.name)
        var seen: Set<String> = []
        for (name, _) in request.query {
            guard taken.contains(name) else {
                let takes = taken.isEmpty ? "takes no query parameters" : "takes \(taken.joined(separator: ", "))"
                return APIProblem(.unprocessableContent, "The request has a problem", detail: "\(name) is not a query parameter of this route, which \(takes).",
                                  field: name, code: "unknown-query-parameter")
            }
            guard seen.insert(name).inserted else {
                return APIProblem(.unprocessableContent, "The request has a problem", detail: "\(name) is given more than once; give it once.", field: name, code: "repeated-query-parameter")
            }
        }
        return nil
    }

    /// The API's headers that say one thing, given more than once: which was meant is not
    /// said, so the request is refused rather than one of them read and the other ignored.
    static let singleHeaders = ["Authorization", "Idempotency-Key", "If-Match", "Content-Type"]

    static func headerRefusal(_ request: HTTPRequest) -> APIProblem? {
        guard let twice = singleHeaders.first(where: { request.headers.values($0).count > 1 }) else { return nil }
        return APIProblem(.badRequest, "Bad \(twice)", detail: "Send one \(twice) header; this request has \(request.headers.values(twice).count).", field: twice, code: "repeated-header")
    }

    /// Why a token's scope does not reach this route, or nil when it does.
    static func scopeRefusal(_ scope: APIToken.Scope, route: Route, method: String) -> String? {
        switch scope {
        case .metrics: return route.pattern == "/metrics" ? nil : "This token may read /metrics only."
        case .read: return method == "GET" ? nil : "This token may only read; make a read-and-write token to change records."
        case .readWrite: return nil
        }
    }

    func withCookies(_ context: Context, _ response: HTTPResponse) -> HTTPResponse {
        var r = response
        for c in context.cookies { r.headers.add("Set-Cookie", c) }
        return r
    }

    /// A refusal's message, for errors the services raise when a request is not allowed.
    /// Nil for a refusal of access (not allowed, or a record the viewer may not see): those
    /// are answered by the 403 and 404 pages, never as a form's error.
    /// A workflow field's name as a sentence begins it: a few by their meaning, the rest by
    /// their key's words ("dueDate": "The due date").
    static func fieldInWords(_ field: String) -> String {
        let known = ["startsAt": "The meeting's time", "blockedBy": "What it waits on", "outcomeNote": "The outcome note", "reviewComment": "The comment",
                     "heardOn": "The day it was heard", "rag": "The RAG status", "respondBy": "The day to respond by", "reachedCount": "The number reached"]
        if let words = known[field] { return words }
        var words = ""
        for character in field {
            if character.isUppercase { words += " " + character.lowercased() } else { words.append(character) }
        }
        return "The " + words
    }

    static func refusal(_ error: any Error) -> String? {
        if let e = error as? WorkflowError, e.deniesAccess { return nil }
        switch error {
        // A page names a field in words ("The due date is in the past"), not by its key in the
        // workflow ("The field \"dueDate\" of \"log an action\"").
        case WorkflowError.invalidField(_, let field, let reason): return "\(fieldInWords(field)) \(reason)."
        case WorkflowError.missingField(_, let field): return "\(fieldInWords(field)) is needed: fill it in and try again."
        case let e as WorkflowError: return e.localizedDescription
        case let e as FrameworkError: return e.localizedDescription
        case let e as DirectoryError: return e.localizedDescription
        case let e as GovernanceError: return e.localizedDescription
        case let e as EscalationError: return e.localizedDescription
        case let e as RegistrationError: return e.localizedDescription
        case let e as AccountError: return e.localizedDescription
        case let e as ContactError: return e.localizedDescription
        case let e as ImportError: return e.localizedDescription
        case let e as VoiceError: return e.localizedDescription
        case let e as AskError: return e.localizedDescription
        case let e as EvidenceError: return e.localizedDescription
        case let e as YouthReviewError: return e.localizedDescription
        case let e as ReferralError: return e.localizedDescription
        default: return nil
        }
    }

    /// A refused form's message for the field at fault; nil for a refusal of access and for
    /// the server's own trouble, which have pages of their own.
    static func formError(_ error: any Error) -> String? {
        if let e = error as? WorkflowError, e.deniesAccess { return nil }
        if StorageTrouble.isStorageError(error) { return nil }
        return refusal(error) ?? (error as? any LocalizedError)?.errorDescription
    }

    func internalError(_ error: any Error, request: HTTPRequest, api: Bool) -> HTTPResponse {
        if let storage = StorageTrouble(error) {
            // Nothing was written, and trying again later can work: 503 with a hint when.
            log.event("error", storage.logMessage,
                      [("path", .string(request.path)), ("method", .string(request.method)), ("error", .string(storage.detail))])
            let message = storage.explanation
            var response = api ? problem(.serviceUnavailable, "Cannot save changes just now", detail: message)
                : errorPage(.serviceUnavailable, "Sorry, the service cannot save changes just now", message, request: request)
            response.headers.add("Retry-After", String(storage.retryAfterSeconds))
            return response
        }
        log.event("error", "request failed", [("path", .string(request.path)), ("method", .string(request.method)), ("error", .string(String(describing: error)))])
        return api ? problem(.internalServerError, "Something went wrong", detail: "The error was logged; nothing was changed.")
            : errorPage(.internalServerError, "Sorry, there is a problem with the service", "Nothing was changed. Try again later.", request: request)
    }

    static func cookies(_ request: HTTPRequest) -> [String: String] {
        var out: [String: String] = [:]
        for header in request.headers.values("Cookie") {
            for pair in header.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).trimmedOfSpaces }
                if parts.count == 2, out[parts[0]] == nil { out[parts[0]] = parts[1] }
            }
        }
        return out
    }

    /// The address a request comes from. A connection from a proxy named with
    /// `--trusted-proxy` is taken to be for the last address its `X-Forwarded-For` adds that is
    /// not itself a trusted proxy (the addresses before it are whatever the client sent, and
    /// anyone can send that header). Anyone else's `X-Forwarded-For` is ignored.
    public func clientAddress(of request: HTTPRequest) -> String {
        guard trustedProxies.contains(request.remoteAddress) else { return request.remoteAddress }
        let forwarded = request.headers.values("X-Forwarded-For").flatMap { $0.split(separator: ",") }
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        for address in forwarded.reversed() where !trustedProxies.contains(address) {
            return address.utf8.count <= 64 && address.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) ? address : request.remoteAddress
        }
        return request.remoteAddress
    }

    /// The cookies the site sets: the session, the visitor's CSRF basis, and a one-time confirmation.
    enum CookieKind: String { case session = "flourish_session", csrf = "flourish_csrf", flash = "flourish_flash" }

    /// A cookie's name: with `--secure-cookies`, prefixed `__Host-`, which browsers accept only
    /// from HTTPS, with Secure and Path=/ and no Domain, so no other host (a sibling subdomain,
    /// a plain-HTTP page on the network) can set or overwrite it.
    func cookieName(_ kind: CookieKind) -> String { secureCookies ? "__Host-" + kind.rawValue : kind.rawValue }

    /// A Set-Cookie value: HttpOnly, SameSite=Lax, and Secure under `--secure-cookies`.
    func cookie(_ kind: CookieKind, _ value: String, maxAge: Int? = nil) -> String {
        "\(cookieName(kind))=\(value); Path=/\(maxAge.map { "; Max-Age=\($0)" } ?? ""); HttpOnly; SameSite=Lax\(secureCookies ? "; Secure" : "")"
    }

    /// A Set-Cookie value that removes the cookie.
    func expiredCookie(_ kind: CookieKind) -> String { cookie(kind, "", maxAge: 0) }

    func addSecurityHeaders(_ r: inout HTTPResponse) {
        // Served over HTTPS: browsers go on using HTTPS for this host for a year.
        if secureCookies { r.headers.set("Strict-Transport-Security", "max-age=31536000") }
        r.headers.set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
        r.headers.set("X-Content-Type-Options", "nosniff")
        r.headers.set("Referrer-Policy", "same-origin")
        r.headers.set("X-Frame-Options", "DENY")
        if r.headers["Cache-Control"] == nil { r.headers.set("Cache-Control", "no-store") }
    }

    func errorPage(_ status: HTTPStatus, _ title: String, _ message: String, request: HTTPRequest, context: Context? = nil) -> HTTPResponse {
        let body: HTML = "<h1 class=\"govuk-heading-l\">\(title)</h1><p class=\"govuk-body\">\(message)</p><p class=\"govuk-body\"><a class=\"govuk-link\" href=\"/\">Go to the home page</a></p>"
        return Layout.page(title: title, body: body, context: context, status: status)
    }
}

extension WorkflowError {
    /// A refusal of access: the viewer may not do this, or may not see the record.
    var deniesAccess: Bool {
        switch self {
        case .notPermitted, .unknownInstance: return true
        default: return false
        }
    }
}
