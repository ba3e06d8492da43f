import Foundation
import ArgumentParsing
import Services
import Domain
import Engine

/// `flourish voice record|respond|list|show|search|members|add-member|remove-member`: the
/// "You said, we did" register of participation groups.
enum VoiceCommands {
    static let all: [Command] = [record, respond, list, show, search, members, addMember, removeMember]

    static let record = Command(
        ["voice", "record"], "Record what a participation group said to a body it speaks to, in the group's words (its adult lead, or the secretariat).",
        discussion: "The body's response is due the partnership's number of working days from today (its file's voice.responseWorkingDays); its chair is told now, reminded before the day, and past it the chair and the secretariat are told and it comes back on the body's agenda.\nName nobody: the entry is public. Search first: 'flourish voice search \"QUESTION\"'.",
        options: [OptionSpec("group", takesValue: true, valueName: "BODY", help: "The participation group (required)."),
                  OptionSpec("to", takesValue: true, valueName: "BODY", help: "The body it was said to, one the group speaks to (required)."),
                  OptionSpec("heard-on", takesValue: true, valueName: "YYYY-MM-DD", help: "The day the group said it (required)."),
                  OptionSpec("question", takesValue: true, valueName: "TEXT", help: "The question the group was asked, or what it raised (required)."),
                  OptionSpec("said", takesValue: true, valueName: "TEXT", help: "What the group said, in its words (required)."),
                  OptionSpec("areas", takesValue: true, valueName: "AREA,...", help: "FLOURISH areas it is about."),
                  OptionSpec("priorities", takesValue: true, valueName: "KEY,...", help: "Priorities it is about.")]
    ) { inv in
        try inv.expectPositionals(atMost: 0)
        let app = try inv.app
        let e = try app.recordVoice(group: try inv.required("group", "BODY"), body: try inv.required("to", "BODY"), heardOn: try inv.required("heard-on", "YYYY-MM-DD"),
                                    question: try inv.required("question", "TEXT"), said: try inv.required("said", "TEXT"),
                                    areas: ActionCommands.list(inv.arguments.value("areas")), priorities: ActionCommands.list(inv.arguments.value("priorities")), by: inv.actor.id)
        inv.output(json(e)) { "Recorded \(e.id): what \(app.displayName("body", e.group)) said to \(app.displayName("body", e.body)). The response is due by \(e.respondBy?.inWords ?? "?"); the body's chair is told." }
    }

    static let respond = Command(
        ["voice", "respond"], "Publish a body's response to what a participation group said (its chair, or the secretariat for it).", arguments: "ENTRY",
        options: [OptionSpec("outcome", takesValue: true, valueName: "we-did|we-could-not", help: "Whether something changed (required)."),
                  OptionSpec("response", takesValue: true, valueName: "TEXT", help: "What was done, or why it could not be, written for the group (required)."),
                  OptionSpec("shaped", takesValue: true, valueName: "ID,...", help: "Actions, escalations, pledges or report sections the view shaped.")]
    ) { inv in
        let id = try inv.onlyRecord("ENTRY: e.g. voice-12")
        let app = try inv.app
        let e = try app.respondToVoice(RecordID(id), outcome: try inv.required("outcome", "we-did|we-could-not"), response: try inv.required("response", "TEXT"),
                                       shaped: ActionCommands.list(inv.arguments.value("shaped")), by: inv.actor.id)
        inv.output(json(e)) { "Published the response to \(e.id) on \(app.displayName("body", e.group))'s page" + (e.shaped.isEmpty ? "" : ", linked to \(e.shaped.joined(separator: ", "))") + "; its lead is told." }
    }

    static let list = Command(
        ["voice", "list"], "List the register: overdue responses first, then those waiting, then those answered.",
        options: [OptionSpec("group", takesValue: true, valueName: "BODY", help: "Only this participation group's."),
                  OptionSpec("to", takesValue: true, valueName: "BODY", help: "Only what was said to this body.")]
    ) { inv in
        try inv.expectPositionals(atMost: 0)
        let app = try inv.app
        let entries = try app.voiceEntries(group: inv.arguments.value("group"), body: inv.arguments.value("to"), for: try inv.viewer)
        inv.output(.array(entries.map(json))) {
            entries.isEmpty ? "Nothing recorded." : entries.map { e in
                "\(e.id)  \(e.state)  \(app.displayName("body", e.group)) to \(app.displayName("body", e.body))  " + (e.outcome.map { "\($0.inWords)" } ?? "respond by \(e.respondBy?.inWords ?? "?")") + "  \(e.question)"
            }.joined(separator: "\n")
        }
    }

    static let show = Command(["voice", "show"], "Show one entry: what was said, and the response or when it is due.", arguments: "ENTRY") { inv in
        let id = try inv.onlyRecord("ENTRY: e.g. voice-12")
        let app = try inv.app
        let viewer = try inv.viewer
        let e = try app.voiceEntry(RecordID(id), for: viewer)
        let shaped = try app.shapedRecords(of: e, for: viewer)
        inv.output(json(e)) {
            var lines = ["\(e.question)", "  \(app.displayName("body", e.group)) said to \(app.displayName("body", e.body)) on \(e.heardOn?.inWords ?? "?"):", "  \"\(e.said)\""]
            if let outcome = e.outcome, let response = e.response {
                lines.append("  \(outcome.inWords): \(response)")
                lines += shaped.map { "  It shaped the \($0.kind) \($0.id)" + ($0.title.map { " (\($0)) " } ?? " ") + "of \($0.owner)" }
            } else {
                lines.append("  Response due by \(e.respondBy?.inWords ?? "?")" + (e.state == .overdue ? " (overdue)" : ""))
            }
            return lines.joined(separator: "\n")
        }
    }

    static let search = Command(
        ["voice", "search"], "Before putting a question to a group: when it, or something like it, was asked before, and what came back.", arguments: "QUESTION"
    ) { inv in
        let question = inv.arguments.positionals.joined(separator: " ")
        guard !question.trimmingCharacters(in: .whitespaces).isEmpty else { throw UsageError("give the question to search for, e.g. flourish voice search \"How could waiting for help be better?\"") }
        let app = try inv.app
        let found = try app.earlierQuestions(like: question)
        inv.output(.array(found.map { q in
            var j = json(q.entry)
            if case .object(var o) = j { o["likeness"] = .double((q.likeness * 100).rounded() / 100); j = .object(o) }
            return j
        })) {
            found.isEmpty ? "No earlier question like it." : found.map { q in
                let e = q.entry
                return "\(e.id)  asked of \(app.displayName("body", e.group)) on \(e.heardOn?.inWords ?? "?"): \(e.question)\n    They said: \(e.said)\n    " + (e.response.map { "\(e.outcome?.inWords ?? "Response"): \($0)" } ?? "No response yet.")
            }.joined(separator: "\n")
        }
    }

    static let members = Command(
        ["voice", "members"], "List a participation group's members: chosen names only (its adult lead, or the secretariat).",
        options: [OptionSpec("group", takesValue: true, valueName: "BODY", help: "The participation group (required).")]
    ) { inv in
        try inv.expectPositionals(atMost: 0)
        let people = try inv.app.participants(of: try inv.required("group", "BODY"), for: try inv.viewer)
        inv.output(.array(people.map { p in .object(["id": .integer(Int64(p.id)), "name": .string(p.name), "joinedOn": .string(p.joinedOn?.description ?? "")]) })) {
            people.isEmpty ? "No members recorded." : people.map { "\($0.id)  \($0.name)  joined \($0.joinedOn?.inWords ?? "?")" }.joined(separator: "\n")
        }
    }

    static let addMember = Command(
        ["voice", "add-member"], "Add a member to a participation group by the name they choose: no surname, email or phone number.",
        options: [OptionSpec("group", takesValue: true, valueName: "BODY", help: "The participation group (required)."),
                  OptionSpec("name", takesValue: true, valueName: "NAME", help: "A first name or chosen name, up to 40 characters (required).")]
    ) { inv in
        try inv.expectPositionals(atMost: 0)
        let app = try inv.app
        let group = try inv.required("group", "BODY")
        let p = try app.addParticipant(to: group, name: try inv.required("name", "NAME"), by: inv.actor.id)
        inv.output(.object(["id": .integer(Int64(p.id)), "name": .string(p.name)])) { "\(p.name) is a member of \(app.displayName("body", group)) (member \(p.id))." }
    }

    static let removeMember = Command(
        ["voice", "remove-member"], "A member leaves a participation group: their chosen name is deleted.",
        options: [OptionSpec("group", takesValue: true, valueName: "BODY", help: "The participation group (required)."),
                  OptionSpec("member", takesValue: true, valueName: "N", help: "The member's number, from 'flourish voice members' (required).")]
    ) { inv in
        try inv.expectPositionals(atMost: 0)
        let app = try inv.app
        let group = try inv.required("group", "BODY"), number = try inv.required("member", "N")
        guard let id = Int(number) else { throw UsageError("--member takes the member's number from 'flourish voice members', e.g. --member 3") }
        try app.removeParticipant(id, from: group, by: inv.actor.id)
        inv.output(.object(["removed": .integer(Int64(id))])) { "Member \(id) has left \(app.displayName("body", group)); their name is no longer kept." }
    }

    static func json(_ e: VoiceEntry) -> JSONValue {
        var o: [String: JSONValue] = [
            "id": .string(e.id.rawValue), "state": .string(e.state.rawValue), "group": .string(e.group), "body": .string(e.body),
            "heardOn": .string(e.heardOn?.description ?? ""), "question": .string(e.question), "said": .string(e.said),
            "areas": .array(e.areas.map(JSONValue.string)), "priorities": .array(e.priorities.map(JSONValue.string)),
            "respondBy": .string(e.respondBy?.description ?? ""), "shaped": .array(e.shaped.map(JSONValue.string)),
        ]
        if let outcome = e.outcome { o["outcome"] = .string(outcome.rawValue) }
        if let response = e.response { o["response"] = .string(response) }
        return .object(o)
    }
}
