import Foundation
import Testing
@testable import Engine

struct SchemaCase: CustomTestStringConvertible, Sendable {
    let schema: JSONValue
    let instance: JSONValue
    let valid: Bool
    let index: Int
    var testDescription: String { "case \(index): \(instance.canonicalString.prefix(60))" }
}

/// Verdicts decided by Python's jsonschema (Tests/proof/check_schema_peer.py).
let schemaCases: [SchemaCase] = {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/schema-cases.json")
    guard let text = try? String(contentsOf: url, encoding: .utf8), let cases = try? JSONValue.parse(text).arrayValue else { return [] }
    let workflowSchema = try? readRepositoryJSON("Workflows/schema/workflow.schema.json")
    return cases.enumerated().map { i, c in
        let schema = c["schema"] == .string("workflow.schema.json") ? (workflowSchema ?? .null) : (c["schema"] ?? .null)
        return SchemaCase(schema: schema, instance: c["instance"] ?? .null, valid: c["valid"]?.boolValue ?? false, index: i)
    }
}()

@Suite struct JSONSchemaCheckerTests {
    @Test func theFixtureIsThere() { #expect(schemaCases.count > 60) }

    @Test(arguments: schemaCases)
    func agreesWithJsonschema(_ c: SchemaCase) {
        let violations = JSONSchemaChecker(schema: c.schema).violations(of: c.instance)
        #expect(violations.isEmpty == c.valid, "\(violations.map { "\($0.pointer): \($0.message)" })")
    }

    @Test func violationsNameThePointerAndSayWhatIsWrong() throws {
        let schema = try JSONValue.parse(#"{"type": "object", "required": ["a"], "properties": {"b": {"type": "array", "items": {"type": "integer"}}}, "additionalProperties": false}"#)
        let v = JSONSchemaChecker(schema: schema).violations(of: try JSONValue.parse(#"{"b": [1, "x"], "c": 1}"#))
        #expect(v.contains(SchemaViolation(pointer: "", message: "is missing the required member \"a\"")))
        #expect(v.contains(SchemaViolation(pointer: "/b/1", message: "should be integer, not string")))
        #expect(v.contains(SchemaViolation(pointer: "/c", message: "\"c\" is not a known member here (known: b)")))
    }
}
