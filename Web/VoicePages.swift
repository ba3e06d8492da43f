import Foundation
import HTTPServer
import Services
import Engine
import Domain

/// "You said, we did": what participation groups of children, young people and families said,
/// and what the bodies they spoke to did about it. Public, with no personal data.
extension WebApp {
    static let voiceRoutes: [Route] = [
        Route("GET", "/voice", .everyone, "Participation groups, and a search of questions asked before", keep: true) { c in
            let summaries = try c.app.participationGroupSummaries()
            let rows = summaries.map { s -> [HTML] in
                ["<a class=\"govuk-link\" href=\"/groups/\(s.group.key)/voice\">\(s.group.name)</a>", "\(s.entries)", "\(s.responded)", "\(s.overdue)"]
            }
            let asked = (c.request.queryValue("q") ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            let search: HTML = asked.isEmpty ? "" : try earlierQuestionsPanel(c, asked: asked)
            let body: HTML = """
            <h1 class="govuk-heading-l">You said, we did</h1>
            <p class="govuk-body">Children, young people and families speak to the partnership through their participation groups. Here is what each group said, and what the body it spoke to did about it: “we did”, or “we could not, because…”. Nobody is named.</p>
            \(rows.isEmpty ? "<p class=\"govuk-body\">This partnership has no participation groups yet.</p>" as HTML : Components.table(caption: "Participation groups", headers: ["Group", "Views recorded", "Answered", "Answer overdue"], rows: rows, numeric: [1, 2, 3]))
            <h2 class="govuk-heading-m" id="asked-before">Has this been asked before?</h2>
            <p class="govuk-body">Young people have told us they are asked the same questions again and again. Before putting a question to a group, search what has been asked and what came back.</p>
            <form method="get" action="/voice#asked-before" novalidate>
            \(Components.input("q", label: "The question you want to ask", value: asked.isEmpty ? nil : asked, errors: []))
            \(Components.button("Search earlier questions", kind: "secondary"))</form>
            \(search)
            """
            return Layout.page(title: "You said, we did", body: body, context: c)
        },
        Route("GET", "/groups/{key}/voice", .everyone, "A participation group's public page: what it said and what was done", keep: true) { c in
            guard let group = try? c.app.participationGroup(c.param("key")) else { return notFound(c) }
            let entries = try c.app.voiceEntries(group: group.key, for: c.viewer)
            let summary = try c.app.participationGroupSummaries().first { $0.group.key == group.key }
            let lead = c.app.policy.speaksFor(group: group.key, viewer: c.viewer)
            let actions: HTML = lead ? """
                <div class="govuk-button-group"><a class="govuk-button" href="/groups/\(group.key)/voice/new">Record what the group said</a>\
                <a class="govuk-button govuk-button--secondary" href="/groups/\(group.key)/members">Members</a></div>
                """ : ""
            let items = entries.map { e -> HTML in voiceCard(c, e) }
            let to = group.worksWith.map { c.app.displayName("body", $0) }.joined(separator: " and ")
            let body: HTML = """
            <span class="govuk-caption-l">Participation group</span><h1 class="govuk-heading-l">\(group.name)</h1>
            <p class="govuk-body">\(group.description)</p>
            <p class="govuk-body">Speaks to \(to). \(summary.map { "\($0.members) \($0.members == 1 ? "member" : "members")." } ?? "")</p>\(actions)
            <h2 class="govuk-heading-m">You said, we did</h2>
            \(items.isEmpty ? "<p class=\"govuk-body\">Nothing recorded yet.</p>" as HTML : "<ul class=\"govuk-list app-cards\">\(items)</ul>" as HTML)
            <p class="govuk-body"><a class="govuk-link" href="/voice">All participation groups</a></p>
            """
            return Layout.page(title: "\(group.name): you said, we did", body: body, context: c)
        },
        Route("GET", "/groups/{key}/voice/new", .chair, "Record what a participation group said") { c in
            let (group, refused) = groupForItsLead(c)
            guard let group else { return refused }
            return try voiceForm(c, group: group, errors: [])
        },
        Route("POST", "/groups/{key}/voice/new", .chair, "Record what a participation group said") { c in
            let (group, refused) = groupForItsLead(c)
            guard let group else { return refused }
            if c.field("step") == "check" {
                // Nothing is written: the form comes back with the questions asked before.
                return try voiceForm(c, group: group, errors: c.field("question") == nil ? [FieldError("question", "Enter the question, to search for it")] : [])
            }
            var errors: [FieldError] = []
            if c.field("body") == nil { errors.append(FieldError("body", "Choose the body the group spoke to")) }
            if let problem = dateProblem(c, "heardOn", what: "day the group said it", example: "12 11 2026") { errors.append(problem) }
            if c.field("question") == nil { errors.append(FieldError("question", "Enter the question the group was asked, or what it raised")) }
            if c.field("said") == nil { errors.append(FieldError("said", "Enter what the group said, in its own words")) }
            guard errors.isEmpty, let to = c.field("body"), let heard = typedDate(c, "heardOn"), let question = c.field("question"), let said = c.field("said") else {
                return try voiceForm(c, group: group, errors: errors, status: .unprocessableContent)
            }
            do {
                let e = try c.app.recordVoice(group: group.key, body: to, heardOn: heard.description, question: question, said: said,
                                              areas: c.fields("areas"), priorities: c.fields("priorities"), by: c.person)
                return c.redirect("/voice/\(e.id.rawValue)", confirming: "Recorded. \(c.app.displayName("body", e.body)) is asked to publish its response by \(e.respondBy?.inWords ?? "").")
            } catch {
                guard let message = formError(error) else { throw error }
                let field: String
                switch error as? VoiceError {
                case .notSpokenTo: field = "body"
                case .heardInFuture: field = "heardOn"
                default: field = (error as? WorkflowError)?.field ?? ((error as? FrameworkError) != nil ? "areas" : "said")
                }
                return try voiceForm(c, group: group, errors: [FieldError(field, message)], status: .unprocessableContent)
            }
        },
        Route("GET", "/voice/{id}", .everyone, "What a participation group said, and the response", keep: true) { c in
            try voicePage(c, RecordID(c.param("id")), errors: [])
        },
        Route("POST", "/voice/{id}", .signedIn, "Publish the response to what a participation group said") { c in
            let id = RecordID<VoiceEntry>(c.param("id"))
            var errors: [FieldError] = []
            guard let entry = try? c.app.voiceEntry(id, for: c.viewer) else { return notFound(c) }
            guard c.app.mayRespond(to: entry, viewer: c.viewer) else {
                return c.web.errorPage(.forbidden, "You cannot publish this response", "Only the chair or vice-chair of \(c.app.displayName("body", entry.body)), or the secretariat, may.", request: c.request, context: c)
            }
            if c.field("outcome") == nil { errors.append(FieldError("outcome", "Choose whether something changed")) }
            if c.field("response") == nil { errors.append(FieldError("response", "Enter the response, written for the group")) }
            guard errors.isEmpty, let outcome = c.field("outcome"), let response = c.field("response") else {
                return try voicePage(c, id, errors: errors, status: .unprocessableContent)
            }
            let others = (c.field("otherShaped") ?? "").split(whereSeparator: { $0 == "," || $0 == " " }).map(String.init)
            do {
                let e = try c.app.respondToVoice(id, outcome: outcome, response: response, shaped: c.fields("shaped") + others, by: c.person)
                return c.redirect("/voice/\(e.id.rawValue)", confirming: "Your response is published on the group's page; its lead is told.")
            } catch {
                guard let message = formError(error) else { throw error }
                let field = error is VoiceError ? "otherShaped" : ((error as? WorkflowError)?.field ?? "response")
                return try voicePage(c, id, errors: [FieldError(field, message)], status: .unprocessableContent)
            }
        },
        Route("GET", "/groups/{key}/members", .chair, "A participation group's members (chosen names only)") { c in
            let (group, refused) = groupForItsLead(c)
            guard let group else { return refused }
            return try membersPage(c, group: group, errors: [])
        },
        Route("POST", "/groups/{key}/members", .chair, "Add or remove a member of a participation group") { c in
            let (group, refused) = groupForItsLead(c)
            guard let group else { return refused }
            do {
                if let remove = c.field("remove") {
                    guard let id = Int(remove) else { throw VoiceError.unknownParticipant(remove) }
                    try c.app.removeParticipant(id, from: group.key, by: c.person)
                    return c.redirect("/groups/\(group.key)/members", confirming: "The member has left the group; their name is no longer kept.")
                }
                let added = try c.app.addParticipant(to: group.key, name: c.field("name") ?? "", by: c.person)
                return c.redirect("/groups/\(group.key)/members", confirming: "\(added.name) is a member of \(group.name).")
            } catch {
                guard let message = formError(error) else { throw error }
                return try membersPage(c, group: group, errors: [FieldError("name", message)], status: .unprocessableContent)
            }
        },
    ]

    /// The participation group in the path, for its adult lead or the secretariat; else the
    /// answer to give instead (404 for no such group, 403 for anyone else).
    static func groupForItsLead(_ c: Context) -> (GovernanceBody?, HTTPResponse) {
        guard let group = try? c.app.participationGroup(c.param("key")) else { return (nil, notFound(c)) }
        guard c.app.policy.speaksFor(group: group.key, viewer: c.viewer) else {
            return (nil, c.web.errorPage(.forbidden, "You cannot act for \(group.name)", "Only its adult lead, or the secretariat, may.", request: c.request, context: c))
        }
        return (group, HTTPResponse(.ok))
    }

    /// One entry as a card: the question, what was said, and the response or when it is due.
    static func voiceCard(_ c: Context, _ e: VoiceEntry) -> HTML {
        let answer: HTML
        if let outcome = e.outcome, let response = e.response {
            answer = "<p class=\"govuk-body\"><strong>\(outcome.inWords):</strong> \(response)</p>"
        } else {
            answer = "<p class=\"govuk-body\">\(c.app.displayName("body", e.body)) will respond by \(e.respondBy?.inWords ?? "")." + (e.state == .overdue ? " <strong class=\"app-overdue\">Overdue</strong>" as HTML : "") + "</p>"
        }
        return """
        <li class="app-card"><h3 class="govuk-heading-s"><a class="govuk-link" href="/voice/\(e.id.rawValue)">\(e.question)</a></h3>
        <p class="govuk-body-s app-card__meta">Said to \(c.app.displayName("body", e.body)) on \(e.heardOn?.inWords ?? "")</p>
        <blockquote class="govuk-inset-text">\(Components.shortened(e.said, to: 400))</blockquote>\(answer)</li>
        """
    }

    static func earlierQuestionsPanel(_ c: Context, asked: String) throws -> HTML {
        let found = try c.app.earlierQuestions(like: asked)
        guard !found.isEmpty else {
            return "<p class=\"govuk-body\" role=\"status\">No earlier question like “\(asked)” was found.</p>"
        }
        let items = found.map { q -> HTML in
            let e = q.entry
            let came: HTML = e.response.map { r in "<strong>\(e.outcome?.inWords ?? "Response"):</strong> \(Components.shortened(r, to: 300))" as HTML } ?? "No response yet."
            return """
            <li><a class="govuk-link" href="/voice/\(e.id.rawValue)">\(e.question)</a>, asked of \(c.app.displayName("body", e.group)) on \(e.heardOn?.inWords ?? "").
            They said: “\(Components.shortened(e.said, to: 200))” \(came)</li>
            """
        }
        return """
        <div role="status"><h3 class="govuk-heading-s">\(found.count) earlier \(found.count == 1 ? "question" : "questions") like it</h3>
        <ul class="govuk-list govuk-list--bullet">\(items)</ul></div>
        """
    }

    static func voiceForm(_ c: Context, group: GovernanceBody, errors: [FieldError], status: HTTPStatus = .ok) throws -> HTTPResponse {
        let bodies = group.worksWith.map { ($0, c.app.displayName("body", $0)) }
        let heard: (day: String, month: String, year: String)? = c.typed("heardOn-day").map { ($0, c.typed("heardOn-month") ?? "", c.typed("heardOn-year") ?? "") }
        let asked = c.typed("question") ?? ""
        let earlier: HTML = asked.isEmpty ? "" : try earlierQuestionsPanel(c, asked: asked)
        let body: HTML = """
        <div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">\(Components.errorSummary(errors))
        <span class="govuk-caption-l">\(group.name)</span><h1 class="govuk-heading-l">Record what the group said</h1>
        <p class="govuk-body">Write it in the group’s own words, and name nobody. It is published on the group’s page at once; the body it was said to must publish its response within \(c.app.partnership.voice.responseWorkingDays).</p>
        <form method="post" action="/groups/\(group.key)/voice/new" novalidate>\(c.csrfField)
        \(Components.textarea("question", label: "The question the group was asked, or what it raised", value: c.typed("question"), errors: errors, rows: 2))
        \(Components.button("Check whether it was asked before", kind: "secondary", name: "step", value: "check"))
        \(earlier)
        \(Components.select("body", label: "Said to", options: bodies, selected: c.typed("body"), errors: errors, blank: "Choose a body"))
        \(Components.dateInput("heardOn", legend: "When the group said it", value: heard, errors: errors, hint: "For example, 12 11 2026"))
        \(Components.textarea("said", label: "What the group said, in its own words", value: c.typed("said"), errors: errors, rows: 6))
        \(Components.choices("areas", legend: "FLOURISH areas it is about (optional)", options: c.app.framework.areas.map { ($0.key, $0.name) }, selected: c.fields("areas"), errors: errors))
        \(Components.choices("priorities", legend: "Priorities it is about (optional)", options: c.app.framework.priorities.map { ($0.key, $0.name) }, selected: c.fields("priorities"), errors: errors))
        \(Components.button("Record what the group said", name: "step", value: "record"))</form></div></div>
        """
        return Layout.page(title: (errors.isEmpty ? "" : "Error: ") + "Record what \(group.name) said", body: body, context: c, status: status,
                           backLink: ("/groups/\(group.key)/voice", "Back to \(group.name)"))
    }

    static func voicePage(_ c: Context, _ id: RecordID<VoiceEntry>, errors: [FieldError], status: HTTPStatus = .ok) throws -> HTTPResponse {
        guard let e = try? c.app.voiceEntry(id, for: c.viewer) else { return notFound(c) }
        var rows: [(String, HTML)] = [
            ("Group", "<a class=\"govuk-link\" href=\"/groups/\(e.group)/voice\">\(c.app.displayName("body", e.group))</a>"),
            ("Said to", "\(c.app.displayName("body", e.body))"), ("When", "\(e.heardOn?.inWords ?? "")"),
            ("What they said", "<blockquote class=\"govuk-inset-text\">\(e.said)</blockquote>"),
        ]
        if !e.areas.isEmpty { rows.append(("FLOURISH areas", "\(areaNames(e.areas, c.app))")) }
        if !e.priorities.isEmpty { rows.append(("Priorities", "\(e.priorities.map { c.app.displayName("priority", $0) }.joined(separator: ", "))")) }
        rows.append(("Status", Components.stateTag(e.state)))
        if let outcome = e.outcome, let response = e.response {
            rows.append((outcome.inWords, "\(response)"))
            let shaped = try c.app.shapedRecords(of: e, for: c.viewer).map { s -> HTML in
                guard let title = s.title else { return "<li>An \(s.kind) of \(s.owner) (seen by partnership members)</li>" }
                let what: HTML = s.path.map { p in "<a class=\"govuk-link\" href=\"\(p)\">\(title)</a>" as HTML } ?? "\(title)"
                return "<li>The \(s.kind) \(what), of \(s.owner)</li>"
            }
            if !shaped.isEmpty { rows.append(("What it changed", "<ul class=\"govuk-list\">\(shaped)</ul>")) }
        } else {
            rows.append(("Response due", "\(e.respondBy?.inWords ?? "")" + (e.state == .overdue ? " <strong class=\"app-overdue\">Overdue</strong>" as HTML : "")))
        }
        var form: HTML = ""
        if c.app.mayRespond(to: e, viewer: c.viewer) {
            let actions = try c.app.actions(ActionFilter(group: e.body), for: c.viewer).prefix(30).map { ($0.action.id.rawValue, $0.action.title) }
            let outcomes: [(value: String, label: String)] = [("we-did", "We did: something changed"), ("we-could-not", "We could not, and this is why")]
            form = """
            <h2 class="govuk-heading-m">Publish the response</h2>
            <form method="post" action="/voice/\(id.rawValue)" novalidate>\(c.csrfField)
            \(Components.choices("outcome", legend: "What came of it", options: outcomes, selected: c.typed("outcome").map { [$0] } ?? [], errors: errors, radio: true))
            \(Components.textarea("response", label: "The response, written for the group", value: c.typed("response"), errors: errors, hint: "Say what you did, or why you could not. It is published as you write it.", rows: 5))
            \(actions.isEmpty ? "" : Components.choices("shaped", legend: "Actions it shaped (optional)", options: actions, selected: c.fields("shaped"), errors: errors))
            \(Components.input("otherShaped", label: "Other records it shaped (optional)", value: c.typed("otherShaped"), errors: errors, hint: "References of escalations, pledges or report sections, separated by commas, for example escalation-12, pledge-40"))
            \(Components.button("Publish the response"))</form>
            """
        }
        let body: HTML = """
        \(Components.errorSummary(errors))<span class="govuk-caption-l">You said, we did</span><h1 class="govuk-heading-l">\(e.question)</h1>
        \(Components.summaryList(rows))\(form)
        """
        return Layout.page(title: (errors.isEmpty ? "" : "Error: ") + "You said: \(Components.shortened(e.question, to: 80))", body: body, context: c, status: status,
                           backLink: ("/groups/\(e.group)/voice", "Back to \(c.app.displayName("body", e.group))"))
    }

    static func membersPage(_ c: Context, group: GovernanceBody, errors: [FieldError], status: HTTPStatus = .ok) throws -> HTTPResponse {
        let members = try c.app.participants(of: group.key, for: c.viewer)
        let rows = members.map { m -> [HTML] in
            ["\(m.name)", "\(m.joinedOn?.inWords ?? "")",
             """
             <form method="post" action="/groups/\(group.key)/members" novalidate>\(c.csrfField)<input type="hidden" name="remove" value="\(m.id)">\
             <button class="govuk-button govuk-button--secondary govuk-!-margin-bottom-0" data-module="govuk-button">Remove<span class="govuk-visually-hidden"> \(m.name)</span></button></form>
             """]
        }
        let body: HTML = """
        <div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">\(Components.errorSummary(errors))
        <span class="govuk-caption-l">\(group.name)</span><h1 class="govuk-heading-l">Members</h1>
        <p class="govuk-body">Members may be children and young people, so only the name each chooses to be known by is kept: no surname, no email address, no phone number. When a member leaves, their name is deleted. Only you and the secretariat see this list; the public page shows how many members there are.</p>
        \(rows.isEmpty ? "<p class=\"govuk-body\">No members recorded yet.</p>" as HTML : Components.table(caption: "Current members", headers: ["Chosen name", "Joined", "Remove"], rows: rows))
        <h2 class="govuk-heading-m">Add a member</h2>
        <form method="post" action="/groups/\(group.key)/members" novalidate>\(c.csrfField)
        \(Components.input("name", label: "The name they choose to be known by", value: c.typed("name"), errors: errors, hint: "A first name or a chosen name, up to 40 characters"))
        \(Components.button("Add the member"))</form></div></div>
        """
        return Layout.page(title: (errors.isEmpty ? "" : "Error: ") + "Members of \(group.name)", body: body, context: c, status: status,
                           backLink: ("/groups/\(group.key)/voice", "Back to \(group.name)"))
    }
}
