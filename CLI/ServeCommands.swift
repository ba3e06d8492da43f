import Foundation
import ArgumentParsing
import Services
import HTTPServer
import WebApp
#if canImport(Glibc)
import Glibc
#endif

/// `flourish serve`: the web pages and JSON API.
enum ServeCommands {
    static let all: [Command] = [serve]

    static let serve = Command(
        ["serve"], "Serve the web pages and the JSON API (creating the database when missing).",
        discussion: """
        Listens on 127.0.0.1:8080 unless told otherwise. SIGTERM or Ctrl-C stops it: no new connections,
        requests in flight finish, then the database closes. Due timers fire every --tick-every seconds.
        Put it behind a TLS-terminating proxy for use beyond this machine, with --secure-cookies.
        """,
        options: [OptionSpec("host", takesValue: true, valueName: "HOST", help: "The address to listen on (default 127.0.0.1)."),
                  OptionSpec("port", takesValue: true, valueName: "PORT", help: "The port (default 8080; 0 picks a free one)."),
                  OptionSpec("demo", help: "Load the demo partnership's data first when the database is new, and print the demo accounts."),
                  OptionSpec("read-timeout", takesValue: true, valueName: "SECONDS", help: "How long a request may take to arrive (default 10)."),
                  OptionSpec("idle-timeout", takesValue: true, valueName: "SECONDS", help: "How long an idle keep-alive connection stays open (default 30)."),
                  OptionSpec("max-connections", takesValue: true, valueName: "N",
                             help: "Connections held at once; at the cap idle ones are closed to make room, and only then are new ones refused with 503 (default 512)."),
                  OptionSpec("max-connections-per-address", takesValue: true, valueName: "N",
                             help: "Connections one client address may hold; more are refused with 503 (default 64; 0 for no cap; --trusted-proxy addresses are not capped)."),
                  OptionSpec("workers", takesValue: true, valueName: "N", help: "Threads answering requests at once (default two a processor, here \(ServerConfiguration.defaultWorkers)); while one waits for its write's commit another takes its place, up to 128 in all."),
                  OptionSpec("tick-every", takesValue: true, valueName: "SECONDS", help: "Fire due timers this often (default 60; 0 leaves it to `flourish tick`)."),
                  OptionSpec("audit-head-file", takesValue: true, valueName: "FILE",
                             help: "Also append the audit log's head (time and SEQ:HASH) to FILE each minute it moves: put it on other storage (the replica's side), for `audit verify --head` after a loss."),
                  OptionSpec("integrity-check-every", takesValue: true, valueName: "SECONDS",
                             help: "Run SQLite's quick_check over the database this often (default 3600; 0: only at start-up). A damaged file stops writes and turns /healthz to 503."),
                  OptionSpec("secure-cookies", help: "Served over HTTPS behind a proxy: cookies are Secure with __Host- names, and Strict-Transport-Security is sent."),
                  OptionSpec("contact-email", takesValue: true, valueName: "EMAIL",
                             help: "The secretariat's address, shown on the accessibility statement, the privacy notice and the feedback link (default FLOURISH_CONTACT_EMAIL)."),
                  OptionSpec("site-url", takesValue: true, valueName: "URL",
                             help: "The site's address as people reach it, for links in emails (default FLOURISH_SITE_URL, else http://HOST:PORT)."),
                  OptionSpec("trusted-proxy", takesValue: true, repeatable: true, valueName: "ADDRESS",
                             help: "A reverse proxy's address (repeatable): its X-Forwarded-For names the client for sign-in throttling. Anyone else's is ignored.")]
    ) { inv in
        try inv.expectPositionals(atMost: 0)
        let app = try inv.app
        var configuration = ServerConfiguration()
        // Evidence uploads, and only they, may send a file's worth of body.
        configuration.limits.uploadPathSuffixes = WebApp.uploadPathSuffixes
        configuration.limits.uploadBody = WebApp.uploadBodyLimit
        configuration.host = inv.arguments.value("host") ?? "127.0.0.1"
        if let port = try inv.integer("port") {
            guard (0...65535).contains(port) else { throw UsageError("--port must be between 0 and 65535") }
            configuration.port = port
        }
        func seconds(_ option: String) throws -> Double? {
            guard let text = inv.arguments.value(option) else { return nil }
            guard let v = Double(text), v > 0, v < 86400 else { throw UsageError("--\(option) takes a number of seconds, such as 10") }
            return v
        }
        if let v = try seconds("read-timeout") { configuration.readTimeout = v }
        if let v = try seconds("idle-timeout") { configuration.idleTimeout = v }
        if let n = try inv.integer("max-connections") { guard n > 0 else { throw UsageError("--max-connections must be at least 1") }; configuration.maxConnections = n }
        if let n = try inv.integer("max-connections-per-address") {
            guard n >= 0 else { throw UsageError("--max-connections-per-address must be 0 (no cap) or more") }
            configuration.maxConnectionsPerAddress = n
        }
        if let n = try inv.integer("workers") { guard (1...256).contains(n) else { throw UsageError("--workers must be between 1 and 256") }; configuration.workers = n }
        let siteURL = inv.arguments.value("site-url") ?? ProcessInfo.processInfo.environment["FLOURISH_SITE_URL"]
        if let siteURL {
            guard let url = URL(string: siteURL), ["http", "https"].contains(url.scheme ?? ""), url.host != nil, url.query == nil else {
                throw UsageError("--site-url takes the site's address, such as https://flourish.example.org (not \"\(siteURL)\")")
            }
        }
        let trustedProxies = inv.arguments.values["trusted-proxy"] ?? []
        for proxy in trustedProxies {
            var v4 = in_addr(), v6 = in6_addr()
            guard inet_pton(AF_INET, proxy, &v4) == 1 || inet_pton(AF_INET6, proxy, &v6) == 1 else {
                throw UsageError("--trusted-proxy takes the proxy's IP address, such as 127.0.0.1 or ::1 (not \"\(proxy)\")")
            }
        }
        configuration.uncappedAddresses = Set(trustedProxies)
        // Every connection holds a file descriptor: refuse a cap the process cannot hold,
        // rather than failing later with "out of file descriptors" and 500s from SQLite.
        let files = HTTPServer.raiseOpenFileLimit()
        if let problem = configuration.fileLimitProblem(openFileLimit: files.soft) { throw UsageError(problem) }
        let tickEvery = try inv.integer("tick-every") ?? 60
        guard tickEvery >= 0 else { throw UsageError("--tick-every takes a number of seconds, or 0") }
        let headFile = inv.arguments.value("audit-head-file")
        if let headFile {
            // Refused now, not a minute into serving: the file must be writable.
            guard FileManager.default.fileExists(atPath: headFile) || FileManager.default.createFile(atPath: headFile, contents: nil) else {
                throw UsageError("--audit-head-file: cannot create \(headFile); give a file in a folder this user may write")
            }
        }
        let integrityEvery = try inv.integer("integrity-check-every") ?? 3600
        guard integrityEvery >= 0 else { throw UsageError("--integrity-check-every takes a number of seconds, or 0") }

        if inv.arguments.flag("demo") {
            if try app.isEmpty() {
                print(SetupCommands.demoAccountsText(try app.loadDemo()))
            } else {
                print("\(app.databasePath) already holds records; the demo data was not loaded again.")
            }
        }
        HTTPServer.limitHeapArenas(2)
        HTTPServer.mapLargeAllocationsApart()
        let log = ServerLog.standardError
        let contactEmail = inv.arguments.value("contact-email") ?? inv.environment["FLOURISH_CONTACT_EMAIL"]
        if let contactEmail, !contactEmail.isEmpty, !Flourish.isEmailAddress(contactEmail) {
            throw UsageError("--contact-email takes an email address, such as alliance@example.org (not \"\(contactEmail)\")")
        }
        let web = try WebApp(app: app, secureCookies: inv.arguments.flag("secure-cookies"),
                             trustedProxies: trustedProxies, contactEmail: contactEmail, mail: MailSettings(environment: inv.environment), log: log)
        // The doctor's checks, integrity among them, after the web app's own set-up (its first run
        // writes a secret): what is not ok is said before serving, and damage stops writes.
        for finding in try app.doctor(SetupCommands.doctorSettings(inv.environment)) where finding.level != .ok {
            print("\(finding.level == .problem ? "Problem" : "Warning") (\(finding.check)): \(finding.detail)")
        }
        let server = HTTPServer(configuration: configuration, log: log, immediate: { web.immediate($0) }, goesAhead: { web.goesAhead($0) },
                                clientAddress: { web.clientAddress(of: $0) }) { web.answer($0, reply: $1) }
        // A worker waiting for its write's commit lets another take requests meanwhile.
        app.whileWaitingForCommits(began: { server.blockingBegan() }, ended: { server.blockingEnded() })
        let port = try server.bind()
        let shown = configuration.host.contains(":") ? "[\(configuration.host)]" : configuration.host
        web.siteURL = siteURL ?? "http://\(shown):\(port)"
        print("Flourish is listening on http://\(shown):\(port)")
        fflush(nil)  // every output stream, so the line reaches a pipe now

        signal(SIGTERM, SIG_IGN)
        signal(SIGINT, SIG_IGN)
        signal(SIGPIPE, SIG_IGN)
        let queue = DispatchQueue(label: "flourish-signals")
        let sources = [SIGTERM, SIGINT].map { number -> any DispatchSourceSignal in
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { server.shutdown() }
            source.resume()
            return source
        }
        var ticker: (any DispatchSourceTimer)?
        if tickEvery > 0 {
            let timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "flourish-tick"))
            timer.schedule(deadline: .now() + .seconds(tickEvery), repeating: .seconds(tickEvery))
            timer.setEventHandler {
                do {
                    let fired = try app.runDueTimers()
                    if !fired.isEmpty { log.event("info", "timers fired", [("count", .int(fired.count))]) }
                } catch {
                    log.event("error", "tick failed", [("error", .string(String(describing: error)))])
                }
            }
            timer.resume()
            ticker = timer
        }
        // Once a minute: the audit log's head into the log when it has moved (so a copy kept
        // elsewhere can prove later that nothing acknowledged was lost or rewritten), and the
        // integrity check when it is due.
        let watcher = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "flourish-watch"))
        let watched = ServeWatch()
        watcher.schedule(deadline: .now(), repeating: .seconds(60))  // the head at start-up, then each minute
        watcher.setEventHandler {
            do {
                let figures = try app.operationalFigures()
                let head = "\(figures.auditHeadSeq):\(figures.auditHeadHash)"
                if watched.headChanged(to: head) {
                    log.event("info", "audit head", [("head", .string(head))])
                    if let headFile { try ServeWatch.append("\(app.time.localTimestamp(app.clock.now())) \(head)\n", to: headFile) }
                }
                if integrityEvery > 0, watched.integrityDue(every: integrityEvery) {
                    if let damage = try app.checkIntegrity() {
                        log.event("error", "database damaged", [("check", .string(damage))])
                    }
                }
            } catch {
                log.event("error", "watch failed", [("error", .string(String(describing: error)))])
            }
        }
        watcher.resume()
        server.run()
        watcher.cancel()
        ticker?.cancel()
        sources.forEach { $0.cancel() }
        print("Stopped.")
    }
}

/// What the once-a-minute watch remembers between runs (it runs on one queue).
final class ServeWatch: @unchecked Sendable {  // touched only on the watch's serial queue
    private var lastHead = ""
    private var minutesSinceCheck = 0

    /// Whether `head` differs from the last one seen (and remembers it).
    func headChanged(to head: String) -> Bool {
        defer { lastHead = head }
        return head != lastHead
    }

    /// Appends `line` to `path` and flushes it to disk.
    static func append(_ line: String, to path: String) throws {
        guard let handle = FileHandle(forWritingAtPath: path) else { throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path]) }
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(line.utf8))
        try handle.synchronize()
    }

    /// Whether `every` seconds have passed since the last check (counted in whole minutes).
    func integrityDue(every seconds: Int) -> Bool {
        minutesSinceCheck += 1
        guard minutesSinceCheck * 60 >= seconds else { return false }
        minutesSinceCheck = 0
        return true
    }
}
