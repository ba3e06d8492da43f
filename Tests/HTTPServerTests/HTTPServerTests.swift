import Testing
import Foundation
#if canImport(Glibc)
import Glibc
#endif
@testable import HTTPServer

/// The server on a real loopback socket: which requests the event loop answers itself (the
/// immediate handler) and which go to the workers, and that the answers keep their order.
@Suite(.serialized) struct HTTPServerTests {
    /// A server whose immediate handler answers `/kept` and whose workers answer everything,
    /// each saying which of them answered.
    static func start() throws -> (HTTPServer, Int) {
        var configuration = ServerConfiguration()
        configuration.port = 0
        configuration.workers = 2
        let server = HTTPServer(configuration: configuration, log: ServerLog { _ in },
                                immediate: { $0.path == "/kept" ? .text(.ok, "from memory \($0.target)\n") : nil },
                                handler: { .text(.ok, "from a worker \($0.target)\n") })
        let port = try server.bind()
        Thread.detachNewThread { server.run() }
        return (server, port)
    }

    /// Sends `bytes` on one connection, half-closes, and reads until the server closes.
    static func exchange(_ port: Int, _ text: String) throws -> String {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        try #require(connected == 0)
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
        shutdown(fd, Int32(SHUT_WR))
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            received += buffer[0..<n]
        }
        return String(decoding: received, as: UTF8.self)
    }

    /// Issue 23: behind a proxy the access log names the real client, by the application's rule.
    @Test func theAccessLogNamesTheClientTheApplicationSaysTheRequestIsFrom() throws {
        final class Lines: @unchecked Sendable { let lock = NSLock(); var all: [String] = [] }
        let lines = Lines()
        var configuration = ServerConfiguration()
        configuration.port = 0
        let server = HTTPServer(configuration: configuration, log: ServerLog { line in lines.lock.withLock { lines.all.append(line) } },
                                clientAddress: { $0.headers["X-Test-Client"] ?? $0.remoteAddress },
                                handler: { _ in .text(.ok, "ok\n") })
        let port = try server.bind()
        Thread.detachNewThread { server.run() }
        _ = try Self.exchange(port, "GET /a HTTP/1.1\r\nHost: a\r\nX-Test-Client: 203.0.113.9\r\nConnection: close\r\n\r\n")
        _ = try Self.exchange(port, "GET /b HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        _ = try Self.exchange(port, "GET /c HTTP/1.1\r\nHost: a\r\nBad Header\r\n\r\n")
        // Lines are written at the end of the event loop's turn, which may come after the answer.
        var logged = ""
        for _ in 0..<200 {
            logged = lines.lock.withLock { lines.all.joined(separator: "\n") }
            if logged.components(separatedBy: "\"client\"").count > 3 { break }
            Thread.sleep(forTimeInterval: 0.01)
        }
        server.shutdown()
        #expect(logged.contains("\"client\":\"203.0.113.9\",\"method\":\"GET\""))
        #expect(logged.contains("\"client\":\"127.0.0.1\",\"method\":\"GET\",\"ms\""), "the TCP peer by default")
        #expect(logged.contains("\"client\":\"127.0.0.1\",\"method\":\"-\""), "a request refused before parsing is logged with its peer")
    }

    @Test func theEventLoopAnswersWhatTheApplicationKeepsAndWorkersTheRest() throws {
        let (server, port) = try Self.start()
        defer { server.shutdown() }
        let kept = try Self.exchange(port, "GET /kept?x=1 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        #expect(kept.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(kept.hasSuffix("\r\n\r\nfrom memory /kept?x=1\n"))
        #expect(kept.contains("Content-Length: 22\r\n") && kept.contains("Connection: close\r\n") && kept.contains("Server: Flourish\r\n"))
        let other = try Self.exchange(port, "GET /other HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        #expect(other.hasSuffix("\r\n\r\nfrom a worker /other\n"))
        let head = try Self.exchange(port, "HEAD /kept HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        #expect(head.contains("Content-Length: 18\r\n") && head.hasSuffix("\r\n\r\n"), "HEAD gets the GET's headers and no body")
    }

    @Test func pipelinedRequestsAreAnsweredInTheirOrderWhoeverAnswers() throws {
        let (server, port) = try Self.start()
        defer { server.shutdown() }
        let targets = ["/kept?1", "/other?2", "/kept?3", "/kept?4", "/other?5", "/kept?6"]
        let text = targets.map { "GET \($0) HTTP/1.1\r\nHost: a\r\n\r\n" }.joined()
        let answers = try Self.exchange(port, text)
        let bodies = answers.components(separatedBy: "\r\n\r\n").dropFirst().map { $0.components(separatedBy: "\n")[0] }
        #expect(bodies.map { $0.split(separator: " ").last.map(String.init) ?? "" } == targets, "in the order asked")
    }

    /// A handler may answer after it has returned, from another thread (a write answered once
    /// its commit lands), and the worker is free meanwhile; a reply dropped unsent is a 500,
    /// never a client left waiting.
    @Test func aHandlerMayAnswerLaterFromAnotherThreadWhileItsWorkerServesOthers() throws {
        final class Held: @unchecked Sendable { let lock = NSLock(); var replies: [HTTPReply] = [] }
        let held = Held()
        var configuration = ServerConfiguration()
        configuration.port = 0
        configuration.workers = 1
        configuration.mostWorkers = 1
        let server = HTTPServer(configuration: configuration, log: ServerLog { _ in }, answering: { request, reply in
            switch request.path {
            case "/later":
                // Held until /release: the one worker returns at once.
                held.lock.withLock { held.replies.append(reply) }
            case "/release":
                let waiting = held.lock.withLock { () -> [HTTPReply] in defer { held.replies = [] }; return held.replies }
                DispatchQueue.global().async { for r in waiting { r.send(.text(.ok, "answered later\n")); r.send(.text(.ok, "twice\n")) } }
                reply.send(.text(.ok, "released \(waiting.count)\n"))
            case "/dropped": break
            default: reply.send(.text(.ok, "at once\n"))
            }
        })
        let port = try server.bind()
        Thread.detachNewThread { server.run() }
        defer { server.shutdown() }
        let later = LockedText()
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            later.set((try? Self.exchange(port, "GET /later HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")) ?? "failed")
            done.signal()
        }
        // With one worker, these are answered only because /later's worker did not wait.
        var waited = 0
        while held.lock.withLock({ held.replies.isEmpty }) && waited < 500 { Thread.sleep(forTimeInterval: 0.01); waited += 1 }
        #expect(try Self.exchange(port, "GET /now HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n").hasSuffix("\r\n\r\nat once\n"))
        #expect(later.value == nil, "not answered before its reply is sent")
        #expect(try Self.exchange(port, "GET /release HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n").hasSuffix("released 1\n"))
        #expect(done.wait(timeout: .now() + 5) == .success)
        #expect(later.value?.hasPrefix("HTTP/1.1 200 OK\r\n") == true)
        #expect(later.value?.hasSuffix("\r\n\r\nanswered later\n") == true, "the first answer sent; the second is ignored")
        let dropped = try Self.exchange(port, "GET /dropped HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        #expect(dropped.hasPrefix("HTTP/1.1 500 Internal Server Error\r\n"))
    }

    /// Issue 22: a request the application says goes ahead (a kept page being built again) is
    /// taken by the next free worker before requests that were queued earlier.
    @Test func aRequestThatGoesAheadIsTakenBeforeThoseQueuedEarlier() throws {
        final class Order: @unchecked Sendable { let lock = NSLock(); var paths: [String] = [] }
        let order = Order()
        let holding = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0)
        var configuration = ServerConfiguration()
        configuration.port = 0
        configuration.workers = 1
        configuration.mostWorkers = 1
        let server = HTTPServer(configuration: configuration, log: ServerLog { _ in }, goesAhead: { $0.path.hasPrefix("/ahead") }, handler: { request in
            if request.path == "/hold" { holding.signal(); release.wait() } else { order.lock.withLock { order.paths.append(request.path) } }
            return .text(.ok, "ok\n")
        })
        let port = try server.bind()
        Thread.detachNewThread { server.run() }
        defer { server.shutdown() }
        let answered = DispatchGroup()
        func send(_ path: String) {
            answered.enter()
            // A thread each: Dispatch's shared threads, blocked in the first exchange, would send the rest only after it.
            Thread.detachNewThread {
                _ = try? Self.exchange(port, "GET \(path) HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
                answered.leave()
            }
        }
        send("/hold")
        #expect(holding.wait(timeout: .now() + 5) == .success, "the one worker is busy")
        // Queued in this order while the one worker is busy; each has arrived before the next is sent.
        for path in ["/queued-1", "/queued-2", "/ahead-1", "/queued-3", "/ahead-2"] {
            send(path)
            Thread.sleep(forTimeInterval: 0.1)
        }
        release.signal()
        #expect(answered.wait(timeout: .now() + 10) == .success)
        #expect(order.lock.withLock { order.paths } == ["/ahead-1", "/ahead-2", "/queued-1", "/queued-2", "/queued-3"])
    }

    @Test func headerNamesCompareWithoutRegardToASCIICase() {
        let headers = HTTPHeaders([("Content-Type", "a"), ("X-ÄB", "b")])
        #expect(headers["content-type"] == "a" && headers["CONTENT-TYPE"] == "a")
        #expect(headers["content-typ"] == nil && headers["content-typee"] == nil)
        #expect(headers["x-äb"] == nil, "only ASCII letters fold (RFC 9110 field names are tokens)")
        #expect(headers["X-ÄB"] == "b")
    }

    @Test func aHeaderThatWouldEndTheHeaderBlockIsLeftOut() {
        var response = HTTPResponse.text(.seeOther, "")
        response.headers.set("Location", "/pledges\r\nSet-Cookie: chosen=1")
        response.headers.set("X-Fine", "yes")
        response.headers.set("X-Nul", "a\u{0}b")
        response.headers.set("Bad Name", "x")
        let wire = String(decoding: response.serialized(keepAlive: true), as: UTF8.self)
        #expect(!wire.contains("chosen=1") && !wire.contains("Location") && !wire.contains("X-Nul") && !wire.contains("Bad Name"))
        #expect(wire.contains("X-Fine: yes\r\n"))
        #expect(wire.components(separatedBy: "\r\n\r\n").count == 2, "one header block, then the (empty) body")
    }

    @Test func theDateHeaderIsAnIMFFixdateOfNow() throws {
        let response = HTTPResponse.text(.ok, "x").serialized(keepAlive: true)
        let text = String(decoding: response, as: UTF8.self)
        let line = try #require(text.split(separator: "\r\n").first { $0.hasPrefix("Date: ") })
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        let date = try #require(formatter.date(from: String(line.dropFirst(6))))
        #expect(abs(date.timeIntervalSinceNow) < 5)
        #expect(HTTPDate.format(Date(timeIntervalSince1970: 784111777)) == "Sun, 06 Nov 1994 08:49:37 GMT", "RFC 9110's own example")
    }
}

final class LockedText: @unchecked Sendable {  // `text` guarded by `lock`
    private let lock = NSLock()
    private var text: String?
    func set(_ value: String) { lock.withLock { text = value } }
    var value: String? { lock.withLock { text } }
}

/// Log lines are JSON a real parser reads back to the same values: Foundation's
/// JSONSerialization, for text that needs no escape (the quick way) and text that does.
@Suite struct JSONLineTests {
    @Test func everyLineParsesBackToItsFields() throws {
        var texts = ["", "/pledges", "GET", "127.0.0.1", "a\"b", "back\\slash", "tab\there", "new\nline", "\r", "\u{7F}", "\u{1F}", "zoë",
                     "\u{2028}\u{2029}", "emoji 👩‍👩‍👧", "/api/v1/instances/pledge-1"]
        var generator = SystemRandomNumberGenerator()
        let alphabet: [Character] = ["a", "/", " ", "\"", "\\", "\n", "\u{01}", "é", "\u{7F}", "~", "\u{2028}", "0"]
        for _ in 0..<2_000 { texts.append(String((0..<Int.random(in: 0...10, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! })) }
        for text in texts {
            let line = JSONLine.object([("path", .string(text)), ("status", .int(201)), ("ms", .double(1.25)), ("key \"x\"", .string(text))])
            #expect(!line.contains("\n"), "\(text.debugDescription)")
            let parsed = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "\(line)")
            #expect(parsed["path"] as? String == text && parsed["key \"x\""] as? String == text, "\(text.debugDescription) -> \(line)")
            #expect(parsed["status"] as? Int == 201 && parsed["ms"] as? Double == 1.25)
        }
        #expect(JSONLine.object([("ms", .double(.nan))]) == "{\"ms\":null}")
        #expect(ServerLog.accessLine(client: "127.0.0.1", method: "GET", path: "/pledges", status: 200, bytes: 12, milliseconds: 1.234567)
                == "{\"bytes\":12,\"client\":\"127.0.0.1\",\"method\":\"GET\",\"ms\":1.23,\"path\":\"/pledges\",\"status\":200}")
    }
}
