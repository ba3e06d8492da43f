import Foundation
import ArgumentParsing
import Services
import Engine

/// `flourish workflow validate|list|show|migrate`.
enum WorkflowCommands {
    static let all: [Command] = [validate, list, show, migrate]

    static let validate = Command(
        ["workflow", "validate"], "Check workflow definition files and report every problem.",
        arguments: "FILE...",
        discussion: "Each problem is printed as FILE:LINE:COLUMN: error[CODE] at POINTER: what is wrong, then what to do.\nExits 1 if any file has a problem; prints a one-line summary per valid file and exits 0 otherwise.",
        options: [OptionSpec("schema-only", help: "Check only against the JSON Schema.")],
        needsApp: false
    ) { inv in
        guard !inv.positionals.isEmpty else { throw UsageError("missing FILE: name one or more definition files") }
        let directory = try WorkflowLibrary.locate(explicit: inv.arguments.value("workflows"), environment: inv.environment)
        let schema = try WorkflowLibrary.readJSON(directory.appendingPathComponent("schema/workflow.schema.json"))
        let catalog = RoleCatalog(json: try WorkflowLibrary.readJSON(directory.appendingPathComponent("roles.json")))
        let loader = DefinitionLoader(schema: schema, catalog: catalog)
        let shipped = Set(WorkflowLibrary.files(in: directory, suffix: ".workflow.json").compactMap {
            try? JSONValue.parse(String(contentsOf: $0, encoding: .utf8))["name"]?.stringValue
        })
        let given = Set(inv.positionals.compactMap { try? JSONValue.parse(String(contentsOfFile: $0, encoding: .utf8))["name"]?.stringValue })
        var failed = false
        var results: [JSONValue] = []
        for file in inv.positionals {
            guard let data = FileManager.default.contents(atPath: file) else {
                failed = true
                let problem = DefinitionProblem(file: file, location: SourceLocation(line: 1, column: 1), pointer: "", code: "unreadable",
                                                message: "The file cannot be read.", hint: "Check the path and permissions.")
                results.append(["file": .string(file), "valid": false, "problems": [problem.json]])
                if !inv.isJSON { FileHandle.standardError.write(Data((problem.description + "\n").utf8)) }
                continue
            }
            guard let text = String(data: data, encoding: .utf8) else {
                failed = true
                let problem = DefinitionProblem(file: file, location: SourceLocation(line: 1, column: 1), pointer: "", code: "malformed-json",
                                                message: "The file is not UTF-8 text.", hint: "Save it as UTF-8.")
                results.append(["file": .string(file), "valid": false, "problems": [problem.json]])
                if !inv.isJSON { FileHandle.standardError.write(Data((problem.description + "\n").utf8)) }
                continue
            }
            do {
                let d = try loader.load(text, file: file, schemaOnly: inv.arguments.flag("schema-only"), knownWorkflows: shipped.union(given))
                results.append(["file": .string(file), "valid": true, "name": .string(d.name), "version": .integer(Int64(d.version)),
                                "states": .integer(Int64(d.states.count)), "transitions": .integer(Int64(d.transitions.count))])
                if !inv.isJSON {
                    inv.say("\(file): ok: \(d.name) version \(d.version), \(d.states.count) states, \(d.transitions.count) transitions")
                }
            } catch let error as DefinitionError {
                failed = true
                results.append(["file": .string(file), "valid": false, "problems": .array(error.problems.map(\.json))])
                if !inv.isJSON {
                    for p in error.problems { FileHandle.standardError.write(Data((p.description + "\n").utf8)) }
                }
            }
        }
        if inv.isJSON { inv.emit(.array(results)) }
        if failed { throw ExitStatus(code: 1) }
    }

    static let list = Command(["workflow", "list"], "List the installed workflows and their versions.") { inv in
        let app = try inv.app
        let defs = app.workflowDefinitions
        inv.output(.array(defs.map { d in
            ["name": .string(d.name), "version": .integer(Int64(d.version)), "title": .string(d.title),
             "versions": .array(app.workflowVersions(of: d.name).map { .integer(Int64($0.version)) }),
             "states": .integer(Int64(d.states.count)), "transitions": .integer(Int64(d.transitions.count))]
        })) {
            defs.map { d in
                let versions = app.workflowVersions(of: d.name).map { String($0.version) }.joined(separator: ", ")
                return "\(d.name)  version \(d.version)  \(d.title)  (\(d.states.count) states, \(d.transitions.count) transitions; installed versions: \(versions))"
            }.joined(separator: "\n")
        }
    }

    static let show = Command(
        ["workflow", "show"], "Print a workflow's states and transitions, or draw it.",
        arguments: "NAME",
        options: [OptionSpec("format", takesValue: true, valueName: "text|dot|mermaid", help: "text (default), Graphviz DOT, or a Mermaid state diagram."),
                  OptionSpec("version", takesValue: true, valueName: "N", help: "A given installed version (default: the newest).")]
    ) { inv in
        let name = try inv.positional(0, "NAME: the workflow's name (see 'flourish workflow list')")
        try inv.expectPositionals(atMost: 1)
        let d = try inv.app.workflowDefinition(name, version: try inv.integer("version"))
        switch inv.arguments.value("format") ?? "text" {
        case "text": inv.output(d.source) { d.outline }
        case "dot": print(d.dot, terminator: "")
        case "mermaid": print(d.mermaid, terminator: "")
        case let other: throw UsageError("--format takes text, dot or mermaid, not '\(other)'")
        }
    }

    static let migrate = Command(
        ["workflow", "migrate"], "Move live instances of older versions onto the newest version.",
        arguments: "NAME",
        discussion: "Refused, with nothing changed, when an instance's state is missing from the new version and no --map covers it.\nWith --dry-run, prints which instances would move where and writes nothing.",
        options: [OptionSpec("map", takesValue: true, repeatable: true, valueName: "OLD=NEW", help: "Move instances in state OLD to state NEW."),
                  OptionSpec("dry-run", help: "Show the plan; change nothing.")]
    ) { inv in
        let name = try inv.positional(0, "NAME: the workflow's name")
        try inv.expectPositionals(atMost: 1)
        var mapping: [String: String] = [:]
        for item in inv.arguments.values["map"] ?? [] {
            let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { throw UsageError("--map takes OLD=NEW (got '\(item)')") }
            mapping[parts[0]] = parts[1]
        }
        let app = try inv.app
        let dryRun = inv.arguments.flag("dry-run")
        let plan = dryRun ? try app.migrationPlan(name, mapping: mapping) : try app.migrate(name, mapping: mapping, by: inv.actor.id)
        let json: JSONValue = ["workflow": .string(plan.workflow), "toVersion": .integer(Int64(plan.toVersion)), "dryRun": .bool(dryRun),
                               "moves": .array(plan.moves.map { m in
                                   ["instance": .string(m.instance.rawValue), "fromVersion": .integer(Int64(m.fromVersion)),
                                    "fromState": .string(m.fromState), "toState": m.toState.map(JSONValue.string) ?? .null]
                               })]
        inv.output(json) {
            var lines = [dryRun ? "Dry run: nothing was changed." : "Moved \(plan.moves.count) instance\(plan.moves.count == 1 ? "" : "s") to \(plan.workflow) version \(plan.toVersion)."]
            if plan.moves.isEmpty { lines.append("No live instances run on an older version of \(plan.workflow).") }
            for m in plan.moves {
                lines.append("  \(m.instance): version \(m.fromVersion) \(m.fromState) -> version \(plan.toVersion) \(m.toState ?? "STRANDED (no such state; give --map \(m.fromState)=NEW)")")
            }
            return lines.joined(separator: "\n")
        }
        if dryRun && !plan.stranded.isEmpty { throw ExitStatus(code: 1) }
    }
}
