import Foundation
import HTTPServer
import Services
import Engine
import Domain

extension WebApp {
    static let organisationRoutes: [Route] = [
        Route("GET", "/organisation", .organisationContact, "My organisation and its pledges") { c in
            let keys = try c.app.policy.organisationsShown(to: c.viewer)
            var sections: [HTML] = []
            for key in keys {
                let view = try c.app.organisation(key)
                let rows = view.pledges.sorted { ($0.pledgeYear ?? 0) > ($1.pledgeYear ?? 0) }.map { p -> [HTML] in
                    ["<a class=\"govuk-link\" href=\"/pledges/\(p.id.rawValue)\">\(p.text)</a>", "\(p.pledgeYear.map(String.init) ?? "")",
                     Components.stateTag(p.state), "\(p.reviewComment ?? (p.reason ?? ""))"]
                }
                sections.append("""
                <h2 class="govuk-heading-m">\(view.organisation.name)</h2>
                <p class="govuk-body">Scheme membership: \(Components.stateTag(view.membership?.state.rawValue ?? "none"))</p>
                \(rows.isEmpty ? "<p class=\"govuk-body\">No pledges yet.</p>" : Components.table(caption: "Pledges", headers: ["Pledge", "Year", "Status", "Review comments"], rows: rows))
                <a class="govuk-button" href="/pledges/new?organisation=\(URLEncoding.encode(key))">Make a pledge</a>
                <p class="govuk-body"><a class="govuk-link" href="/organisations/\(key)/contacts">Contacts: invite a colleague, hand over, remove<span class="govuk-visually-hidden"> for \(view.organisation.name)</span></a></p>
                \(try calendarLink(c, "/organisations/\(key)/deadlines.ics", what: "\(view.organisation.name)’s pledge deadlines"))
                """)
            }
            return Layout.page(title: "My organisation", body: "<h1 class=\"govuk-heading-l\">My organisation</h1>\(sections)", context: c)
        },
        Route("GET", "/pledges/new", .organisationContact, "Make a pledge") { c in
            // Another organisation's key is answered as missing, whether or not there is one.
            if let requested = c.request.queryValue("organisation"), (try? c.app.organisation(requested, for: c.viewer)) == nil { return notFound(c) }
            return pledgeForm(c, organisation: c.request.queryValue("organisation") ?? c.viewer.organisations.first ?? "", values: ["ask": [c.request.queryValue("ask") ?? ""]], errors: [])
        },
        Route("POST", "/pledges/new", .organisationContact, "Make a pledge") { c in
            let organisation = c.field("organisation") ?? ""
            let values: [String: [String]] = ["text": [c.field("text") ?? ""], "areas": c.fields("areas"), "theme": [c.field("theme") ?? ""], "priority": [c.field("priority") ?? ""],
                                              "ask": [c.field("ask") ?? ""]]
            var errors: [FieldError] = []
            if c.field("text") == nil { errors.append(FieldError("text", "Enter the new thing your organisation pledges to do")) }
            if c.fields("areas").isEmpty { errors.append(FieldError("areas", "Select at least one FLOURISH area")) }
            guard c.app.policy.speaksFor(organisation: organisation, viewer: c.viewer) else {
                return c.web.errorPage(.forbidden, "You cannot pledge for this organisation", "Only its contacts can.", request: c.request, context: c)
            }
            if !errors.isEmpty { return pledgeForm(c, organisation: organisation, values: values, errors: errors, status: .unprocessableContent) }
            do {
                var request = PledgeRequest(organisation: organisation, text: (c.field("text") ?? ""), areas: c.fields("areas"), theme: c.field("theme"), priority: c.field("priority"))
                request.ask = c.field("ask")
                let pledge = try c.app.createPledge(request, by: c.person)
                if c.field("submit") != nil {
                    _ = try c.app.firePledge(RecordID(pledge.id), event: "submit", fields: [:], expectedVersion: nil, by: c.person)
                    return c.redirect("/pledges/\(pledge.id.rawValue)", confirming: "Your pledge is submitted. The Alliance secretariat will review it.")
                }
                return c.redirect("/pledges/\(pledge.id.rawValue)", confirming: "Your pledge is saved as a draft. Submit it when it is ready.")
            } catch {
                guard let message = refusal(error) else { throw error }
                let field = (error as? WorkflowError)?.field ?? ((error is FrameworkError) ? "areas" : "text")
                return pledgeForm(c, organisation: organisation, values: values, errors: [FieldError(field, message)], status: .unprocessableContent)
            }
        },
        Route("GET", "/pledges/{id}/edit", .organisationContact, "Change a pledge before it is approved") { c in
            guard let pledge = try? c.app.pledge(RecordID(c.param("id")), for: c.viewer) else { return notFound(c) }
            let values: [String: [String]] = ["text": [pledge.text], "areas": pledge.areas,
                                              "theme": [(pledge.theme ?? "")], "priority": [(pledge.priority ?? "")]]
            return pledgeForm(c, organisation: pledge.organisation, values: values, errors: [], editing: pledge)
        },
        Route("POST", "/pledges/{id}/edit", .organisationContact, "Change a pledge before it is approved") { c in
            guard let pledge = try? c.app.pledge(RecordID(c.param("id")), for: c.viewer) else { return notFound(c) }
            let values: [String: [String]] = ["text": [c.field("text") ?? ""], "areas": c.fields("areas"), "theme": [c.field("theme") ?? ""], "priority": [c.field("priority") ?? ""]]
            var errors: [FieldError] = []
            if c.field("text") == nil { errors.append(FieldError("text", "Enter the new thing your organisation pledges to do")) }
            if c.fields("areas").isEmpty { errors.append(FieldError("areas", "Select at least one FLOURISH area")) }
            let organisation = pledge.organisation
            if !errors.isEmpty { return pledgeForm(c, organisation: organisation, values: values, errors: errors, editing: pledge, status: .unprocessableContent) }
            do {
                let edited = try c.app.editPledge(pledge.id, text: c.field("text"), areas: c.fields("areas"), theme: c.field("theme") ?? "", priority: c.field("priority") ?? "",
                                                  expectedVersion: c.field("version").flatMap(Int.init), by: c.person)
                if c.field("submit") != nil {
                    _ = try c.app.firePledge(RecordID(edited.id), event: "submit", fields: [:], expectedVersion: edited.version, by: c.person)
                    return c.redirect("/pledges/\(pledge.id.rawValue)", confirming: "Your changes are saved and the pledge is submitted. The Alliance secretariat will review it.")
                }
                return c.redirect("/pledges/\(pledge.id.rawValue)", confirming: "Your changes are saved. Submit the pledge when it is ready.")
            } catch {
                guard let message = refusal(error) else { throw error }
                let field = (error as? WorkflowError)?.field ?? ((error is FrameworkError) ? "areas" : "text")
                return pledgeForm(c, organisation: organisation, values: values, errors: [FieldError(field, message)], editing: pledge, status: .unprocessableContent)
            }
        },
        Route("POST", "/pledges/{id}/review", .secretariat, "Review a pledge: approve, ask for changes or reject it") { c in
            let id = RecordID<Pledge>(c.param("id"))
            guard let pledge = try? c.app.pledge(id, for: c.viewer) else { return notFound(c) }
            guard let decision = c.field("decision"), let named = PledgeActions.reviewFields[decision] else {
                return try pledgePage(c, pledge: pledge, errors: [FieldError("decision", "Choose approve, ask for changes or reject")], status: .unprocessableContent)
            }
            var fields: [String: JSONValue] = [:]
            for (name, field) in named { if let v = c.field(field.id) { fields[name] = .string(v) } }
            let version = c.field("version").flatMap(Int.init)
            if decision != "approve" {
                let errors = inPeoplesWords(try c.app.fieldProblems(firing: decision, on: id, fields: fields), named)
                if !errors.isEmpty { return try pledgePage(c, pledge: pledge, errors: errors, status: .unprocessableContent) }
            }
            do {
                if decision == "approve" {
                    _ = try c.app.approvePledge(id, comment: fields["reviewComment"]?.stringValue, expectedVersion: version, by: c.person)
                } else {
                    _ = try c.app.firePledge(id, event: decision, fields: fields, expectedVersion: version, by: c.person)
                }
            } catch let e as WorkflowError where !e.deniesAccess {
                return try pledgePage(c, pledge: pledge, errors: [FieldError(named[e.field ?? ""]?.id ?? "decision", e.localizedDescription)], status: .unprocessableContent)
            } catch let e as YouthReviewError {
                // The youth panel has not had it yet: said on the decision, nothing written.
                return try pledgePage(c, pledge: pledge, errors: [FieldError("decision", e.localizedDescription)], status: .unprocessableContent)
            }
            let done = ["approve": "The pledge is approved and on the wall.", "request-changes": "Changes are requested; the organisation's contacts are told.",
                        "reject": "The pledge is rejected; the organisation's contacts are told why."]
            return c.redirect("/pledges/\(id.rawValue)", confirming: done[decision] ?? "Done.")
        },
        Route("POST", "/pledges/{id}/withdraw", .signedIn, "Withdraw a pledge, after checking") { c in
            let id = RecordID<Pledge>(c.param("id"))
            guard let pledge = try? c.app.pledge(id, for: c.viewer) else { return notFound(c) }
            var fields: [String: JSONValue] = [:]
            if let reason = c.field("withdrawReason") { fields["reason"] = .string(reason) }
            let named = ["reason": FormField(id: "withdrawReason", missing: "Enter why the pledge is withdrawn", label: "The reason")]
            let errors = inPeoplesWords(try c.app.fieldProblems(firing: "withdraw", on: id, fields: fields), named)
            if !errors.isEmpty { return try pledgePage(c, pledge: pledge, errors: errors, status: .unprocessableContent) }
            if c.field("confirm") != "yes" { return withdrawCheck(c, pledge, reason: c.field("withdrawReason")) }
            do {
                _ = try c.app.firePledge(id, event: "withdraw", fields: fields, expectedVersion: c.field("version").flatMap(Int.init), by: c.person)
            } catch let e as WorkflowError where !e.deniesAccess {
                return try pledgePage(c, pledge: pledge, errors: [FieldError("withdrawReason", e.localizedDescription)], status: .unprocessableContent)
            }
            return c.redirect("/pledges/\(id.rawValue)", confirming: "The pledge is withdrawn\(pledge.state == .approved || pledge.state == .reportDue || pledge.state == .reportOverdue ? " and is no longer on the wall" : "").")
        },
        Route("POST", "/pledges/{id}/events/{event}", .signedIn, "Submit, review, report on or withdraw a pledge") { c in
            let id = RecordID<Pledge>(c.param("id")), event = c.param("event")
            guard (try? c.app.pledge(id, for: c.viewer)) != nil else { return notFound(c) }
            let version = c.field("version").flatMap(Int.init)
            var fields: [String: JSONValue] = [:]
            for name in ["reason", "reviewComment", "outcome", "evidence"] { if let v = c.field(name) { fields[name] = .string(v) } }
            if let reached = c.field("reached") {
                // A number as typed ("1,200" too); anything else is sent as typed, for the service to name.
                let digits = reached.replacingOccurrences(of: ",", with: "")
                fields["reached"] = Int(digits).map { .integer(Int64($0)) } ?? .string(reached)
            }
            do {
                if event == "approve" {
                    _ = try c.app.approvePledge(id, comment: c.field("reviewComment"), expectedVersion: version, by: c.person)
                } else {
                    _ = try c.app.firePledge(id, event: event, fields: fields, expectedVersion: version, by: c.person)
                }
            } catch let e as WorkflowError where !e.deniesAccess {
                // The panel's fields carry the event in their ids (two of its forms share field names).
                let field = e.field.map { "\(event)-\($0)" } ?? "event"
                return try pledgePage(c, pledge: try c.app.pledge(id, for: c.viewer), errors: [FieldError(field, e.localizedDescription)], status: .unprocessableContent)
            } catch let e as YouthReviewError {
                return try pledgePage(c, pledge: try c.app.pledge(id, for: c.viewer), errors: [FieldError("event", e.localizedDescription)], status: .unprocessableContent)
            }
            let done: [String: String] = ["submit": "The pledge is submitted for review.", "approve": "The pledge is approved and on the wall.",
                                          "request-changes": "Changes are requested; the organisation's contacts are told.", "reject": "The pledge is rejected.",
                                          "report": "Thank you: the report on the pledge is recorded.", "withdraw": "The pledge is withdrawn."]
            return c.redirect("/pledges/\(id.rawValue)", confirming: done[event] ?? "Done.")
        },
    ]

    /// Check before withdrawing: a withdrawn pledge cannot be brought back.
    static func withdrawCheck(_ c: Context, _ pledge: Pledge, reason: String?) -> HTTPResponse {
        let organisation = c.app.displayName("organisation", pledge.organisation)
        let body: HTML = """
        <div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
        <span class="govuk-caption-l">\(organisation)</span><h1 class="govuk-heading-l">Are you sure you want to withdraw this pledge?</h1>
        \(Components.summaryList([("Organisation", "\(organisation)"), ("Pledge", "\(pledge.text)"), ("Pledge year", "\(pledge.pledgeYear.map(String.init) ?? "")"),
                                  ("Why it is withdrawn", "\(reason ?? "No reason given")")]))
        \(Components.warningText("A withdrawn pledge cannot be brought back, and leaves the pledge wall. The organisation can make a new pledge."))
        <form method="post" action="/pledges/\(pledge.id.rawValue)/withdraw" novalidate>\(c.csrfField)<input type="hidden" name="version" value="\(pledge.version)">
        <input type="hidden" name="withdrawReason" value="\(reason ?? "")"><input type="hidden" name="confirm" value="yes">
        <div class="govuk-button-group">\(Components.button("Yes, withdraw the pledge", kind: "warning"))<a class="govuk-link" href="/pledges/\(pledge.id.rawValue)">No, keep the pledge</a></div>
        </form></div></div>
        """
        return Layout.page(title: "Withdraw the pledge: \(c.app.recordName(pledge.instance))", body: body, context: c)
    }

    static func pledgePage(_ c: Context, pledge: Pledge, errors: [FieldError], status: HTTPStatus) throws -> HTTPResponse {
        let body: HTML = "\(Components.errorSummary(errors))<h1 class=\"govuk-heading-l\">Pledge</h1><p class=\"govuk-body\">\(pledge.text)</p>\(try PledgeActions.panel(for: pledge, context: c, errors: errors))"
        let name = "\(c.app.displayName("organisation", pledge.organisation))’s pledge" + (pledge.pledgeYear.map { " for \($0)" } ?? "")
        return Layout.page(title: "Error: \(name)", body: body, context: c, status: status)
    }

    /// The pledge form: a new pledge, or (`editing`) changes to a draft or to one the secretariat asked to change.
    static func pledgeForm(_ c: Context, organisation: String, values: [String: [String]], errors: [FieldError], editing: Pledge? = nil, status: HTTPStatus = .ok) -> HTTPResponse {
        let app = c.app
        let name = (try? app.organisation(organisation, for: c.viewer).organisation.name) ?? organisation
        let title = editing == nil ? "Make a pledge" : "Change your pledge"
        let action = editing.map { "/pledges/\($0.id.rawValue)/edit" } ?? "/pledges/new"
        let hidden: HTML = editing.map { "<input type=\"hidden\" name=\"version\" value=\"\($0.version)\">" } ?? ""
        let comment: HTML = editing?.reviewComment.map { "<div class=\"govuk-inset-text\">The secretariat asked: \($0)</div>" } ?? ""
        // Pledging against one of the partnership's asks: said at the top, carried in the form.
        let ask = editing == nil ? values["ask"]?.first.flatMap { $0.isEmpty ? nil : try? app.ask(RecordID(InstanceID($0))) } : nil
        let answering: HTML = ask.map { "<div class=\"govuk-inset-text\">You are pledging against the partnership’s ask: <strong>\($0.title)</strong>. <a class=\"govuk-link\" href=\"/pledges/new\">Pledge something else instead</a>.</div><input type=\"hidden\" name=\"ask\" value=\"\($0.id.rawValue)\">" } ?? ""
        let secondary = editing == nil ? "Save as draft" : "Save changes"
        let body: HTML = """
        <div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
        \(Components.errorSummary(errors))
        <span class="govuk-caption-l">\(name)</span><h1 class="govuk-heading-l">\(title)</h1>\(comment)
        <form method="post" action="\(action)" novalidate>\(c.csrfField)<input type="hidden" name="organisation" value="\(organisation)">\(hidden)\(answering)
        \(Components.textarea("text", label: "What new thing will your organisation do for children and young people this year?", value: values["text"]?.first, errors: errors,
                              hint: "Something you have not done before. Say who it is for and what will happen."))
        \(Components.choices("areas", legend: "Which FLOURISH areas does it help?", options: app.framework.areas.map { ($0.key, $0.name) }, selected: values["areas"] ?? [], errors: errors, hint: "Select all that apply."))
        \(Components.select("theme", label: "Theme (optional)", options: app.partnership.pledges.themes.map { ($0.key, $0.name) }, selected: values["theme"]?.first, errors: errors, blank: "No theme"))
        \(Components.select("priority", label: "Strategy priority it supports (optional)", options: app.framework.priorities.map { ($0.key, $0.name) }, selected: values["priority"]?.first, errors: errors, blank: "None"))
        <div class="govuk-button-group">\(Components.button("Save and submit", name: "submit", value: "1"))\(Components.button(secondary, kind: "secondary"))</div>
        </form></div></div>
        """
        return Layout.page(title: errors.isEmpty ? title : "Error: \(title)", body: body, context: c, status: status)
    }
}

/// The forms on a pledge's page for the people who may act on it now.
enum PledgeActions {
    static func panel(for pledge: Pledge, context c: Context, errors: [FieldError] = []) throws -> HTML {
        let available = c.viewer.isSignedIn ? try c.app.eventsOpen(on: pledge.id, for: c.viewer) : []
        let base = "/pledges/\(pledge.id.rawValue)/events"
        func form(_ event: String, _ fields: HTML, _ button: String, kind: String? = nil) -> HTML {
            "<form method=\"post\" action=\"\(base)/\(event)\" novalidate>\(c.csrfField)<input type=\"hidden\" name=\"version\" value=\"\(pledge.version)\">\(fields)\(Components.button(button, kind: kind))</form>"
        }
        var parts: [HTML] = []
        if let comment = pledge.reviewComment { parts.append("<div class=\"govuk-inset-text\">Review comment: \(comment)</div>") }
        if available.contains("edit") { parts.append("<p class=\"govuk-body\"><a class=\"govuk-link\" href=\"/pledges/\(pledge.id.rawValue)/edit\">Edit this pledge</a></p>") }
        if available.contains("submit") { parts.append(form("submit", "", "Submit for review")) }
        if available.contains("approve") {
            parts.append(reviewForm(pledge, context: c, errors: errors))
        }
        if available.contains("report") {
            let outcomes = [("delivered", "Delivered"), ("partly-delivered", "Partly delivered"), ("not-delivered", "Not delivered")]
            parts.append("<h2 class=\"govuk-heading-m\">Report on this pledge</h2>")
            parts.append(form("report", Components.choices("outcome", id: "report-outcome", legend: "Did you deliver it?", options: outcomes, selected: c.typed("outcome", ifSent: "report").map { [$0] } ?? [], errors: errors, radio: true)
                              + Components.textarea("evidence", id: "report-evidence", label: "What happened?", value: c.typed("evidence", ifSent: "report"), errors: errors, hint: "What you did, and what changed.")
                              + Components.input("reached", id: "report-reached", label: "How many children and young people did it reach? (optional)", value: c.typed("reached", ifSent: "report"), errors: errors,
                                                 hint: "A whole number, your best count. The partnership totals these by area and district.", width: "5"), "Send report"))
            parts.append("<p class=\"govuk-body\">After reporting you can add evidence files (a PDF, photos, documents) below.</p>")
        }
        if available.contains("withdraw") {
            parts.append("<details class=\"govuk-details\"\(HTML(raw: errors.contains { $0.field == "withdrawReason" } ? " open" : ""))><summary class=\"govuk-details__summary\"><span class=\"govuk-details__summary-text\">Withdraw this pledge</span></summary><div class=\"govuk-details__text\">")
            parts.append("<form method=\"post\" action=\"/pledges/\(pledge.id.rawValue)/withdraw\" novalidate>\(c.csrfField)<input type=\"hidden\" name=\"version\" value=\"\(pledge.version)\">"
                         + Components.textarea("withdrawReason", label: "Why is it being withdrawn? (optional)", value: c.typed("withdrawReason"), errors: errors,
                                               hint: "You can check before it is withdrawn", rows: 2)
                         + Components.button("Continue", kind: "warning") + "</form>")
            parts.append("</div></details>")
        }
        if pledge.state == .reported, c.app.policy.isContact(of: pledge.organisation, viewer: c.viewer) {
            parts.append("<p class=\"govuk-body\"><a class=\"govuk-button\" href=\"/pledges/new?organisation=\(URLEncoding.encode(pledge.organisation))\">Renew: make this year’s pledge</a></p>")
        }
        return HTML.join(parts)
    }
}

extension PledgeActions {
    /// The secretariat's review, one question: approve, ask for changes or reject, each
    /// revealing the words it needs.
    static func reviewForm(_ pledge: Pledge, context c: Context, errors: [FieldError]) -> HTML {
        let warning: HTML = pledge.repeatsLastYear ? Components.warningText("This repeats the organisation’s pledge from an earlier year.") : ""
        let options: [(value: String, label: String, reveal: HTML)] = [
            ("approve", "Approve and publish it", Components.textarea("approveComment", label: "Comment for the organisation (optional)", value: c.typed("approveComment"), errors: errors, rows: 2)),
            ("request-changes", "Ask the organisation for changes", Components.textarea("changesComment", label: "What should change?", value: c.typed("changesComment"), errors: errors,
                                                                                       hint: "The organisation’s contacts are emailed this", rows: 3)),
            ("reject", "Reject it", Components.textarea("rejectReason", label: "Why is it rejected?", value: c.typed("rejectReason"), errors: errors,
                                                       hint: "The organisation’s contacts are emailed this", rows: 3)),
        ]
        return """
        <h2 class="govuk-heading-m">Review</h2>\(warning)
        <form method="post" action="/pledges/\(pledge.id.rawValue)/review" novalidate>\(c.csrfField)<input type="hidden" name="version" value="\(pledge.version)">
        \(Components.radiosWithReveal("decision", legend: "What is your decision?", options: options, selected: c.typed("decision"), errors: errors, legendSize: "s"))
        \(Components.button("Record the decision"))</form>
        """
    }

    /// The review's fields, named for people.
    static let reviewFields: [String: [String: FormField]] = [
        "approve": ["reviewComment": FormField(id: "approveComment", missing: "Enter a comment", label: "The comment")],
        "request-changes": ["reviewComment": FormField(id: "changesComment", missing: "Enter what the organisation should change", label: "What should change")],
        "reject": ["reason": FormField(id: "rejectReason", missing: "Enter why the pledge is rejected", label: "The reason")],
    ]
}

extension HTML {
    static func + (a: HTML, b: HTML) -> HTML { HTML(raw: a.text + b.text) }
}
