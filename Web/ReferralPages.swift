import Foundation
import HTTPServer
import Services
import Engine
import Domain

/// Issues a body refers sideways to a partner with its own governance, and their replies.
extension WebApp {
    static let referralRoutes: [Route] = [
        Route("GET", "/referrals", .chair, "Referrals to partners the viewer may see, open and overdue first") { c in
            let all = try c.app.referrals(for: c.viewer)
            let overdue = all.filter { $0.state == .overdue }.count
            let rows = all.map { r -> [HTML] in
                ["<a class=\"govuk-link\" href=\"/referrals/\(r.id.rawValue)\">\(r.title)</a>", "\(c.app.displayName("body", r.group))", "\(c.app.displayName("body", r.partner))",
                 "\(r.replyBy?.inWords ?? "")" + (r.state == .overdue ? " <strong class=\"app-overdue\">Overdue</strong>" as HTML : ""), Components.stateTag(r.state)]
            }
            let referring = try c.app.governance.bodies().filter { c.viewer.isSecretariat ? $0.kind != .partner && !$0.hasIndependentGovernance : c.viewer.chairOf.contains($0.key) }
            let links = referring.map { b -> HTML in "<li><a class=\"govuk-link\" href=\"/groups/\(b.key)/referrals/new\">Refer an issue from \(b.name)</a></li>" }
            let body: HTML = """
            <h1 class="govuk-heading-l">Referrals to partners</h1>
            <p class="govuk-body">Issues referred to partners with their own governance, such as the Integrated Care System and the safeguarding partnerships. \(all.filter(\.isOpen).count) waiting for a reply, \(overdue) of them overdue.</p>
            \(rows.isEmpty ? "<p class=\"govuk-body\">No referrals yet.</p>" as HTML : Components.table(caption: "Open and overdue first", headers: ["Issue", "From", "To", "Reply due", "Status"], rows: rows))
            \(links.isEmpty ? "" : "<h2 class=\"govuk-heading-m\">Refer an issue</h2><ul class=\"govuk-list\">\(links)</ul>" as HTML)
            """
            return Layout.page(title: "Referrals", body: body, context: c)
        },
        Route("GET", "/groups/{key}/referrals/new", .chair, "Refer an issue from a body to a partner") { c in
            let group = try c.app.governance.body(c.param("key"))
            guard c.app.policy.speaksFor(group: group.key, viewer: c.viewer) else { return forbiddenForGroup(c, group) }
            return try referralForm(c, group: group, errors: [])
        },
        Route("POST", "/groups/{key}/referrals/new", .chair, "Refer an issue from a body to a partner") { c in
            let group = try c.app.governance.body(c.param("key"))
            guard c.app.policy.speaksFor(group: group.key, viewer: c.viewer) else { return forbiddenForGroup(c, group) }
            var errors: [FieldError] = []
            if c.field("partner") == nil { errors.append(FieldError("partner", "Choose the partner to refer it to")) }
            if c.field("title") == nil { errors.append(FieldError("title", "Enter what the issue is")) }
            if let problem = dateProblem(c, "replyBy", what: "day the reply is due", example: "15 1 2027") { errors.append(problem) }
            guard errors.isEmpty, let partner = c.field("partner"), let title = c.field("title"), let due = typedDate(c, "replyBy") else {
                return try referralForm(c, group: group, errors: errors, status: .unprocessableContent)
            }
            do {
                let r = try c.app.referToPartner(from: group.key, partner: partner, title: title, description: c.field("description") ?? "", replyBy: due.description, by: c.person)
                return c.redirect("/referrals/\(r.id.rawValue)", confirming: "Referred to \(c.app.displayName("body", r.partner)); the reply is due by \(r.replyBy?.inWords ?? "").")
            } catch {
                guard let message = formError(error) else { throw error }
                let field = error is ReferralError ? (error as? ReferralError == .replyByInPast ? "replyBy" : "partner") : ((error as? WorkflowError)?.field ?? "title")
                return try referralForm(c, group: group, errors: [FieldError(field, message)], status: .unprocessableContent)
            }
        },
        Route("GET", "/referrals/{id}", .signedIn, "A referral to a partner, and its reply") { c in
            try referralPage(c, RecordID(c.param("id")), errors: [])
        },
        Route("POST", "/referrals/{id}", .signedIn, "Record a partner's reply, agree more time, or withdraw a referral") { c in
            let id = RecordID<Referral>(c.param("id"))
            let step = c.field("step") ?? ""
            var errors: [FieldError] = [], fields: [String: JSONValue] = [:]
            switch step {
            case "reply":
                if let reply = c.field("reply") { fields["reply"] = .string(reply) } else { errors.append(FieldError("reply", "Enter what the partner replied")) }
            case "extend":
                if let problem = dateProblem(c, "newReplyBy", what: "new day the reply is due", example: "29 1 2027") { errors.append(problem) }
                if let day = typedDate(c, "newReplyBy") { fields["replyBy"] = .string(day.description) }
                if let reason = c.field("extendReason") { fields["reason"] = .string(reason) } else { errors.append(FieldError("extendReason", "Enter why the partner has more time")) }
            case "withdraw":
                if let reason = c.field("withdrawReason") { fields["reason"] = .string(reason) } else { errors.append(FieldError("withdrawReason", "Enter why it is withdrawn")) }
            default:
                errors.append(FieldError("step", "Choose what to do"))
            }
            if !errors.isEmpty { return try referralPage(c, id, errors: errors, status: .unprocessableContent) }
            do {
                let r = try c.app.fireReferral(id, event: step, fields: fields, by: c.person)
                let said = ["reply": "The reply is recorded; the body's chair is told.", "extend": "The reply is now due by \(r.replyBy?.inWords ?? "").", "withdraw": "The referral is withdrawn."]
                return c.redirect("/referrals/\(id.rawValue)", confirming: said[step] ?? "Done.")
            } catch {
                guard let message = formError(error) else { throw error }
                let field = ["reply": "reply", "extend": "newReplyBy", "withdraw": "withdrawReason"][step] ?? "step"
                return try referralPage(c, id, errors: [FieldError(field, message)], status: .unprocessableContent)
            }
        },
    ]

    /// Refused before any question is checked: only the body's chairs, or the secretariat for it, refer for it.
    static func forbiddenForGroup(_ c: Context, _ group: GovernanceBody) -> HTTPResponse {
        c.web.errorPage(.forbidden, "You cannot refer issues for \(group.name)", "Only its chair or vice-chair, or the secretariat, may.", request: c.request, context: c)
    }

    static func referralForm(_ c: Context, group: GovernanceBody, errors: [FieldError], status: HTTPStatus = .ok) throws -> HTTPResponse {
        let partners = try c.app.referralPartners().map { ($0.key, $0.name) }
        let due: (day: String, month: String, year: String)? = c.typed("replyBy-day").map { ($0, c.typed("replyBy-month") ?? "", c.typed("replyBy-year") ?? "") }
        let body: HTML = """
        <div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">\(Components.errorSummary(errors))
        <span class="govuk-caption-l">\(group.name)</span><h1 class="govuk-heading-l">Refer an issue to a partner</h1>
        <p class="govuk-body">For an issue that a partner with its own governance must act on. Past the day the reply is due, you and the secretariat are told.</p>
        <form method="post" action="/groups/\(group.key)/referrals/new" novalidate>\(c.csrfField)
        \(Components.select("partner", label: "The partner", options: partners, selected: c.typed("partner"), errors: errors, blank: "Choose a partner"))
        \(Components.input("title", label: "What the issue is", value: c.typed("title"), errors: errors))
        \(Components.textarea("description", label: "What you are asking of them (optional)", value: c.typed("description"), errors: errors, rows: 4))
        \(Components.dateInput("replyBy", legend: "When the reply is due", value: due, errors: errors, hint: "For example, 15 1 2027"))
        \(Components.button("Refer the issue"))</form></div></div>
        """
        return Layout.page(title: (errors.isEmpty ? "" : "Error: ") + "Refer an issue to a partner", body: body, context: c, status: status,
                           backLink: ("/referrals", "Back to referrals"))
    }

    static func referralPage(_ c: Context, _ id: RecordID<Referral>, errors: [FieldError], status: HTTPStatus = .ok) throws -> HTTPResponse {
        guard let r = try? c.app.referral(id, for: c.viewer) else { return notFound(c) }
        var rows: [(String, HTML)] = [("From", "\(c.app.displayName("body", r.group))"), ("To", "\(c.app.displayName("body", r.partner))"),
                                      ("Status", Components.stateTag(r.state)),
                                      ("Reply due", "\(r.replyBy?.inWords ?? "")" + (r.state == .overdue ? " <strong class=\"app-overdue\">Overdue</strong>" as HTML : ""))]
        if let d = r.description { rows.append(("What was asked", "\(d)")) }
        if let reply = r.reply { rows.append(("The reply", "\(reply)")) }
        if r.state == .withdrawn, let reason = r.reason { rows.append(("Why it was withdrawn", "\(reason)")) }
        var form: HTML = ""
        let open = try c.app.eventsOpen(on: id, for: c.viewer)
        if r.isOpen && open.contains("reply") {
            let due: (day: String, month: String, year: String)? = c.typed("newReplyBy-day").map { ($0, c.typed("newReplyBy-month") ?? "", c.typed("newReplyBy-year") ?? "") }
            let options: [(value: String, label: String, reveal: HTML)] = [
                ("reply", "Record the partner's reply", Components.textarea("reply", label: "What the partner replied", value: c.typed("reply"), errors: errors, rows: 4)),
                ("extend", "Agree more time", Components.dateInput("newReplyBy", legend: "The new day the reply is due", value: due, errors: errors, hint: "For example, 29 1 2027")
                    + Components.textarea("extendReason", label: "Why they have more time", value: c.typed("extendReason"), errors: errors, rows: 2)),
                ("withdraw", "Withdraw the referral", Components.textarea("withdrawReason", label: "Why it is withdrawn", value: c.typed("withdrawReason"), errors: errors, rows: 2)),
            ]
            form = """
            <form method="post" action="/referrals/\(id.rawValue)" novalidate>\(c.csrfField)
            \(Components.radiosWithReveal("step", legend: "What do you want to do?", options: options, selected: c.typed("step"), errors: errors))
            \(Components.button("Continue"))</form>
            """
        }
        let body: HTML = """
        \(Components.errorSummary(errors))<span class="govuk-caption-l">Referral to a partner</span><h1 class="govuk-heading-l">\(r.title)</h1>
        \(Components.summaryList(rows))\(form)
        """
        return Layout.page(title: (errors.isEmpty ? "" : "Error: ") + "Referral: \(r.title)", body: body, context: c, status: status, backLink: ("/referrals", "Back to referrals"))
    }
}
