public import Foundation
import Synchronization

/// Header fields in the order received; names compare case-insensitively.
public struct HTTPHeaders: Sendable, Equatable, Sequence {
    public private(set) var fields: [(name: String, value: String)] = []

    public init(_ fields: [(String, String)] = []) {
        self.fields = fields.map { (name: $0.0, value: $0.1) }
    }

    public static func == (a: HTTPHeaders, b: HTTPHeaders) -> Bool {
        a.fields.map { [$0.name.lowercased(), $0.value] } == b.fields.map { [$0.name.lowercased(), $0.value] }
    }

    /// The first value of a field.
    public subscript(name: String) -> String? {
        fields.first { $0.name.caseInsensitiveEquals(name) }?.value
    }

    /// Every value of a field, in order.
    public func values(_ name: String) -> [String] {
        fields.filter { $0.name.caseInsensitiveEquals(name) }.map(\.value)
    }

    public mutating func add(_ name: String, _ value: String) { fields.append((name, value)) }

    /// Replaces every value of a field with one.
    public mutating func set(_ name: String, _ value: String) {
        fields.removeAll { $0.name.caseInsensitiveEquals(name) }
        fields.append((name, value))
    }

    /// The comma-separated tokens of a field (as in Connection), lowercased.
    public func tokens(_ name: String) -> [String] {
        values(name).flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty }
    }

    public func makeIterator() -> IndexingIterator<[(name: String, value: String)]> { fields.makeIterator() }
}

extension String {
    /// ASCII case-insensitive equality, as header names compare (RFC 9110 §5.1), without
    /// allocating: it runs for every header lookup of every request.
    func caseInsensitiveEquals(_ other: String) -> Bool {
        let a = utf8, b = other.utf8
        guard a.count == b.count else { return false }
        for (x, y) in zip(a, b) where x != y {
            let lx = x >= 0x41 && x <= 0x5A ? x | 0x20 : x, ly = y >= 0x41 && y <= 0x5A ? y | 0x20 : y
            if lx != ly { return false }
        }
        return true
    }
}

/// A request as the server hands it to the application: complete, with its body.
public struct HTTPRequest: Sendable {
    public var method: String
    /// The request target as sent, e.g. `/pledges?area=learning`.
    public var target: String
    /// The target's path, percent-decoded.
    public var path: String
    /// The query's name-value pairs, form-decoded, in order.
    public var query: [(name: String, value: String)]
    public var version: String
    public var headers: HTTPHeaders
    public var body: [UInt8]
    /// The peer's address, for throttling and logs.
    public var remoteAddress: String

    public init(method: String, target: String, version: String = "HTTP/1.1", headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = [], remoteAddress: String = "") throws {
        self.method = method
        self.target = target
        self.version = version
        self.headers = headers
        self.body = body
        self.remoteAddress = remoteAddress
        let parts = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        var rawPath = String(parts[0])
        if rawPath.hasPrefix("http://") || rawPath.hasPrefix("https://") {  // absolute-form: keep the path
            let afterScheme = rawPath.drop { $0 != "/" }.dropFirst(2)
            rawPath = afterScheme.firstIndex(of: "/").map { String(afterScheme[$0...]) } ?? "/"
        }
        guard let path = URLEncoding.percentDecode(rawPath), !path.contains("\0") else { throw HTTPError(.badRequest, "the request target is not validly percent-encoded") }
        self.path = path
        self.query = parts.count > 1 ? URLEncoding.formDecode(String(parts[1])) : []
    }

    /// The first value of a query parameter.
    public func queryValue(_ name: String) -> String? { query.first { $0.name == name }?.value }

    /// The body as UTF-8 text.
    public var bodyText: String { String(decoding: body, as: UTF8.self) }

    /// Whether the client asked for the connection to stay open.
    public var wantsKeepAlive: Bool {
        let tokens = headers.tokens("Connection")
        if version == "HTTP/1.0" { return tokens.contains("keep-alive") }
        return !tokens.contains("close")
    }
}

/// A response: status, headers and body. The server adds Date, Content-Length and Connection.
public struct HTTPResponse: Sendable {
    public var status: HTTPStatus
    public var headers: HTTPHeaders
    public var body: [UInt8]

    public init(_ status: HTTPStatus, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public init(_ status: HTTPStatus, contentType: String, body: String, headers: HTTPHeaders = HTTPHeaders()) {
        self.init(status, headers: headers, body: Array(body.utf8))
        self.headers.set("Content-Type", contentType)
    }

    public static func text(_ status: HTTPStatus, _ text: String) -> HTTPResponse {
        HTTPResponse(status, contentType: "text/plain; charset=utf-8", body: text)
    }

    /// The whole response as bytes, so that it leaves in one write. HEAD responses carry the
    /// headers of the GET response and no body.
    public func serialized(keepAlive: Bool, date: Date? = nil, head: Bool = false) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(256 + headers.fields.count * 64 + (head ? 0 : body.count))
        func line(_ parts: String...) {
            for part in parts { bytes.append(contentsOf: part.utf8) }
            bytes.append(13); bytes.append(10)
        }
        line("HTTP/1.1 ", String(status.code), " ", status.reason)
        line("Date: ", date.map(HTTPDate.format) ?? HTTPDate.now())
        for (name, value) in headers.fields
        where !(name.caseInsensitiveEquals("Content-Length") || name.caseInsensitiveEquals("Connection") || name.caseInsensitiveEquals("Date"))
            && Self.isSafeField(name: name, value: value) {
            line(name, ": ", value)
        }
        if status.code >= 200 && status.code != 204 && status.code != 304 { line("Content-Length: ", String(body.count)) }
        line(keepAlive ? "Connection: keep-alive" : "Connection: close")
        bytes.append(13); bytes.append(10)
        if !head { bytes.append(contentsOf: body) }
        return bytes
    }
}

extension HTTPResponse {
    /// Whether a header field can be written as it is: a token for a name, and a value with no
    /// CR, LF or NUL (RFC 9110 §5.5). A field that is not is left out of the response, so that
    /// nothing an application put in a value can end the header and start another.
    static func isSafeField(name: String, value: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy(isTokenChar) && !value.utf8.contains { $0 == 0x0D || $0 == 0x0A || $0 == 0x00 }
    }
}

/// A status code with its reason phrase.
public struct HTTPStatus: Sendable, Equatable, Hashable {
    public let code: Int
    public let reason: String
    public init(_ code: Int, _ reason: String) { self.code = code; self.reason = reason }

    public static let ok = HTTPStatus(200, "OK")
    public static let created = HTTPStatus(201, "Created")
    public static let noContent = HTTPStatus(204, "No Content")
    public static let seeOther = HTTPStatus(303, "See Other")
    public static let notModified = HTTPStatus(304, "Not Modified")
    public static let badRequest = HTTPStatus(400, "Bad Request")
    public static let unauthorized = HTTPStatus(401, "Unauthorized")
    public static let forbidden = HTTPStatus(403, "Forbidden")
    public static let notFound = HTTPStatus(404, "Not Found")
    public static let methodNotAllowed = HTTPStatus(405, "Method Not Allowed")
    public static let notAcceptable = HTTPStatus(406, "Not Acceptable")
    public static let requestTimeout = HTTPStatus(408, "Request Timeout")
    public static let conflict = HTTPStatus(409, "Conflict")
    public static let gone = HTTPStatus(410, "Gone")
    public static let lengthRequired = HTTPStatus(411, "Length Required")
    public static let preconditionFailed = HTTPStatus(412, "Precondition Failed")
    public static let contentTooLarge = HTTPStatus(413, "Content Too Large")
    public static let uriTooLong = HTTPStatus(414, "URI Too Long")
    public static let unsupportedMediaType = HTTPStatus(415, "Unsupported Media Type")
    public static let expectationFailed = HTTPStatus(417, "Expectation Failed")
    public static let unprocessableContent = HTTPStatus(422, "Unprocessable Content")
    public static let preconditionRequired = HTTPStatus(428, "Precondition Required")
    public static let tooManyRequests = HTTPStatus(429, "Too Many Requests")
    public static let headerFieldsTooLarge = HTTPStatus(431, "Request Header Fields Too Large")
    public static let internalServerError = HTTPStatus(500, "Internal Server Error")
    public static let notImplemented = HTTPStatus(501, "Not Implemented")
    public static let serviceUnavailable = HTTPStatus(503, "Service Unavailable")
    public static let versionNotSupported = HTTPStatus(505, "HTTP Version Not Supported")
}

/// A request the server refuses before the application sees it.
public struct HTTPError: Error, Sendable, Equatable {
    public let status: HTTPStatus
    public let message: String
    public init(_ status: HTTPStatus, _ message: String) { self.status = status; self.message = message }
}

/// IMF-fixdate (RFC 9110 §5.6.7).
public enum HTTPDate {
    /// The current second's date, formatted once a second rather than once a response.
    private static let current = Mutex<(second: Int, text: String)>((-1, ""))

    static func now() -> String {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        let second = Int(ts.tv_sec)
        if let text = current.withLock({ $0.second == second ? $0.text : nil }) { return text }
        let text = format(Date(timeIntervalSince1970: TimeInterval(second)))
        current.withLock { $0 = (second, text) }
        return text
    }

    public static func format(_ date: Date) -> String {
        var t = time_t(date.timeIntervalSince1970)
        var tm = tm()
        gmtime_r(&t, &tm)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"], months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(days[Int(tm.tm_wday)]), \(two(tm.tm_mday)) \(months[Int(tm.tm_mon)]) \(tm.tm_year + 1900) \(two(tm.tm_hour)):\(two(tm.tm_min)):\(two(tm.tm_sec)) GMT"
    }
}

/// Percent-encoding and application/x-www-form-urlencoded (WHATWG URL §5).
public enum URLEncoding {
    /// Decodes %XX escapes; nil when an escape is malformed or the result is not UTF-8.
    public static func percentDecode(_ text: String, plusIsSpace: Bool = false) -> String? {
        var bytes: [UInt8] = []
        var it = Array(text.utf8)[...]
        while let b = it.popFirst() {
            if b == UInt8(ascii: "%") {
                guard it.count >= 2, let hi = hex(it[it.startIndex]), let lo = hex(it[it.startIndex + 1]) else { return nil }
                bytes.append(hi << 4 | lo)
                it = it.dropFirst(2)
            } else if plusIsSpace && b == UInt8(ascii: "+") {
                bytes.append(UInt8(ascii: " "))
            } else {
                bytes.append(b)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    static func hex(_ b: UInt8) -> UInt8? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return b - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return b - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return b - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    /// Decodes `a=1&b=two+words`; a malformed escape is kept as written, as browsers do.
    public static func formDecode(_ text: String) -> [(name: String, value: String)] {
        text.split(separator: "&", omittingEmptySubsequences: true).map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(parts[0]), value = parts.count > 1 ? String(parts[1]) : ""
            return (percentDecode(name, plusIsSpace: true) ?? name, percentDecode(value, plusIsSpace: true) ?? value)
        }
    }

    /// Encodes a query or form value: unreserved characters stay, everything else is %XX.
    public static func encode(_ text: String) -> String {
        var out = ""
        for b in text.utf8 {
            switch b {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(b))
            default:
                out += "%" + String(b, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return out
    }
}

extension String {
    func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
