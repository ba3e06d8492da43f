internal import Foundation

extension FieldSpec {
    /// Checks a supplied value against the field's kind and limits.
    ///
    /// - Returns: nil when the value is acceptable, else the reason, to follow "the field x …".
    public func problem(with value: JSONValue) -> String? {
        if value == .null { return isRequired ? "is required and cannot be empty" : nil }
        switch kind {
        case .string, .text:
            guard let s = value.stringValue else { return "should be text, not \(value.typeName)" }
            if isRequired && s.trimmed.isEmpty { return "is required and cannot be blank" }
            if kind == .string && s.hasNewline { return "should be a single line" }
            if s.hasControlCharacter(allowingLineBreaks: kind == .text) { return String.controlCharacterProblem }
            if let maxLength, s.hasMoreCharacters(than: maxLength) { return "should be at most \(maxLength) characters (it has \(s.count))" }
            if let allowedValues, !allowedValues.contains(s) { return "should be one of: \(allowedValues.joined(separator: ", "))" }
        case .integer:
            guard value.typeName == "integer" else { return "should be a whole number" }
        case .number:
            guard value.doubleValue != nil else { return "should be a number" }
        case .boolean:
            guard value.boolValue != nil else { return "should be true or false" }
        case .date:
            guard let s = value.stringValue, CalendarDay(s) != nil else { return "should be a date written as YYYY-MM-DD" }
        case .datetime:
            guard let s = value.stringValue, FieldSpec.parseTimestamp(s) != nil else { return "should be a date and time such as 2026-04-01T09:00:00Z" }
        case .url:
            guard let s = value.stringValue, let url = URL(string: s), let scheme = url.scheme?.lowercased(),
                  scheme == "https" || scheme == "http", url.host != nil else { return "should be a web address starting https://" }
        case .email:
            guard let s = value.stringValue, FieldSpec.isEmail(s) else { return "should be an email address such as name@example.org" }
        case .stringList:
            guard let items = value.arrayValue, items.allSatisfy({ $0.stringValue != nil }) else { return "should be a list of text values" }
            if isRequired && items.isEmpty { return "needs at least one value" }
            if let maxItems, items.count > maxItems { return "should have at most \(maxItems) values (it has \(items.count))" }
            if let maxItemLength, let long = items.first(where: { ($0.stringValue?.count ?? 0) > maxItemLength }) {
                return "should have values of at most \(maxItemLength) characters each (\"\(long.stringValue?.prefix(20) ?? "")…\" has \(long.stringValue?.count ?? 0))"
            }
            if items.contains(where: { $0.stringValue?.hasNewline == true }) { return "should have values of a single line each" }
            if items.contains(where: { $0.stringValue?.hasControlCharacter(allowingLineBreaks: false) == true }) { return String.controlCharacterProblem }
            // A list is of different values: "learning" twice was kept twice.
            var seen: Set<String> = []
            if let twice = items.compactMap(\.stringValue).first(where: { !seen.insert($0).inserted }) { return "lists “\(twice)” twice; give each value once" }
        case .object:
            guard value.objectValue != nil else { return "should be an object" }
        }
        return nil
    }

    static func parseTimestamp(_ s: String) -> Date? {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.date(from: s)
    }

    static func isEmail(_ s: String) -> Bool {
        // ASCII (nearly every address) is checked on its bytes, the same rules without
        // Character segmentation: an import checks 200,000 of them.
        if s.utf8.allSatisfy({ $0 < 0x80 }) {
            var at = 0, atIndex = -1, i = 0
            for byte in s.utf8 {
                switch byte {
                case UInt8(ascii: "@"): at += 1; atIndex = i
                case 0x09...0x0D, 0x20, UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: ","): return false
                default: break
                }
                i += 1
            }
            let domain = s.utf8.dropFirst(atIndex + 1)
            return at == 1 && atIndex > 0 && domain.contains(UInt8(ascii: ".")) && domain.first != UInt8(ascii: ".") && domain.last != UInt8(ascii: ".") && i <= 254
        }
        return isEmailByCharacters(s)
    }

    /// The rule for an email address, read by Characters: one @ with something before it, a
    /// dot inside the part after it, at most 254 characters, no white space, <, > or comma.
    static func isEmailByCharacters(_ s: String) -> Bool {
        let parts = s.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !parts[1].hasPrefix("."), !parts[1].hasSuffix("."),
              s.count <= 254, !s.contains(where: { $0.isWhitespace || $0 == "<" || $0 == ">" || $0 == "," }) else { return false }
        return true
    }
}

/// Checks a payload against the fields an event (or a start) declares.
/// Refuses a field only Flourish sets (``FieldSpec/isComputed``) when a caller sent it.
func refuseComputed(_ payload: [String: JSONValue], fields: [FieldSpec], event: String) throws {
    for field in fields where field.isComputed && payload[field.name] != nil {
        throw WorkflowError.computedField(event: event, field: field.name)
    }
}

func validatePayload(_ payload: [String: JSONValue], fields: [FieldSpec], event: String) throws {
    if let first = payloadProblems(payload, fields: fields, event: event).first { throw first }
}

/// Every problem with a payload, in a fixed order (fields the event does not take, then each
/// field in the definition's order, missing or invalid): a form reports them all at once,
/// while a write refuses on the first.
public func payloadProblems(_ payload: [String: JSONValue], fields: [FieldSpec], event: String) -> [WorkflowError] {
    var problems: [WorkflowError] = []
    let names = fields.map(\.name)
    for key in payload.keys.sorted() where !names.contains(key) {
        problems.append(.unexpectedField(event: event, field: key, accepted: names))
    }
    for field in fields {
        guard let value = payload[field.name], value != .null else {
            if field.isRequired { problems.append(.missingField(event: event, field: field.name)) }
            continue
        }
        if let problem = field.problem(with: value) {
            problems.append(.invalidField(event: event, field: field.name, reason: problem))
        }
    }
    return problems
}

extension FieldSpec {
    /// Turns text typed by a person (a CLI argument, a form field) into the field's value.
    ///
    /// Lists are comma-separated; numbers, booleans and the rest are parsed by kind. The
    /// value is checked afterwards by ``problem(with:)``, so a wrong type reads as the same
    /// message whichever door it came through.
    public func value(fromText text: String) -> JSONValue {
        switch kind {
        case .integer: return Int64(text.trimmingCharacters(in: .whitespaces)).map(JSONValue.integer) ?? .string(text)
        case .number: return Double(text.trimmingCharacters(in: .whitespaces)).map(JSONValue.double) ?? .string(text)
        case .boolean:
            switch text.lowercased() {
            case "true", "yes", "on", "1": return .bool(true)
            case "false", "no", "off", "0": return .bool(false)
            default: return .string(text)
            }
        case .stringList:
            return .array(text.split(separator: ",").map { .string($0.trimmingCharacters(in: .whitespaces)) }.filter { $0 != .string("") })
        case .object: return (try? JSONValue.parse(text)) ?? .string(text)
        default: return .string(text)
        }
    }
}
