import Foundation
import ArgumentParsing
import Services
import Domain
import Engine

/// `flourish tree`, `flourish governance principles`, `flourish group add|retire|list|log`, `flourish framework`.
enum GovernanceCommands {
    static let all: [Command] = [tree, principles, principlesAgreed, groupAdd, groupRetire, groupList, groupLog, framework]

    static let principles = Command(
        ["governance", "principles"], "Show the escalation principles in force, each saying where it comes from.",
        discussion: "A rule quoted from the strategy names its document and section; any other is a default, to be agreed by the partnership."
    ) { inv in
        try inv.expectPositionals(atMost: 0)
        let app = try inv.app
        let statements = try app.principleStatements()
        let versions = try app.principlesVersions(), inForce = try app.principlesInForce()
        inv.output(["inForce": .integer(Int64(inForce.version)), "agreedOn": inForce.agreedOn.map { .string($0.description) } ?? .null,
                    "minute": inForce.minute.map(JSONValue.string) ?? .null, "rules": .array(statements.map(\.json)),
                    "versions": .array(versions.map { v in ["version": .integer(Int64(v.version)), "inForceFrom": .string(app.time.localTimestamp(v.inForceFrom)),
                                                           "agreedOn": v.agreedOn.map { .string($0.description) } ?? .null] })]) {
            var lines = ["Escalation principles of \(app.partnership.name): \(app.principlesStanding(inForce))."]
            if versions.count > 1 {
                lines.append("Earlier versions (escalations started under one keep its rules): " + versions.filter { $0.version != inForce.version }.map { app.principlesStanding($0) }.joined(separator: "; ") + ".")
            }
            for s in statements {
                lines.append("")
                lines.append("\(s.name) [\(s.sourceInWords.lowercased())]")
                lines += s.says.map { "  \($0)" }
                if case .strategy(let document, let section, let quote) = s.provenance { lines.append("  \"\(quote)\" (\(document), \(section))") }
                if case .defaultToBeAgreed(let note?) = s.provenance { lines.append("  \(note)") }
            }
            return lines.joined(separator: "\n")
        }
    }

    static let tree = Command(
        ["tree"], "Draw the governance graph as an indented tree (--json for the graph).",
        discussion: "A body with two parents appears under both, marked with the other."
    ) { inv in
        try inv.expectPositionals(atMost: 0)
        let app = try inv.app
        let graph = try app.graphJSON()
        let text = try app.tree()
        inv.output(graph) { text }
    }

    static let principlesAgreed = Command(
        ["governance", "principles-agreed"], "Record that the partnership agreed the escalation principles in force (the secretariat).",
        discussion: "Give the day of the meeting that agreed them and its minute. Escalations started before keep the version they started under;\nonce the file's principles change, the new version needs agreeing in turn.",
        options: [OptionSpec("on", takesValue: true, valueName: "YYYY-MM-DD", help: "The day of the meeting that agreed them (required)."),
                  OptionSpec("minute", takesValue: true, valueName: "REF", help: "The minute that records it, such as 2027/01/7.")]
    ) { inv in
        try inv.expectPositionals(atMost: 0)
        let text = try inv.required("on", "YYYY-MM-DD")
        guard let day = CalendarDay(text) else { throw UsageError("--on takes a date written YYYY-MM-DD, such as 2027-01-14 (not \"\(text)\")") }
        let app = try inv.app
        let v = try app.recordPrinciplesAgreed(on: day, minute: inv.arguments.value("minute"), by: inv.actor.id)
        inv.output(["version": .integer(Int64(v.version)), "agreedOn": .string(day.description), "minute": v.minute.map(JSONValue.string) ?? .null]) {
            "Recorded: \(app.principlesStanding(v))."
        }
    }

    static let groupAdd = Command(
        ["group", "add"], "Add a body to the governance graph.",
        arguments: "KEY",
        options: [OptionSpec("name", takesValue: true, valueName: "NAME", help: "Its name (required)."),
                  OptionSpec("kind", takesValue: true, valueName: "KIND", help: "board, subgroup, enabling-group or partner (default subgroup)."),
                  OptionSpec("reports-to", takesValue: true, valueName: "BODY,...", help: "The bodies it reports to (required unless a partner)."),
                  OptionSpec("priority", takesValue: true, valueName: "PRIORITY", help: "The priority it owns, if any."),
                  OptionSpec("description", takesValue: true, valueName: "TEXT", help: "What it is for.")]
    ) { inv in
        let key = try inv.positional(0, "KEY: a key such as youth-justice-board")
        try inv.expectPositionals(atMost: 1)
        let name = try inv.required("name", "NAME")
        let parents = (inv.arguments.value("reports-to") ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let app = try inv.app
        let body = try app.addBody(key: key, name: name, kind: inv.arguments.value("kind") ?? "subgroup", reportsTo: parents,
                                   priority: inv.arguments.value("priority"), description: inv.arguments.value("description") ?? "", by: try inv.viewer)
        inv.output(["key": .string(body.key), "name": .string(body.name), "kind": .string(body.kind.rawValue), "reportsTo": .array(body.reportsTo.map(JSONValue.string))]) {
            "Added \(body.name) (\(body.key)), reporting to \(body.reportsTo.joined(separator: ", "))."
        }
    }

    static let groupRetire = Command(
        ["group", "retire"], "Retire a body; its history is kept.",
        arguments: "KEY",
        discussion: "Refused while the body has open work (actions, escalations) or bodies reporting to it; close or move them first.",
        options: [OptionSpec("reason", takesValue: true, valueName: "TEXT", help: "Why it is retired (required).")]
    ) { inv in
        let key = try inv.positional(0, "KEY: the body's key")
        try inv.expectPositionals(atMost: 1)
        guard let reason = inv.arguments.value("reason"), !reason.isEmpty else { throw UsageError("missing --reason TEXT") }
        let app = try inv.app
        try app.retireBody(key, reason: reason, by: try inv.viewer)
        inv.output(["retired": .string(key)]) { "Retired \(key); its history is kept." }
    }

    static let groupList = Command(
        ["group", "list"], "List the bodies, with retired ones when asked.",
        options: [OptionSpec("all", help: "Include retired bodies.")] + pagingOptions(after: "BODY")
    ) { inv in
        try inv.expectPositionals(atMost: 0)
        let request = try inv.pageRequest()
        let app = try inv.app
        let all = try app.governance.bodies(includingRetired: inv.arguments.flag("all"))
        let active = Set(try app.governance.bodies().map(\.key))
        inv.outputPage(try ListPage(all, request) { $0.key }, request, name: "bodies", none: "No bodies.",
                       json: { ["key": .string($0.key), "name": .string($0.name), "kind": .string($0.kind.rawValue), "retired": .bool(!active.contains($0.key))] }) {
            "\($0.key)  \($0.kind.rawValue)  \($0.name)" + (active.contains($0.key) ? "" : "  (retired)")
        }
    }

    static let groupLog = Command(["group", "log"], "List every change to bodies, people and memberships, newest first: who, when, what.",
                                  options: pagingOptions(after: "N")) { inv in
        try inv.expectPositionals(atMost: 0)
        let request = try inv.pageRequest()
        let app = try inv.app
        let changes = try app.governanceChanges(for: try inv.viewer).reversed()
        inv.outputPage(try ListPage(Array(changes), request) { String($0.id) }, request, name: "changes", order: "newest first", none: "No changes yet.",
                       json: { ["id": .integer($0.id), "at": .string(app.time.localTimestamp($0.at)), "actor": .string($0.actor), "action": .string($0.action), "detail": .string($0.detail)] }) {
            "\($0.id)  \(app.time.inWords($0.at))  \(app.displayName("actor", $0.actor))  \($0.action)  \($0.detail)"
        }
    }

    static let framework = Command(
        ["framework"], "Print the FLOURISH framework: areas, outcomes, determinants and the priorities.",
        options: [OptionSpec("priority", takesValue: true, valueName: "KEY", help: "Only this priority, with its items and success measures.")]
    ) { inv in
        try inv.expectPositionals(atMost: 0)
        let app = try inv.app
        let f = app.framework
        if let key = inv.arguments.value("priority") {
            try f.checkPriority(key)
            let p = f.priorities.first { $0.key == key }!
            inv.output(["key": .string(p.key), "name": .string(p.name),
                        "whatNeedsToHappen": .array(p.whatNeedsToHappen.map { ["key": .string($0.key), "text": .string($0.text)] }),
                        "successMeasures": .array(p.successMeasures.map { ["key": .string($0.key), "text": .string($0.text)] })]) {
                ([p.name + " (\(p.key))", "", "What needs to happen:"] + p.whatNeedsToHappen.map { "  \($0.key)  \($0.text)" }
                    + ["", "Success measures:"] + p.successMeasures.map { "  \($0.key)  \($0.text)" }).joined(separator: "\n")
            }
            return
        }
        inv.output(["key": .string(f.key), "name": .string(f.name),
                    "areas": .array(f.areas.map { ["key": .string($0.key), "letter": .string($0.letter), "name": .string($0.name), "impactStatement": .string($0.impactStatement),
                                                   "outcomes": .array($0.outcomes.map(JSONValue.string)), "determinants": .array($0.determinants.map(JSONValue.string))] }),
                    "universalDeterminants": .array(f.universalDeterminants.map(JSONValue.string)),
                    "priorities": .array(f.priorities.map { ["key": .string($0.key), "name": .string($0.name),
                                                             "items": .integer(Int64($0.whatNeedsToHappen.count)), "successMeasures": .integer(Int64($0.successMeasures.count))] })]) {
            var lines = ["\(f.name)", ""]
            for a in f.areas {
                lines.append("\(a.letter)  \(a.name) (\(a.key)): \(a.impactStatement)")
                lines += a.outcomes.map { "     - \($0)" }
                lines.append("     Determinants: \(a.determinants.joined(separator: "; "))")
            }
            lines += ["", "Universal determinants: \(f.universalDeterminants.joined(separator: "; "))", "", "Priorities:"]
            lines += f.priorities.map { "  \($0.key)  \($0.name): \($0.whatNeedsToHappen.count) things that need to happen, \($0.successMeasures.count) success measures (see --priority \($0.key))" }
            return lines.joined(separator: "\n")
        }
    }
}
