import Testing
import Foundation
#if canImport(Glibc)
import Glibc
#endif
@testable import HTTPServer

/// How the server shares its connections out: a cap per client address, idle connections
/// closed (oldest-idle first) to make room at the global cap, and the open-file check.
/// Clients come from 127.0.0.1 and 127.0.0.2 (Linux routes all of 127/8 to lo).
@Suite(.serialized) struct ConnectionLimitTests {
    /// The log lines a server wrote.
    final class Lines: @unchecked Sendable {
        let lock = NSLock()
        var all: [String] = []
        func append(_ line: String) { lock.lock(); all.append(line); lock.unlock() }
        var snapshot: [String] { lock.lock(); defer { lock.unlock() }; return all }
    }

    static func start(_ configure: (inout ServerConfiguration) -> Void) throws -> (HTTPServer, Int, Lines) {
        var configuration = ServerConfiguration()
        configuration.port = 0
        configuration.workers = 2
        configure(&configuration)
        let lines = Lines()
        let server = HTTPServer(configuration: configuration, log: ServerLog { lines.append($0) },
                                handler: { .text(.ok, "answered \($0.target)\n") })
        let port = try server.bind()
        Thread.detachNewThread { server.run() }
        return (server, port, lines)
    }

    /// A socket connected to the server from `source` (a loopback address), reads timing out
    /// after `timeout` seconds.
    static func connect(_ port: Int, from source: String = "127.0.0.1", timeout: Int = 2) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(fd >= 0)
        var local = sockaddr_in()
        local.sin_family = sa_family_t(AF_INET)
        local.sin_addr.s_addr = inet_addr(source)
        let bound = withUnsafePointer(to: &local) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard bound == 0, connected == 0 else { close(fd); throw ServerError("cannot connect from \(source)") }
        var limit = timeval(tv_sec: timeout, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        return fd
    }

    static func send(_ fd: Int32, _ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// Reads one response (headers and Content-Length body), or what arrived before EOF or the
    /// read timeout.
    static func response(_ fd: Int32) -> String {
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let text = String(decoding: received, as: UTF8.self)
            if let end = text.range(of: "\r\n\r\n") {
                let length = text[..<end.lowerBound].split(separator: "\r\n")
                    .first { $0.lowercased().hasPrefix("content-length:") }
                    .flatMap { Int($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) } ?? 0
                if received.count >= text.utf8.distance(from: text.startIndex, to: end.upperBound) + length { return text }
            }
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { return text }
            received += buffer[0..<n]
        }
    }

    /// Asks for `path` on a kept-alive connection and reads the answer.
    static func ask(_ fd: Int32, _ path: String) -> String {
        send(fd, "GET \(path) HTTP/1.1\r\nHost: a\r\n\r\n")
        return response(fd)
    }

    /// Whether the server closed the connection: a read sees EOF (or a reset) before the timeout.
    static func closedByServer(_ fd: Int32) -> Bool {
        var byte: UInt8 = 0
        let n = recv(fd, &byte, 1, 0)
        return n == 0 || (n < 0 && errno == ECONNRESET)
    }

    /// Polls `condition` every 10 ms until it holds or `seconds` pass.
    static func eventually(_ seconds: Double = 2, _ condition: () throws -> Bool) rethrows -> Bool {
        let end = Date().addingTimeInterval(seconds)
        while Date() < end {
            if try condition() { return true }
            usleep(10_000)
        }
        return try condition()
    }

    /// One whole request from `source` on a connection of its own, closed after: its answer.
    static func askOnce(_ port: Int, from source: String, _ path: String) -> String {
        guard let fd = try? connect(port, from: source) else { return "" }
        defer { close(fd) }
        send(fd, "GET \(path) HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        return response(fd)
    }

    @Test func aClientAddressHoldingItsCapIsRefusedWhileOthersAreServed() throws {
        let (server, port, lines) = try Self.start { $0.maxConnectionsPerAddress = 4; $0.maxConnections = 8 }
        defer { server.shutdown() }
        var held: [Int32] = []
        defer { held.forEach { close($0) } }
        for i in 0..<4 {
            let fd = try Self.connect(port)
            held.append(fd)
            #expect(Self.ask(fd, "/held\(i)").hasPrefix("HTTP/1.1 200 "), "connection \(i) from 127.0.0.1 is served and kept")
        }
        // Idle sockets beyond the address's cap (and beyond the global cap, as the 515 idle
        // sockets of the report were): each is answered 503 and closed, without sending a byte.
        let started = Date()
        for i in 0..<6 {
            let fd = try Self.connect(port)
            defer { close(fd) }
            let answer = Self.response(fd)
            #expect(answer.hasPrefix("HTTP/1.1 503 "), "extra connection \(i) from 127.0.0.1 is refused")
            #expect(answer.contains("Retry-After: 1\r\n") && answer.contains("Connection: close\r\n"))
            #expect(Self.closedByServer(fd))
        }
        let elapsed = Date().timeIntervalSince(started)
        // Another address is still answered, and so are the kept connections.
        #expect(Self.askOnce(port, from: "127.0.0.2", "/other").hasPrefix("HTTP/1.1 200 "))
        #expect(Self.ask(held[0], "/again").hasPrefix("HTTP/1.1 200 "), "the refusals closed none of the address's connections")
        // One of the four closes: the address may open one more.
        close(held.removeLast())
        #expect(Self.eventually { Self.askOnce(port, from: "127.0.0.1", "/after").hasPrefix("HTTP/1.1 200 ") })
        // The refusals are logged, at most one line a second.
        let logged = lines.snapshot.filter { $0.contains("a client address holds its limit") }
        #expect(logged.first?.contains("\"address\":\"127.0.0.1\"") == true && logged.first?.contains("\"limit\":4") == true)
        #expect(logged.count >= 1 && logged.count <= 1 + Int(elapsed), "\(logged.count) lines for 6 refusals in \(elapsed) s")
    }

    @Test func atTheCapTheOldestIdleConnectionIsClosedToMakeRoom() throws {
        let (server, port, lines) = try Self.start { $0.maxConnections = 6 }
        defer { server.shutdown() }
        let midRequest = try Self.connect(port)   // the oldest connection, but mid-request
        Self.send(midRequest, "GET /slow HTTP/1.1\r\nHost: a\r\n")
        let oldestIdle = try Self.connect(port)   // idle after one request
        #expect(Self.ask(oldestIdle, "/first").hasPrefix("HTTP/1.1 200 "))
        let silent = try Self.connect(port)       // never sends anything: holds a slot, idle too
        var others: [Int32] = []
        for i in 0..<3 {
            let fd = try Self.connect(port)
            others.append(fd)
            #expect(Self.ask(fd, "/other\(i)").hasPrefix("HTTP/1.1 200 "))
        }
        defer { ([midRequest, oldestIdle, silent] + others).forEach { close($0) } }
        // Six held: a newcomer is answered, and the oldest idle connection made room for it.
        let newcomer = try Self.connect(port, from: "127.0.0.2")
        defer { close(newcomer) }
        #expect(Self.ask(newcomer, "/new").hasPrefix("HTTP/1.1 200 "))
        #expect(Self.closedByServer(oldestIdle), "the connection idle longest was closed")
        // The one mid-request was not closed: its request completes.
        Self.send(midRequest, "\r\n")
        #expect(Self.response(midRequest).hasPrefix("HTTP/1.1 200 "))
        // Next in line is the connection that never sent a request.
        let second = try Self.connect(port, from: "127.0.0.2")
        defer { close(second) }
        #expect(Self.ask(second, "/second").hasPrefix("HTTP/1.1 200 "))
        #expect(Self.closedByServer(silent), "a connection that never sent a request is idle, and next oldest")
        #expect(Self.ask(others[0], "/still").hasPrefix("HTTP/1.1 200 "), "the rest stay open")
        #expect(lines.snapshot.contains { $0.contains("closed idle connections to make room") })
    }

    @Test func whenNoConnectionIsIdleTheNewcomerIsRefused() throws {
        let (server, port, _) = try Self.start { $0.maxConnections = 3 }
        defer { server.shutdown() }
        var partial: [Int32] = []
        defer { partial.forEach { close($0) } }
        for _ in 0..<3 {
            let fd = try Self.connect(port)
            partial.append(fd)
            Self.send(fd, "GET /slow HTTP/1.1\r\nHost: a\r\n")
        }
        // (A request's first bytes may still wait unread by the server when the newcomer
        // arrives: the connection is mid-request all the same.)
        let newcomer = try Self.connect(port, from: "127.0.0.2")
        defer { close(newcomer) }
        #expect(Self.response(newcomer).hasPrefix("HTTP/1.1 503 "), "every connection is mid-request: the newcomer is refused")
        for fd in partial {
            Self.send(fd, "\r\n")
            #expect(Self.response(fd).hasPrefix("HTTP/1.1 200 "), "no request in progress was cut off")
        }
    }

    @Test func everyWayAConnectionClosesGivesItsAddressItsSlotBack() throws {
        let (server, port, _) = try Self.start {
            $0.maxConnectionsPerAddress = 2; $0.maxConnections = 64
            $0.idleTimeout = 0.2; $0.readTimeout = 0.2
        }
        defer { server.shutdown() }
        /// Two connections from 127.0.0.1 are accepted (each answers a request): the address
        /// holds none after the last way of closing.
        func twoAreAccepted() throws -> [Int32] {
            var fds: [Int32] = []
            for _ in 0..<2 {
                var fd: Int32 = -1
                let served = try Self.eventually {
                    fd = try Self.connect(port)
                    if Self.ask(fd, "/x").hasPrefix("HTTP/1.1 200 ") { return true }
                    close(fd)
                    return false
                }
                #expect(served)
                fds.append(fd)
            }
            return fds
        }
        // The client closes an idle connection.
        try twoAreAccepted().forEach { close($0) }
        // The server closes after `Connection: close` (and lingering).
        for _ in 0..<3 { #expect(Self.eventually { Self.askOnce(port, from: "127.0.0.1", "/close").hasPrefix("HTTP/1.1 200 ") }) }
        // The idle timeout.
        for fd in try twoAreAccepted() { #expect(Self.closedByServer(fd)); close(fd) }
        // The read timeout (408) and a malformed request (400).
        let slow = try twoAreAccepted()
        slow.forEach { Self.send($0, "GET /slow HTTP/1.1\r\n") }  // both at once: each is idle only 0.2 s
        for fd in slow {
            #expect(Self.response(fd).hasPrefix("HTTP/1.1 408 "))
            close(fd)
        }
        for fd in try twoAreAccepted() {
            Self.send(fd, "NOT HTTP\r\n\r\n")
            #expect(Self.response(fd).hasPrefix("HTTP/1.1 400 "))
            close(fd)
        }
        // Write errors and hangups mid-request: the client resets while its request runs.
        for fd in try twoAreAccepted() {
            var reset = linger(l_onoff: 1, l_linger: 0)
            setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, socklen_t(MemoryLayout<linger>.size))
            Self.send(fd, "GET /x HTTP/1.1\r\nHost: a\r\n\r\n")
            close(fd)
        }
        let last = try twoAreAccepted()
        last.forEach { close($0) }
    }

    @Test func theOpenFileLimitMustHoldTheConnectionCap() {
        var configuration = ServerConfiguration()
        configuration.maxConnections = 5000
        #expect(HTTPServer.descriptorsNeeded(for: configuration) == 5064)
        let problem = configuration.fileLimitProblem(openFileLimit: 1024)
        #expect(problem?.contains("5000") == true && problem?.contains("5064") == true && problem?.contains("1024") == true, "\(problem ?? "nil")")
        #expect(configuration.fileLimitProblem(openFileLimit: 5064) == nil)
        #expect(configuration.fileLimitProblem(openFileLimit: Int.max) == nil)
        #expect(ServerConfiguration().fileLimitProblem(openFileLimit: 1024) == nil, "the defaults fit the usual 1024")
        configuration.workers = 64
        #expect(configuration.descriptorsNeeded > 5064, "more workers, more SQLite readers' files")
    }

    @Test func raisingTheOpenFileLimitReachesTheHardLimit() {
        var before = rlimit()
        getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &before)
        let limits = HTTPServer.raiseOpenFileLimit()
        #expect(limits.soft >= Int(clamping: before.rlim_cur))
        #expect(limits.soft <= limits.hard)
        if before.rlim_max != rlim_t.max { #expect(limits.soft == limits.hard) }
    }

    @Test func eventLinesAreRateLimitedPerKind() {
        var throttle = EventThrottle(interval: 1)
        #expect(throttle.admit("a", now: 10) == 0)
        #expect(throttle.admit("a", now: 10.2) == nil)
        #expect(throttle.admit("a", now: 10.9) == nil)
        #expect(throttle.admit("b", now: 10.9) == 0, "each kind has its own allowance")
        #expect(throttle.admit("a", now: 11.0) == 2, "the next line says how many went unlogged")
        #expect(throttle.admit("a", now: 11.5) == nil)
        #expect(throttle.admit("a", now: 12.5) == 1)
    }
}
