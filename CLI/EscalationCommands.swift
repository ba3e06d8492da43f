import Foundation
import ArgumentParsing
import Services
import Domain
import Engine

/// `flourish escalation raise|acknowledge|decide|list|show|simulate`.
enum EscalationCommands {
    static let all: [Command] = [raise, acknowledge, decide, close, extend, pause, resume, reassign, merge, withdraw, list, show, simulate]

    static func list(_ text: String?) -> [String] {
        (text ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    static let raise = Command(
        ["escalation", "raise"], "Raise an issue from a group; it goes where the escalation principles send it.",
        discussion: "It goes to the raising group's parents, or straight to the alliance when tagged with two or more priorities.\nSee where it would go first with 'flourish escalation simulate --from BODY'.",
        options: [OptionSpec("from", takesValue: true, valueName: "BODY", help: "The raising body (required)."),
                  OptionSpec("title", takesValue: true, valueName: "TEXT", help: "A one-line summary (required)."),
                  OptionSpec("description", takesValue: true, valueName: "TEXT", help: "The detail."),
                  OptionSpec("severity", takesValue: true, valueName: "KEY", help: "low, medium or high (as the partnership defines; required)."),
                  OptionSpec("areas", takesValue: true, valueName: "AREA,...", help: "FLOURISH areas (at least one)."),
                  OptionSpec("priorities", takesValue: true, valueName: "KEY,...", help: "Priorities it concerns."),
                  OptionSpec("function", takesValue: true, valueName: "KEY", help: "A body function the decision belongs to, e.g. commissioning-executive."),
                  OptionSpec("key", takesValue: true, valueName: "KEY", help: "An idempotency key.")]
    ) { inv in
        try inv.expectPositionals(atMost: 0)
        let from = try inv.required("from", "BODY")
        let title = try inv.required("title", "TEXT")
        let severity = try inv.required("severity", "KEY")
        let app = try inv.app
        let view = try app.raiseEscalation(EscalationRequest(group: from, title: title, description: inv.arguments.value("description") ?? "", severity: severity,
                                                             priorities: list(inv.arguments.value("priorities")), areas: list(inv.arguments.value("areas")),
                                                             function: inv.arguments.value("function")),
                                           by: inv.actor.id, idempotencyKey: inv.arguments.value("key"))
        inv.output(json(view, app.time)) {
            "Raised \(view.escalation.id). It is now waiting at:\n" + view.open.map { reviewLine($0, app) }.joined(separator: "\n")
        }
    }

    static let acknowledge = Command(
        ["escalation", "acknowledge"], "Acknowledge an escalation at a body.",
        arguments: "ESCALATION",
        options: [OptionSpec("body", takesValue: true, valueName: "BODY", help: "The body acknowledging (required)."),
                  OptionSpec("note", takesValue: true, valueName: "TEXT", help: "A note.")]
    ) { inv in
        let id = try inv.onlyRecord("ESCALATION: e.g. escalation-3", ofKind: "escalation")
        let body = try inv.required("body", "BODY")
        let app = try inv.app
        let view = try app.acknowledgeEscalation(RecordID(id), at: body, note: inv.arguments.value("note"), by: inv.actor.id)
        inv.output(json(view, app.time)) { "Acknowledged \(id) at \(app.displayName("body", body))." }
    }

    static let decide = Command(
        ["escalation", "decide"], "Decide an escalation at a body: resolved, accepted, referred-back or escalated.",
        arguments: "ESCALATION",
        discussion: """
            resolved needs --rationale; accepted needs --plan and one --action or more; referred-back needs --guidance; escalated needs --rationale.
            Accepting starts the plan's actions with the decision; the escalation closes, resolved by plan, when they are all completed.
            Referring back starts a follow-up at the raising group for its chair, due in the group's response time.
            Where escalation stops (see 'flourish governance principles'), a body cannot escalate.
            """,
        options: [OptionSpec("body", takesValue: true, valueName: "BODY", help: "The deciding body (required)."),
                  OptionSpec("outcome", takesValue: true, valueName: "OUTCOME", help: "resolved, accepted, referred-back or escalated (required)."),
                  OptionSpec("rationale", takesValue: true, valueName: "TEXT", help: "Why."),
                  OptionSpec("plan", takesValue: true, valueName: "TEXT", help: "The plan it is accepted into, in a few words."),
                  OptionSpec("action", takesValue: true, repeatable: true, valueName: "TITLE|GROUP|OWNER|YYYY-MM-DD",
                             help: "An action of the plan: what, the group doing it (the deciding body or one below it), its owner and due date; repeat for more."),
                  OptionSpec("guidance", takesValue: true, valueName: "TEXT", help: "Guidance for the group it is referred back to."),
                  OptionSpec("minute", takesValue: true, valueName: "REF", help: "The minute that records it, when decided at a meeting.")]
    ) { inv in
        let id = try inv.onlyRecord("ESCALATION: e.g. escalation-3", ofKind: "escalation")
        let body = try inv.required("body", "BODY")
        let outcome = try inv.required("outcome", "resolved|accepted|referred-back|escalated")
        var fields: [String: JSONValue] = [:]
        for (option, field) in [("rationale", "rationale"), ("plan", "plan"), ("guidance", "guidance"), ("minute", "minute")] {
            if let v = inv.arguments.value(option) { fields[field] = .string(v) }
        }
        let plan = try (inv.arguments.values["action"] ?? []).map { text -> PlannedAction in
            let parts = text.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 4, !parts.contains(where: \.isEmpty) else {
                throw UsageError("--action takes four parts separated by |: TITLE|GROUP|OWNER|YYYY-MM-DD, such as \"Run two extra clinics|early-prevention-board|ann|2027-03-31\" (not \"\(text)\")")
            }
            return PlannedAction(title: parts[0], group: parts[1], owner: parts[2], dueDate: parts[3])
        }
        let app = try inv.app
        let view = try app.decideEscalation(RecordID(id), at: body, outcome: outcome, fields: fields, plan: plan, by: inv.actor.id)
        inv.output(json(view, app.time)) {
            var text = "Decided \(id) at \(app.displayName("body", body)): \(outcome)."
            if view.escalation.state == .closed { text += " The escalation is now closed." }
            else if view.escalation.state == .inPlan { text += " The escalation is in a plan; it closes when these actions are done:\n" + view.plan.map { planLine($0, app) }.joined(separator: "\n") }
            else if !view.open.isEmpty { text += " Now waiting at:\n" + view.open.map { reviewLine($0, app) }.joined(separator: "\n") }
            if !view.followUps.isEmpty { text += "\nFollow-up for the raising group:\n" + view.followUps.map { planLine($0, app) }.joined(separator: "\n") }
            return text
        }
    }

    static func planLine(_ a: Action, _ app: Flourish) -> String {
        "  \(a.id)  \(a.title)  \(app.displayName("group", a.group))  owner \(app.displayName("owner", a.owner))  due \(a.dueDate?.inWords ?? "?")  \(a.state)"
    }

    static let close = Command(
        ["escalation", "close"], "Close an escalation whose plan will not be finished as it stands (the secretariat), with a reason.",
        arguments: "ESCALATION",
        discussion: "An escalation in a plan closes by itself, resolved by plan, when its actions are all completed; close it by hand when one was cancelled or the need has gone.",
        options: [OptionSpec("reason", takesValue: true, valueName: "TEXT", help: "Why it is closed (required).")]
    ) { inv in
        let id = try inv.onlyRecord("ESCALATION: e.g. escalation-3", ofKind: "escalation")
        let reason = try inv.required("reason", "TEXT")
        let app = try inv.app
        let view = try app.closeEscalation(RecordID(id), reason: reason, by: inv.actor.id)
        inv.output(json(view, app.time)) { "Closed \(id) with its plan unfinished (\(view.planProgress.done) of \(view.planProgress.of) actions done). The raising group's chair is told." }
    }

    /// The escalation, the body it waits at and the reason, which the secretariat's steps at a body all take.
    static func atBody(_ inv: Invocation) throws -> (InstanceID, String, String) {
        let id = try inv.onlyRecord("ESCALATION: e.g. escalation-3", ofKind: "escalation")
        return (id, try inv.required("body", "BODY"), try inv.required("reason", "TEXT"))
    }

    /// The new last day to decide, from --until.
    static func untilDay(_ inv: Invocation) throws -> CalendarDay {
        let until = try inv.required("until", "YYYY-MM-DD")
        guard let day = CalendarDay(until) else { throw UsageError("--until takes a date written YYYY-MM-DD, such as 2027-01-15 (not \"\(until)\")") }
        return day
    }

    static let extend = Command(
        ["escalation", "extend"], "Give a body more time to decide an escalation (the secretariat), with a reason.",
        arguments: "ESCALATION",
        discussion: "The new deadline is the end of the working day (5pm) on --until, later than the one it replaces; the body's deciders are told.",
        options: [OptionSpec("body", takesValue: true, valueName: "BODY", help: "The body it waits at (required)."),
                  OptionSpec("until", takesValue: true, valueName: "YYYY-MM-DD", help: "The new last day to decide (required)."),
                  OptionSpec("reason", takesValue: true, valueName: "TEXT", help: "Why it needs more time (required).")]
    ) { inv in
        let (id, body, reason) = try atBody(inv)
        let day = try untilDay(inv)
        let app = try inv.app
        let view = try app.extendEscalationDeadline(RecordID(id), at: body, to: day, reason: reason, by: inv.actor.id)
        inv.output(json(view, app.time)) { "\(app.displayName("body", body)) now has more time to decide \(id):\n" + view.open.map { reviewLine($0, app) }.joined(separator: "\n") }
    }

    static let pause = Command(
        ["escalation", "pause"], "Pause an escalation at a body (the secretariat), with a reason: no deadline runs until it resumes.",
        arguments: "ESCALATION",
        options: [OptionSpec("body", takesValue: true, valueName: "BODY", help: "The body it waits at (required)."),
                  OptionSpec("reason", takesValue: true, valueName: "TEXT", help: "Why it is paused (required).")]
    ) { inv in
        let (id, body, reason) = try atBody(inv)
        let app = try inv.app
        let view = try app.pauseEscalation(RecordID(id), at: body, reason: reason, by: inv.actor.id)
        inv.output(json(view, app.time)) { "Paused \(id) at \(app.displayName("body", body)); no deadline runs until it resumes." }
    }

    static let resume = Command(
        ["escalation", "resume"], "Resume a paused escalation at a body (the secretariat) with a new deadline and a reason.",
        arguments: "ESCALATION",
        options: [OptionSpec("body", takesValue: true, valueName: "BODY", help: "The body it is paused at (required)."),
                  OptionSpec("until", takesValue: true, valueName: "YYYY-MM-DD", help: "The last day to decide, to 5pm (required)."),
                  OptionSpec("reason", takesValue: true, valueName: "TEXT", help: "Why it resumes (required).")]
    ) { inv in
        let (id, body, reason) = try atBody(inv)
        let day = try untilDay(inv)
        let app = try inv.app
        let view = try app.resumeEscalation(RecordID(id), at: body, until: day, reason: reason, by: inv.actor.id)
        inv.output(json(view, app.time)) { "Resumed \(id):\n" + view.open.map { reviewLine($0, app) }.joined(separator: "\n") }
    }

    static let reassign = Command(
        ["escalation", "reassign"], "Send an escalation waiting at one body to another to decide instead (the secretariat), with a reason.",
        arguments: "ESCALATION",
        options: [OptionSpec("body", takesValue: true, valueName: "BODY", help: "The body it waits at now (required)."),
                  OptionSpec("to", takesValue: true, valueName: "BODY", help: "The body that decides instead (required)."),
                  OptionSpec("reason", takesValue: true, valueName: "TEXT", help: "Why (required).")]
    ) { inv in
        let (id, body, reason) = try atBody(inv)
        let to = try inv.required("to", "BODY")
        let app = try inv.app
        let view = try app.reassignEscalation(RecordID(id), at: body, to: to, reason: reason, by: inv.actor.id)
        inv.output(json(view, app.time)) { "Sent \(id) to \(app.displayName("body", to)) instead of \(app.displayName("body", body)). Now waiting at:\n" + view.open.map { reviewLine($0, app) }.joined(separator: "\n") }
    }

    static let merge = Command(
        ["escalation", "merge"], "Merge an escalation into another about the same thing: it is withdrawn, naming the one it joins.",
        arguments: "ESCALATION",
        options: [OptionSpec("into", takesValue: true, valueName: "ESCALATION", help: "The open escalation it joins (required)."),
                  OptionSpec("reason", takesValue: true, valueName: "TEXT", help: "Why they are the same.")]
    ) { inv in
        let id = try inv.onlyRecord("ESCALATION: e.g. escalation-3", ofKind: "escalation")
        let into = InstanceID(try inv.required("into", "ESCALATION"))
        let app = try inv.app
        let view = try app.mergeEscalation(RecordID(id), into: RecordID(into), reason: inv.arguments.value("reason") ?? "", by: inv.actor.id)
        inv.output(json(view, app.time)) { "Merged \(id) into \(into); \(id) is withdrawn and its history names \(into)." }
    }

    static let withdraw = Command(
        ["escalation", "withdraw"], "Withdraw an escalation (its raiser or the secretariat), with a reason; its open reviews close.",
        arguments: "ESCALATION",
        options: [OptionSpec("reason", takesValue: true, valueName: "TEXT", help: "Why it is withdrawn (required).")]
    ) { inv in
        let id = try inv.onlyRecord("ESCALATION: e.g. escalation-3", ofKind: "escalation")
        let reason = try inv.required("reason", "TEXT")
        let app = try inv.app
        let view = try app.withdrawEscalation(RecordID(id), reason: reason, by: inv.actor.id)
        inv.output(json(view, app.time)) { "Withdrew \(id): \(view.escalation.title)." }
    }

    static let list = Command(
        ["escalation", "list"], "List escalations, newest first.",
        options: [OptionSpec("body", takesValue: true, valueName: "BODY", help: "Only those raised by or waiting at this body."),
                  OptionSpec("state", takesValue: true, valueName: "STATE", help: "open, closed or withdrawn."),
                  OptionSpec("overdue", help: "Only those past a response deadline somewhere.")] + pagingOptions(after: "ESCALATION")
    ) { inv in
        try inv.expectPositionals(atMost: 0)
        let request = try inv.pageRequest()
        let app = try inv.app
        let views = try app.escalations(body: inv.arguments.value("body"), state: inv.arguments.value("state"), overdueOnly: inv.arguments.flag("overdue"), for: try inv.viewer)
        inv.outputPage(try ListPage(views, request) { $0.escalation.id.rawValue }, request, name: "escalations", order: "newest first", none: "No escalations.", json: { json($0, app.time) }) { v in
            let waiting = v.open.map { app.displayName("body", $0.body) }
            return "\(v.escalation.id)  \(v.escalation.state)  \(v.escalation.severity)  \(v.escalation.title)"
                + (waiting.isEmpty ? "" : "  waiting at: \(waiting.joined(separator: ", "))") + (v.overdue.isEmpty ? "" : "  OVERDUE")
        }
    }

    static let show = Command(["escalation", "show"], "Show an escalation and how it travelled: each body, its deadline and decision.", arguments: "ESCALATION") { inv in
        let id = try inv.onlyRecord("ESCALATION: e.g. escalation-3", ofKind: "escalation")
        let app = try inv.app
        let view = try app.escalation(RecordID(id), for: try inv.viewer)
        inv.output(json(view, app.time)) {
            let e = view.escalation
            var lines = ["\(e.id): \(e.title) (\(e.state))",
                         "Raised by \(e.raisedBy.map { app.displayName("raisedBy", $0) } ?? "?") from \(app.displayName("group", e.group)) on \(app.time.inWords(e.createdAt)); severity \(e.severity)",
                         "Reviews:"]
            lines += view.reviews.map { reviewLine($0, app) }
            if !view.plan.isEmpty {
                lines.append("Plan (\(view.planProgress.done) of \(view.planProgress.of) actions done\(view.planIsLate ? "; late" : "")): \(e.plan ?? "")")
                lines += view.plan.map { planLine($0, app) }
            }
            if !view.followUps.isEmpty { lines.append("Follow-up:"); lines += view.followUps.map { planLine($0, app) } }
            return lines.joined(separator: "\n")
        }
    }

    static let simulate = Command(
        ["escalation", "simulate"], "Show, writing nothing, where an issue would go if nobody answered, when, and who may decide at each body.",
        options: [OptionSpec("from", takesValue: true, valueName: "BODY", help: "The raising body (required)."),
                  OptionSpec("date", takesValue: true, valueName: "DATE", help: "When it is raised (default: now)."),
                  OptionSpec("priorities", takesValue: true, valueName: "KEY,...", help: "Priorities it concerns (two or more make it cross-cutting)."),
                  OptionSpec("severity", takesValue: true, valueName: "SEVERITY", help: "Its severity (some change where it goes and how long bodies have).")]
    ) { inv in
        try inv.expectPositionals(atMost: 0)
        let from = try inv.required("from", "BODY")
        let app = try inv.app
        let date = try inv.moment("date") ?? app.clock.now()
        let steps = try app.simulateEscalation(from: from, date: date, priorities: list(inv.arguments.value("priorities")), severity: inv.arguments.value("severity"))
        let used = try app.principleStatements().filter { ["stopsAt", "crossCutting", "responseWorkingDays", "deciders", "severities"].contains($0.rule) }
        inv.output(.array(steps.map { s in
            ["level": .integer(Int64(s.step.level)), "body": .string(s.step.body.key), "arrives": .string(app.time.localTimestamp(s.step.arrives)),
             "deadline": .string(app.time.localTimestamp(s.step.deadline)), "canEscalateFurther": .bool(s.step.canEscalateFurther),
             "deciderRoles": .array(s.deciderRoles.map(JSONValue.string)), "deciders": .array(s.deciders.map { .string($0.id) })]
        })) {
            var lines = ["If nobody answers, an issue raised by \(app.displayName("body", from)) on \(app.time.inWords(date)) goes:"]
            for s in steps {
                let who = s.deciders.isEmpty ? "nobody yet holds \(s.deciderRoles.joined(separator: " or "))" : s.deciders.map(\.name).joined(separator: ", ")
                lines.append("  \(s.step.level). \(s.step.body.name): arrives \(app.time.inWords(s.step.arrives)), decides by \(app.time.deadlineInWords(s.step.deadline)); may decide: \(who)"
                             + (s.step.canEscalateFurther ? "" : "; escalation stops here (unanswered, it stays here, overdue)"))
            }
            lines.append("The rules used: " + used.map { "\($0.name.lowercased()) (\($0.sourceInWords.lowercased()))" }.joined(separator: "; ") + ".")
            lines.append("Nothing was written.")
            return lines.joined(separator: "\n")
        }
    }

    static func reviewLine(_ r: EscalationReview, _ app: Flourish) -> String {
        let due = r.respondBy.flatMap { app.time.parse($0) }.map { app.time.inWords($0) } ?? "?"
        return "  level \(r.level ?? 0)  \(app.displayName("body", r.body))  \(r.state)  respond by \(due)  (\(r.id))"
    }

    static func json(_ v: EscalationView, _ time: PartnershipTime) -> JSONValue {
        ["escalation": v.escalation.json(time), "reviews": .array(v.reviews.map { $0.json(time) }),
         "open": .array(v.open.map { .string($0.id.rawValue) }), "overdue": .array(v.overdue.map { .string($0.id.rawValue) }),
         "plan": .array(v.plan.map { .string($0.id.rawValue) }), "followUps": .array(v.followUps.map { .string($0.id.rawValue) })]
    }
}
