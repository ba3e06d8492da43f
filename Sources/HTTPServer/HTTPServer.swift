import Foundation
internal import CSystem
#if canImport(Glibc)
import Glibc
#endif

/// Answers one request. Runs on a worker thread, never on the event loop, so it may block
/// (on SQLite, say) without holding up other connections.
public typealias HTTPHandler = @Sendable (HTTPRequest) -> HTTPResponse

/// Answers one request through `reply`, now or later from any thread: a handler that has
/// queued a write sends its answer once the write has committed, and its worker goes on to
/// the next request meanwhile. Runs on a worker thread, like ``HTTPHandler``.
public typealias HTTPAnsweringHandler = @Sendable (HTTPRequest, HTTPReply) -> Void

/// Where one request's answer goes. The first ``send(_:)`` answers; later ones are ignored.
/// A reply dropped unsent answers 500, so a handler that loses one never leaves its client
/// waiting.
public final class HTTPReply: @unchecked Sendable {  // `sent` guarded by `lock`
    private let deliver: @Sendable (HTTPResponse) -> Void
    private let lock = NSLock()
    private var sent = false

    public init(_ deliver: @escaping @Sendable (HTTPResponse) -> Void) { self.deliver = deliver }

    public func send(_ response: HTTPResponse) {
        let first = lock.withLock { () -> Bool in
            defer { sent = true }
            return !sent
        }
        if first { deliver(response) }
    }

    deinit {
        if !sent { deliver(.text(.internalServerError, "The request was lost before it was answered; it may or may not have been done.\n")) }
    }
}

/// Answers a request straight away from memory (a page kept whole, say), or returns nil to
/// send it to a worker. Runs on the event loop, so it must never block: no disk, no waiting
/// on a lock another thread may hold for long.
public typealias HTTPImmediateHandler = @Sendable (HTTPRequest) -> HTTPResponse?

/// Whether a request that goes to a worker goes ahead of those queued: one the application
/// answers in a moment (a page it keeps, being built again after a change), which should not
/// wait behind slower pages. Runs on the event loop, so it must never block.
public typealias HTTPPriorityCheck = @Sendable (HTTPRequest) -> Bool

/// How the server listens and what it tolerates.
public struct ServerConfiguration: Sendable {
    public var host = "127.0.0.1"
    public var port = 8080
    public var limits = HTTPLimits()
    /// Seconds a request may take to arrive, from its first byte (408 after).
    public var readTimeout: Double = 10
    /// Seconds a keep-alive connection may sit idle between requests (closed after).
    public var idleTimeout: Double = 30
    /// Seconds a client may take to read a response (closed after).
    public var writeTimeout: Double = 30
    /// Connections held at once. At the cap, idle keep-alive connections (no request in
    /// progress) are closed, oldest-idle first, to make room; only when none is idle is a new
    /// connection answered 503 and closed.
    public var maxConnections = 512
    /// Connections one client address (the TCP peer) may hold at once; more from it are
    /// answered 503 and closed at accept. 0 or less: no cap per address (behind a reverse
    /// proxy every connection comes from the proxy's address).
    public var maxConnectionsPerAddress = 64
    /// Addresses the per-address cap does not apply to: the reverse proxies every client
    /// comes through (`serve --trusted-proxy`).
    public var uncappedAddresses: Set<String> = []
    /// Threads answering requests at once: by default two for each processor. More only take
    /// turns at the same processors, and the event loop, which answers kept pages at once,
    /// waits its turn among them (over a large partnership with writes going on, eight on two
    /// processors made the kept wall's p99 20 ms where four made it 15). A worker waiting for
    /// its commit does not count (see ``mostWorkers``).
    public var workers = ServerConfiguration.defaultWorkers
    /// Two a processor, at least two.
    public static var defaultWorkers: Int { max(2, 2 * ProcessInfo.processInfo.activeProcessorCount) }
    /// Threads at most, counting those waiting for a commit (see ``HTTPServer/blockingBegan()``):
    /// while a worker waits for the disk another takes its place, up to this many in all.
    public var mostWorkers = 128
    /// Seconds to let requests in flight finish after a shutdown begins.
    public var shutdownGrace: Double = 10

    public init() {}

    /// Descriptors the process needs beside its connections: the listening socket, epoll,
    /// eventfd, standard streams, the log, and SQLite's files (database, WAL, shared memory
    /// for the writer and each reader), more with more workers.
    public var descriptorReserve: Int { 64 + 3 * max(0, workers - 8) }

    /// Open files this configuration needs at most: one per connection and the reserve.
    public var descriptorsNeeded: Int { maxConnections + descriptorReserve }

    /// Why `openFileLimit` (RLIMIT_NOFILE's soft limit) cannot hold the connection cap, or nil
    /// when it can. Past the limit, accepts fail and SQLite cannot open its files.
    public func fileLimitProblem(openFileLimit: Int) -> String? {
        guard openFileLimit < descriptorsNeeded else { return nil }
        return "--max-connections \(maxConnections) needs about \(descriptorsNeeded) open files but this process may open only \(openFileLimit); "
            + "lower --max-connections or raise the limit (ulimit -n / LimitNOFILE=)"
    }
}

/// At most one log line a second (`interval`) per kind of event, so that a flood of refusals
/// does not flood the log; each line says how many of its kind went unlogged before it.
struct EventThrottle {
    let interval: Double
    var loggedAt: [String: Double] = [:]
    var unlogged: [String: Int] = [:]

    init(interval: Double = 1) { self.interval = interval }

    /// Nil when an event of `kind` at `now` is not to be logged; otherwise how many of its
    /// kind were not logged since the last line.
    mutating func admit(_ kind: String, now: Double) -> Int? {
        if let last = loggedAt[kind], now - last < interval {
            unlogged[kind, default: 0] += 1
            return nil
        }
        loggedAt[kind] = now
        return unlogged.removeValue(forKey: kind) ?? 0
    }
}

/// Where the server's structured log lines go: one JSON object per line.
public struct ServerLog: Sendable {
    let write: @Sendable (String) -> Void

    public init(write: @escaping @Sendable (String) -> Void) { self.write = write }

    /// Lines to standard error.
    public static let standardError = ServerLog { line in
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    /// One access-log line: the client's address, method, path (never the query), status, body bytes, milliseconds.
    public func access(client: String, method: String, path: String, status: Int, bytes: Int, milliseconds: Double) {
        write(Self.accessLine(client: client, method: method, path: path, status: status, bytes: bytes, milliseconds: milliseconds))
    }

    static func accessLine(client: String, method: String, path: String, status: Int, bytes: Int, milliseconds: Double) -> String {
        JSONLine.object([("bytes", .int(bytes)), ("client", .string(client)), ("method", .string(method)),
                         ("ms", .double((milliseconds * 100).rounded() / 100)), ("path", .string(path)), ("status", .int(status))])
    }

    /// A structured event: a level, a message and fields.
    public func event(_ level: String, _ message: String, _ fields: [(String, JSONLine.Value)] = []) {
        write(JSONLine.object([("level", .string(level)), ("message", .string(message))] + fields))
    }
}

/// Writes single-line JSON objects for logs.
public enum JSONLine {
    public enum Value: Sendable { case string(String), int(Int), double(Double) }

    public static func object(_ fields: [(String, Value)]) -> String {
        // Built in one string (a line for every request the server answers).
        var out = "{"
        out.reserveCapacity(24 * fields.count + 16)
        for (i, (name, value)) in fields.enumerated() {
            if i > 0 { out += "," }
            out += quote(name)
            out += ":"
            switch value {
            case .string(let s): out += quote(s)
            case .int(let i): out += String(i)
            case .double(let d): out += d.isFinite ? String(d) : "null"
            }
        }
        return out + "}"
    }

    public static func quote(_ s: String) -> String {
        // Most text (a path, an address, a method) needs no escape: quoted as it stands.
        if s.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }) { return "\"" + s + "\"" }
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where u.value < 0x20 || u.value == 0x7F || u.value == 0x2028 || u.value == 0x2029:
                out += "\\u" + String(u.value, radix: 16).leftPadded(to: 4)
            default: out.unicodeScalars.append(u)
            }
        }
        return out + "\""
    }
}

/// A small HTTP/1.1 server on Linux sockets: one event-loop thread multiplexes every
/// connection with epoll (non-blocking reads and writes, per-request read deadlines, idle and
/// write timeouts, a connection cap that closes idle connections to make room, a cap per client
/// address), and a fixed pool of worker threads runs the handler. A
/// connection has at most one request in flight; pipelined requests wait their turn, in order.
/// Each response leaves in one write, and TCP_NODELAY is set as well.
public final class HTTPServer: @unchecked Sendable {
    public let configuration: ServerConfiguration
    let handler: HTTPAnsweringHandler
    let immediate: HTTPImmediateHandler?
    let goesAhead: HTTPPriorityCheck?
    let log: ServerLog
    let pool: WorkerPool

    var listenFD: Int32 = -1
    var epollFD: Int32 = -1
    var wakeFD: Int32 = -1
    var connections: [Int32: Connection] = [:]
    /// Connections held by each client address (`Connection.remote`): counted up at accept,
    /// down in `closeConnection`, the one way every connection closes.
    var connectionsPerAddress: [String: Int] = [:]
    /// Rate-limits the log lines of refusals and of idle connections closed to make room.
    var throttle = EventThrottle()
    var nextConnectionID: UInt64 = 0
    var shuttingDown = false
    var shutdownDeadline = 0.0
    var acceptPausedUntil = 0.0

    let completionLock = NSLock()
    var completions: [Completion] = []
    var shutdownRequested = false
    /// Whether the event loop has been woken and not yet drained: one wake-up for any number
    /// of completions. Guarded by `completionLock`, like `wakeClosed`.
    var wakePending = false
    /// Set as the event loop closes `wakeFD`: an answer that comes later is dropped, never
    /// written to a descriptor number since reused.
    var wakeClosed = false

    struct Completion {
        let fd: Int32, connection: UInt64, request: HTTPRequest, response: HTTPResponse, started: Double
    }

    /// What one read from a socket lands in; the event loop reads into it and copies out only
    /// what arrived.
    var readBuffer = [UInt8](repeating: 0, count: 65536)
    /// When connection deadlines were last checked (once every `deadlineInterval` seconds is
    /// enough: they are whole seconds).
    var deadlinesCheckedAt = 0.0
    /// Access-log lines of this turn of the event loop, written together at its end (one
    /// write for many requests under load; at once when the server is quiet).
    var accessLines: [String] = []
    let clientAddress: @Sendable (HTTPRequest) -> String
    static let deadlineInterval = 0.05

    /// - Parameter clientAddress: who a request is from, for the access log: the application's
    ///   rule (behind a trusted proxy, the client its `X-Forwarded-For` names); by default the
    ///   TCP peer.
    public convenience init(configuration: ServerConfiguration, log: ServerLog = .standardError, immediate: HTTPImmediateHandler? = nil,
                            goesAhead: HTTPPriorityCheck? = nil, clientAddress: (@Sendable (HTTPRequest) -> String)? = nil, handler: @escaping HTTPHandler) {
        self.init(configuration: configuration, log: log, immediate: immediate, goesAhead: goesAhead, clientAddress: clientAddress,
                  answering: { request, reply in reply.send(handler(request)) })
    }

    /// A server whose handler may answer later (see ``HTTPAnsweringHandler``).
    public init(configuration: ServerConfiguration, log: ServerLog = .standardError, immediate: HTTPImmediateHandler? = nil,
                goesAhead: HTTPPriorityCheck? = nil, clientAddress: (@Sendable (HTTPRequest) -> String)? = nil, answering handler: @escaping HTTPAnsweringHandler) {
        self.configuration = configuration
        self.clientAddress = clientAddress ?? { $0.remoteAddress }
        self.handler = handler
        self.immediate = immediate
        self.goesAhead = goesAhead
        self.log = log
        self.pool = WorkerPool(threads: max(1, configuration.workers), most: configuration.mostWorkers)
    }

    /// Caps the process's malloc heap arenas. glibc gives threads that allocate at once arenas
    /// of their own (up to eight a core) and keeps what each freed for reuse there, so with a
    /// worker pool every worker would hold its own high-water mark of a large page's transient
    /// memory. Call before the workers start.
    public static func limitHeapArenas(_ count: Int32) {
        _ = mallopt(M_ARENA_MAX, count)
    }

    /// Gives every allocation of at least `bytes` its own mapping, handed back to the system when
    /// freed. glibc otherwise raises this threshold as large blocks are freed (up to 32 MB), so
    /// the arrays of a first reading of every record land in the heap, where the long-lived
    /// records allocated between them keep the pages resident: over a large partnership that
    /// was 20 MB of a server's 120 MB. Call at start-up.
    public static func mapLargeAllocationsApart(from bytes: Int32 = 128 * 1024) {
        _ = mallopt(M_MMAP_THRESHOLD, bytes)
    }

    /// Raises the process's open-file limit (RLIMIT_NOFILE) to its hard limit and returns the
    /// limits in force after (Int.max for unlimited). Call at start-up, then check the soft
    /// limit with `ServerConfiguration.fileLimitProblem(openFileLimit:)`.
    @discardableResult
    public static func raiseOpenFileLimit() -> (soft: Int, hard: Int) {
        let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
        var limit = rlimit()
        guard getrlimit(resource, &limit) == 0 else { return (0, 0) }
        var target = limit.rlim_max
        if target == rlim_t.max {
            // The kernel refuses an unlimited soft limit for open files; its ceiling is nr_open.
            let text = (try? String(contentsOfFile: "/proc/sys/fs/nr_open", encoding: .utf8)) ?? ""
            target = rlim_t(text.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 1 << 20
        }
        if limit.rlim_cur != rlim_t.max && limit.rlim_cur < target {
            var raised = limit
            raised.rlim_cur = target
            _ = setrlimit(resource, &raised)
            _ = getrlimit(resource, &limit)
        }
        func count(_ value: rlim_t) -> Int { value == rlim_t.max || value > rlim_t(Int.max) ? Int.max : Int(value) }
        return (count(limit.rlim_cur), count(limit.rlim_max))
    }

    /// Open files `configuration` needs at most (its connections and a reserve).
    public static func descriptorsNeeded(for configuration: ServerConfiguration) -> Int {
        configuration.descriptorsNeeded
    }

    /// Binds and listens; returns the port (useful when asked for port 0).
    public func bind() throws -> Int {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_PASSIVE
        var info: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(configuration.host, String(configuration.port), &hints, &info)
        guard rc == 0, let first = info else { throw ServerError("cannot resolve \(configuration.host): \(String(cString: gai_strerror(rc)))") }
        defer { freeaddrinfo(info) }
        let fd = socket(first.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw ServerError.errno("socket") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        guard Glibc.bind(fd, first.pointee.ai_addr, first.pointee.ai_addrlen) == 0 else {
            let e = ServerError.errno("cannot listen on \(configuration.host):\(configuration.port)")
            close(fd)
            throw e
        }
        guard listen(fd, 1024) == 0 else { close(fd); throw ServerError.errno("listen") }
        listenFD = fd
        var address = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { _ = getsockname(fd, $0, &length) } }
        let port: UInt16 = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin_port) }  // sin_port and sin6_port share an offset
        }
        epollFD = epoll_create1(Int32(EPOLL_CLOEXEC))
        wakeFD = eventfd(0, Int32(EFD_NONBLOCK) | Int32(EFD_CLOEXEC))
        guard epollFD >= 0, wakeFD >= 0 else { throw ServerError.errno("epoll") }
        watch(listenFD, EPOLLIN.rawValue, add: true)
        watch(wakeFD, EPOLLIN.rawValue, add: true)
        return Int(port)
    }

    /// Asks the server to stop: no new connections, requests in flight finish, then `run` returns.
    /// Safe to call from any thread or a signal source.
    /// Called by a handler about to wait for something other than the CPU (its write's group
    /// commit): until ``blockingEnded()``, another worker may take the next request. A no-op
    /// on a thread that is not one of this server's workers.
    public func blockingBegan() { pool.blockingBegan() }

    /// The handler that called ``blockingBegan()`` has stopped waiting.
    public func blockingEnded() { pool.blockingEnded() }

    public func shutdown() {
        completionLock.lock()
        shutdownRequested = true
        wakeIfNeeded()
        completionLock.unlock()
    }

    /// Hands a finished request to the event loop.
    func complete(_ completion: Completion) {
        completionLock.lock()
        completions.append(completion)
        wakeIfNeeded()
        completionLock.unlock()
    }

    /// Wakes the event loop unless it has been woken already and not yet looked. Called with
    /// `completionLock` held.
    func wakeIfNeeded() {
        guard !wakePending, !wakeClosed else { return }
        wakePending = true
        var one: UInt64 = 1
        _ = write(wakeFD, &one, 8)
    }

    /// Serves until `shutdown` and every request in flight has been answered.
    public func run() {
        var events = [epoll_event](repeating: epoll_event(), count: 256)
        while true {
            let n = epoll_wait(epollFD, &events, Int32(events.count), shuttingDown ? 20 : 100)
            for i in 0..<max(0, Int(n)) {
                let data = events[i].data.u64, flags = events[i].events
                let fd = Int32(truncatingIfNeeded: data), tag = UInt32(truncatingIfNeeded: data >> 32)
                if fd == listenFD { acceptConnections() }
                else if fd == wakeFD { drainWakeups() }
                else if let connection = connections[fd], connection.tag == tag {
                    // (The tag: a connection closed to make room earlier in this batch may
                    // have had its descriptor reused by one accepted since; its events are stale.)
                    if flags & (EPOLLIN.rawValue | EPOLLHUP.rawValue | EPOLLERR.rawValue | EPOLLRDHUP.rawValue) != 0 { readable(connection, hangup: flags & (EPOLLHUP.rawValue | EPOLLERR.rawValue) != 0) }
                    if flags & EPOLLOUT.rawValue != 0, connections[fd] === connection { flush(connection) }
                }
            }
            flushAccessLog()
            let now = monotonicNow()
            if now - deadlinesCheckedAt >= Self.deadlineInterval || shuttingDown {
                deadlinesCheckedAt = now
                checkDeadlines(now)
            }
            if shuttingDown && (connections.isEmpty || now > shutdownDeadline) { break }
        }
        for connection in Array(connections.values) { closeConnection(connection) }
        flushAccessLog()
        pool.stop()
        completionLock.withLock { wakeClosed = true }
        close(epollFD); close(wakeFD)
        log.event("info", "stopped")
    }

    // MARK: - Connections

    enum Phase { case idle, reading, busy, writing, lingering }

    final class Connection {
        let fd: Int32, id: UInt64, remote: String
        var input: [UInt8] = []
        var parser: RequestParser
        var output: [UInt8] = []
        var outputOffset = 0
        var phase = Phase.idle
        var deadline: Double
        var closeAfterWrite = false
        /// The client half-closed: it sends nothing more, but still reads our answers.
        var peerFinished = false
        var gone = false
        var interest: UInt32 = EPOLLIN.rawValue
        /// Since when the connection has been waiting for a request (phase `.idle`): the
        /// oldest-idle is the first closed to make room at the connection cap.
        var idleSince: Double

        /// Identifies the connection in its epoll events beside its descriptor.
        var tag: UInt32 { UInt32(truncatingIfNeeded: id) }

        init(fd: Int32, id: UInt64, remote: String, limits: HTTPLimits, deadline: Double, now: Double) {
            self.fd = fd; self.id = id; self.remote = remote; self.parser = RequestParser(limits: limits); self.deadline = deadline
            self.idleSince = now
        }
    }

    /// Registers (or changes) what epoll reports for `fd`; the event carries `fd` in its low
    /// 32 bits and `tag` (a connection's) in the high.
    func watch(_ fd: Int32, _ events: UInt32, add: Bool = false, tag: UInt32 = 0) {
        var event = epoll_event()
        event.events = events
        event.data.u64 = UInt64(tag) << 32 | UInt64(UInt32(bitPattern: fd))
        epoll_ctl(epollFD, add ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, fd, &event)
    }

    func setInterest(_ connection: Connection, _ events: UInt32) {
        guard connection.interest != events else { return }
        connection.interest = events
        watch(connection.fd, events, tag: connection.tag)
    }

    func acceptConnections() {
        while !shuttingDown {
            var address = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let fd = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                accept(listenFD, $0, &length)
            } }
            if fd < 0 {
                if errno == EMFILE || errno == ENFILE {
                    log.event("error", "out of file descriptors; pausing accepts", [("connections", .int(connections.count))])
                    acceptPausedUntil = monotonicNow() + 0.1
                    watch(listenFD, 0)
                }
                return
            }
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            let remote = Self.describe(address)
            let held = connectionsPerAddress[remote, default: 0]
            let perAddress = configuration.maxConnectionsPerAddress
            if perAddress > 0 && held >= perAddress && !configuration.uncappedAddresses.contains(remote) {
                refuseAtAccept(fd, "Too many connections from your address; try again shortly.\n")
                note("address-cap", "a client address holds its limit of connections; refusing more from it",
                     [("address", .string(remote)), ("limit", .int(perAddress))])
                continue
            }
            if connections.count >= configuration.maxConnections && !makeRoom() {
                refuseAtAccept(fd, "The server is busy; try again shortly.\n")
                note("cap", "every connection is busy at the connection cap; refusing new ones", [("limit", .int(configuration.maxConnections))])
                continue
            }
            var one: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            nextConnectionID += 1
            let now = monotonicNow()
            let connection = Connection(fd: fd, id: nextConnectionID, remote: remote, limits: configuration.limits,
                                        deadline: now + configuration.idleTimeout, now: now)
            connections[fd] = connection
            connectionsPerAddress[remote] = held + 1
            watch(fd, EPOLLIN.rawValue | EPOLLRDHUP.rawValue, add: true, tag: connection.tag)
            connection.interest = EPOLLIN.rawValue | EPOLLRDHUP.rawValue
        }
    }

    /// Answers a connection refused at accept with 503 and closes it.
    func refuseAtAccept(_ fd: Int32, _ message: String) {
        let refusal = HTTPResponse(.serviceUnavailable, contentType: "text/plain; charset=utf-8", body: message,
                                   headers: HTTPHeaders([("Retry-After", "1")])).serialized(keepAlive: false)
        _ = refusal.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        close(fd)
    }

    /// At the connection cap: closes idle connections (waiting between requests, or never
    /// sent one), oldest-idle first, until there is room for one more. False when none is
    /// idle: every connection has a request in progress, and the newcomer must be refused.
    func makeRoom() -> Bool {
        var closed = 0
        while connections.count >= configuration.maxConnections {
            var oldest: Connection?
            for connection in connections.values where connection.phase == .idle {
                if oldest.map({ connection.idleSince < $0.idleSince }) ?? true { oldest = connection }
            }
            guard let victim = oldest else { break }
            // Bytes already waiting (a request whose event this turn of the loop has not come
            // to yet): the connection is not idle. Read them first; that starts its request.
            var byte: UInt8 = 0
            if recv(victim.fd, &byte, 1, Int32(MSG_PEEK) | Int32(MSG_DONTWAIT)) > 0 {
                readable(victim, hangup: false)
                if connections[victim.fd] !== victim || victim.phase != .idle { continue }
            }
            closeConnection(victim)
            closed += 1
        }
        if closed > 0 {
            note("idle-closed", "closed idle connections to make room at the connection cap",
                 [("closed", .int(closed)), ("limit", .int(configuration.maxConnections))])
        }
        return connections.count < configuration.maxConnections
    }

    /// Logs a warning of `kind`, at most one line a second per kind; the line says how many of
    /// its kind went unlogged since the last.
    func note(_ kind: String, _ message: String, _ fields: [(String, JSONLine.Value)]) {
        guard let unlogged = throttle.admit(kind, now: monotonicNow()) else { return }
        log.event("warning", message, fields + [("unloggedSinceLast", .int(unlogged))])
    }

    static func describe(_ address: sockaddr_storage) -> String {
        var copy = address
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        return withUnsafePointer(to: &copy) { pointer -> String in
            if address.ss_family == sa_family_t(AF_INET) {
                return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { var a = $0.pointee.sin_addr; inet_ntop(AF_INET, &a, &buffer, socklen_t(buffer.count)); return Self.string(buffer) }
            }
            return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { var a = $0.pointee.sin6_addr; inet_ntop(AF_INET6, &a, &buffer, socklen_t(buffer.count)); return Self.string(buffer) }
        }
    }

    static func string(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    func readable(_ connection: Connection, hangup: Bool) {
        let n = readBuffer.withUnsafeMutableBytes { recv(connection.fd, $0.baseAddress, $0.count, 0) }
        if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) && !hangup { return }
        if n <= 0 {
            if connection.phase == .busy {
                // The client stopped sending. Its request still runs; if it only half-closed,
                // it still gets its answer (and those to requests it pipelined before), then
                // the connection closes.
                connection.peerFinished = true
                if hangup {
                    connection.closeAfterWrite = true
                    connection.gone = true
                    epoll_ctl(epollFD, EPOLL_CTL_DEL, connection.fd, nil)
                    connection.interest = 0
                } else {
                    setInterest(connection, 0)
                }
            } else {
                closeConnection(connection)
            }
            return
        }
        switch connection.phase {
        case .lingering: return  // discarding what a refused client still sends
        case .idle:
            connection.phase = .reading
            connection.deadline = monotonicNow() + configuration.readTimeout
        default: break
        }
        connection.input.append(contentsOf: readBuffer[0..<n])
        if connection.phase == .reading { process(connection) }
    }

    /// Parses what the connection has buffered and starts the next request, if whole.
    func process(_ connection: Connection) {
        guard connection.phase == .reading || connection.phase == .idle, !connection.input.isEmpty else { return }
        if connection.phase == .idle {
            connection.phase = .reading
            connection.deadline = monotonicNow() + configuration.readTimeout
        }
        switch connection.parser.parse(connection.input, remoteAddress: connection.remote) {
        case .needMore(let sendContinue):
            if sendContinue {
                connection.output = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)
                connection.outputOffset = 0
                writeInterim(connection)
            }
        case .failure(let error):
            refuse(connection, error)
        case .request(let request, let consumed):
            connection.input.removeFirst(consumed)
            connection.phase = .busy
            let fd = connection.fd, id = connection.id, started = monotonicNow()
            // Answered here when the application can do so from memory. Not for pipelined
            // requests: answering one leads straight to parsing the next, and a long pipeline
            // would nest that deeply; they take the worker path, in order, as before.
            if connection.input.isEmpty, let response = immediate?(request) {
                finish(Completion(fd: fd, connection: id, request: request, response: response, started: started))
                return
            }
            setInterest(connection, connection.peerFinished ? 0 : EPOLLRDHUP.rawValue)
            let handler = self.handler
            pool.submit(ahead: goesAhead?(request) ?? false) { [self] in
                handler(request, HTTPReply { [self] response in
                    complete(Completion(fd: fd, connection: id, request: request, response: response, started: started))
                })
            }
        }
    }

    /// Sends `100 Continue` straight away (a few bytes; a full socket buffer just drops it, and
    /// the client then sends the body after its own timeout).
    func writeInterim(_ connection: Connection) {
        _ = connection.output.withUnsafeBytes { Glibc.send(connection.fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        connection.output = []
    }

    /// Answers a request refused before the application saw it, then closes.
    func refuse(_ connection: Connection, _ error: HTTPError) {
        let response = HTTPResponse.text(error.status, error.message + "\n")
        accessLines.append(ServerLog.accessLine(client: connection.remote, method: "-", path: "-", status: error.status.code, bytes: response.body.count, milliseconds: 0))
        connection.closeAfterWrite = true
        connection.input = []
        send(response.serialized(keepAlive: false), on: connection)
    }

    func send(_ bytes: [UInt8], on connection: Connection) {
        connection.output = bytes
        connection.outputOffset = 0
        connection.phase = .writing
        connection.deadline = monotonicNow() + configuration.writeTimeout
        flush(connection)
    }

    func flush(_ connection: Connection) {
        guard connection.phase == .writing else { return }
        while connection.outputOffset < connection.output.count {
            let n = connection.output.withUnsafeBytes { bytes in
                Glibc.send(connection.fd, bytes.baseAddress! + connection.outputOffset, bytes.count - connection.outputOffset, Int32(MSG_NOSIGNAL))
            }
            if n > 0 { connection.outputOffset += n; continue }
            if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
                setInterest(connection, EPOLLOUT.rawValue)
                return
            }
            closeConnection(connection)
            return
        }
        connection.output = []
        connection.outputOffset = 0
        if connection.closeAfterWrite {
            // Half-close and read out what the client still sends, so the kernel does not
            // answer it with a reset that could destroy the response before it is read.
            Glibc.shutdown(connection.fd, Int32(SHUT_WR))
            connection.phase = .lingering
            connection.deadline = monotonicNow() + 2
            setInterest(connection, EPOLLIN.rawValue | EPOLLRDHUP.rawValue)
            return
        }
        connection.phase = .idle
        connection.parser = RequestParser(limits: configuration.limits)
        connection.idleSince = monotonicNow()
        connection.deadline = connection.idleSince + configuration.idleTimeout
        if connection.peerFinished {
            // Nothing more will arrive: answer the requests already here, then close.
            process(connection)
            if connection.phase != .busy && connection.phase != .writing { closeConnection(connection) }
            return
        }
        setInterest(connection, EPOLLIN.rawValue | EPOLLRDHUP.rawValue)
        process(connection)  // a pipelined request may be waiting
    }

    func flushAccessLog() {
        guard !accessLines.isEmpty else { return }
        log.write(accessLines.joined(separator: "\n"))
        accessLines.removeAll(keepingCapacity: true)
    }

    func drainWakeups() {
        var value: UInt64 = 0
        _ = read(wakeFD, &value, 8)
        completionLock.lock()
        wakePending = false
        let done = completions
        completions = []
        let stop = shutdownRequested
        completionLock.unlock()
        for completion in done { finish(completion) }
        if stop && !shuttingDown { beginShutdown() }
    }

    func finish(_ completion: Completion) {
        let elapsed = (monotonicNow() - completion.started) * 1000
        let request = completion.request
        var response = completion.response
        accessLines.append(ServerLog.accessLine(client: clientAddress(request), method: request.method, path: request.path, status: response.status.code,
                                                bytes: request.method == "HEAD" ? 0 : response.body.count, milliseconds: elapsed))
        guard let connection = connections[completion.fd], connection.id == completion.connection else { return }
        let closes = response.headers.tokens("Connection").contains("close")
        let keepAlive = request.wantsKeepAlive && !shuttingDown && !connection.closeAfterWrite && !closes
        if !keepAlive { connection.closeAfterWrite = true }
        if connection.gone { closeConnection(connection); return }
        response.headers.set("Server", "Flourish")
        send(response.serialized(keepAlive: keepAlive, head: request.method == "HEAD"), on: connection)
    }

    func checkDeadlines(_ now: Double) {
        if acceptPausedUntil > 0 && now > acceptPausedUntil && !shuttingDown {
            acceptPausedUntil = 0
            watch(listenFD, EPOLLIN.rawValue)
        }
        for connection in Array(connections.values) where now > connection.deadline {
            switch connection.phase {
            case .busy: continue
            case .reading:
                refuse(connection, HTTPError(.requestTimeout, "the request did not arrive within \(Int(configuration.readTimeout)) seconds"))
            case .idle, .writing, .lingering:
                closeConnection(connection)
            }
        }
    }

    func beginShutdown() {
        shuttingDown = true
        shutdownDeadline = monotonicNow() + configuration.shutdownGrace
        epoll_ctl(epollFD, EPOLL_CTL_DEL, listenFD, nil)
        close(listenFD)
        log.event("info", "shutting down: no new connections; finishing requests in flight", [("inFlight", .int(connections.values.filter { $0.phase == .busy }.count))])
        for connection in Array(connections.values) {
            switch connection.phase {
            case .busy, .writing: connection.closeAfterWrite = true
            default: closeConnection(connection)
            }
        }
    }

    func closeConnection(_ connection: Connection) {
        guard connections[connection.fd] === connection else { return }
        connections[connection.fd] = nil
        if let held = connectionsPerAddress[connection.remote], held > 1 {
            connectionsPerAddress[connection.remote] = held - 1
        } else {
            connectionsPerAddress[connection.remote] = nil
        }
        if !connection.gone { epoll_ctl(epollFD, EPOLL_CTL_DEL, connection.fd, nil) }
        close(connection.fd)
    }
}

func monotonicNow() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

public struct ServerError: Error, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
    static func errno(_ what: String) -> ServerError { ServerError("\(what): \(String(cString: strerror(Glibc.errno)))") }
}

/// Threads taking jobs in order. Handlers block on SQLite, so they run here rather than on
/// Swift's cooperative pool.
///
/// `threads` run jobs at once. A worker that goes on to wait for something other than the CPU
/// (a write waiting for its group commit's `fsync`) says so with ``blockingBegan()`` and
/// ``blockingEnded()``, and while it waits another thread takes the next job (started when
/// none is idle, up to `most` in all): a worker waiting for the disk serves nobody, and
/// writes that arrive while a commit is on its way join the next one rather than queueing
/// behind busy workers, so the workers are not the ceiling of group commit.
final class WorkerPool: @unchecked Sendable {  // every var guarded by `mutex`
    /// One mutex, two conditions: idle workers wait on `jobReady`, workers returning from a
    /// wait on `turnFree`; each wake-up is a signal to one thread, never a broadcast, so a
    /// finished job does not wake sixty threads to find one may go.
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let jobReady = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private let turnFree = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var jobs: [@Sendable () -> Void] = []
    private var head = 0
    /// Jobs sent ahead of those queued (see ``HTTPPriorityCheck``), taken first, in order.
    private var jobsAhead: [@Sendable () -> Void] = []
    private var headAhead = 0
    /// Jobs queued and not yet taken.
    private var pending: Int { jobs.count - head + jobsAhead.count - headAhead }
    private var stopped = false
    /// Threads doing work at once (not waiting): also the most readers of the database in use.
    let base: Int
    /// Threads at most, waiting or not.
    let most: Int
    private var threadCount = 0
    private var idle = 0
    /// Threads started that have not yet looked for a job.
    private var starting = 0
    /// Threads admitted to work now (running a job and not waiting): at most `base`.
    private var working = 0
    /// Threads that have stopped waiting and wait to be admitted again: they go before new jobs.
    private var returning = 0
    private static let key = "flourish.worker-pool"

    init(threads: Int, most: Int) {
        base = max(1, threads)
        self.most = max(base, most)
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(jobReady, nil)
        pthread_cond_init(turnFree, nil)
        pthread_mutex_lock(mutex)
        for _ in 0..<base { spawn() }
        pthread_mutex_unlock(mutex)
    }

    /// Threads started so far.
    var threads: Int {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return threadCount
    }

    /// Starts one more worker. Called with `mutex` held.
    private func spawn() {
        let number = threadCount
        threadCount += 1
        starting += 1
        let thread = Thread { [self] in
            Thread.current.threadDictionary[Self.key] = self
            _ = flourish_name_this_thread("flourish-worker")
            work()
        }
        thread.name = "flourish-worker-\(number)"
        thread.stackSize = 1 << 21
        thread.start()
    }

    /// Queues `job`; `ahead`, before every job queued without it (after those sent ahead before it).
    func submit(ahead: Bool = false, _ job: @escaping @Sendable () -> Void) {
        pthread_mutex_lock(mutex)
        if ahead { jobsAhead.append(job) } else { jobs.append(job) }
        wakeOrSpawn()
        pthread_mutex_unlock(mutex)
    }

    /// The next job: the first sent ahead, else the first queued. Called with `mutex` held and a job pending.
    private func takeJob() -> @Sendable () -> Void {
        if headAhead < jobsAhead.count {
            let job = jobsAhead[headAhead]
            headAhead += 1
            if headAhead == jobsAhead.count { jobsAhead.removeAll(keepingCapacity: true); headAhead = 0 }
            return job
        }
        let job = jobs[head]
        head += 1
        if head > 1024 && head * 2 > jobs.count { jobs.removeFirst(head); head = 0 }
        return job
    }

    func stop() {
        pthread_mutex_lock(mutex)
        stopped = true
        pthread_cond_broadcast(jobReady)
        pthread_cond_broadcast(turnFree)
        pthread_mutex_unlock(mutex)
    }

    /// After a job is queued or a worker stops working: lets one thread go (a returning worker
    /// first, else an idle one for a queued job), and starts another when there is work and
    /// room for it under `base` that no idle or starting thread will take. Called with `mutex` held.
    private func wakeOrSpawn() {
        guard working < base else { return }
        if returning > 0 { pthread_cond_signal(turnFree); return }
        let pending = self.pending
        guard pending > 0 else { return }
        if idle > 0 { pthread_cond_signal(jobReady) }
        if pending > idle + starting && working + starting + min(idle, pending) < base && threadCount < most { spawn() }
    }

    /// Whether the calling thread is one of this pool's workers.
    private var isWorkerThread: Bool { (Thread.current.threadDictionary[Self.key] as? WorkerPool) === self }

    /// The calling worker is about to wait (for a commit): another may work meanwhile.
    func blockingBegan() {
        guard isWorkerThread else { return }
        pthread_mutex_lock(mutex)
        working -= 1
        wakeOrSpawn()
        pthread_mutex_unlock(mutex)
    }

    /// The calling worker has stopped waiting: it goes on once fewer than `base` work, ahead of
    /// new jobs, so the threads doing work (and reading the database) never exceed `base`.
    func blockingEnded() {
        guard isWorkerThread else { return }
        pthread_mutex_lock(mutex)
        returning += 1
        while working >= base && !stopped { pthread_cond_wait(turnFree, mutex) }
        returning -= 1
        working += 1
        // Room left: pass the turn on.
        wakeOrSpawn()
        pthread_mutex_unlock(mutex)
    }

    func work() {
        pthread_mutex_lock(mutex)
        starting -= 1
        while true {
            // Take a job when there is one and fewer than `base` work, and no waiting worker is
            // returning to finish its own; while stopping, finish what is queued.
            while !stopped && (pending == 0 || working >= base || returning > 0) {
                idle += 1
                pthread_cond_wait(jobReady, mutex)
                idle -= 1
            }
            if pending == 0 { pthread_mutex_unlock(mutex); return }
            let job = takeJob()
            working += 1
            // More queued and room for them: pass the wake-up on.
            wakeOrSpawn()
            pthread_mutex_unlock(mutex)
            job()
            pthread_mutex_lock(mutex)
            working -= 1
            wakeOrSpawn()
        }
    }
}
