import Foundation
import HTTPServer
import Services
import Engine
import Domain

extension WebApp {
    /// The secretariat writes to a chosen set of people: composed, previewed with every
    /// recipient listed, then queued through the outbox.
    static let messageRoutes: [Route] = [
        Route("GET", "/messages/new", .secretariat, "Write to a chosen set of people (through the outbox)") { c in
            try messageForm(c, errors: [])
        },
        Route("POST", "/messages/new", .secretariat, "Preview a message to a set of people, then queue it in the outbox") { c in
            var errors: [FieldError] = []
            let kind = c.field("audience")
            let audience = kind.flatMap { Audience(kind: $0, district: c.field("district"), body: c.field("audienceBody")) }
            if kind == nil { errors.append(FieldError("audience", "Choose who the message is for")) }
            else if audience == nil { errors.append(FieldError(kind == "district" ? "district" : "audienceBody", kind == "district" ? "Choose the district" : "Choose the group or board")) }
            errors += c.app.messageProblems(subject: c.field("subject") ?? "", body: c.field("body") ?? "").map { FieldError($0.field, $0.localizedDescription) }
            guard errors.isEmpty, let audience else { return try messageForm(c, errors: errors, status: .unprocessableContent) }
            if c.field("change") == "yes" { return try messageForm(c, errors: []) }
            do {
                if c.field("send") == "yes" {
                    let sent = try c.app.queueMessage(to: audience, subject: c.field("subject") ?? "", body: c.field("body") ?? "", by: c.viewer)
                    return c.redirect("/outbox", confirming: "\(sent.count) message\(sent.count == 1 ? " is" : "s are") queued in the outbox. \(sent.count == 1 ? "It leaves" : "They leave") when the outbox is next sent.")
                }
                return messagePreview(c, recipients: try c.app.recipients(audience, by: c.viewer))
            } catch let e as MessageError {
                return try messageForm(c, errors: [FieldError(e.field, e.localizedDescription)], status: .unprocessableContent)
            }
        },
    ]

    static func messageForm(_ c: Context, errors: [FieldError], status: HTTPStatus = .ok) throws -> HTTPResponse {
        let districts = c.app.partnership.districts.map { ($0.key, $0.name) }
        let bodies = try c.app.governance.bodies().map { ($0.key, $0.name) }
        let audiences: [(value: String, label: String, reveal: HTML)] = [
            ("chairs-with-sections-due", "Chairs whose group’s annual report section is due", ""),
            ("organisations-lapsing", "Organisations whose membership lapses this month", ""),
            ("district", "Every organisation’s contacts in a district",
             Components.select("district", label: "District", options: districts, selected: c.typed("district"), errors: errors, blank: "Choose a district")),
            ("body", "Everyone in a group or board",
             Components.select("audienceBody", label: "Group or board", options: bodies, selected: c.typed("audienceBody"), errors: errors, blank: "Choose one")),
        ]
        let body: HTML = """
        <div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">\(Components.errorSummary(errors))
        <h1 class="govuk-heading-l">Write to people</h1>
        <p class="govuk-body">You will see everyone it goes to before anything is sent. Each person gets their own email, starting with their name, through the outbox.</p>
        <form method="post" action="/messages/new" novalidate>\(c.csrfField)
        \(Components.radiosWithReveal("audience", legend: "Who is it for?", options: audiences, selected: c.typed("audience"), errors: errors, legendSize: "s"))
        \(Components.input("subject", label: "Subject", value: c.typed("subject"), errors: errors))
        \(Components.textarea("body", label: "Message", value: c.typed("body"), errors: errors, hint: "“Dear <name>,” is added before it, and your name after it.", rows: 8))
        \(Components.button("Preview"))</form></div></div>
        """
        return Layout.page(title: errors.isEmpty ? "Write to people" : "Error: Write to people", body: body, context: c, status: status, backLink: ("/outbox", "Back to the outbox"))
    }

    static func messagePreview(_ c: Context, recipients: [MessageRecipient]) -> HTTPResponse {
        let hidden = HTML.join(["audience", "district", "audienceBody", "subject", "body"].compactMap { name -> HTML? in
            c.typed(name).map { "<input type=\"hidden\" name=\"\(name)\" value=\"\($0)\">" }
        })
        let rows = recipients.map { r -> [HTML] in ["\(r.name)", "\(r.email)", "\(r.because)"] }
        let count = recipients.count
        let body: HTML = """
        <div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
        <h1 class="govuk-heading-l">Check the message before it is queued</h1>
        \(Components.summaryList([("To", "\(count) \(count == 1 ? "person" : "people")"), ("Subject", "\(c.typed("subject") ?? "")"),
                                  ("Message", "<p class=\"govuk-body app-preformatted\">Dear \(recipients.first?.name ?? "…"),\n\n\(c.typed("body") ?? "")\n\n\(c.viewer.name)\nfor the Alliance secretariat</p>")]))
        </div></div>
        \(count == 0 ? "<p class=\"govuk-body\">Nobody with an email address is in that group of people just now.</p>" as HTML
                     : Components.table(caption: "Who it goes to", headers: ["Name", "Email", "Why"], rows: rows))
        <form method="post" action="/messages/new" novalidate>\(c.csrfField)\(hidden)
        <div class="govuk-button-group">\(count == 0 ? "" : Components.button("Queue \(count) message\(count == 1 ? "" : "s")", name: "send", value: "yes"))\(Components.button("Change the message", kind: "secondary", name: "change", value: "yes"))</div>
        </form>
        """
        return Layout.page(title: "Check the message", body: body, context: c)
    }
}
