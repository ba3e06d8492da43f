public import Foundation

/// A place in a source file: 1-based line and column (columns count characters, not bytes).
public struct SourceLocation: Sendable, Equatable, Hashable, CustomStringConvertible {
    public let line: Int
    public let column: Int
    public init(line: Int, column: Int) { self.line = line; self.column = column }
    public var description: String { "\(line):\(column)" }
}

/// A JSON text that is not well formed, with where the problem is.
public struct JSONSyntaxError: Error, Equatable, Sendable, LocalizedError {
    public let message: String
    public let location: SourceLocation
    public var errorDescription: String? { "\(location): \(message)" }
}

/// A parsed JSON document that remembers where each element began, by JSON Pointer.
public struct JSONDocument: Sendable {
    /// The parsed value.
    public let root: JSONValue
    /// Where each element starts, keyed by its JSON Pointer ("" is the root).
    public let locations: [String: SourceLocation]

    /// The location of the element at `pointer`, or of its nearest ancestor that has one.
    public func location(of pointer: String) -> SourceLocation {
        var p = pointer
        while true {
            if let found = locations[p] { return found }
            guard let slash = p.lastIndex(of: "/") else { return locations[""] ?? SourceLocation(line: 1, column: 1) }
            p = String(p[..<slash])
        }
    }

    /// Parses `text` strictly (RFC 8259): no comments, no trailing commas, no duplicate keys.
    ///
    /// - Throws: ``JSONSyntaxError`` naming the line and column of the first problem.
    public static func parse(_ text: String, maxDepth: Int = 256) throws -> JSONDocument {
        var parser = JSONParser(bytes: Array(text.utf8), maxDepth: maxDepth, tracksLocations: true)
        let root = try parser.parseDocument()
        return JSONDocument(root: root, locations: parser.locations)
    }

    /// Parses bytes, refusing text that is not UTF-8.
    public static func parse(bytes: [UInt8], maxDepth: Int = 256) throws -> JSONDocument {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw JSONSyntaxError(message: "the file is not UTF-8 text", location: SourceLocation(line: 1, column: 1))
        }
        return try parse(text, maxDepth: maxDepth)
    }
}

extension JSONValue {
    /// Parses a JSON text into a value.
    ///
    /// Unlike ``JSONDocument/parse(_:maxDepth:)`` it keeps no locations, so stored data reads fast.
    public static func parse(_ text: String) throws -> JSONValue {
        var parser = JSONParser(bytes: Array(text.utf8), maxDepth: 256, tracksLocations: false)
        return try parser.parseDocument()
    }
}

/// Escapes one reference token of a JSON Pointer (RFC 6901).
public func jsonPointerEscape(_ token: String) -> String {
    guard token.utf8.contains(where: { $0 == UInt8(ascii: "~") || $0 == UInt8(ascii: "/") }) else { return token }
    return token.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
}

struct JSONParser {
    let bytes: [UInt8]
    let maxDepth: Int
    let tracksLocations: Bool
    var index = 0
    var line = 1
    var column = 1
    var locations: [String: SourceLocation] = [:]

    init(bytes: [UInt8], maxDepth: Int, tracksLocations: Bool) {
        self.bytes = bytes
        self.maxDepth = maxDepth
        self.tracksLocations = tracksLocations
    }

    var here: SourceLocation { SourceLocation(line: line, column: column) }

    func fail(_ message: String) -> JSONSyntaxError { JSONSyntaxError(message: message, location: here) }

    mutating func advance() {
        let byte = bytes[index]
        index += 1
        if byte == UInt8(ascii: "\n") {
            line += 1
            column = 1
        } else if byte & 0xC0 != 0x80 {
            column += 1
        }
    }

    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: advance()
            default: return
            }
        }
    }

    mutating func parseDocument() throws -> JSONValue {
        skipWhitespace()
        let value = try parseValue(pointer: "", depth: 0)
        skipWhitespace()
        if index < bytes.count { throw fail("unexpected text after the JSON value") }
        return value
    }

    mutating func parseValue(pointer: String, depth: Int) throws -> JSONValue {
        guard depth <= maxDepth else { throw fail("nesting deeper than \(maxDepth) levels") }
        guard index < bytes.count else { throw fail("unexpected end of the file; a value was expected") }
        if tracksLocations { locations[pointer] = here }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try parseObject(pointer: pointer, depth: depth)
        case UInt8(ascii: "["): return try parseArray(pointer: pointer, depth: depth)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectWord("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectWord("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectWord("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        default:
            throw fail("unexpected character '\(String(decoding: [bytes[index]], as: UTF8.self))'; a value was expected")
        }
    }

    mutating func expectWord(_ word: String) throws {
        let start = here
        for expected in word.utf8 {
            guard index < bytes.count, bytes[index] == expected else {
                throw JSONSyntaxError(message: "invalid literal; expected '\(word)'", location: start)
            }
            advance()
        }
    }

    mutating func parseObject(pointer: String, depth: Int) throws -> JSONValue {
        advance()  // {
        var members: [String: JSONValue] = [:]
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") { advance(); return .object(members) }
        while true {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
                throw fail("expected a quoted member name")
            }
            let keyLocation = here
            let key = try parseString()
            if members[key] != nil {
                throw JSONSyntaxError(message: "duplicate member name \"\(key)\"", location: keyLocation)
            }
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw fail("expected ':' after the member name") }
            advance()
            skipWhitespace()
            members[key] = try parseValue(pointer: tracksLocations ? pointer + "/" + jsonPointerEscape(key) : "", depth: depth + 1)
            skipWhitespace()
            guard index < bytes.count else { throw fail("unexpected end of the file inside an object") }
            if bytes[index] == UInt8(ascii: ",") { advance(); continue }
            if bytes[index] == UInt8(ascii: "}") { advance(); return .object(members) }
            throw fail("expected ',' or '}' in an object")
        }
    }

    mutating func parseArray(pointer: String, depth: Int) throws -> JSONValue {
        advance()  // [
        var items: [JSONValue] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") { advance(); return .array(items) }
        while true {
            skipWhitespace()
            items.append(try parseValue(pointer: tracksLocations ? pointer + "/" + String(items.count) : "", depth: depth + 1))
            skipWhitespace()
            guard index < bytes.count else { throw fail("unexpected end of the file inside an array") }
            if bytes[index] == UInt8(ascii: ",") { advance(); continue }
            if bytes[index] == UInt8(ascii: "]") { advance(); return .array(items) }
            throw fail("expected ',' or ']' in an array")
        }
    }

    mutating func parseString() throws -> String {
        advance()  // opening quote
        // Most strings have no escapes: take them in one piece (no newline inside, so only the column moves).
        var end = index
        while end < bytes.count, bytes[end] != UInt8(ascii: "\""), bytes[end] != UInt8(ascii: "\\"), bytes[end] >= 0x20 { end += 1 }
        if end < bytes.count, bytes[end] == UInt8(ascii: "\"") {
            let text = String(decoding: bytes[index..<end], as: UTF8.self)
            for byte in bytes[index..<end] where byte & 0xC0 != 0x80 { column += 1 }
            index = end
            advance()  // closing quote
            return text
        }
        var scalars = String.UnicodeScalarView()
        var run: [UInt8] = []
        func flush(_ run: inout [UInt8], into scalars: inout String.UnicodeScalarView) {
            if !run.isEmpty { scalars.append(contentsOf: String(decoding: run, as: UTF8.self).unicodeScalars); run.removeAll(keepingCapacity: true) }
        }
        while true {
            guard index < bytes.count else { throw fail("unterminated string") }
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                advance()
                flush(&run, into: &scalars)
                return String(scalars)
            }
            if byte < 0x20 { throw fail("control character in a string; escape it") }
            if byte == UInt8(ascii: "\\") {
                flush(&run, into: &scalars)
                advance()
                guard index < bytes.count else { throw fail("unterminated escape") }
                let escape = bytes[index]
                advance()
                switch escape {
                case UInt8(ascii: "\""): scalars.append("\"")
                case UInt8(ascii: "\\"): scalars.append("\\")
                case UInt8(ascii: "/"): scalars.append("/")
                case UInt8(ascii: "b"): scalars.append("\u{08}")
                case UInt8(ascii: "f"): scalars.append("\u{0C}")
                case UInt8(ascii: "n"): scalars.append("\n")
                case UInt8(ascii: "r"): scalars.append("\r")
                case UInt8(ascii: "t"): scalars.append("\t")
                case UInt8(ascii: "u"):
                    let first = try parseHex4()
                    if (0xD800...0xDBFF).contains(first) {
                        guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                            throw fail("unpaired surrogate in \\u escape")
                        }
                        advance(); advance()
                        let second = try parseHex4()
                        guard (0xDC00...0xDFFF).contains(second) else { throw fail("invalid low surrogate in \\u escape") }
                        let value = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
                        scalars.append(Unicode.Scalar(value)!)
                    } else if (0xDC00...0xDFFF).contains(first) {
                        throw fail("unpaired surrogate in \\u escape")
                    } else {
                        scalars.append(Unicode.Scalar(first)!)
                    }
                default: throw fail("invalid escape in a string")
                }
                continue
            }
            run.append(byte)
            advance()
        }
    }

    mutating func parseHex4() throws -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard index < bytes.count else { throw fail("unterminated \\u escape") }
            let b = bytes[index]
            let digit: UInt32
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(b - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(b - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(b - UInt8(ascii: "A") + 10)
            default: throw fail("invalid hex digit in \\u escape")
            }
            value = value * 16 + digit
            advance()
        }
        return value
    }

    mutating func parseNumber() throws -> JSONValue {
        let start = index
        var isInteger = true
        if bytes[index] == UInt8(ascii: "-") { advance() }
        guard index < bytes.count, isDigit(bytes[index]) else { throw fail("invalid number") }
        if bytes[index] == UInt8(ascii: "0") {
            advance()
            if index < bytes.count, isDigit(bytes[index]) { throw fail("numbers may not have leading zeros") }
        } else {
            while index < bytes.count, isDigit(bytes[index]) { advance() }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            isInteger = false
            advance()
            guard index < bytes.count, isDigit(bytes[index]) else { throw fail("invalid number: digits must follow '.'") }
            while index < bytes.count, isDigit(bytes[index]) { advance() }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            isInteger = false
            advance()
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { advance() }
            guard index < bytes.count, isDigit(bytes[index]) else { throw fail("invalid number: digits must follow the exponent") }
            while index < bytes.count, isDigit(bytes[index]) { advance() }
        }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        if isInteger, let v = Int64(text) { return .integer(v) }
        guard let d = Double(text), d.isFinite else { throw fail("number out of range") }
        return .double(d)
    }

    func isDigit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }
}
