/// The sizes past which a request is refused.
public struct HTTPLimits: Sendable {
    /// The request line, e.g. `GET /path HTTP/1.1` (414 past it).
    public var requestLine = 8192
    /// The whole header block, request line included (431 past it).
    public var headerBlock = 16384
    /// The number of header fields (431 past it).
    public var headerCount = 100
    /// The body, after chunked decoding (413 past it).
    public var body = 1 << 20
    /// Targets whose path ends with one of these (say "/evidence") may send a body of up to
    /// `uploadBody` bytes: file uploads, and nothing else, get the larger limit.
    public var uploadPathSuffixes: [String] = []
    public var uploadBody = 12 << 20

    public init() {}

    /// The most body a request for `target` may send.
    public func bodyLimit(for target: String) -> Int {
        guard !uploadPathSuffixes.isEmpty else { return body }
        let path = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? target
        return uploadPathSuffixes.contains(where: { path.hasSuffix($0) }) ? max(body, uploadBody) : body
    }
}

/// What the parser found in a connection's bytes.
public enum ParseResult: Sendable {
    /// Not a whole request yet. `sendContinue` says the client waits for `100 Continue`.
    case needMore(sendContinue: Bool)
    /// A whole request, and how many bytes of the buffer it used.
    case request(HTTPRequest, consumed: Int)
    /// Refused: answer with the status and close the connection.
    case failure(HTTPError)
}

/// Parses HTTP/1.1 requests (RFC 9112) from a connection's buffered bytes, strictly: lines
/// end in CRLF, no obs-fold, no whitespace before a field's colon, one Host, and the framing
/// shapes used for request smuggling (Content-Length with Transfer-Encoding, duplicate or
/// list-valued Content-Length) are refused. Bodies come by Content-Length or chunked.
public struct RequestParser: Sendable {
    public static let methods: Set<String> = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

    enum Framing: Sendable { case none, length(Int), chunked }
    struct Head: Sendable {
        let method: String, target: String, version: String, headers: HTTPHeaders
        let size: Int, framing: Framing, expectsContinue: Bool
    }

    public let limits: HTTPLimits
    var head: Head?
    var continueSent = false

    public init(limits: HTTPLimits = HTTPLimits()) { self.limits = limits }

    /// Whether part of a request has been parsed (its head), so a timeout is mid-request.
    public var isMidRequest: Bool { head != nil }

    /// Looks for one whole request at the start of `buffer`.
    public mutating func parse(_ buffer: [UInt8], remoteAddress: String = "") -> ParseResult {
        if head == nil {
            switch parseHead(buffer) {
            case .failure(let e): return .failure(e)
            case .incomplete: return .needMore(sendContinue: false)
            case .head(let h): head = h
            }
        }
        let h = head!
        let body: [UInt8], consumed: Int
        switch h.framing {
        case .none:
            body = []; consumed = h.size
        case .length(let n):
            guard buffer.count >= h.size + n else { return needMore(h) }
            body = Array(buffer[h.size..<(h.size + n)]); consumed = h.size + n
        case .chunked:
            switch decodeChunked(buffer, from: h.size, limit: limits.bodyLimit(for: h.target)) {
            case .failure(let e): return .failure(e)
            case .incomplete: return needMore(h)
            case .done(let b, let end): body = b; consumed = end
            }
        }
        head = nil
        continueSent = false
        do {
            let request = try HTTPRequest(method: h.method, target: h.target, version: h.version, headers: h.headers, body: body, remoteAddress: remoteAddress)
            return .request(request, consumed: consumed)
        } catch let e as HTTPError {
            return .failure(e)
        } catch {
            return .failure(HTTPError(.badRequest, "the request could not be read"))
        }
    }

    mutating func needMore(_ h: Head) -> ParseResult {
        if h.expectsContinue && !continueSent { continueSent = true; return .needMore(sendContinue: true) }
        return .needMore(sendContinue: false)
    }

    enum HeadResult { case incomplete, head(Head), failure(HTTPError) }

    /// At most this many empty lines (CRLF) before a request line are ignored (RFC 9112 §2.2
    /// asks a server to ignore at least one, which some clients send after a POST body).
    static let ignoredLeadingEmptyLines = 4

    func parseHead(_ buffer: [UInt8]) -> HeadResult {
        var lead = 0
        while lead + 1 < buffer.count, buffer[lead] == cr, buffer[lead + 1] == lf {
            lead += 2
            if lead > 2 * Self.ignoredLeadingEmptyLines { return .failure(HTTPError(.badRequest, "the request starts with more than \(Self.ignoredLeadingEmptyLines) empty lines")) }
        }
        if lead == buffer.count || (lead + 1 == buffer.count && buffer[lead] == cr) { return .incomplete }
        // The request line first, so an over-long target is a 414 rather than a 431.
        // A CRLF starting at most requestLine bytes in: a line of at most requestLine bytes.
        guard let lineEnd = find(crlf, in: buffer, from: lead, limit: limits.requestLine) else {
            if let bad = buffer[lead...].prefix(limits.requestLine + 1).firstIndex(where: { $0 == lf || $0 == cr }), !(buffer[bad] == cr && bad == buffer.count - 1) {
                return .failure(HTTPError(.badRequest, "lines must end in CRLF"))
            }
            // A CR last may be the start of the CRLF: it is not part of the line.
            if buffer.count - lead - (buffer.last == cr ? 1 : 0) > limits.requestLine { return .failure(HTTPError(.uriTooLong, "the request line is longer than \(limits.requestLine) bytes")) }
            return .incomplete
        }
        let requestLine = buffer[lead..<lineEnd]
        let parts = requestLine.split(separator: sp, omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, !parts[1].isEmpty, !parts[2].isEmpty else {
            return .failure(HTTPError(.badRequest, "the request line should be METHOD TARGET HTTP/1.1, single spaces"))
        }
        guard parts[0].allSatisfy(isTokenChar) else { return .failure(HTTPError(.badRequest, "the method is not a token")) }
        guard parts[1].allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { return .failure(HTTPError(.badRequest, "the request target has characters it may not")) }
        let method = String(decoding: parts[0], as: UTF8.self), target = String(decoding: parts[1], as: UTF8.self)
        let version = String(decoding: parts[2], as: UTF8.self)
        if version != "HTTP/1.1" && version != "HTTP/1.0" {
            let shape = version.utf8.count == 8 && version.hasPrefix("HTTP/") && version.utf8.dropFirst(5).enumerated().allSatisfy { i, c in i == 1 ? c == UInt8(ascii: ".") : (c >= 0x30 && c <= 0x39) }
            return .failure(shape ? HTTPError(.versionNotSupported, "only HTTP/1.1 and HTTP/1.0 are served") : HTTPError(.badRequest, "\(version) is not an HTTP version"))
        }
        guard target.hasPrefix("/") || (target == "*" && method == "OPTIONS") || target.hasPrefix("http://") || target.hasPrefix("https://") else {
            return .failure(HTTPError(.badRequest, "the request target should start with /"))
        }
        guard let end = find(crlfcrlf, in: buffer, from: lineEnd, limit: limits.headerBlock + 4) else {
            if buffer.count - lead > limits.headerBlock { return .failure(HTTPError(.headerFieldsTooLarge, "the header block is larger than \(limits.headerBlock) bytes")) }
            return .incomplete
        }
        if end + 4 - lead > limits.headerBlock { return .failure(HTTPError(.headerFieldsTooLarge, "the header block is larger than \(limits.headerBlock) bytes")) }

        var headers = HTTPHeaders()
        var start = lineEnd + 2
        while start < end {
            let lineStop = find(crlf, in: buffer, from: start, limit: end + 2 - start) ?? end
            let line = buffer[start..<lineStop]
            start = lineStop + 2
            if line.first == sp || line.first == ht { return .failure(HTTPError(.badRequest, "obsolete line folding is not accepted")) }
            if line.contains(lf) || line.contains(cr) { return .failure(HTTPError(.badRequest, "lines must end in CRLF")) }
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { return .failure(HTTPError(.badRequest, "a header line has no colon")) }
            let name = line[line.startIndex..<colon]
            guard !name.isEmpty, name.allSatisfy(isTokenChar) else { return .failure(HTTPError(.badRequest, "a header name is not a token (no space before the colon)")) }
            var value = line[(colon + 1)...]
            while let f = value.first, f == sp || f == ht { value = value.dropFirst() }
            while let l = value.last, l == sp || l == ht { value = value.dropLast() }
            guard value.allSatisfy({ $0 == ht || $0 >= 0x20 && $0 != 0x7F }) else { return .failure(HTTPError(.badRequest, "a header value has control characters")) }
            headers.add(String(decoding: name, as: UTF8.self), String(decoding: value, as: UTF8.self))
            if headers.fields.count > limits.headerCount { return .failure(HTTPError(.headerFieldsTooLarge, "more than \(limits.headerCount) header fields")) }
        }

        let hosts = headers.values("Host")
        if hosts.count > 1 || (version == "HTTP/1.1" && hosts.isEmpty) { return .failure(HTTPError(.badRequest, "an HTTP/1.1 request needs exactly one Host header")) }
        let lengths = headers.values("Content-Length"), encodings = headers.values("Transfer-Encoding")
        if !encodings.isEmpty && !lengths.isEmpty { return .failure(HTTPError(.badRequest, "a request may not have both Content-Length and Transfer-Encoding")) }
        if lengths.count > 1 { return .failure(HTTPError(.badRequest, "a request may have only one Content-Length")) }
        var framing = Framing.none
        if let length = lengths.first {
            guard !length.isEmpty, length.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
                return .failure(HTTPError(.badRequest, "Content-Length must be a number of bytes"))
            }
            let digits = length.drop(while: { $0 == "0" })
            // More digits than an Int holds is still a number, just far too large a body.
            let limit = limits.bodyLimit(for: target)
            guard digits.utf8.count <= 18, let n = Int(digits.isEmpty ? "0" : digits), n <= limit else {
                return .failure(HTTPError(.contentTooLarge, "the body is larger than \(limit) bytes"))
            }
            framing = n > 0 ? .length(n) : .none
        } else if !encodings.isEmpty {
            if version == "HTTP/1.0" { return .failure(HTTPError(.badRequest, "Transfer-Encoding is not allowed in HTTP/1.0")) }
            let codings = encodings.flatMap { $0.split(separator: ",", omittingEmptySubsequences: false) }
                .map { String($0.drop(while: { $0 == " " || $0 == "\t" }).reversed().drop(while: { $0 == " " || $0 == "\t" }).reversed()).lowercased() }
            // RFC 9112 §6.1 and §6.3: chunked applied twice, or not last, leaves the length unknowable.
            if codings.contains("") { return .failure(HTTPError(.badRequest, "Transfer-Encoding has an empty coding")) }
            if codings.filter({ $0 == "chunked" }).count > 1 { return .failure(HTTPError(.badRequest, "the chunked transfer coding may be applied only once")) }
            if codings.last != "chunked" { return .failure(HTTPError(.badRequest, "chunked must be the last transfer coding")) }
            guard codings.count == 1 else {
                return .failure(HTTPError(.notImplemented, "only the chunked transfer coding is accepted"))
            }
            framing = .chunked
        }
        guard Self.methods.contains(method) else { return .failure(HTTPError(.notImplemented, "\(method) is not a method this server implements")) }
        var expectsContinue = false
        if let expect = headers["Expect"] {
            guard expect.lowercased() == "100-continue" else { return .failure(HTTPError(.expectationFailed, "only Expect: 100-continue is understood")) }
            if case .none = framing {} else { expectsContinue = version == "HTTP/1.1" }
        }
        return .head(Head(method: method, target: target, version: version, headers: headers, size: end + 4, framing: framing, expectsContinue: expectsContinue))
    }

    enum ChunkResult { case incomplete, done([UInt8], end: Int), failure(HTTPError) }

    func decodeChunked(_ buffer: [UInt8], from start: Int, limit: Int) -> ChunkResult {
        var body: [UInt8] = []
        var at = start
        while true {
            guard let lineEnd = find(crlf, in: buffer, from: at, limit: 1024) else {
                return buffer.count - at - (buffer.last == cr ? 1 : 0) > 1024 ? .failure(HTTPError(.badRequest, "a chunk size line is too long")) : .incomplete
            }
            let line = buffer[at..<lineEnd]
            let sizeDigits = line.prefix { $0 != UInt8(ascii: ";") }
            guard !sizeDigits.isEmpty, sizeDigits.count <= 8, sizeDigits.allSatisfy({ URLEncoding.hex($0) != nil }) else {
                return .failure(HTTPError(.badRequest, "a chunk size is not hexadecimal"))
            }
            if line.contains(lf) || line.contains(cr) { return .failure(HTTPError(.badRequest, "lines must end in CRLF")) }
            let size = sizeDigits.reduce(0) { $0 << 4 | Int(URLEncoding.hex($1)!) }
            at = lineEnd + 2
            if size == 0 {
                // Trailer fields, ignored, then the final empty line.
                var trailerBytes = 0
                while true {
                    guard let end = find(crlf, in: buffer, from: at, limit: limits.headerBlock) else {
                        return buffer.count - at > limits.headerBlock ? .failure(HTTPError(.headerFieldsTooLarge, "the trailer is too large")) : .incomplete
                    }
                    if end == at { return .done(body, end: end + 2) }
                    trailerBytes += end - at + 2
                    if trailerBytes > limits.headerBlock { return .failure(HTTPError(.headerFieldsTooLarge, "the trailer is too large")) }
                    at = end + 2
                }
            }
            if body.count + size > limit { return .failure(HTTPError(.contentTooLarge, "the body is larger than \(limit) bytes")) }
            guard buffer.count >= at + size + 2 else { return .incomplete }
            guard buffer[at + size] == cr, buffer[at + size + 1] == lf else { return .failure(HTTPError(.badRequest, "a chunk is longer than its size says")) }
            body.append(contentsOf: buffer[at..<(at + size)])
            at += size + 2
        }
    }
}

let cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n"), sp = UInt8(ascii: " "), ht = UInt8(ascii: "\t")
let crlf: [UInt8] = [cr, lf], crlfcrlf: [UInt8] = [cr, lf, cr, lf]

/// The first index of `needle` in `buffer` at or after `from`, looking no further than `limit` bytes.
func find(_ needle: [UInt8], in buffer: [UInt8], from: Int, limit: Int) -> Int? {
    let last = min(buffer.count - needle.count, from + limit)
    guard from <= last else { return nil }
    var i = from
    while i <= last {
        if buffer[i] == needle[0] {
            var j = 1
            while j < needle.count && buffer[i + j] == needle[j] { j += 1 }
            if j == needle.count { return i }
        }
        i += 1
    }
    return nil
}

/// tchar (RFC 9110 §5.6.2).
func isTokenChar(_ c: UInt8) -> Bool {
    switch c {
    case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): return true
    default: return "!#$%&'*+-.^_`|~".utf8.contains(c)
    }
}
