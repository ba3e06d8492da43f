internal import Foundation

/// Reads workflow definitions and checks them before use.
///
/// Checks run in three passes: the JSON must be well formed; it must match the JSON Schema
/// (`Workflows/schema/workflow.schema.json`); then what a schema cannot say: unknown,
/// unreachable and dead-end states, an event with two transitions from one state, unknown
/// roles and relations, bad durations, timers started for events nothing handles. Every
/// problem is reported, not only the first.
public struct DefinitionLoader: Sendable {
    public let schema: JSONSchemaChecker
    public let catalog: RoleCatalog

    public init(schema: JSONValue, catalog: RoleCatalog) {
        self.schema = JSONSchemaChecker(schema: schema)
        self.catalog = catalog
    }

    /// Loads one definition from its text.
    ///
    /// - Parameters:
    ///   - text: the file's contents.
    ///   - file: the file's name, for messages.
    ///   - schemaOnly: stop after the schema pass.
    ///   - knownWorkflows: names an `open` effect may start; nil skips that check.
    /// - Throws: ``DefinitionError`` with every problem found.
    public func load(_ text: String, file: String, schemaOnly: Bool = false, knownWorkflows: Set<String>? = nil) throws -> WorkflowDefinition {
        let document: JSONDocument
        do {
            document = try JSONDocument.parse(text)
        } catch let error as JSONSyntaxError {
            throw DefinitionError(problems: [DefinitionProblem(file: file, location: error.location, pointer: "", code: "malformed-json",
                                                               message: "The file is not valid JSON: \(error.message).",
                                                               hint: "Fix the JSON syntax at this line and column.")])
        }
        var problems: [DefinitionProblem] = []
        func report(_ pointer: String, _ code: String, _ message: String, _ hint: String) {
            problems.append(DefinitionProblem(file: file, location: document.location(of: pointer), pointer: pointer, code: code, message: message, hint: hint))
        }
        for violation in schema.violations(of: document.root) {
            report(violation.pointer, "schema", "The element \(violation.message).", "See Workflows/schema/workflow.schema.json for the format.")
        }
        if !problems.isEmpty || schemaOnly {
            if problems.isEmpty { return try build(document.root) }
            throw DefinitionError(problems: problems)
        }
        checkSemantics(document.root, knownWorkflows: knownWorkflows, report: report)
        if !problems.isEmpty { throw DefinitionError(problems: problems) }
        return try build(document.root)
    }

    // MARK: - Semantic checks

    private func checkSemantics(_ root: JSONValue, knownWorkflows: Set<String>?, report: (String, String, String, String) -> Void) {
        let states = root["states"]?.objectValue ?? [:]
        let stateNames = Set(states.keys)
        let known = stateNames.sorted().joined(separator: ", ")
        func checkState(_ name: String, _ pointer: String) {
            if !stateNames.contains(name) {
                report(pointer, "unknown-state", "The state \"\(name)\" is not declared in \"states\".", "Declare it under \"states\", or use one of: \(known).")
            }
        }
        let initial = root["initial"]?.stringValue ?? ""
        checkState(initial, "/initial")
        let finals = root["final"]?.arrayValue?.compactMap(\.stringValue) ?? []
        for (i, f) in finals.enumerated() { checkState(f, "/final/\(i)") }
        let transitions = root["transitions"]?.arrayValue ?? []
        var outgoing: [String: Int] = [:]
        var edges: [String: Set<String>] = [:]
        var seen: [String: Int] = [:]  // "state event" → transition index
        var timerEvents: [(event: String, pointer: String)] = []
        var startedTimers = Set<String>()
        var handledBySystem = Set<String>()
        var cancelledTimers: [(name: String, pointer: String)] = []
        func checkEffects(_ effects: [JSONValue], at pointer: String) {
            for (e, effect) in effects.enumerated() {
                let ep = pointer + "/\(e)"
                if let timer = effect["startTimer"] {
                    if let name = timer["name"]?.stringValue { startedTimers.insert(name) }
                    if let timerEvent = timer["event"]?.stringValue { timerEvents.append((timerEvent, ep + "/startTimer/event")) }
                    let ways = ["after", "afterWorkingDays", "at"].filter { timer[$0] != nil }
                    if ways.count != 1 {
                        report(ep + "/startTimer", "bad-timer", "A timer needs exactly one of \"after\", \"afterWorkingDays\" or \"at\" (it has \(ways.isEmpty ? "none" : ways.joined(separator: " and "))).", "Say when it falls due in one way.")
                    }
                    for key in ["after", "offset"] {
                        if let text = timer[key]?.stringValue, ISODuration(text) == nil {
                            report(ep + "/startTimer/\(key)", "bad-duration", "\"\(text)\" is not an ISO 8601 duration.", "Write it like P1Y, P6M, P2W, P10D or PT12H.")
                        }
                    }
                    if timer["offset"] != nil && timer["at"] == nil {
                        report(ep + "/startTimer/offset", "bad-timer", "\"offset\" only applies to a timer with \"at\".", "Remove it, or use \"at\".")
                    }
                }
                if let open = effect["open"]?["workflow"]?.stringValue, let knownWorkflows, !knownWorkflows.contains(open) {
                    report(ep + "/open/workflow", "unknown-workflow", "The workflow \"\(open)\" is not defined.", "Use one of: \(knownWorkflows.sorted().joined(separator: ", ")).")
                }
                if let to = effect["notify"]?["to"] {
                    if let role = to["role"]?.stringValue, catalog.roles[role] == nil {
                        report(ep + "/notify/to/role", "unknown-role", "The role \"\(role)\" is not in Workflows/roles.json.", "Use one of: \(catalog.roles.keys.sorted().joined(separator: ", ")).")
                    }
                    if let relation = to["relation"]?.stringValue, catalog.relations[relation] == nil {
                        report(ep + "/notify/to/relation", "unknown-relation", "The relation \"\(relation)\" is not in Workflows/roles.json.", "Use one of: \(catalog.relations.keys.sorted().joined(separator: ", ")).")
                    }
                }
                if let cancelled = effect["cancelTimer"]?.stringValue { cancelledTimers.append((cancelled, ep + "/cancelTimer")) }
                if let hook = effect["call"]?.stringValue, catalog.hooks[hook] == nil {
                    report(ep + "/call", "unknown-hook", "The hook \"\(hook)\" is not in Workflows/roles.json.", "Use one of: \(catalog.hooks.keys.sorted().joined(separator: ", ")).")
                }
            }
        }
        func checkAuthorities(_ list: [JSONValue], at pointer: String, event: String?) {
            for (a, authority) in list.enumerated() {
                if let role = authority["role"]?.stringValue {
                    if catalog.roles[role] == nil {
                        report(pointer + "/\(a)/role", "unknown-role", "The role \"\(role)\" is not in Workflows/roles.json.", "Use one of: \(catalog.roles.keys.sorted().joined(separator: ", ")), or add it to roles.json.")
                    }
                    if role == "system", let event { handledBySystem.insert(event) }
                }
                if let relation = authority["relation"]?.stringValue, catalog.relations[relation] == nil {
                    report(pointer + "/\(a)/relation", "unknown-relation", "The relation \"\(relation)\" is not in Workflows/roles.json.", "Use one of: \(catalog.relations.keys.sorted().joined(separator: ", ")), or add it to roles.json.")
                }
            }
        }
        for (i, t) in transitions.enumerated() {
            let p = "/transitions/\(i)"
            let event = t["event"]?.stringValue ?? ""
            let to = t["to"]?.stringValue ?? ""
            checkState(to, p + "/to")
            checkAuthorities(t["by"]?.arrayValue ?? [], at: p + "/by", event: event)
            for (j, from) in (t["from"]?.arrayValue?.compactMap(\.stringValue) ?? []).enumerated() {
                checkState(from, p + "/from/\(j)")
                if finals.contains(from) {
                    report(p + "/from/\(j)", "transition-from-final", "The transition \"\(event)\" leaves the final state \"\(from)\"; a final state has no way out.", "Remove \"\(from)\" from \"from\", or from \"final\".")
                }
                outgoing[from, default: 0] += 1
                edges[from, default: []].insert(to)
                let key = from + " " + event
                if let first = seen[key] {
                    report(p + "/event", "duplicate-transition", "The event \"\(event)\" already has a transition from \"\(from)\" (transition \(first)).", "Give each event at most one transition from each state.")
                } else {
                    seen[key] = i
                }
            }
            let fields = t["fields"]?.objectValue ?? [:]
            checkFields(fields, pointer: p + "/fields", report: report)
            checkEffects(t["effects"]?.arrayValue ?? [], at: p + "/effects")
        }
        checkFields(root["startFields"]?.objectValue ?? [:], pointer: "/startFields", report: report)
        checkAuthorities(root["startedBy"]?.arrayValue ?? [], at: "/startedBy", event: nil)
        checkEffects(root["startEffects"]?.arrayValue ?? [], at: "/startEffects")
        for (name, pointer) in cancelledTimers where !startedTimers.contains(name) {
            report(pointer, "unknown-timer", "No effect starts a timer named \"\(name)\".", "Cancel a timer that a startTimer effect names.")
        }
        for (event, pointer) in timerEvents where !handledBySystem.contains(event) {
            report(pointer, "timer-event-unhandled", "The timer fires \"\(event)\", but no transition on \"\(event)\" may be fired by the role \"system\".", "Add a transition on \"\(event)\" with \"by\": [{\"role\": \"system\"}].")
        }
        // Reachability from the initial state.
        if stateNames.contains(initial) {
            var reached: Set<String> = [initial]
            var queue = [initial]
            while let s = queue.popLast() {
                for next in edges[s] ?? [] where reached.insert(next).inserted { queue.append(next) }
            }
            for name in stateNames.sorted() where !reached.contains(name) {
                report("/states/" + jsonPointerEscape(name), "unreachable-state", "The state \"\(name)\" cannot be reached from the initial state \"\(initial)\".", "Add a transition into it, or remove it.")
            }
        }
        for name in stateNames.sorted() where !finals.contains(name) && outgoing[name, default: 0] == 0 {
            report("/states/" + jsonPointerEscape(name), "dead-end-state", "The state \"\(name)\" is not final and has no transition out of it, so an instance there would be stuck.", "Add a transition from it, or list it in \"final\".")
        }
    }

    private func checkFields(_ fields: [String: JSONValue], pointer: String, report: (String, String, String, String) -> Void) {
        for (name, spec) in fields {
            let at = pointer + "/" + jsonPointerEscape(name)
            if spec["values"] != nil, let type = spec["type"]?.stringValue, type != "string" {
                report(at + "/values", "bad-field", "Only a \"string\" field can list \"values\" (this one is \(type)).", "Make it a string field, or drop \"values\".")
            }
            // A list a caller fills must be bounded, or one request can store megabytes.
            let isList = spec["type"]?.stringValue == "string-list"
            if isList, spec["maxItems"] == nil || spec["maxItemLength"] == nil {
                report(at, "unbounded-list", "The list field \"\(name)\" needs \"maxItems\" and \"maxItemLength\".", "Say how many values it may hold and how long each may be, such as \"maxItems\": 20, \"maxItemLength\": 80.")
            }
            for key in ["maxItems", "maxItemLength"] where !isList && spec[key] != nil {
                report(at + "/" + key, "bad-field", "Only a \"string-list\" field can have \"\(key)\".", "Drop it, or use \"maxLength\" for a string field.")
            }
        }
    }

    // MARK: - Building the model

    private func build(_ root: JSONValue) throws -> WorkflowDefinition {
        let states = (root["states"]?.objectValue ?? [:]).reduce(into: [String: StateDefinition]()) { out, pair in
            out[pair.key] = StateDefinition(name: pair.key, title: pair.value["title"]?.stringValue ?? pair.key,
                                            description: pair.value["description"]?.stringValue ?? "")
        }
        let transitions = (root["transitions"]?.arrayValue ?? []).map { t in
            var transition = TransitionDefinition(
                event: t["event"]?.stringValue ?? "",
                title: t["title"]?.stringValue ?? t["event"]?.stringValue ?? "",
                from: t["from"]?.arrayValue?.compactMap(\.stringValue) ?? [],
                to: t["to"]?.stringValue ?? "",
                by: DefinitionLoader.authorities(t["by"]),
                fields: DefinitionLoader.fields(t["fields"]),
                effects: (t["effects"]?.arrayValue ?? []).compactMap(DefinitionLoader.effect))
            transition.sets = t["set"]?.objectValue ?? [:]
            return transition
        }
        return WorkflowDefinition(
            name: root["name"]?.stringValue ?? "",
            version: root["version"]?.intValue ?? 1,
            title: root["title"]?.stringValue ?? "",
            description: root["description"]?.stringValue ?? "",
            states: states,
            initial: root["initial"]?.stringValue ?? "",
            finalStates: Set(root["final"]?.arrayValue?.compactMap(\.stringValue) ?? []),
            startFields: DefinitionLoader.fields(root["startFields"]),
            startedBy: DefinitionLoader.authorities(root["startedBy"]),
            startEffects: (root["startEffects"]?.arrayValue ?? []).compactMap(DefinitionLoader.effect),
            transitions: transitions,
            digest: SHA256.hex(DefinitionLoader.withoutCallerRules(root).canonicalString),
            source: root)
    }

    /// Field settings that are rules about what callers may send, not the lifecycle: which
    /// fields only Flourish sets, and how long a list may be. Left out of the digest, so
    /// changing them applies at once to instances already running on that version.
    /// (`maxLength` predates this and stays in the digest, which databases already record.)
    static let callerRules = ["computed", "maxItems", "maxItemLength"]

    /// The definition without its fields' ``callerRules``, for its digest.
    static func withoutCallerRules(_ root: JSONValue) -> JSONValue {
        func unmarked(_ fields: JSONValue?) -> JSONValue? {
            guard let object = fields?.objectValue else { return fields }
            return .object(object.mapValues { spec in
                guard var s = spec.objectValue else { return spec }
                for rule in callerRules { s[rule] = nil }
                return .object(s)
            })
        }
        guard var object = root.objectValue else { return root }
        if let start = object["startFields"] { object["startFields"] = unmarked(start) }
        if let transitions = object["transitions"]?.arrayValue {
            object["transitions"] = .array(transitions.map { t in
                guard var o = t.objectValue, let fields = o["fields"] else { return t }
                o["fields"] = unmarked(fields)
                return .object(o)
            })
        }
        return .object(object)
    }

    static func authorities(_ json: JSONValue?) -> [Authority] {
        (json?.arrayValue ?? []).compactMap { a in
            if let r = a["role"]?.stringValue { return .role(r) }
            if let r = a["relation"]?.stringValue { return .relation(r) }
            return nil
        }
    }

    static func fields(_ json: JSONValue?) -> [FieldSpec] {
        (json?.objectValue ?? [:]).keys.sorted().map { name in
            let spec = json![name]!
            return FieldSpec(name: name, kind: FieldSpec.Kind(rawValue: spec["type"]?.stringValue ?? "string") ?? .string,
                             isRequired: spec["required"]?.boolValue ?? false,
                             allowedValues: spec["values"]?.arrayValue?.compactMap(\.stringValue),
                             maxLength: spec["maxLength"]?.intValue,
                             maxItems: spec["maxItems"]?.intValue, maxItemLength: spec["maxItemLength"]?.intValue,
                             isComputed: spec["computed"]?.boolValue ?? false)
        }
    }

    static func effect(_ json: JSONValue) -> Effect? {
        if let t = json["startTimer"] {
            let delay: TimerDelay
            if let after = t["after"]?.stringValue.flatMap(ISODuration.init) { delay = .after(after) }
            else if let days = t["afterWorkingDays"]?.intValue { delay = .afterWorkingDays(WorkingDays(days)) }
            else { delay = .atField(t["at"]?.stringValue ?? "", offset: t["offset"]?.stringValue.flatMap(ISODuration.init)) }
            return .startTimer(name: t["name"]?.stringValue ?? "", event: t["event"]?.stringValue ?? "", delay: delay)
        }
        if let name = json["cancelTimer"]?.stringValue { return .cancelTimer(name: name) }
        if let n = json["notify"] {
            let to: Recipient
            if let r = n["to"]?["role"]?.stringValue { to = .role(r) }
            else if let r = n["to"]?["relation"]?.stringValue { to = .relation(r) }
            else { to = .field(n["to"]?["field"]?.stringValue ?? "") }
            return .notify(template: n["template"]?.stringValue ?? "", to: to, subject: n["subject"]?.stringValue ?? "", body: n["body"]?.stringValue ?? "")
        }
        if let hook = json["call"]?.stringValue { return .call(hook: hook) }
        if let o = json["open"] {
            return .open(workflow: o["workflow"]?.stringValue ?? "", data: (o["data"]?.objectValue ?? [:]).compactMapValues(\.stringValue))
        }
        return nil
    }
}
