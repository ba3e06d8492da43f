public import Foundation

// multipart/form-data (RFC 7578) as HTML forms send it for file uploads, with the multipart
// framing of RFC 2046 §5.1.1, read strictly: lines end in CRLF, the body closes with the close
// delimiter, and every part says it is form data and names its field. The parser is checked
// against curl's bodies and Python's email parser by Tests/proof/check_multipart_peer.py, and
// fuzzed by Tests/Fuzz/MultipartFuzz.swift.

/// One field or file of a multipart/form-data body.
public struct MultipartPart: Sendable, Equatable {
    /// The field name (`name` in the part's Content-Disposition).
    public let name: String
    /// The file's name without any directory part, or nil when the part is a plain field.
    ///
    /// An empty string is what a browser sends for a file input with no file chosen. Browsers
    /// write a quote in a name as %22 (CR and LF as %0D and %0A); that is left as sent. The
    /// name is the client's word: show it, but never use it as a path.
    public let filename: String?
    /// The part's media type, lowercased and without parameters (`application/pdf`), or nil
    /// when the part has no Content-Type header. The whole header is in `headers`.
    public let contentType: String?
    /// Every header of the part, in order, folded lines unfolded.
    public let headers: HTTPHeaders
    /// The part's bytes exactly as sent: never decoded or re-encoded.
    public let body: [UInt8]

    /// A part as the parser makes it.
    public init(name: String, filename: String?, contentType: String?, headers: HTTPHeaders, body: [UInt8]) {
        self.name = name
        self.filename = filename
        self.contentType = contentType
        self.headers = headers
        self.body = body
    }

    /// The body as UTF-8 text (invalid bytes become U+FFFD), for plain fields.
    public var text: String { String(decoding: body, as: UTF8.self) }

    /// Whether the part is a file (it has a filename, even an empty one).
    public var isFile: Bool { filename != nil }
}

/// The sizes past which a multipart/form-data body is refused.
public struct MultipartLimits: Sendable, Equatable {
    /// Fields and files together.
    public var maxParts: Int
    /// The header block of one part, in bytes.
    public var maxHeaderBytesPerPart: Int
    /// The value of one plain field (a part without a filename), in bytes.
    public var maxFieldBytes: Int
    /// One file (a part with a filename), in bytes.
    public var maxFileBytes: Int

    /// Limits; the defaults are those of `standard`.
    public init(maxParts: Int = 100, maxHeaderBytesPerPart: Int = 8 * 1024, maxFieldBytes: Int = 64 * 1024, maxFileBytes: Int = 10 * 1024 * 1024) {
        self.maxParts = maxParts
        self.maxHeaderBytesPerPart = maxHeaderBytesPerPart
        self.maxFieldBytes = maxFieldBytes
        self.maxFileBytes = maxFileBytes
    }

    /// 100 parts, 8 KiB of headers per part, 64 KiB per plain field, 10 MiB per file.
    public static let standard = MultipartLimits()
}

/// Why a multipart/form-data body was refused.
///
/// Each message is a whole sentence for the person who sent the form. Names and boundaries in
/// messages come from the client: escape them wherever a message is shown.
public enum MultipartError: Error, Equatable, Sendable, CustomStringConvertible, LocalizedError {
    /// The request is not multipart/form-data; the Content-Type as sent, nil when absent.
    case notFormData(contentType: String?)
    /// The Content-Type has no boundary parameter (or its parameters cannot be read).
    case missingBoundary
    /// The boundary is not 1 to 70 of RFC 2046's bchars, or ends in a space.
    case invalidBoundary(String)
    /// The boundary line ends in a bare LF or CR rather than CRLF.
    case lineEndsNotCRLF
    /// The body has no boundary line where the first part should start.
    case missingStartDelimiter
    /// The body ends without the close delimiter (`--boundary--`).
    case unterminated
    /// A part (numbered from 1) has no `Content-Disposition: form-data` header.
    case missingFormDataDisposition(part: Int)
    /// A part's Content-Disposition has no `name` parameter.
    case missingName(part: Int)
    /// A part's header block cannot be read; `detail` says what is wrong, in a phrase.
    case malformedPartHeader(part: Int, detail: String)
    /// A part's header block is larger than the limit, in bytes.
    case partHeaderTooLarge(part: Int, limit: Int)
    /// A part uses a Content-Transfer-Encoding other than 7bit, 8bit or binary (RFC 7578 §4.7).
    case unsupportedTransferEncoding(part: Int, encoding: String)
    /// The body has more parts than the limit.
    case tooManyParts(limit: Int)
    /// A plain field's value is larger than the limit, in bytes.
    case fieldTooLarge(name: String, size: Int, limit: Int)
    /// A file is larger than the limit, in bytes.
    case fileTooLarge(filename: String, size: Int, limit: Int)

    /// A stable identifier for the kind of refusal.
    public var code: String {
        switch self {
        case .notFormData: return "multipart-not-form-data"
        case .missingBoundary: return "multipart-missing-boundary"
        case .invalidBoundary: return "multipart-invalid-boundary"
        case .lineEndsNotCRLF: return "multipart-line-ends-not-crlf"
        case .missingStartDelimiter: return "multipart-missing-start-delimiter"
        case .unterminated: return "multipart-unterminated"
        case .missingFormDataDisposition: return "multipart-missing-form-data-disposition"
        case .missingName: return "multipart-missing-name"
        case .malformedPartHeader: return "multipart-malformed-part-header"
        case .partHeaderTooLarge: return "multipart-part-header-too-large"
        case .unsupportedTransferEncoding: return "multipart-unsupported-transfer-encoding"
        case .tooManyParts: return "multipart-too-many-parts"
        case .fieldTooLarge: return "multipart-field-too-large"
        case .fileTooLarge: return "multipart-file-too-large"
        }
    }

    /// The status to answer with: 415 for a body that is not a form, 413 past a limit, else 400.
    public var status: HTTPStatus {
        switch self {
        case .notFormData: return .unsupportedMediaType
        case .partHeaderTooLarge, .tooManyParts, .fieldTooLarge, .fileTooLarge: return .contentTooLarge
        default: return .badRequest
        }
    }

    /// A whole sentence for the person who sent the form, saying what to change.
    public var description: String {
        switch self {
        case .notFormData(nil):
            return "The request has no Content-Type; a form with files must be sent as multipart/form-data."
        case .notFormData(let contentType?):
            let mediaType = contentType.prefix { $0 != ";" }.trimmingCharacters(in: .whitespaces)
            return "The request was sent as “\(Self.clipped(mediaType))”, not as multipart/form-data, so its fields and files cannot be read."
        case .missingBoundary:
            return "The form data cannot be read: its Content-Type has no boundary parameter."
        case .invalidBoundary(let boundary):
            return "The form data cannot be read: its boundary “\(Self.clipped(boundary))” is not 1 to 70 letters, digits or '()+_,-./:=? characters (or spaces, though not last)."
        case .lineEndsNotCRLF:
            return "The form data cannot be read: its lines end in a bare line feed or carriage return, not in CRLF as multipart/form-data requires."
        case .missingStartDelimiter:
            return "The form data cannot be read: it does not start with its boundary line."
        case .unterminated:
            return "The form data is incomplete: it has no closing boundary line. Please send the form again."
        case .missingFormDataDisposition(let part):
            return "Part \(part) of the form data has no “Content-Disposition: form-data” header."
        case .missingName(let part):
            return "Part \(part) of the form data has no field name."
        case .malformedPartHeader(let part, let detail):
            return "Part \(part) of the form data has a header that cannot be read: \(detail)."
        case .partHeaderTooLarge(let part, let limit):
            return "Part \(part) of the form data has more than \(Self.size(limit, roundingUp: false)) of headers, the most a part may have."
        case .unsupportedTransferEncoding(let part, let encoding):
            return "Part \(part) of the form data is sent with the transfer encoding “\(Self.clipped(encoding))”; send fields and files as they are instead."
        case .tooManyParts(let limit):
            return "The form has more than \(limit) fields and files; the most it may have is \(limit)."
        case .fieldTooLarge(let name, let size, let limit):
            return "The field “\(Self.clipped(name))” is \(Self.size(size, roundingUp: true)); the most a field may be is \(Self.size(limit, roundingUp: false))."
        case .fileTooLarge(let filename, let size, let limit):
            let file = filename.isEmpty ? "The file" : "The file \(Self.clipped(filename))"
            return "\(file) is \(Self.size(size, roundingUp: true)); the most a file may be is \(Self.size(limit, roundingUp: false))."
        }
    }

    /// The same sentence as `description`.
    public var errorDescription: String? { description }

    /// A size as people read it: bytes, KB or MB (of 1024), to one decimal place at most. A
    /// size over a limit is rounded up and the limit down, so the two never read the same.
    static func size(_ bytes: Int, roundingUp: Bool) -> String {
        if bytes < 1024 { return bytes == 1 ? "1 byte" : "\(bytes) bytes" }
        let (unit, name) = bytes < 1024 * 1024 ? (1024, "KB") : (1024 * 1024, "MB")
        let scaled = bytes.multipliedReportingOverflow(by: 10).partialValue
        let tenths = roundingUp ? (scaled + unit - 1) / unit : scaled / unit
        return tenths % 10 == 0 ? "\(tenths / 10) \(name)" : "\(tenths / 10).\(tenths % 10) \(name)"
    }

    /// Client-sent text, cut short enough for a sentence.
    static func clipped(_ text: String) -> String {
        text.count > 80 ? String(text.prefix(80)) + "…" : text
    }
}

/// Reads multipart/form-data bodies (RFC 7578, RFC 2046 §5.1.1).
///
/// The framing is read strictly: the delimiter is CRLF, "--" and the boundary, followed by
/// optional spaces or tabs and CRLF (or, for the close delimiter "--boundary--", the end of
/// the body); a preamble before the first delimiter and an epilogue after the close delimiter
/// are ignored. "--boundary" anywhere else, or after a bare LF, is part of the content. The CRLF
/// before a delimiter belongs to the delimiter, so a part's body is every byte between its
/// header block and that CRLF, exactly as sent.
///
/// Every part needs `Content-Disposition: form-data` with a `name`; `filename` (quoted or not;
/// `filename*=UTF-8''…` preferred when present, as RFC 6266 §4.3 advises) loses any directory
/// part. Folded header lines are unfolded. Refused: bare CR or LF, other control characters in
/// headers, duplicate Content-Disposition or Content-Type headers, duplicate parameters, a
/// Content-Transfer-Encoding other than 7bit, 8bit or binary, and anything over the limits.
///
/// The work is linear in the body's size: the delimiter is found by a single scan that stops
/// at each CR (a boundary cannot hold a CR, so no byte is compared more than twice).
public enum MultipartFormData {
    /// Parses a multipart/form-data body into its parts, in order.
    ///
    /// - Parameters:
    ///   - body: The request body.
    ///   - contentType: The request's Content-Type, which carries the boundary.
    ///   - limits: The sizes past which the body is refused.
    /// - Returns: The fields and files, in the order sent; none for an empty form ("--boundary--").
    /// - Throws: `MultipartError` saying why the body cannot be read.
    public static func parse(body: [UInt8], contentType: String, limits: MultipartLimits = .standard) throws(MultipartError) -> [MultipartPart] {
        let boundary = try formBoundary(contentType)
        let scanner = DelimiterScanner(body: body, dashBoundary: Array("--\(boundary)".utf8))
        guard var delimiter = scanner.first() else { throw scanner.missingStartError() }
        var parts: [MultipartPart] = []
        while case .open(let start) = delimiter.kind {
            guard parts.count < limits.maxParts else { throw .tooManyParts(limit: limits.maxParts) }
            guard let next = scanner.next(from: start) else { throw .unterminated }
            parts.append(try makePart(body[start..<next.start], number: parts.count + 1, limits: limits))
            delimiter = next
        }
        return parts
    }

    /// The boundary of a multipart/form-data Content-Type, or nil when the type is another or
    /// the boundary is missing or not valid (RFC 2046 §5.1.1).
    public static func boundary(fromContentType contentType: String) -> String? {
        try? formBoundary(contentType)
    }

    // MARK: - Content-Type

    static func formBoundary(_ contentType: String) throws(MultipartError) -> String {
        let mediaType = contentType.prefix { $0 != ";" }.trimmingCharacters(in: .whitespaces)
        guard mediaType.lowercased() == "multipart/form-data" else { throw .notFormData(contentType: contentType) }
        guard let parsed = ParameterizedValue(contentType), let boundary = parsed.parameters.first(where: { $0.name == "boundary" })?.value else {
            throw .missingBoundary
        }
        guard isValidBoundary(boundary) else { throw .invalidBoundary(boundary) }
        return boundary
    }

    /// bchars (RFC 2046 §5.1.1): 1 to 70 of them, the last not a space.
    static func isValidBoundary(_ boundary: String) -> Bool {
        let bytes = Array(boundary.utf8)
        guard (1...70).contains(bytes.count), bytes.last != sp else { return false }
        return bytes.allSatisfy { b in
            switch b {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): return true
            default: return "'()+_,-./:=? ".utf8.contains(b)
            }
        }
    }

    // MARK: - Parts

    /// A part from the bytes between its delimiter line and the CRLF of the next delimiter.
    static func makePart(_ segment: ArraySlice<UInt8>, number: Int, limits: MultipartLimits) throws(MultipartError) -> MultipartPart {
        let (headerBytes, body) = try splitHeaders(segment, number: number, limits: limits)
        let headers = try parseHeaderLines(headerBytes, number: number)
        let dispositions = headers.values("Content-Disposition")
        guard dispositions.count <= 1 else { throw .malformedPartHeader(part: number, detail: "it has more than one Content-Disposition") }
        guard let dispositionText = dispositions.first else { throw .missingFormDataDisposition(part: number) }
        guard let disposition = ParameterizedValue(dispositionText) else {
            throw .malformedPartHeader(part: number, detail: "its Content-Disposition is not a list of parameters")
        }
        guard disposition.value.lowercased() == "form-data" else { throw .missingFormDataDisposition(part: number) }
        guard disposition.hasDistinctParameterNames else {
            throw .malformedPartHeader(part: number, detail: "its Content-Disposition gives a parameter twice")
        }
        guard let name = disposition["name"] else { throw .missingName(part: number) }
        let filename = try filename(disposition, number: number)
        let contentType = try mediaType(headers, number: number)
        if let encoding = headers.values("Content-Transfer-Encoding").first(where: { !["7bit", "8bit", "binary"].contains($0.lowercased()) }) {
            throw .unsupportedTransferEncoding(part: number, encoding: encoding)
        }
        if let filename, body.count > limits.maxFileBytes {
            throw .fileTooLarge(filename: filename, size: body.count, limit: limits.maxFileBytes)
        }
        if filename == nil, body.count > limits.maxFieldBytes {
            throw .fieldTooLarge(name: name, size: body.count, limit: limits.maxFieldBytes)
        }
        return MultipartPart(name: name, filename: filename, contentType: contentType, headers: headers, body: Array(body))
    }

    /// The header block (without the blank line that ends it) and the body of a part.
    static func splitHeaders(_ segment: ArraySlice<UInt8>, number: Int, limits: MultipartLimits) throws(MultipartError) -> (ArraySlice<UInt8>, ArraySlice<UInt8>) {
        let start = segment.startIndex
        if segment.count >= 2, segment[start] == cr, segment[start + 1] == lf {
            return (segment[start..<start], segment[(start + 2)...])
        }
        let window = segment.prefix(max(0, limits.maxHeaderBytesPerPart) + 4)
        guard let end = firstIndex(of: crlfcrlf, in: window) else {
            if segment.count > limits.maxHeaderBytesPerPart + 2 { throw .partHeaderTooLarge(part: number, limit: limits.maxHeaderBytesPerPart) }
            throw .malformedPartHeader(part: number, detail: "its headers are not followed by an empty line")
        }
        // The CRLF that ends the last header line counts; the empty line after it does not.
        guard end + 2 - start <= limits.maxHeaderBytesPerPart else { throw .partHeaderTooLarge(part: number, limit: limits.maxHeaderBytesPerPart) }
        return (segment[start..<end], segment[(end + 4)...])
    }

    /// Header lines split at CRLF, folded lines joined to the line before (keeping their
    /// leading space or tab, as Python's email parser does), values trimmed.
    static func parseHeaderLines(_ block: ArraySlice<UInt8>, number: Int) throws(MultipartError) -> HTTPHeaders {
        var fields: [(name: String, value: [UInt8])] = []
        var rest = block
        while !rest.isEmpty {
            let lineEnd = firstIndex(of: crlf, in: rest) ?? rest.endIndex
            let line = rest[rest.startIndex..<lineEnd]
            rest = lineEnd < rest.endIndex ? rest[(lineEnd + 2)...] : rest[rest.endIndex...]
            guard line.allSatisfy({ $0 == ht || ($0 >= 0x20 && $0 != 0x7F) }) else {
                throw .malformedPartHeader(part: number, detail: "a header line has a control character or a bare CR or LF")
            }
            if line.first == sp || line.first == ht {
                guard !fields.isEmpty else { throw .malformedPartHeader(part: number, detail: "its first header line starts with a space") }
                fields[fields.count - 1].value += line
                continue
            }
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else {
                throw .malformedPartHeader(part: number, detail: "a header line has no colon")
            }
            let name = line[line.startIndex..<colon]
            guard !name.isEmpty, name.allSatisfy(isTokenChar) else {
                throw .malformedPartHeader(part: number, detail: "a header name is not a token (no space before the colon)")
            }
            fields.append((String(decoding: name, as: UTF8.self), Array(line[(colon + 1)...])))
        }
        return HTTPHeaders(fields.map { ($0.name, String(decoding: trimmed($0.value[...]), as: UTF8.self)) })
    }

    /// The part's filename: `filename*` when present (RFC 6266 §4.3), else `filename`; trimmed,
    /// without any directory part (after the last / or \), and "" for "." or "..".
    static func filename(_ disposition: ParameterizedValue, number: Int) throws(MultipartError) -> String? {
        var raw = disposition["filename"]
        if let extended = disposition["filename*"] {
            guard let decoded = decodeExtendedValue(extended) else {
                throw .malformedPartHeader(part: number, detail: "its filename* is not UTF-8 or ISO-8859-1 percent-encoded (RFC 5987)")
            }
            raw = decoded
        }
        guard let raw else { return nil }
        let scalars = raw.trimmingCharacters(in: .whitespacesAndNewlines).unicodeScalars
        let afterDirectory = scalars.lastIndex { $0 == "/" || $0 == "\\" }.map { scalars.index(after: $0) } ?? scalars.startIndex
        let base = String(scalars[afterDirectory...]).trimmingCharacters(in: .whitespacesAndNewlines)
        return base == "." || base == ".." ? "" : base
    }

    /// An RFC 5987 ext-value, `charset'language'percent-encoded`, in UTF-8 or ISO-8859-1.
    static func decodeExtendedValue(_ value: String) -> String? {
        let pieces = value.split(separator: "'", maxSplits: 2, omittingEmptySubsequences: false)
        guard pieces.count == 3 else { return nil }
        var bytes: [UInt8] = []
        var encoded = Array(pieces[2].utf8)[...]
        while let b = encoded.popFirst() {
            if b == UInt8(ascii: "%") {
                guard encoded.count >= 2, let hi = URLEncoding.hex(encoded[encoded.startIndex]), let lo = URLEncoding.hex(encoded[encoded.startIndex + 1]) else { return nil }
                bytes.append(hi << 4 | lo)
                encoded = encoded.dropFirst(2)
            } else {
                bytes.append(b)
            }
        }
        switch pieces[0].lowercased() {
        case "utf-8": return String(validating: bytes, as: UTF8.self)
        case "iso-8859-1": return String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
        default: return nil
        }
    }

    /// The part's media type, lowercased, without parameters; nil without a Content-Type.
    static func mediaType(_ headers: HTTPHeaders, number: Int) throws(MultipartError) -> String? {
        let values = headers.values("Content-Type")
        guard values.count <= 1 else { throw .malformedPartHeader(part: number, detail: "it has more than one Content-Type") }
        guard let value = values.first else { return nil }
        let type = value.prefix { $0 != ";" }.trimmingCharacters(in: .whitespaces)
        let halves = type.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
        guard halves.count == 2, halves.allSatisfy({ !$0.isEmpty && $0.allSatisfy(isTokenChar) }) else {
            throw .malformedPartHeader(part: number, detail: "its Content-Type is not a media type such as application/pdf")
        }
        return type.lowercased()
    }

    static func trimmed(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var b = bytes
        while let f = b.first, f == sp || f == ht { b = b.dropFirst() }
        while let l = b.last, l == sp || l == ht { b = b.dropLast() }
        return b
    }

    /// The first index of `needle` in `haystack`, by the same CR-stopping scan as the delimiter.
    static func firstIndex(of needle: [UInt8], in haystack: ArraySlice<UInt8>) -> Int? {
        var from = haystack.startIndex
        while let at = haystack[from...].firstIndex(of: needle[0]) {
            if haystack[at...].starts(with: needle) { return at }
            from = at + 1
        }
        return nil
    }
}

// MARK: - Delimiters

/// Finds the delimiter lines of a body: CRLF "--boundary", then either "--" (the close
/// delimiter) or transport padding and CRLF.
struct DelimiterScanner {
    enum Kind: Equatable {
        /// Another part follows; its bytes start here.
        case open(Int)
        case close
    }

    struct Delimiter {
        /// Where the delimiter starts: its CR, or 0 for a first line with no CRLF before it.
        let start: Int
        let kind: Kind
    }

    let body: [UInt8]
    /// "--" and the boundary.
    let dashBoundary: [UInt8]

    /// The first delimiter: the body's first line, or the first after a preamble.
    func first() -> Delimiter? {
        if body.starts(with: dashBoundary), let kind = kind(after: dashBoundary.count) { return Delimiter(start: 0, kind: kind) }
        return next(from: 0)
    }

    /// The next delimiter whose CRLF starts at or after `from`.
    ///
    /// Linear: the boundary holds no CR, so a comparison that starts at one CR fails before
    /// the next CR, and the scan resumes there.
    func next(from: Int) -> Delimiter? {
        var at = from
        while at < body.count, let candidate = body[at...].firstIndex(of: cr) {
            let afterBoundary = candidate + 2 + dashBoundary.count
            if afterBoundary <= body.count, body[candidate + 1] == lf, body[(candidate + 2)..<afterBoundary].elementsEqual(dashBoundary),
               let kind = kind(after: afterBoundary) {
                return Delimiter(start: candidate, kind: kind)
            }
            at = candidate + 1
        }
        return nil
    }

    /// What follows "--boundary" at `index` makes it a delimiter: "--", padding, then CRLF or
    /// the end of the body (the close delimiter); or padding then CRLF (another part).
    func kind(after index: Int) -> Kind? {
        var i = index
        let closes = i + 1 < body.count && body[i] == dash && body[i + 1] == dash
        if closes { i += 2 }
        while i < body.count, body[i] == sp || body[i] == ht { i += 1 }
        if closes && i == body.count { return .close }
        guard i + 1 < body.count, body[i] == cr, body[i + 1] == lf else { return nil }
        return closes ? .close : .open(i + 2)
    }

    /// Why no first delimiter was found: a boundary line ending in a bare LF or CR says the
    /// line ends are wrong; anything else, that the body does not start with the boundary.
    func missingStartError() -> MultipartError {
        guard body.starts(with: dashBoundary) else { return .missingStartDelimiter }
        var i = dashBoundary.count
        if i + 1 < body.count && body[i] == dash && body[i + 1] == dash { i += 2 }
        while i < body.count, body[i] == sp || body[i] == ht { i += 1 }
        return i < body.count && (body[i] == lf || body[i] == cr) ? .lineEndsNotCRLF : .missingStartDelimiter
    }
}

private let dash = UInt8(ascii: "-")

// MARK: - Header parameters

/// A header value with parameters, `form-data; name="field"; filename=a.txt` (RFC 2045 §5.1,
/// RFC 9110 §5.6.6): parameter names lowercased; values quoted (a backslash escapes only the
/// characters that need it, so a Windows path sent unescaped keeps its backslashes, as Go's
/// mime package reads it) or not (everything to the next semicolon, trimmed).
struct ParameterizedValue {
    let value: String
    let parameters: [(name: String, value: String)]

    /// Nil when the value cannot be read: a parameter name that is not a token, an unterminated
    /// quoted string, or text after a closing quote.
    init?(_ text: String) {
        let bytes = Array(text.utf8)
        let firstSemicolon = bytes.firstIndex(of: UInt8(ascii: ";")) ?? bytes.count
        value = String(decoding: MultipartFormData.trimmed(bytes[..<firstSemicolon]), as: UTF8.self)
        var parameters: [(name: String, value: String)] = []
        var i = firstSemicolon
        while i < bytes.count {
            i += 1  // the semicolon
            let nameEnd = bytes[i...].firstIndex { $0 == UInt8(ascii: "=") || $0 == UInt8(ascii: ";") } ?? bytes.count
            let name = MultipartFormData.trimmed(bytes[i..<nameEnd])
            guard nameEnd < bytes.count, bytes[nameEnd] == UInt8(ascii: "=") else {
                // A bare word between semicolons carries no value; it is skipped, as Python does.
                guard name.allSatisfy(isTokenChar) else { return nil }
                i = nameEnd
                continue
            }
            guard !name.isEmpty, name.allSatisfy(isTokenChar) else { return nil }
            i = nameEnd + 1
            while i < bytes.count, bytes[i] == sp || bytes[i] == ht { i += 1 }
            let value: ArraySlice<UInt8>
            if i < bytes.count, bytes[i] == UInt8(ascii: "\"") {
                guard let quoted = Self.quotedString(bytes, from: i) else { return nil }
                value = quoted.content[...]
                i = quoted.end
                while i < bytes.count, bytes[i] == sp || bytes[i] == ht { i += 1 }
                guard i == bytes.count || bytes[i] == UInt8(ascii: ";") else { return nil }
            } else {
                let end = bytes[i...].firstIndex(of: UInt8(ascii: ";")) ?? bytes.count
                value = MultipartFormData.trimmed(bytes[i..<end])
                i = end
            }
            parameters.append((String(decoding: name, as: UTF8.self).lowercased(), String(decoding: value, as: UTF8.self)))
        }
        self.parameters = parameters
    }

    /// The first value of a parameter (name lowercased).
    subscript(name: String) -> String? { parameters.first { $0.name == name }?.value }

    var hasDistinctParameterNames: Bool { Set(parameters.map(\.name)).count == parameters.count }

    /// The content of the quoted string opening at `start`, and the index after its closing quote.
    static func quotedString(_ bytes: [UInt8], from start: Int) -> (content: [UInt8], end: Int)? {
        var out: [UInt8] = []
        var i = start + 1
        while i < bytes.count {
            let b = bytes[i]
            if b == UInt8(ascii: "\"") { return (out, i + 1) }
            if b == UInt8(ascii: "\\"), i + 1 < bytes.count, Self.isSpecial(bytes[i + 1]) {
                out.append(bytes[i + 1])
                i += 2
                continue
            }
            out.append(b)
            i += 1
        }
        return nil
    }

    /// tspecials (RFC 2045 §5.1): the characters a backslash is needed to escape.
    static func isSpecial(_ b: UInt8) -> Bool { "()<>@,;:\\\"/[]?=".utf8.contains(b) }
}

// MARK: - Requests

extension HTTPRequest {
    /// The fields and files of a multipart/form-data request, read from its Content-Type and body.
    ///
    /// - Parameter limits: The sizes past which the body is refused.
    /// - Returns: The parts, in the order sent.
    /// - Throws: `MultipartError`; its `status` is the answer to give.
    public func multipartParts(limits: MultipartLimits = .standard) throws(MultipartError) -> [MultipartPart] {
        guard let contentType = headers["Content-Type"] else { throw .notFormData(contentType: nil) }
        return try MultipartFormData.parse(body: body, contentType: contentType, limits: limits)
    }
}
