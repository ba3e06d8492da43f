import Foundation
import ArgumentParsing
import Services
import Engine

/// `flourish instance start|fire|show|list`: the engine's own door, for any workflow.
enum InstanceCommands {
    static let all: [Command] = [start, fire, show, list]

    static let fieldOptions: [OptionSpec] = [
        OptionSpec("field", takesValue: true, repeatable: true, valueName: "NAME=VALUE", help: "A field value; lists are comma-separated. Repeat for more fields."),
        OptionSpec("data", takesValue: true, valueName: "JSON", help: "All fields as one JSON object."),
        OptionSpec("key", takesValue: true, valueName: "KEY", help: "An idempotency key: a retry with the same key returns the first result and changes nothing."),
    ]

    static let start = Command(
        ["instance", "start"], "Start an instance of a workflow.",
        arguments: "WORKFLOW", options: fieldOptions
    ) { inv in
        let workflow = try inv.positional(0, "WORKFLOW: the workflow's name (see 'flourish workflow list')")
        try inv.expectPositionals(atMost: 1)
        let app = try inv.app
        let definition = try app.workflowDefinition(workflow)
        var data = try inv.dataObject() ?? [:]
        data.merge(try app.payload(fromTexts: inv.fieldTexts(), fields: definition.startFields, event: "start")) { _, new in new }
        let result = try app.start(workflow, fields: data, for: try inv.viewer,
                                   idempotencyKey: WriteConditions.scopedIdempotencyKey(inv.arguments.value("key"), sentBy: inv.actor.id))
        report(result, inv: inv, verb: "Started")
    }

    static let fire = Command(
        ["instance", "fire"], "Fire an event on an instance.",
        arguments: "ID EVENT",
        discussion: "Give --expect-version with the version you last saw: if someone else changed the instance since, the event is refused as a conflict.",
        options: fieldOptions + [OptionSpec("expect-version", takesValue: true, valueName: "N", help: "The instance version you expect (refused as a conflict if it has moved on).")]
    ) { inv in
        let id = InstanceID(try inv.positional(0, "ID: the instance (e.g. pledge-1)"))
        let event = try inv.positional(1, "EVENT: the event to fire (see 'flourish instance show ID')")
        try inv.expectPositionals(atMost: 2)
        let app = try inv.app
        var payload = try inv.dataObject() ?? [:]
        let texts = try inv.fieldTexts()
        if !texts.isEmpty { payload.merge(try app.payload(fromTexts: texts, fields: app.fields(of: event, on: id), event: event)) { _, new in new } }
        // The same door as the API's generic route: the access policy, the framework's checks,
        // and the fields only Flourish sets worked out, never taken from --field.
        let result = try app.fire(event, on: id, fields: payload, for: try app.viewer(for: inv.actor.id), expectedVersion: try inv.expectedVersion(),
                                  idempotencyKey: WriteConditions.scopedIdempotencyKey(inv.arguments.value("key"), sentBy: inv.actor.id))
        report(result, inv: inv, verb: "Fired \(event) on")
    }

    static func report(_ result: FireResult, inv: Invocation, verb: String) {
        let i = result.instance
        guard let app = try? inv.app else { return }
        inv.output(["instance": i.json(app.time), "eventSeq": .integer(result.eventSeq), "replay": .bool(result.isReplay)]) {
            (result.isReplay ? "Already done earlier with this key; nothing changed.\n" : "")
                + "\(verb) \(i.id): now \(i.state) (version \(i.version)); event \(result.eventSeq) in the audit log."
        }
    }

    static let show = Command(
        ["instance", "show"], "Show an instance: state, data, pending timers and what you may do next.",
        arguments: "ID",
        options: [OptionSpec("as-of", takesValue: true, valueName: "DATETIME", help: "Show it as it stood at that moment, rebuilt from the event log.")]
    ) { inv in
        let id = try inv.onlyRecord("ID: the instance (e.g. pledge-1)")
        let app = try inv.app
        if let asOf = try inv.moment("as-of") {
            guard let then = try app.record(id, asOf: asOf, for: try inv.viewer) else {
                inv.output(["instance": .null, "asOf": .string(app.time.localTimestamp(asOf))]) { "\(id) did not exist yet at \(app.time.inWords(asOf))." }
                return
            }
            inv.output(["instance": then.json(app.time), "asOf": .string(app.time.localTimestamp(asOf))]) {
                "\(id) as of \(app.time.inWords(asOf)): \(then.state) (version \(then.version))\n" + dataLines(then.data, app)
            }
            return
        }
        let viewer = try inv.viewer
        let (instance, sight) = try app.record(id, for: viewer)
        let timers = sight == .whole ? try app.pendingTimers(of: id, for: viewer) : []
        let events = sight == .whole ? try app.availableEvents(on: id, for: viewer) : []
        let json: JSONValue = [
            "instance": instance.json(app.time),
            "timers": .array(timers.map { ["name": .string($0.name), "event": .string($0.event), "dueAt": .string(app.time.localTimestamp($0.dueAt))] }),
            "events": .array(events.map { ["event": .string($0.event), "available": .bool($0.isAvailable), "reason": .string($0.reason)] }),
        ]
        inv.output(json) {
            var lines = ["\(instance.id) (\(instance.workflow) version \(instance.workflowVersion)): \(instance.state), version \(instance.version)",
                         "Updated \(app.time.inWords(instance.updatedAt))", "", "Data:", dataLines(instance.data, app)]
            if !timers.isEmpty {
                lines.append("Timers:")
                lines += timers.map { "  \($0.name): fires \($0.event) on \(app.time.inWords($0.dueAt))" }
            }
            lines.append("What \(inv.actor.id) may do:")
            let open = events.filter(\.isAvailable)
            lines += open.isEmpty ? ["  nothing now"] : open.map { "  \($0.event): \($0.title)" }
            return lines.joined(separator: "\n")
        }
    }

    /// A record's fields for people: names for keys (with the key, to type in commands), dates
    /// in words; `--json` keeps the keys and ISO dates.
    static func dataLines(_ data: [String: JSONValue], _ app: Flourish) -> String {
        func readable(_ field: String, _ text: String) -> String {
            if let day = CalendarDay(text), text.count == 10 { return day.inWords }
            let name = app.displayName(field, text)
            return name == text ? text : "\(name) (\(text))"
        }
        return data.sorted { $0.key < $1.key }.map { key, value in
            let text = value.stringValue.map { readable(key, $0) }
                ?? value.arrayValue.map { $0.map { $0.stringValue.map { readable(key, $0) } ?? $0.canonicalString }.joined(separator: ", ") }
                ?? value.canonicalString
            return "  \(key): \(text)"
        }.joined(separator: "\n")
    }

    static let list = Command(
        ["instance", "list"], "List instances, newest first, a page at a time.",
        options: [OptionSpec("workflow", takesValue: true, valueName: "NAME", help: "Only this workflow."),
                  OptionSpec("state", takesValue: true, valueName: "STATE", help: "Only instances in this state.")] + pagingOptions(after: "N")
    ) { inv in
        try inv.expectPositionals(atMost: 0)
        let request = try inv.pageRequest()
        let app = try inv.app
        let page = try app.recordsPage(workflow: inv.arguments.value("workflow"), state: inv.arguments.value("state"), request, for: try inv.viewer)
        inv.outputPage(page, request, name: "instances", order: "newest first", none: "No instances.", json: { $0.json(app.time) }) {
            "\($0.id)  \($0.state)  version \($0.version)  updated \(app.time.inWords($0.updatedAt))"
        }
    }
}
