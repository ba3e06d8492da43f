import Foundation
import HTTPServer
import Services
import Engine
import Domain

/// The youth review: with it switched on, a participation group (the youth panel) sees
/// submitted pledges in batches before they are published, and writes its statement in the
/// annual report before the Alliance approves it.
extension WebApp {
    static let youthReviewRoutes: [Route] = [
        Route("GET", "/youth-review", .signedIn, "The youth review of pledges: the setting, pledges to send and the batches") { c in
            try youthReviewPage(c, errors: [])
        },
        Route("POST", "/youth-review", .secretariat, "Switch the youth review on or off, or send pledges to the panel") { c in
            do {
                switch c.field("step") ?? "" {
                case "on":
                    guard let panel = c.field("panel") else { return try youthReviewPage(c, errors: [FieldError("panel", "Choose the participation group that reviews pledges")], status: .unprocessableContent) }
                    guard let days = c.field("workingDays").flatMap(Int.init) else {
                        return try youthReviewPage(c, errors: [FieldError("workingDays", "Enter the working days the panel has, a whole number such as 10")], status: .unprocessableContent)
                    }
                    let s = try c.app.switchYouthReview(on: true, panel: panel, workingDays: days, by: c.person)
                    return c.redirect("/youth-review", confirming: "The youth review is on: \(s?.panel.name ?? panel) looks at pledges before they are published.")
                case "off":
                    _ = try c.app.switchYouthReview(on: false, by: c.person)
                    return c.redirect("/youth-review", confirming: "The youth review is off: pledges are published without the panel.")
                case "send":
                    let batch = try c.app.sendForYouthReview(c.fields("pledges"), by: c.person)
                    return c.redirect("/youth-review/\(batch.id.rawValue)", confirming: "\(batch.pledges.count) \(batch.pledges.count == 1 ? "pledge is" : "pledges are") with the panel until \(batch.reviewBy?.inWords ?? "").")
                default:
                    return try youthReviewPage(c, errors: [FieldError("step", "Choose what to do")], status: .unprocessableContent)
                }
            } catch {
                guard let message = formError(error) else { throw error }
                let field = error as? YouthReviewError == .nothingToSend ? "pledges" : ((error as? WorkflowError)?.field ?? "panel")
                return try youthReviewPage(c, errors: [FieldError(field, message)], status: .unprocessableContent)
            }
        },
        Route("GET", "/youth-review/{id}", .signedIn, "A batch of pledges with the youth panel, and its views") { c in
            try youthBatchPage(c, InstanceID(c.param("id")), errors: [])
        },
        Route("POST", "/youth-review/{id}", .signedIn, "Record the panel's view of a pledge, or that it has finished") { c in
            let id = InstanceID(c.param("id"))
            guard (try? c.app.youthReviewBatch(id, for: c.viewer)) != nil else { return notFound(c) }
            do {
                if c.field("step") == "finish" {
                    _ = try c.app.finishYouthReview(id, by: c.person)
                    return c.redirect("/youth-review/\(id.rawValue)", confirming: "The panel has finished; the secretariat is told.")
                }
                guard let pledge = c.field("pledge"), let view = c.field("view") else {
                    return try youthBatchPage(c, id, errors: [FieldError("view-\(c.field("pledge") ?? "")", "Choose whether the panel endorses the pledge or comments on it")], status: .unprocessableContent)
                }
                _ = try c.app.giveYouthView(id, pledge: pledge, view: view, comment: c.field("comment"), by: c.person)
                return c.redirect("/youth-review/\(id.rawValue)", confirming: "The panel's view of \(pledge) is recorded; the secretariat sees it when reviewing the pledge.")
            } catch {
                guard let message = formError(error) else { throw error }
                let pledge = c.field("pledge") ?? ""
                let field = error as? YouthReviewError == .commentNeeded ? "comment-\(pledge)" : "view-\(pledge)"
                return try youthBatchPage(c, id, errors: [FieldError(field, message)], status: .unprocessableContent)
            }
        },
    ]

    static func youthReviewPage(_ c: Context, errors: [FieldError], status: HTTPStatus = .ok) throws -> HTTPResponse {
        let setting = try c.app.youthReviewSetting()
        guard try c.app.seesYouthReview(c.viewer) else {
            return c.web.errorPage(.forbidden, "You cannot see this page", "The youth review is for the secretariat and the youth panel’s lead.", request: c.request, context: c)
        }
        var parts: [HTML] = [Components.errorSummary(errors), "<h1 class=\"govuk-heading-l\">Youth review of pledges</h1>"]
        if let setting {
            parts.append("<p class=\"govuk-body\">The youth review is <strong>on</strong>: \(setting.panel.name) look at submitted pledges before they are published, within \(setting.workingDays) of being sent. A pledge is published once they have given their view, they have finished the batch, or the day has passed. They also write their own statement in the annual report, before the Alliance approves it.</p>")
        } else {
            parts.append("<p class=\"govuk-body\">The youth review is <strong>off</strong>: pledges are published without a participation group seeing them first.</p>")
        }
        if c.viewer.isSecretariat {
            if setting != nil {
                let waiting = try c.app.pledgesForYouthReview()
                if waiting.isEmpty {
                    parts.append("<p class=\"govuk-body\">No submitted pledge is waiting to go to the panel.</p>")
                } else {
                    let options = waiting.map { p in (p.id.rawValue, "\(c.app.displayName("organisation", p.organisation)): \(Components.shortened(p.text, to: 90))") }
                    parts.append("""
                        <form method="post" action="/youth-review" novalidate>\(c.csrfField)<input type="hidden" name="step" value="send">
                        \(Components.choices("pledges", legend: "Submitted pledges the panel has not had", options: options, selected: c.fields("pledges"), errors: errors, hint: "Send them as one batch; the panel’s lead is told."))
                        \(Components.button("Send to the panel"))</form>
                        """)
                }
                parts.append("""
                    <form method="post" action="/youth-review" novalidate>\(c.csrfField)<input type="hidden" name="step" value="off">
                    \(Components.button("Switch the youth review off", kind: "secondary"))</form>
                    """)
            } else {
                let panels = try c.app.participationGroups().map { ($0.key, $0.name) }
                parts.append("""
                    <form method="post" action="/youth-review" novalidate>\(c.csrfField)<input type="hidden" name="step" value="on">
                    \(Components.select("panel", label: "The participation group that reviews pledges", options: panels, selected: c.typed("panel"), errors: errors, blank: "Choose a group"))
                    \(Components.input("workingDays", label: "Working days the panel has for each batch", value: c.typed("workingDays") ?? "10", errors: errors, width: "3"))
                    \(Components.button("Switch the youth review on"))</form>
                    """)
            }
        }
        let batches = try c.app.youthReviewBatches(for: c.viewer)
        if !batches.isEmpty {
            parts.append(Components.table(caption: "Batches sent to the panel", headers: ["Batch", "Pledges", "Views given", "Review by", "Status"],
                                          rows: batches.map { b in
                                              ["<a class=\"govuk-link\" href=\"/youth-review/\(b.id.rawValue)\">\(b.id.rawValue)</a>", "\(b.pledges.count)", "\(b.views.count)",
                                               "\(b.reviewBy?.inWords ?? "")", Components.stateTag(b.state)]
                                          }, numeric: [1, 2]))
        }
        return Layout.page(title: (errors.isEmpty ? "" : "Error: ") + "Youth review of pledges", body: HTML.join(parts, separator: "\n"), context: c, status: status)
    }

    static func youthBatchPage(_ c: Context, _ id: InstanceID, errors: [FieldError], status: HTTPStatus = .ok) throws -> HTTPResponse {
        guard let batch = try? c.app.youthReviewBatch(id, for: c.viewer) else { return notFound(c) }
        let lead = batch.isOpen && c.app.policy.speaksFor(group: batch.panel, viewer: c.viewer)
        let items = try batch.pledges.map { pid -> HTML in
            let record = try? c.app.record(InstanceID(pid), for: c.viewer)
            let pledge = record.flatMap { try? Pledge($0.instance) }
            let given = batch.views[pid]
            var item: HTML = """
                <h2 class="govuk-heading-m">\(pledge.map { c.app.displayName("organisation", $0.organisation) } ?? pid)</h2>
                <p class="govuk-body">\(pledge?.text ?? "")</p>
                """
            if let given {
                item = item + "<p class=\"govuk-body\"><strong>\(given.view == "endorse" ? "The panel endorses it" : "The panel’s comment"):</strong> \(given.comment ?? "")</p>"
            }
            if lead {
                let options: [(value: String, label: String)] = [("endorse", "We endorse it"), ("comment", "We want to comment")]
                item = item + """
                    <form method="post" action="/youth-review/\(id.rawValue)" novalidate>\(c.csrfField)<input type="hidden" name="pledge" value="\(pid)">
                    \(Components.choices("view", id: "view-\(pid)", legend: "The panel’s view", options: options, selected: [], errors: errors, radio: true))
                    \(Components.textarea("comment", id: "comment-\(pid)", label: "What the panel thinks (needed with a comment)", value: nil, errors: errors, rows: 3))
                    \(Components.button(given == nil ? "Record the view" : "Change the view", kind: "secondary"))</form>
                    """
            }
            return "<section class=\"app-card\">\(item)</section>"
        }
        let finish: HTML = lead ? """
            <form method="post" action="/youth-review/\(id.rawValue)" novalidate>\(c.csrfField)<input type="hidden" name="step" value="finish">
            \(Components.button("The panel has finished"))</form>
            """ : ""
        let body: HTML = """
        \(Components.errorSummary(errors))<span class="govuk-caption-l">Youth review: \(c.app.displayName("body", batch.panel))</span>
        <h1 class="govuk-heading-l">\(batch.pledges.count) \(batch.pledges.count == 1 ? "pledge" : "pledges") to look at by \(batch.reviewBy?.inWords ?? "")</h1>
        <p class="govuk-body">\(Components.stateTag(batch.state)) \(batch.views.count) of \(batch.pledges.count) with the panel’s view.</p>
        \(HTML.join(items, separator: "\n"))\(finish)
        """
        return Layout.page(title: (errors.isEmpty ? "" : "Error: ") + "Youth review \(id.rawValue)", body: body, context: c, status: status, backLink: ("/youth-review", "Back to the youth review"))
    }
}
