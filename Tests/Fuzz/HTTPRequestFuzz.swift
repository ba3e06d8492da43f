// libFuzzer entry point for the HTTP/1.1 request parser (module HTTPServer).
//
// Built and run by Tests/proof/check_fuzz.py; it is not part of the SwiftPM package. It sees
// HTTPServer only through its public API, as the server's callers do.
//
// Input layout (so the fuzzer chooses how the bytes arrive as well as what they are):
//
//   byte 0      flags: bits 0-1 pick the limits (0 the defaults, 1-3 small ones, so that the
//               414/431/413 paths are reachable with small inputs); bit 2 asks for a
//               byte-at-a-time delivery as well (streams up to 512 bytes).
//   bytes 1-2   the split point, big-endian, modulo (stream length + 1).
//   bytes 3...  the connection's byte stream: one request, several pipelined, or garbage.
//
// The stream is fed to a fresh parser three ways: all at once, in two pieces cut at the split
// point, and (bit 2) one byte at a time. Each way is driven as HTTPServer.process drives it:
// parse the buffer; on a request drop `consumed` bytes and parse again; on needMore wait for
// more bytes; on failure close. Checked for every request and every delivery:
//
//   - 0 < consumed <= buffered bytes, and the request line, header block, header count and
//     body are within the limits in force;
//   - the method is one the server implements, the version HTTP/1.1 or HTTP/1.0, an HTTP/1.1
//     request has exactly one Host, never both Content-Length and Transfer-Encoding;
//   - header names are tokens and values carry no CR, LF or NUL; the target has no space or
//     control byte; the decoded path has no NUL;
//   - a Content-Length body is exactly the bytes that followed the head;
//   - re-serializing the request (with Content-Length framing) parses back to the same request;
//   - the outcome (requests, then refusal status or bytes left waiting) does not depend on how
//     the stream was cut into reads (see `agree` for the one latitude allowed).
//
// A broken invariant prints what broke and aborts, which libFuzzer reports as a crash.

import HTTPServer
import Glibc

// MARK: - Failing loudly

func fuzzFail(_ message: String) -> Never {
    let text = "FUZZ INVARIANT BROKEN: " + message + "\n"
    _ = text.utf8CString.withUnsafeBufferPointer { write(2, $0.baseAddress, $0.count - 1) }
    abort()
}

func check(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fuzzFail(message()) }
}

func show(_ bytes: some Collection<UInt8>) -> String {
    var out = ""
    for b in bytes.prefix(200) {
        switch b {
        case 0x0D: out += "\\r"
        case 0x0A: out += "\\n"
        case 0x20..<0x7F where b != UInt8(ascii: "\\"): out.unicodeScalars.append(Unicode.Scalar(b))
        default: out += "\\x" + (b < 16 ? "0" : "") + String(b, radix: 16)
        }
    }
    return bytes.count > 200 ? out + "…(\(bytes.count) bytes)" : out
}

// MARK: - Limits

func limits(profile: UInt8) -> HTTPLimits {
    var l = HTTPLimits()
    switch profile & 3 {
    case 1: l.requestLine = 24; l.headerBlock = 64; l.headerCount = 2; l.body = 8
    case 2: l.requestLine = 64; l.headerBlock = 256; l.headerCount = 8; l.body = 100
    case 3: l.requestLine = 16; l.headerBlock = 40; l.headerCount = 1; l.body = 0
    default: break
    }
    return l
}

// MARK: - What a delivery produced

/// A request reduced to what the application sees, comparable across deliveries.
struct Seen: Equatable {
    let method: String, target: String, version: String, path: String
    let query: [String]
    let headers: HTTPHeaders
    let body: [UInt8]
    let consumed: Int

    init(_ r: HTTPRequest, consumed: Int) {
        method = r.method; target = r.target; version = r.version; path = r.path
        query = r.query.flatMap { [$0.name, $0.value] }
        headers = r.headers; body = r.body; self.consumed = consumed
    }
}

enum End: Equatable {
    /// Waiting for more bytes, with this many buffered.
    case waiting(buffered: Int)
    /// Refused with this status; the connection closes. (The message may differ with how the
    /// bytes arrived: a bare LF seen before the request line's CRLF arrives is "lines must end
    /// in CRLF", seen after it "the request line should be ..."; both are 400.)
    case refused(Int)
}

struct Outcome: Equatable {
    var requests: [Seen] = []
    var end = End.waiting(buffered: 0)
    var message = ""
    /// Whether the parser held a parsed head when the bytes ran out.
    var midRequest = false

    static func == (a: Outcome, b: Outcome) -> Bool { a.requests == b.requests && a.end == b.end }
}

func lowercase(_ s: String) -> String { String(decoding: s.utf8.map { $0 >= 65 && $0 <= 90 ? $0 + 32 : $0 }, as: UTF8.self) }

func isToken(_ c: UInt8) -> Bool {
    switch c {
    case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): return true
    default: return "!#$%&'*+-.^_`|~".utf8.contains(c)
    }
}

/// The first index of CRLFCRLF at or after `from`.
func headEnd(_ buffer: [UInt8], from: Int) -> Int? {
    var i = from
    while i + 3 < buffer.count {
        if buffer[i] == 13, buffer[i + 1] == 10, buffer[i + 2] == 13, buffer[i + 3] == 10 { return i }
        i += 1
    }
    return nil
}

/// Checks one parsed request against the buffer it came from.
func checkRequest(_ r: HTTPRequest, consumed: Int, buffer: [UInt8], limits l: HTTPLimits) {
    let context = "request \(show(buffer.prefix(consumed)))"
    check(consumed > 0, "consumed \(consumed) bytes: \(context)")
    check(consumed <= buffer.count, "consumed \(consumed) of \(buffer.count) buffered bytes: \(context)")
    check(RequestParser.methods.contains(r.method), "method \(r.method) is not implemented yet was accepted: \(context)")
    check(r.version == "HTTP/1.1" || r.version == "HTTP/1.0", "version \(r.version): \(context)")
    check(!r.target.isEmpty && r.target.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F }, "target \(show(Array(r.target.utf8))): \(context)")
    check(!r.path.contains("\0"), "path has NUL: \(context)")
    check(r.body.count <= l.body, "body of \(r.body.count) bytes over the limit \(l.body): \(context)")
    check(r.headers.fields.count <= l.headerCount, "\(r.headers.fields.count) header fields over the limit \(l.headerCount): \(context)")

    // The request line as received: after up to four empty lines, up to the first CRLF.
    var lead = 0
    while lead + 1 < buffer.count, buffer[lead] == 13, buffer[lead + 1] == 10 { lead += 2 }
    let lineLength = r.method.utf8.count + r.target.utf8.count + r.version.utf8.count + 2
    check(Array(buffer[lead..<min(buffer.count, lead + lineLength)]) == Array("\(r.method) \(r.target) \(r.version)".utf8),
          "request line is not the bytes received: \(context)")
    check(lineLength <= l.requestLine, "request line of \(lineLength) bytes accepted; the limit is \(l.requestLine) (414 past it): \(context)")
    guard let end = headEnd(buffer, from: lead) else { fuzzFail("no CRLFCRLF in a parsed request: \(context)") }
    check(end + 4 <= consumed, "consumed \(consumed) ends inside the head (\(end + 4)): \(context)")
    check(end + 4 - lead <= l.headerBlock, "header block of \(end + 4 - lead) bytes accepted; the limit is \(l.headerBlock): \(context)")

    var hosts = 0, lengths: [String] = [], encodings = 0
    for (name, value) in r.headers.fields {
        check(!name.isEmpty && name.utf8.allSatisfy(isToken), "header name \(show(Array(name.utf8))) is not a token: \(context)")
        check(!value.utf8.contains { $0 == 13 || $0 == 10 || $0 == 0 }, "header value \(show(Array(value.utf8))) has CR, LF or NUL: \(context)")
        check(value.utf8.first.map { $0 != 0x20 && $0 != 0x09 } ?? true, "header value not trimmed: \(context)")
        check(value.utf8.last.map { $0 != 0x20 && $0 != 0x09 } ?? true, "header value not trimmed: \(context)")
        switch lowercase(name) {
        case "host": hosts += 1
        case "content-length": lengths.append(value)
        case "transfer-encoding": encodings += 1
        default: break
        }
    }
    if r.version == "HTTP/1.1" { check(hosts == 1, "HTTP/1.1 request with \(hosts) Host fields: \(context)") } else { check(hosts <= 1, "\(hosts) Host fields: \(context)") }
    check(lengths.isEmpty || encodings == 0, "both Content-Length and Transfer-Encoding: \(context)")
    check(lengths.count <= 1, "\(lengths.count) Content-Length fields: \(context)")
    if let length = lengths.first {
        let digits = length.utf8.drop { $0 == UInt8(ascii: "0") }
        check(length.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } && !length.isEmpty && digits.count <= 18,
              "Content-Length \(length) accepted: \(context)")
        let n = digits.isEmpty ? 0 : Int(String(decoding: digits, as: UTF8.self))!
        check(r.body.count == n, "Content-Length \(n) but a body of \(r.body.count) bytes: \(context)")
        check(consumed == end + 4 + n, "Content-Length \(n) but consumed \(consumed), head \(end + 4): \(context)")
        check(Array(buffer[(end + 4)..<consumed]) == r.body, "the body is not the bytes after the head: \(context)")
    } else if encodings == 0 {
        check(r.body.isEmpty && consumed == end + 4, "no framing but a body of \(r.body.count) bytes, consumed \(consumed): \(context)")
    }
}

/// Writes the request back out with Content-Length framing and parses it again.
func checkRoundTrip(_ r: HTTPRequest, limits l: HTTPLimits) {
    // "Name:value" with no space and Content-Length with no leading zeros is never longer than
    // what was received, so the same limits must still admit it; except that bytes of a header
    // value that are not UTF-8 (obs-text) reach the application as U+FFFD, three bytes each, so
    // the header block may grow by that much.
    var text = "\(r.method) \(r.target) \(r.version)\r\n"
    var kept = HTTPHeaders()
    for (name, value) in r.headers.fields where !["content-length", "transfer-encoding"].contains(lowercase(name)) {
        text += "\(name):\(value)\r\n"
        kept.add(name, value)
    }
    if !r.body.isEmpty { text += "Content-Length:\(r.body.count)\r\n" }
    text += "\r\n"
    let bytes = Array(text.utf8) + r.body
    var roomy = l
    roomy.headerBlock = max(l.headerBlock, text.utf8.count)
    var parser = RequestParser(limits: roomy)
    switch parser.parse(bytes) {
    case .request(let again, let consumed):
        check(consumed == bytes.count, "re-serialized request consumed \(consumed) of \(bytes.count): \(show(bytes))")
        var againKept = HTTPHeaders()
        for (name, value) in again.headers.fields where !["content-length", "transfer-encoding"].contains(lowercase(name)) { againKept.add(name, value) }
        check(again.method == r.method && again.target == r.target && again.version == r.version && again.path == r.path
              && again.query.map { [$0.name, $0.value] } == r.query.map { [$0.name, $0.value] } && againKept == kept && again.body == r.body,
              "re-serialized request parses differently: \(show(bytes))")
    case .needMore:
        fuzzFail("re-serialized request is incomplete: \(show(bytes))")
    case .failure(let e):
        fuzzFail("re-serialized request refused (\(e.status.code) \(e.message)): \(show(bytes))")
    }
}

/// Delivers `pieces` one after another to a fresh parser, as the server's read loop does.
func deliver(_ pieces: [ArraySlice<UInt8>], limits l: HTTPLimits, roundTrip: Bool) -> Outcome {
    var parser = RequestParser(limits: l)
    var buffer: [UInt8] = []
    var outcome = Outcome()
    for piece in pieces {
        buffer.append(contentsOf: piece)
        reading: while !buffer.isEmpty {
            switch parser.parse(buffer) {
            case .needMore:
                break reading
            case .failure(let e):
                check(e.status.code >= 400 && e.status.code < 600, "refusal with status \(e.status.code)")
                outcome.end = .refused(e.status.code)
                outcome.message = e.message
                return outcome
            case .request(let r, let consumed):
                checkRequest(r, consumed: consumed, buffer: buffer, limits: l)
                check(!parser.isMidRequest, "the parser is mid-request right after returning one")
                if roundTrip { checkRoundTrip(r, limits: l) }
                outcome.requests.append(Seen(r, consumed: consumed))
                buffer.removeFirst(consumed)
            }
        }
    }
    outcome.end = .waiting(buffered: buffer.count)
    outcome.midRequest = parser.isMidRequest
    return outcome
}

func describe(_ o: Outcome) -> String {
    let requests = o.requests.map { "\($0.method) \($0.target) [\($0.body.count)-byte body, consumed \($0.consumed)]" }
    return "\(requests) then \(o.end) \(o.message)"
}

/// Whether two deliveries of the same stream agree. The requests must be the same, and a
/// refusal must have the same status. One exception: a delivery may be refused while the other
/// still waits with no head parsed, since a parser may leave a line it cannot yet frame
/// unchecked until the head's blank line arrives. That is accepted only if the waiting one is
/// refused too once the head is ended (CRLF CRLF appended); if ending the head makes it a
/// request, or leaves it waiting for a body, the refusal came from how the bytes were cut.
func agree(_ a: Outcome, _ aPieces: [ArraySlice<UInt8>], _ b: Outcome, _ bPieces: [ArraySlice<UInt8>], limits l: HTTPLimits) -> Bool {
    if a == b { return true }
    guard a.requests == b.requests else { return false }
    func refusedOnceEnded(_ pieces: [ArraySlice<UInt8>]) -> Bool {
        let ended = deliver(pieces + [[13, 10, 13, 10]], limits: l, roundTrip: false)
        if case .refused = ended.end { return ended.requests == a.requests }
        return false
    }
    switch (a.end, b.end) {
    case (.waiting(let n), .refused): return !a.midRequest && n > 0 && refusedOnceEnded(aPieces)
    case (.refused, .waiting(let n)): return !b.midRequest && n > 0 && refusedOnceEnded(bPieces)
    default: return false
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHTTPRequest(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data, size >= 3 else { return 0 }
    let input = UnsafeBufferPointer(start: data, count: size)
    let flags = input[0]
    let l = limits(profile: flags)
    let stream = Array(input[3...])
    let split = (Int(input[1]) << 8 | Int(input[2])) % (stream.count + 1)

    let wholePieces = [stream[...]]
    let whole = deliver(wholePieces, limits: l, roundTrip: true)
    let cutPieces = [stream[..<split], stream[split...]]
    let cut = deliver(cutPieces, limits: l, roundTrip: false)
    check(agree(whole, wholePieces, cut, cutPieces, limits: l),
          "the outcome depends on how the stream is read: whole \(describe(whole)); cut at \(split) \(describe(cut)); stream \(show(stream))")
    if flags & 4 != 0 && stream.count <= 512 {
        let tricklePieces = stream.indices.map { stream[$0...$0] }
        let trickle = deliver(tricklePieces, limits: l, roundTrip: false)
        check(agree(whole, wholePieces, trickle, tricklePieces, limits: l),
              "the outcome depends on how the stream is read: whole \(describe(whole)); byte by byte \(describe(trickle)); stream \(show(stream))")
    }
    return 0
}
