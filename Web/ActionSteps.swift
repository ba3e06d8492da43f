import Foundation
import HTTPServer
import Services
import Engine
import Domain

/// An action's page: its one question, the answer's checks, and the check before cancelling.
extension WebApp {
    /// An action's next steps, one question: each answer the viewer may give now, revealing
    /// only the fields it needs.
    static let actionSteps: [(event: String, label: String)] = [
        ("update", "Post a progress update"), ("begin", "Mark it in progress"), ("complete", "Complete it"), ("block", "Mark it blocked"),
        ("unblock", "Unblock it"), ("reschedule", "Agree a new due date"), ("cancel", "Cancel it"),
    ]

    /// The action's fields, named for people, per step (the reason box differs between
    /// rescheduling and cancelling, as both can show on one page).
    static func actionFields(_ step: String) -> [String: FormField] {
        [
            "rag": FormField(id: "rag", missing: "Choose a RAG status: green, amber or red", label: "The RAG status"),
            "commentary": FormField(id: "commentary", missing: "Enter the progress made since the last update", label: "Progress"),
            "outcomeNote": FormField(id: "outcomeNote", missing: "Enter what the action achieved", label: "The outcome"),
            "blockedBy": FormField(id: "blockedBy", missing: "Enter what is blocking it", label: "What is blocking it"),
            "dueDate": FormField(id: "dueDate", missing: "Enter the new due date", label: "The new due date"),
            "reason": step == "reschedule" ? FormField(id: "rescheduleReason", missing: "Enter why the due date changes", label: "The reason")
                                           : FormField(id: "cancelReason", missing: "Enter why the action is cancelled", label: "The reason"),
        ]
    }

    static func nextStepForm(_ c: Context, _ view: ActionView, errors: [FieldError]) throws -> HTML {
        let id = view.action.id, a = view.action
        let available = try c.app.eventsOpen(on: id, for: c.viewer)
        let chosen = c.typed("next")
        var options: [(value: String, label: String, reveal: HTML)] = []
        for (event, label) in actionSteps where available.contains(event) {
            let reveal: HTML
            switch event {
            case "update":
                reveal = Components.choices("rag", legend: "RAG status", options: [("green", "Green: on track"), ("amber", "Amber: at risk"), ("red", "Red: off track")],
                                            selected: c.typed("rag").map { [$0] } ?? [], errors: errors, radio: true)
                    + Components.textarea("commentary", label: "Progress", value: c.typed("commentary"), errors: errors, hint: "What has happened since the last update", rows: 3)
            case "complete":
                reveal = Components.textarea("outcomeNote", label: "Outcome", value: c.typed("outcomeNote"), errors: errors, hint: "What the action achieved", rows: 2)
            case "block":
                reveal = Components.textarea("blockedBy", label: "What is blocking it?", value: c.typed("blockedBy"), errors: errors, rows: 2)
            case "reschedule":
                let typed = c.request.method == "POST" ? (c.typed("dueDate-day") ?? "", c.typed("dueDate-month") ?? "", c.typed("dueDate-year") ?? "") : nil
                reveal = Components.dateInput("dueDate", legend: "New due date", value: typed, errors: errors,
                                              hint: "Now \(a.dueDate?.inWords ?? "none"). For example, 31 3 2027")
                    + Components.textarea("rescheduleReason", label: "Why the due date changes", value: c.typed("rescheduleReason"), errors: errors, rows: 2)
            case "cancel":
                reveal = Components.textarea("cancelReason", label: "Why cancel it?", value: c.typed("cancelReason"), errors: errors,
                                              hint: "You can check your answer before it is cancelled", rows: 2)
            default:
                reveal = ""
            }
            options.append((event, label, reveal))
        }
        guard !options.isEmpty else { return "" }
        return """
        <form method="post" action="/actions/\(id.rawValue)/next" novalidate>\(c.csrfField)<input type="hidden" name="version" value="\(a.version)">
        \(Components.radiosWithReveal("next", legend: "What do you want to do next?", options: options, selected: chosen, errors: errors))
        \(Components.button("Continue"))</form>
        """
    }

    /// The answer to an action's one question: checks every field at once, asks before
    /// cancelling, then fires the step and says what happened.
    static func nextStep(_ c: Context, _ id: RecordID<Action>) throws -> HTTPResponse {
        guard let view = try? c.app.action(id, for: c.viewer) else { return notFound(c) }
        guard let step = c.field("next"), actionSteps.contains(where: { $0.event == step }) else {
            return try actionPage(c, id, errors: [FieldError("next", "Choose what you want to do next")], status: .unprocessableContent)
        }
        var fields: [String: JSONValue] = [:]
        var errors: [FieldError] = []
        switch step {
        case "update": for name in ["rag", "commentary"] { if let v = c.field(name) { fields[name] = .string(v) } }
        case "complete": if let v = c.field("outcomeNote") { fields["outcomeNote"] = .string(v) }
        case "block": if let v = c.field("blockedBy") { fields["blockedBy"] = .string(v) }
        case "cancel": if let v = c.field("cancelReason") { fields["reason"] = .string(v) }
        case "reschedule":
            if let v = c.field("rescheduleReason") { fields["reason"] = .string(v) }
            if let due = typedDate(c, "dueDate") {
                fields["dueDate"] = .string(due.description)
                if let old = view.action.dueDate, due == old { errors.append(FieldError("dueDate", "The new due date must differ from the one agreed now (\(old.inWords))")) }
            } else if let problem = dateProblem(c, "dueDate", what: "new due date", example: "31 3 2027") {
                errors.append(problem)
            }
        default: break
        }
        let problems = try c.app.fieldProblems(firing: step, on: id, fields: fields)
        errors = inPeoplesWords(problems, actionFields(step)).filter { p in !errors.contains { $0.field == p.field } } + errors
        let order = ["rag", "commentary", "outcomeNote", "blockedBy", "dueDate", "rescheduleReason", "cancelReason"]
        errors.sort { (order.firstIndex(of: $0.field) ?? 99) < (order.firstIndex(of: $1.field) ?? 99) }
        if !errors.isEmpty { return try actionPage(c, id, errors: errors, status: .unprocessableContent) }
        if c.field("change") == "yes" { return try actionPage(c, id, errors: []) }  // "Change" on the check page: back to the question, answers kept
        if step == "cancel" && c.field("confirm") != "yes" { return cancelCheck(c, view, reason: c.field("cancelReason") ?? "") }
        do {
            let after: ActionView
            if step == "reschedule" {
                after = try c.app.rescheduleAction(id, dueDate: fields["dueDate"]?.stringValue ?? "", reason: fields["reason"]?.stringValue ?? "", by: c.person)
            } else {
                after = try c.app.fireAction(id, event: step, fields: fields, expectedVersion: c.field("version").flatMap(Int.init), by: c.person)
            }
            return c.redirect("/actions/\(id.rawValue)", confirming: actionConfirmation(step, after))
        } catch let e as WorkflowError where !e.deniesAccess {
            return try actionPage(c, id, errors: [FieldError(actionFields(step)[e.field ?? ""]?.id ?? "next", e.localizedDescription)], status: .unprocessableContent)
        }
    }

    /// What happened, in the confirmation banner.
    static func actionConfirmation(_ step: String, _ view: ActionView) -> String {
        switch step {
        case "update":
            if let e = view.escalations.last, e.state == .open { return "Update recorded. The action has an open escalation." }
            return "Update recorded: \(view.latestRAG?.rawValue ?? "")."
        case "reschedule":
            return "The new due date is \(view.action.dueDate?.inWords ?? ""); if it is still open on \(view.action.escalatesOn?.inWords ?? "its tolerance date") it will be escalated."
        default:
            return "The action is \(view.action.state.rawValue.replacingOccurrences(of: "-", with: " "))."
        }
    }

    /// Check your answer before cancelling: it cannot be undone.
    static func cancelCheck(_ c: Context, _ view: ActionView, reason: String) -> HTTPResponse {
        let a = view.action
        let body: HTML = """
        <div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
        <span class="govuk-caption-l">\(a.title)</span><h1 class="govuk-heading-l">Are you sure you want to cancel this action?</h1>
        \(Components.summaryList([("Action", "\(a.title)"), ("Group", "\(c.app.displayName("body", a.group))"), ("Owner", "\(c.app.displayName("owner", a.owner))"),
                                  ("Why it is cancelled", "\(reason)")], changes: ["Why it is cancelled": Components.changeButton(form: "cancel-check", what: "why it is cancelled")]))
        \(Components.warningText("A cancelled action cannot be reopened. Its updates stay in its history."))
        <form method="post" action="/actions/\(a.id.rawValue)/next" id="cancel-check" novalidate>\(c.csrfField)<input type="hidden" name="version" value="\(a.version)">
        <input type="hidden" name="next" value="cancel"><input type="hidden" name="cancelReason" value="\(reason)"><input type="hidden" name="confirm" value="yes">
        <div class="govuk-button-group">\(Components.button("Yes, cancel the action", kind: "warning"))<a class="govuk-link" href="/actions/\(a.id.rawValue)">No, go back to the action</a></div>
        </form></div></div>
        """
        return Layout.page(title: "Cancel the action: \(a.title)", body: body, context: c)
    }
}
