import Foundation
import HTTPServer
import Services
import Engine
import Domain

extension WebApp {
    /// The secretariat's (and the raiser's) hold on an escalation beyond deciding it: more time
    /// for a body, merging it into another about the same thing, withdrawing it. Each keeps
    /// its reason in the history; merging and withdrawing are checked first.
    static let escalationManagementRoutes: [Route] = [
        Route("POST", "/escalations/{id}/manage", .signedIn, "Give a body more time, pause or resume it there, send it to another body, merge the escalation into another, or withdraw it (checked first), with a reason") { c in
            let id = RecordID<Escalation>(c.param("id"))
            guard let view = try? c.app.escalation(id, for: c.viewer) else { return notFound(c) }
            guard let step = c.field("manage"), ["extend", "pause", "resume", "reassign", "merge", "withdraw"].contains(step) else {
                return try escalationPage(c, id, errors: [FieldError("manage", "Choose what to do with the escalation")], status: .unprocessableContent)
            }
            if c.field("change") == "yes" { return try escalationPage(c, id, errors: []) }  // "Change" on a check page: back to the question, answers kept
            var errors: [FieldError] = []
            let reason = c.field("manageReason")
            let candidates = step == "resume" ? view.open.filter { $0.state == .paused } : view.open.filter { $0.state != .paused }
            let atBody = c.field("atBody") ?? (candidates.count == 1 ? candidates[0].body : nil)
            func needsDate(_ field: String) {
                if let problem = dateProblem(c, field, what: "new deadline", example: "15 1 2027") { errors.append(problem) }
            }
            switch step {
            case "extend", "pause", "resume", "reassign":
                if atBody == nil { errors.append(FieldError("atBody", "Choose the body")) }
                if step == "reassign" && c.field("reassignTo") == nil { errors.append(FieldError("reassignTo", "Choose the body that decides instead")) }
                if step == "extend" { needsDate("newDeadline") }
                if step == "resume" { needsDate("resumeDeadline") }
                if reason == nil {
                    errors.append(FieldError("manageReason", ["extend": "Enter why the body needs more time", "pause": "Enter why it is paused", "resume": "Enter why it resumes", "reassign": "Enter why another body decides"][step] ?? "Enter why"))
                }
            case "merge":
                if c.field("mergeInto") == nil { errors.append(FieldError("mergeInto", "Choose the escalation it joins")) }
            default:
                if reason == nil { errors.append(FieldError("manageReason", "Enter why the escalation is withdrawn")) }
            }
            if !errors.isEmpty { return try escalationPage(c, id, errors: errors, status: .unprocessableContent) }
            do {
                switch step {
                case "extend", "resume":
                    let body = atBody ?? ""
                    let after = step == "extend"
                        ? try c.app.extendEscalationDeadline(id, at: body, to: typedDate(c, "newDeadline")!, reason: reason ?? "", by: c.person)
                        : try c.app.resumeEscalation(id, at: body, until: typedDate(c, "resumeDeadline")!, reason: reason ?? "", by: c.person)
                    let deadline = after.open.first { $0.body == body }?.respondBy.flatMap { c.app.time.parse($0) }.map { day(c, $0) } ?? ""
                    return c.redirect("/escalations/\(id.rawValue)", confirming: "\(step == "resume" ? "Resumed: " : "")\(c.app.displayName("body", body)) now has until \(deadline) to decide. Its deciders are told.")
                case "reassign":
                    let to = c.field("reassignTo") ?? ""
                    _ = try c.app.reassignEscalation(id, at: atBody ?? "", to: to, reason: reason ?? "", by: c.person)
                    return c.redirect("/escalations/\(id.rawValue)", confirming: "Sent to \(c.app.displayName("body", to)) to decide instead of \(c.app.displayName("body", atBody ?? "")). Both are told.")
                case "pause":
                    _ = try c.app.pauseEscalation(id, at: atBody ?? "", reason: reason ?? "", by: c.person)
                    return c.redirect("/escalations/\(id.rawValue)", confirming: "Paused at \(c.app.displayName("body", atBody ?? "")): no deadline runs until you resume it. Its deciders are told.")
                case "merge":
                    let into = RecordID<Escalation>(c.field("mergeInto") ?? "")
                    guard c.field("confirm") == "yes" else {
                        let target = try c.app.escalation(into, for: c.viewer)
                        return manageCheck(c, view, heading: "Are you sure you want to merge this escalation into another?",
                                           rows: [("This escalation", "\(view.escalation.title)"), ("Joins", "\(target.escalation.title)"), ("Why", "\(reason ?? "No reason given")")],
                                           warning: "This escalation is withdrawn, its history naming the one it joins, which goes on. It cannot be reopened.",
                                           button: "Yes, merge it")
                    }
                    _ = try c.app.mergeEscalation(id, into: into, reason: reason ?? "", by: c.person)
                    return c.redirect("/escalations/\(into.rawValue)", confirming: "\(view.escalation.title) is merged into this escalation and withdrawn.")
                default:
                    guard c.field("confirm") == "yes" else {
                        return manageCheck(c, view, heading: "Are you sure you want to withdraw this escalation?",
                                           rows: [("Escalation", "\(view.escalation.title)"), ("Waiting at", "\(view.open.map { c.app.displayName("body", $0.body) }.joined(separator: " and "))"), ("Why", "\(reason ?? "")")],
                                           warning: "A withdrawn escalation cannot be reopened; the bodies it waits at are told nothing more is needed.", button: "Yes, withdraw it")
                    }
                    _ = try c.app.withdrawEscalation(id, reason: reason ?? "", by: c.person)
                    return c.redirect("/escalations/\(id.rawValue)", confirming: "The escalation is withdrawn.")
                }
            } catch let e as EscalationError {
                return try escalationPage(c, id, errors: [FieldError(["merge": "mergeInto", "resume": "resumeDeadline", "pause": "atBody", "reassign": "reassignTo"][step] ?? "newDeadline", e.localizedDescription)], status: .unprocessableContent)
            } catch let e as WorkflowError where !e.deniesAccess {
                return try escalationPage(c, id, errors: [FieldError("manage", e.localizedDescription)], status: .unprocessableContent)
            }
        },
    ]

    /// The form on an escalation's page for what the viewer may do besides deciding.
    static func manageForm(_ c: Context, _ view: EscalationView, errors: [FieldError]) throws -> HTML {
        let e = view.escalation
        guard e.state == .open else { return "" }
        let mayWithdraw = try c.app.eventsOpen(on: e.id, for: c.viewer).contains("withdraw")
        var options: [(value: String, label: String, reveal: HTML)] = []
        var atBody: HTML = ""
        // What the viewer may do at each body is the review workflow's to say (its `by` rules).
        let steps = try view.open.map { ($0, try c.app.eventsOpen(on: $0.id, for: c.viewer)) }
        if steps.contains(where: { !$0.1.isDisjoint(with: ["extend", "pause", "resume", "reassign"]) }) {
            let running = steps.filter { $0.1.contains("extend") }.map(\.0), paused = steps.filter { $0.1.contains("resume") }.map(\.0)
            if view.open.count > 1 {
                atBody = Components.select("atBody", label: "At which body", options: view.open.map { ($0.body, c.app.displayName("body", $0.body) + ($0.state == .paused ? " (paused)" : "")) },
                                           selected: c.typed("atBody"), errors: errors, hint: "For more time, pausing, resuming or sending it elsewhere", blank: "Choose one")
            }
            func typed(_ field: String) -> (String, String, String)? {
                c.request.method == "POST" ? (c.typed("\(field)-day") ?? "", c.typed("\(field)-month") ?? "", c.typed("\(field)-year") ?? "") : nil
            }
            if !running.isEmpty {
                let now: HTML = running.count == 1 ? "<p class=\"govuk-body\">\(c.app.displayName("body", running[0].body)) has until \(running[0].respondBy.flatMap { c.app.time.parse($0) }.map { day(c, $0) } ?? "its deadline").</p>" : ""
                options.append(("extend", "Give a body more time to decide", now + Components.dateInput("newDeadline", legend: "New deadline", value: typed("newDeadline"), errors: errors,
                                                                                                      hint: "The end of that working day. For example, 15 1 2027")))
                options.append(("pause", "Pause it at a body (no deadline runs until it resumes)", ""))
            }
            if steps.contains(where: { $0.1.contains("reassign") }) {
            let elsewhere = try c.app.bodiesThatDecide().filter { b in !view.open.contains { $0.body == b.key } }.map { ($0.key, $0.name) }
            options.append(("reassign", "Send it to another body to decide instead",
                             Components.select("reassignTo", label: "The body that decides instead", options: elsewhere, selected: c.typed("reassignTo"), errors: errors, blank: "Choose one")))
            }
            if !paused.isEmpty {
                options.append(("resume", "Resume it with a new deadline", Components.dateInput("resumeDeadline", legend: "New deadline", value: typed("resumeDeadline"), errors: errors,
                                                                                                 hint: "The end of that working day. For example, 15 1 2027")))
            }
        }
        if mayWithdraw {
            let others = try c.app.escalations(state: "open", for: c.viewer).filter { $0.escalation.id != e.id }.map { ($0.escalation.id.rawValue, $0.escalation.title) }
            if !others.isEmpty {
                options.append(("merge", "Merge it into another escalation about the same thing",
                                Components.select("mergeInto", label: "The escalation it joins", options: others, selected: c.typed("mergeInto"), errors: errors, blank: "Choose one")))
            }
            options.append(("withdraw", "Withdraw it", ""))
        }
        guard !options.isEmpty else { return "" }
        return """
        <h2 class="govuk-heading-m">Manage this escalation</h2>
        <form method="post" action="/escalations/\(e.id.rawValue)/manage" novalidate>\(c.csrfField)\(atBody)
        \(Components.radiosWithReveal("manage", legend: "What do you want to do?", options: options, selected: c.typed("manage"), errors: errors, legendSize: "s"))
        \(Components.textarea("manageReason", label: "Why", value: c.typed("manageReason"), errors: errors, hint: "The history keeps it, and the people told see it", rows: 2))
        \(Components.button("Continue", kind: "secondary"))</form>
        """
    }

    /// Check before merging or withdrawing: neither can be undone.
    static func manageCheck(_ c: Context, _ view: EscalationView, heading: String, rows: [(String, HTML)], warning: String, button: String) -> HTTPResponse {
        let hidden = HTML.join(["manage", "manageReason", "mergeInto"].compactMap { name -> HTML? in c.typed(name).map { "<input type=\"hidden\" name=\"\(name)\" value=\"\($0)\">" } })
        let body: HTML = """
        <div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
        <span class="govuk-caption-l">\(view.escalation.title)</span><h1 class="govuk-heading-l">\(heading)</h1>
        \(Components.summaryList(rows, changes: ["Why": Components.changeButton(form: "manage-check", what: "why")]))
        \(Components.warningText(warning))
        <form method="post" action="/escalations/\(view.escalation.id.rawValue)/manage" id="manage-check" novalidate>\(c.csrfField)\(hidden)<input type="hidden" name="confirm" value="yes">
        <div class="govuk-button-group">\(Components.button(button, kind: "warning"))<a class="govuk-link" href="/escalations/\(view.escalation.id.rawValue)">No, go back to the escalation</a></div>
        </form></div></div>
        """
        return Layout.page(title: "Check: \(view.escalation.title)", body: body, context: c)
    }
}
