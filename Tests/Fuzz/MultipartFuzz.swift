// libFuzzer entry point for the multipart/form-data parser (module HTTPServer).
//
// Built and run by Tests/proof/check_fuzz.py; it is not part of the SwiftPM package. It sees
// HTTPServer only through its public API, as the web application does.
//
// Input layout:
//
//   byte 0      flags: bits 0-1 pick the limits (0 the standard ones, 1-3 small ones, so that
//               every limit is reachable with small inputs).
//   bytes 1...  the request's Content-Type up to the first LF, then the body. Without an LF
//               it is all Content-Type and the body is empty.
//
// MultipartFormData.parse must return parts or throw MultipartError, never crash, trap or
// hang. Checked besides:
//
//   - the boundary is found (MultipartFormData.boundary) exactly when the refusal, if any, is
//     not about the Content-Type;
//   - each part's body is the bytes just before its delimiter, found here by a plain scan:
//     every part's header block starts after one delimiter line and ends at the first empty
//     line, within the header limit, and its body runs from there to the next delimiter;
//   - no filename holds a / or \, and the limits hold: parts, field and file sizes;
//   - a refusal over a limit names the limit in force and a size over it, and every refusal
//     has a code and a sentence;
//   - writing the parts out again with the same boundary and parsing that gives the same parts;
//   - what small limits accept, larger limits accept too, the same.
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

func limits(profile: UInt8) -> MultipartLimits {
    switch profile & 3 {
    case 1: return MultipartLimits(maxParts: 3, maxHeaderBytesPerPart: 64, maxFieldBytes: 16, maxFileBytes: 32)
    case 2: return MultipartLimits(maxParts: 1, maxHeaderBytesPerPart: 48, maxFieldBytes: 0, maxFileBytes: 4)
    case 3: return MultipartLimits(maxParts: 20, maxHeaderBytesPerPart: 200, maxFieldBytes: 200, maxFileBytes: 1000)
    default: return .standard
    }
}

let roomy = MultipartLimits(maxParts: 100_000, maxHeaderBytesPerPart: 1 << 30, maxFieldBytes: 1 << 30, maxFileBytes: 1 << 30)

// MARK: - Delimiters, found the plain way

/// Whether `dashBoundary` ("--" and the boundary) sits at `at`, followed by what makes it a
/// delimiter line; then whether it closes, and where the next line starts.
func delimiterLine(_ body: [UInt8], at: Int, dashBoundary: [UInt8]) -> (closes: Bool, next: Int)? {
    guard at + dashBoundary.count <= body.count, Array(body[at..<(at + dashBoundary.count)]) == dashBoundary else { return nil }
    var i = at + dashBoundary.count
    let closes = i + 1 < body.count && body[i] == 45 && body[i + 1] == 45
    if closes { i += 2 }
    while i < body.count && (body[i] == 32 || body[i] == 9) { i += 1 }
    if closes && i == body.count { return (true, i) }
    guard i + 1 < body.count, body[i] == 13, body[i + 1] == 10 else { return nil }
    return (closes, i + 2)
}

/// The next CRLF-led delimiter line at or after `from`: where its CRLF starts, and the line.
func nextDelimiter(_ body: [UInt8], from: Int, dashBoundary: [UInt8]) -> (start: Int, closes: Bool, next: Int)? {
    var i = from
    while i + 1 < body.count {
        if body[i] == 13, body[i + 1] == 10, let line = delimiterLine(body, at: i + 2, dashBoundary: dashBoundary) {
            return (i, line.closes, line.next)
        }
        i += 1
    }
    return nil
}

func firstEmptyLine(_ body: [UInt8], from: Int, to: Int) -> Int? {
    var i = from
    while i + 3 < to {
        if body[i] == 13, body[i + 1] == 10, body[i + 2] == 13, body[i + 3] == 10 { return i }
        i += 1
    }
    return nil
}

// MARK: - Checks

func checkParts(_ parts: [MultipartPart], body: [UInt8], boundary: String, limits l: MultipartLimits, context: String) {
    check(parts.count <= l.maxParts, "\(parts.count) parts over the limit \(l.maxParts): \(context)")
    let dashBoundary = Array("--\(boundary)".utf8)
    // The first delimiter: the body's first line, or the first after a preamble.
    var line: (closes: Bool, next: Int)
    if let first = delimiterLine(body, at: 0, dashBoundary: dashBoundary) {
        line = first
    } else if let first = nextDelimiter(body, from: 0, dashBoundary: dashBoundary) {
        line = (first.closes, first.next)
    } else {
        fuzzFail("accepted with no delimiter line: \(context)")
    }
    for (index, part) in parts.enumerated() {
        let what = "part \(index + 1) (\(part.name))"
        check(!line.closes, "\(parts.count) parts, but the close delimiter comes before \(what): \(context)")
        guard let end = nextDelimiter(body, from: line.next, dashBoundary: dashBoundary) else { fuzzFail("no delimiter after \(what): \(context)") }
        guard let blank = firstEmptyLine(body, from: line.next, to: end.start) else { fuzzFail("\(what) has no empty line after its headers: \(context)") }
        check(blank + 2 - line.next <= l.maxHeaderBytesPerPart, "\(what) has \(blank + 2 - line.next) bytes of headers; the limit is \(l.maxHeaderBytesPerPart): \(context)")
        check(Array(body[(blank + 4)..<end.start]) == part.body, "\(what): its body is not the bytes before its delimiter: \(context)")
        if let filename = part.filename {
            check(!filename.utf8.contains { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "\\") }, "\(what): filename \(filename) has a directory: \(context)")
            check(filename != "." && filename != "..", "\(what): filename \(filename): \(context)")
            check(part.body.count <= l.maxFileBytes, "\(what): a file of \(part.body.count) bytes; the limit is \(l.maxFileBytes): \(context)")
        } else {
            check(part.body.count <= l.maxFieldBytes, "\(what): a field of \(part.body.count) bytes; the limit is \(l.maxFieldBytes): \(context)")
        }
        if let type = part.contentType {
            check(type == type.lowercased() && type.utf8.filter { $0 == UInt8(ascii: "/") }.count == 1, "\(what): content type \(type): \(context)")
        }
        check(part.text == String(decoding: part.body, as: UTF8.self), "\(what): text: \(context)")
        line = (end.closes, end.next)
    }
    check(line.closes, "\(parts.count) parts, but the body goes on without its close delimiter: \(context)")
}

func checkRefusal(_ error: MultipartError, limits l: MultipartLimits, context: String) {
    check(!error.description.isEmpty && error.code.hasPrefix("multipart-"), "refusal without a message or code: \(context)")
    switch error {
    case .tooManyParts(let limit): check(limit == l.maxParts, "too many parts, limit \(limit) not \(l.maxParts): \(context)")
    case .partHeaderTooLarge(_, let limit): check(limit == l.maxHeaderBytesPerPart, "headers too large, limit \(limit): \(context)")
    case .fieldTooLarge(_, let size, let limit): check(limit == l.maxFieldBytes && size > limit, "field of \(size) over \(limit): \(context)")
    case .fileTooLarge(_, let size, let limit): check(limit == l.maxFileBytes && size > limit, "file of \(size) over \(limit): \(context)")
    default: break
    }
}

/// Writes the parts out again, "Name:value" headers, with the same boundary, and parses that.
func checkRoundTrip(_ parts: [MultipartPart], contentType: String, boundary: String, limits l: MultipartLimits, context: String) {
    var bytes: [UInt8] = []
    var headerBytes = 0
    for part in parts {
        bytes += Array("--\(boundary)\r\n".utf8)
        let header = part.headers.fields.map { "\($0.name):\($0.value)\r\n" }.joined()
        headerBytes = max(headerBytes, header.utf8.count)
        bytes += Array(header.utf8) + [13, 10] + part.body + [13, 10]
    }
    bytes += Array("--\(boundary)--\r\n".utf8)
    // A header byte that is not UTF-8 comes back as U+FFFD, three bytes: the block may grow.
    var again = l
    again.maxHeaderBytesPerPart = max(l.maxHeaderBytesPerPart, headerBytes)
    do {
        let reparsed = try MultipartFormData.parse(body: bytes, contentType: contentType, limits: again)
        check(reparsed == parts, "written out again, the parts read differently: \(show(bytes)); \(context)")
    } catch {
        fuzzFail("written out again, the parts are refused (\(error.code): \(error)): \(show(bytes)); \(context)")
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMultipart(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data, size >= 1 else { return 0 }
    let input = UnsafeBufferPointer(start: data, count: size)
    let l = limits(profile: input[0])
    let rest = Array(input[1...])
    let newline = rest.firstIndex(of: 10) ?? rest.count
    let contentType = String(decoding: rest[..<newline], as: UTF8.self)
    let body = newline < rest.count ? Array(rest[(newline + 1)...]) : []
    let context = "Content-Type \(show(Array(contentType.utf8))), body \(show(body))"
    let boundary = MultipartFormData.boundary(fromContentType: contentType)

    let parts: [MultipartPart]
    do {
        parts = try MultipartFormData.parse(body: body, contentType: contentType, limits: l)
    } catch {
        checkRefusal(error, limits: l, context: context)
        switch error {
        case .notFormData, .missingBoundary, .invalidBoundary: check(boundary == nil, "refused for its Content-Type (\(error.code)), yet it has a boundary: \(context)")
        default: check(boundary != nil, "refused (\(error.code)) with no boundary: \(context)")
        }
        return 0
    }
    guard let boundary else { fuzzFail("accepted without a boundary: \(context)") }
    checkParts(parts, body: body, boundary: boundary, limits: l, context: context)
    checkRoundTrip(parts, contentType: contentType, boundary: boundary, limits: l, context: context)
    if l != .standard {
        do {
            check(try MultipartFormData.parse(body: body, contentType: contentType, limits: roomy) == parts, "larger limits read it differently: \(context)")
        } catch {
            fuzzFail("accepted under small limits, refused under large ones (\(error.code)): \(context)")
        }
    }
    return 0
}
