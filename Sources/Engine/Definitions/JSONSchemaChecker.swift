internal import Foundation

/// One place where a JSON document breaks its schema.
public struct SchemaViolation: Sendable, Equatable {
    /// The JSON Pointer of the offending element.
    public let pointer: String
    /// What is wrong, in a sentence.
    public let message: String
}

/// A JSON Schema (draft 2020-12) checker for the keywords the project's schemas use.
///
/// Supported: `type`, `enum`, `const`, `properties`, `required`, `additionalProperties`,
/// `patternProperties`, `propertyNames`, `minProperties`, `items`, `minItems`, `maxItems`,
/// `uniqueItems`, `minLength`, `maxLength`, `pattern`, `minimum`, `maximum`, `allOf`,
/// `anyOf`, `oneOf`, `not`, and `$ref` to `#/$defs/…` within the same schema. Unknown
/// keywords are ignored, as the specification says. Agreement with Python's `jsonschema`
/// is checked by `Tests/proof/check_schema_peer.py`.
public struct JSONSchemaChecker: Sendable {
    /// The schema document.
    public let schema: JSONValue

    public init(schema: JSONValue) { self.schema = schema }

    /// Every violation of the schema by `value`; empty when it conforms.
    public func violations(of value: JSONValue) -> [SchemaViolation] {
        var out: [SchemaViolation] = []
        check(value, against: schema, at: "", into: &out, depth: 0)
        return out
    }

    private func resolve(_ ref: String) -> JSONValue? {
        guard ref.hasPrefix("#") else { return nil }
        var node = schema
        for token in ref.dropFirst().split(separator: "/", omittingEmptySubsequences: true) {
            let key = token.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
            guard let next = node[key] else { return nil }
            node = next
        }
        return node
    }

    private func matchesType(_ value: JSONValue, _ type: String) -> Bool {
        switch type {
        case "integer": return value.typeName == "integer"
        case "number": return value.doubleValue != nil
        default: return value.typeName == type
        }
    }

    private func check(_ value: JSONValue, against schema: JSONValue, at pointer: String, into out: inout [SchemaViolation], depth: Int) {
        guard depth < 64 else { return }
        if case .bool(let allowed) = schema {
            if !allowed { out.append(SchemaViolation(pointer: pointer, message: "is not allowed here")) }
            return
        }
        guard let s = schema.objectValue else { return }
        if let ref = s["$ref"]?.stringValue {
            if let target = resolve(ref) { check(value, against: target, at: pointer, into: &out, depth: depth + 1) }
            else { out.append(SchemaViolation(pointer: pointer, message: "schema reference \(ref) cannot be resolved")) }
        }
        if let type = s["type"] {
            let types = type.arrayValue?.compactMap(\.stringValue) ?? [type.stringValue].compactMap { $0 }
            if !types.contains(where: { matchesType(value, $0) }) {
                out.append(SchemaViolation(pointer: pointer, message: "should be \(types.count == 1 ? types[0] : "one of " + types.joined(separator: ", ")), not \(value.typeName)"))
                return
            }
        }
        if let options = s["enum"]?.arrayValue, !options.contains(where: { JSONSchemaChecker.equal($0, value) }) {
            let shown = options.map { $0.canonicalString }.joined(separator: ", ")
            out.append(SchemaViolation(pointer: pointer, message: "should be one of \(shown)"))
        }
        if let constant = s["const"], !JSONSchemaChecker.equal(constant, value) {
            out.append(SchemaViolation(pointer: pointer, message: "should be \(constant.canonicalString)"))
        }
        switch value {
        case .object(let members):
            checkObject(members, s, pointer, &out, depth)
        case .array(let items):
            if let itemSchema = s["items"] {
                for (i, item) in items.enumerated() { check(item, against: itemSchema, at: pointer + "/\(i)", into: &out, depth: depth + 1) }
            }
            if let min = s["minItems"]?.intValue, items.count < min {
                out.append(SchemaViolation(pointer: pointer, message: "should have at least \(min) item\(min == 1 ? "" : "s")"))
            }
            if let max = s["maxItems"]?.intValue, items.count > max {
                out.append(SchemaViolation(pointer: pointer, message: "should have at most \(max) item\(max == 1 ? "" : "s")"))
            }
            if s["uniqueItems"]?.boolValue == true {
                // Strings (state names and the like, the usual case) through a set: a list of many
                // thousands is checked in linear time (found by fuzzing the definition loader).
                var seen = Set<String>()
                for i in items.indices {
                    let repeated: Bool
                    if case .string(let text) = items[i] { repeated = !seen.insert(text).inserted }
                    else { repeated = items[..<i].contains(where: { JSONSchemaChecker.equal($0, items[i]) }) }
                    if repeated { out.append(SchemaViolation(pointer: pointer + "/\(i)", message: "repeats an earlier item; items must be unique")) }
                }
            }
        case .string(let text):
            let length = text.unicodeScalars.count
            if let min = s["minLength"]?.intValue, length < min {
                out.append(SchemaViolation(pointer: pointer, message: min == 1 ? "should not be empty" : "should be at least \(min) characters long"))
            }
            if let max = s["maxLength"]?.intValue, length > max {
                out.append(SchemaViolation(pointer: pointer, message: "should be at most \(max) characters long"))
            }
            if let pattern = s["pattern"]?.stringValue, !JSONSchemaChecker.search(pattern, in: text) {
                out.append(SchemaViolation(pointer: pointer, message: "should match the pattern \(pattern)"))
            }
        case .integer, .double:
            let number = value.doubleValue!
            if let min = s["minimum"]?.doubleValue, number < min {
                out.append(SchemaViolation(pointer: pointer, message: "should be at least \(JSONValue.format(min))"))
            }
            if let max = s["maximum"]?.doubleValue, number > max {
                out.append(SchemaViolation(pointer: pointer, message: "should be at most \(JSONValue.format(max))"))
            }
        default: break
        }
        if let all = s["allOf"]?.arrayValue {
            for sub in all { check(value, against: sub, at: pointer, into: &out, depth: depth + 1) }
        }
        if let any = s["anyOf"]?.arrayValue {
            let passing = any.contains { sub in
                var scratch: [SchemaViolation] = []
                check(value, against: sub, at: pointer, into: &scratch, depth: depth + 1)
                return scratch.isEmpty
            }
            if !passing { out.append(SchemaViolation(pointer: pointer, message: "does not match any of the allowed forms")) }
        }
        if let one = s["oneOf"]?.arrayValue {
            var results: [[SchemaViolation]] = []
            for sub in one {
                var scratch: [SchemaViolation] = []
                check(value, against: sub, at: pointer, into: &scratch, depth: depth + 1)
                results.append(scratch)
            }
            let passing = results.filter(\.isEmpty).count
            if passing == 0 {
                // Report the closest form's problems: they are usually the helpful ones.
                let best = results.min { $0.count < $1.count } ?? []
                if best.count <= 2, !best.isEmpty, best.allSatisfy({ $0.pointer != pointer }) {
                    out += best
                } else {
                    out.append(SchemaViolation(pointer: pointer, message: "does not match any of the allowed forms"))
                }
            } else if passing > 1 {
                out.append(SchemaViolation(pointer: pointer, message: "matches more than one of the allowed forms"))
            }
        }
        if let not = s["not"] {
            var scratch: [SchemaViolation] = []
            check(value, against: not, at: pointer, into: &scratch, depth: depth + 1)
            if scratch.isEmpty { out.append(SchemaViolation(pointer: pointer, message: "matches a form that is not allowed")) }
        }
    }

    private func checkObject(_ members: [String: JSONValue], _ s: [String: JSONValue], _ pointer: String, _ out: inout [SchemaViolation], _ depth: Int) {
        for key in s["required"]?.arrayValue?.compactMap(\.stringValue) ?? [] where members[key] == nil {
            out.append(SchemaViolation(pointer: pointer, message: "is missing the required member \"\(key)\""))
        }
        if let min = s["minProperties"]?.intValue, members.count < min {
            out.append(SchemaViolation(pointer: pointer, message: "should have at least \(min) member\(min == 1 ? "" : "s")"))
        }
        let properties = s["properties"]?.objectValue ?? [:]
        let patterns = s["patternProperties"]?.objectValue ?? [:]
        for key in members.keys.sorted() {
            let child = pointer + "/" + jsonPointerEscape(key)
            let value = members[key]!
            if let names = s["propertyNames"] {
                var scratch: [SchemaViolation] = []
                check(.string(key), against: names, at: child, into: &scratch, depth: depth + 1)
                if !scratch.isEmpty { out.append(SchemaViolation(pointer: child, message: "the name \"\(key)\" is not allowed: it \(scratch[0].message)")) }
            }
            var matched = false
            if let sub = properties[key] {
                matched = true
                check(value, against: sub, at: child, into: &out, depth: depth + 1)
            }
            for (pattern, sub) in patterns where JSONSchemaChecker.search(pattern, in: key) {
                matched = true
                check(value, against: sub, at: child, into: &out, depth: depth + 1)
            }
            if !matched, let additional = s["additionalProperties"] {
                if additional == .bool(false) {
                    let known = properties.keys.sorted().joined(separator: ", ")
                    out.append(SchemaViolation(pointer: child, message: "\"\(key)\" is not a known member here" + (known.isEmpty ? "" : " (known: \(known))")))
                } else {
                    check(value, against: additional, at: child, into: &out, depth: depth + 1)
                }
            }
        }
    }

    /// JSON Schema equality: numbers compare by value, so 1 equals 1.0.
    static func equal(_ a: JSONValue, _ b: JSONValue) -> Bool {
        if let x = a.doubleValue, let y = b.doubleValue { return x == y }
        switch (a, b) {
        case (.array(let x), .array(let y)): return x.count == y.count && zip(x, y).allSatisfy { equal($0, $1) }
        case (.object(let x), .object(let y)): return x.count == y.count && x.allSatisfy { k, v in y[k].map { equal(v, $0) } ?? false }
        default: return a == b
        }
    }

    /// ECMA-262-style search: the pattern may match anywhere unless anchored.
    static func search(_ pattern: String, in text: String) -> Bool {
        guard let regex = try? NSRegularExpression(pattern: pattern) else { return false }
        return regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }
}
