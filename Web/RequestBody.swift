import Foundation
import Engine

/// The JSON body an API write route takes: its fields, which are required and what each holds.
/// One declaration serves both the route's check of a body (``WebApp/body(_:_:)``: a missing
/// required field, then a field it does not take, is refused with 422 naming it) and the
/// OpenAPI document's request schema, so the two cannot drift.
struct RequestBody: Sendable {
    indirect enum Kind: Sendable {
        case text
        /// A calendar day, YYYY-MM-DD.
        case day
        case number
        case boolean
        case texts
        case objects(RequestBody)
    }

    struct Field: Sendable {
        let name: String
        let kind: Kind
        let required: Bool
        let description: String

        static func field(_ name: String, _ kind: Kind, required: Bool = false, _ description: String) -> Field {
            Field(name: name, kind: kind, required: required, description: description)
        }

        /// A text field.
        static func field(_ name: String, required: Bool = false, _ description: String) -> Field {
            Field(name: name, kind: .text, required: required, description: description)
        }
    }

    let fields: [Field]

    init(_ fields: [Field]) { self.fields = fields }

    var names: [String] { fields.map(\.name) }
    var required: [String] { fields.filter(\.required).map(\.name) }

    /// The JSON Schema (2020-12, as OpenAPI 3.1 uses it) of a body this route takes.
    var schema: JSONValue {
        var properties: [String: JSONValue] = [:]
        for field in fields {
            var property: [String: JSONValue]
            switch field.kind {
            case .text: property = ["type": "string"]
            case .day: property = ["type": "string", "format": "date"]
            case .number: property = ["type": "number"]
            case .boolean: property = ["type": "boolean"]
            case .texts: property = ["type": "array", "items": ["type": "string"]]
            case .objects(let each): property = ["type": "array", "items": each.schema]
            }
            property["description"] = .string(field.description)
            properties[field.name] = .object(property)
        }
        return ["type": "object", "additionalProperties": false, "required": .array(required.map(JSONValue.string)), "properties": .object(properties)]
    }

}

extension WebApp {
    static let pledgeBody = RequestBody([
        .field("organisation", required: true, "The key of the organisation the pledge is for (one the caller speaks for)"),
        .field("text", required: true, "What the organisation will do: one new thing for children and young people"),
        .field("areas", .texts, "FLOURISH areas' keys it serves (at least one)"),
        .field("theme", "A theme's key, if any"),
        .field("priority", "A priority's key, if it serves one"),
    ])

    static let actionBody = RequestBody([
        .field("group", required: true, "The key of the group whose action it is (one the caller chairs)"),
        .field("title", required: true, "What will be done"),
        .field("description", "More about it"),
        .field("priority", "A priority's key (default: the group's own)"),
        .field("areas", .texts, "FLOURISH areas' keys (at least one)"),
        .field("owner", required: true, "The user name of the person who owns it (one of the partnership's people)"),
        .field("dueDate", .day, required: true, "When it is due: today or later"),
        .field("item", "The key of the priority's \"what needs to happen\" item it serves"),
    ])

    static let measureValueBody = RequestBody([
        .field("period", required: true, "The period the value is for, such as 2026-Q3"),
        .field("value", .number, required: true, "The value, such as 54 or 12.5"),
        .field("note", "A note on the value"),
        .field("corrects", .boolean, "true when it corrects the latest value, recorded for the same period by mistake (a measure has one value a period)"),
    ])

    static let escalationBody = RequestBody([
        .field("group", required: true, "The key of the group raising it"),
        .field("title", required: true, "The issue, in a line"),
        .field("description", "What is wrong and what has been tried"),
        .field("severity", required: true, "low, medium or high"),
        .field("priorities", .texts, "Priorities' keys it touches"),
        .field("areas", .texts, "FLOURISH areas' keys it touches"),
    ])

    static let plannedActionBody = RequestBody([
        .field("title", required: true, "What will be done"),
        .field("group", required: true, "The key of the group that will do it"),
        .field("owner", required: true, "The user name of its owner"),
        .field("dueDate", .day, required: true, "When it is due"),
    ])

    static let decisionBody = RequestBody([
        .field("body", required: true, "The key of the body deciding (where the escalation waits)"),
        .field("outcome", required: true, "resolved, accepted, referred-back or escalated"),
        .field("rationale", "Why"),
        .field("plan", "What will happen (for an accepted escalation)"),
        .field("guidance", "Guidance to the group (for one referred back)"),
        .field("minute", "The meeting's minute reference"),
        .field("actions", .objects(plannedActionBody), "Actions the plan logs, each with title, group, owner and dueDate"),
    ])
}
