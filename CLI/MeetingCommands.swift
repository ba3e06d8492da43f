import Foundation
import ArgumentParsing
import Services
import Domain
import Engine

/// `flourish meeting schedule|add-item|agenda|hold|list`: a body's meetings and their agendas.
enum MeetingCommands {
    static let all: [Command] = [schedule, addItem, agenda, hold, cancel, list]

    static let schedule = Command(
        ["meeting", "schedule"], "Schedule a meeting of a body (its chair, or the secretariat).",
        options: [OptionSpec("body", takesValue: true, valueName: "BODY", help: "The body meeting (required)."),
                  OptionSpec("at", takesValue: true, valueName: "DATETIME", help: "When, e.g. 2027-01-14T10:00 (required)."),
                  OptionSpec("place", takesValue: true, valueName: "TEXT", help: "Where, or how to join.")]
    ) { inv in
        try inv.expectPositionals(atMost: 0)
        let body = try inv.required("body", "BODY")
        let app = try inv.app
        guard let at = try inv.moment("at") else { throw UsageError("missing --at DATETIME") }
        let m = try app.scheduleMeeting(of: body, at: at, place: inv.arguments.value("place") ?? "", by: inv.actor.id)
        inv.output(json(m, app)) { "Scheduled \(m.id): \(app.displayName("body", m.group)) meets \(m.startsAt.map { app.time.inWords($0) } ?? "")\(m.place.map { ", \($0)" } ?? "")." }
    }

    static let addItem = Command(
        ["meeting", "add-item"], "Add an item to a scheduled meeting's agenda.", arguments: "MEETING",
        options: [OptionSpec("item", takesValue: true, valueName: "TEXT", help: "The item (required).")]
    ) { inv in
        let id = try inv.onlyRecord("MEETING: e.g. meeting-60")
        let app = try inv.app
        let m = try app.addAgendaItem(RecordID(id), item: try inv.required("item", "TEXT"), by: inv.actor.id)
        inv.output(json(m, app)) { "Added to \(m.id)'s agenda; it has \(m.items.count) item\(m.items.count == 1 ? "" : "s") added by hand." }
    }

    static let agenda = Command(
        ["meeting", "agenda"], "Print a meeting's agenda, built from what waits for its body.", arguments: "MEETING"
    ) { inv in
        let id = try inv.onlyRecord("MEETING: e.g. meeting-60")
        let app = try inv.app
        let a = try app.agenda(RecordID(id), for: try inv.viewer)
        inv.output(["meeting": json(a.meeting, app), "escalations": .array(a.escalations.map { .string($0.escalation.escalation.id.rawValue) }),
                    "latePlans": .array(a.latePlans.map { .string($0.escalation.id.rawValue) }),
                    "voiceOwed": .array(a.voiceOwed.map { .string($0.id.rawValue) }),
                    "highlightReports": .array(a.highlightReports.map { ["group": .string($0.group.key), "openActions": .integer(Int64($0.openActions)),
                                                                         "overdue": .integer(Int64($0.overdue.count)), "red": .integer(Int64($0.red)),
                                                                         "overdueSinceLastMeeting": .integer(Int64($0.overdueSince.count)), "redSinceLastMeeting": .integer(Int64($0.redSince.count)),
                                                                         "escalationsOverdue": .array($0.escalationsOverdue.map { .string($0.id.rawValue) })] }),
                    "items": .array(a.items.map(JSONValue.string))]) {
            var lines = ["Agenda: \(app.displayName("body", a.meeting.group)), \(a.meeting.startsAt.map { app.time.inWords($0) } ?? "")"]
            var n = 0
            func item(_ text: String) { n += 1; lines.append("\(n). \(text)") }
            if let p = a.previous, p.state == .held { item("Minutes of the meeting of \(p.startsAt.map { app.time.inWords($0) } ?? "") for approval") }
            item("Escalations waiting for the body's decision: " + (a.escalations.isEmpty ? "none" : ""))
            lines += a.escalations.map { "   \($0.escalation.escalation.id)  \($0.escalation.escalation.title)\($0.overdue ? "  OVERDUE" : "")" }
            if !a.latePlans.isEmpty { item("Decisions whose plans are late:"); lines += a.latePlans.map { "   \($0.escalation.id)  \($0.escalation.title)  \($0.planProgress.done) of \($0.planProgress.of) done" } }
            if !a.voiceOwed.isEmpty {
                item("Responses owed to children and young people (you said, we did):")
                lines += a.voiceOwed.map { "   \($0.id)  \(app.displayName("body", $0.group)): \($0.question)  respond by \($0.respondBy?.inWords ?? "?")\($0.state == .overdue ? "  OVERDUE" : "")" }
            }
            for r in a.highlightReports {
                item("Highlight report, \(r.group.name): \(r.openActions) open actions (\(r.red) red, \(r.redSince.count) newly; \(r.amber) amber, \(r.green) green, \(r.noUpdate) no update); "
                     + "\(r.overdue.count) overdue, \(r.overdueSince.count) since the last meeting; \(r.measuresOutside.count) measures outside tolerance; \(r.escalationsOverdue.count) escalations overdue there")
                lines += r.escalationsOverdue.map { "   \($0.id)  \($0.title)  OVERDUE at \(r.group.name)" }
            }
            if let p = a.pledgesApproved { item("Pledges approved since the last meeting: \(p)") }
            for text in a.items { item(text) }
            return lines.joined(separator: "\n")
        }
    }

    static let hold = Command(
        ["meeting", "hold"], "Record that a meeting was held, who was present and its notes; approve the previous minutes there.", arguments: "MEETING",
        options: [OptionSpec("present", takesValue: true, valueName: "PERSON,...", help: "Who was present (required)."),
                  OptionSpec("notes", takesValue: true, valueName: "TEXT", help: "The notes of the meeting."),
                  OptionSpec("approve-previous", help: "The previous meeting's minutes were approved at this one.")]
    ) { inv in
        let id = try inv.onlyRecord("MEETING: e.g. meeting-60")
        let present = (try inv.required("present", "PERSON,...")).split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let app = try inv.app
        let m = try app.holdMeeting(RecordID(id), present: present, notes: inv.arguments.value("notes") ?? "", approvingPrevious: inv.arguments.flag("approve-previous"), by: inv.actor.id)
        inv.output(json(m, app)) { "Recorded \(m.id) as held, with \(m.present.count) present." + (inv.arguments.flag("approve-previous") ? " The previous minutes are approved." : "") }
    }

    static let cancel = Command(
        ["meeting", "cancel"], "Cancel a scheduled meeting, with the reason.", arguments: "MEETING",
        options: [OptionSpec("reason", takesValue: true, valueName: "TEXT", help: "Why it is cancelled (required).")]
    ) { inv in
        let id = try inv.onlyRecord("MEETING: e.g. meeting-60")
        let reason = try inv.required("reason", "TEXT")
        let app = try inv.app
        let m = try app.cancelMeeting(RecordID(id), reason: reason, by: inv.actor.id)
        inv.output(json(m, app)) { "Cancelled \(m.id); it is no longer in \(app.displayName("body", m.group))'s calendar feed." }
    }

    static let list = Command(
        ["meeting", "list"], "List meetings you may see, in time order.",
        options: [OptionSpec("body", takesValue: true, valueName: "BODY", help: "Only this body's.")]
    ) { inv in
        try inv.expectPositionals(atMost: 0)
        let app = try inv.app
        let all = try app.meetings(of: inv.arguments.value("body"), for: try inv.viewer)
        inv.output(.array(all.map { json($0, app) })) {
            all.isEmpty ? "No meetings." : all.map { "\($0.id)  \($0.state)  \(app.displayName("body", $0.group))  \($0.startsAt.map { app.time.inWords($0) } ?? "")" }.joined(separator: "\n")
        }
    }

    static func json(_ m: Meeting, _ app: Flourish) -> JSONValue {
        ["id": .string(m.id.rawValue), "state": .string(m.state.rawValue), "body": .string(m.group), "startsAt": m.startsAt.map { .string(app.time.localTimestamp($0)) } ?? .null,
         "place": m.place.map(JSONValue.string) ?? .null, "items": .array(m.items.map(JSONValue.string)), "present": .array(m.present.map(JSONValue.string))]
    }
}
