import Foundation
import HTTPServer
import Services
import Engine
import Domain

/// A body's meetings: scheduling, the agenda built from what waits for it, recording that a
/// meeting was held (and approving the previous minutes), the printable board pack and a feed.
extension WebApp {
    static let meetingRoutes: [Route] = [
        Route("GET", "/groups/{key}/meetings", .everyone, "A body's meetings, and scheduling one (anyone, for a body that publishes its papers)") { c in
            let group = try c.app.governance.body(c.param("key"))
            guard c.app.policy.seesMeetings(of: group.key, viewer: c.viewer) else { return notFound(c) }
            return try meetingsPage(c, group, errors: [])
        },
        Route("POST", "/groups/{key}/meetings", .chair, "Schedule a meeting of a body") { c in
            let group = try c.app.governance.body(c.param("key"))
            guard c.app.policy.speaksFor(group: group.key, viewer: c.viewer) else { return notFound(c) }
            var errors: [FieldError] = []
            if let problem = dateProblem(c, "meetsOn", what: "day of the meeting", example: "14 1 2027") { errors.append(problem) }
            let time = c.field("meetsAt") ?? ""
            let parts = time.split(separator: ":").compactMap { Int($0) }
            if time.isEmpty { errors.append(FieldError("meetsAt", "Enter the time it starts, for example 10:00")) }
            else if parts.count != 2 || !(0..<24).contains(parts[0]) || !(0..<60).contains(parts[1]) { errors.append(FieldError("meetsAt", "The time must be like 10:00 or 14:30")) }
            guard errors.isEmpty, let day = typedDate(c, "meetsOn") else { return try meetingsPage(c, group, errors: errors, status: .unprocessableContent) }
            do {
                let m = try c.app.scheduleMeeting(of: group.key, at: c.app.time.moment(day, hour: parts[0], minute: parts[1]), place: c.field("place") ?? "", by: c.person)
                return c.redirect("/meetings/\(m.id.rawValue)", confirming: "Scheduled for \(m.startsAt.map { c.app.time.inWords($0) } ?? ""). Its agenda is built from what waits for \(group.name).")
            } catch {
                guard let message = formError(error) else { throw error }
                return try meetingsPage(c, group, errors: [FieldError("meetsOn", message)], status: .unprocessableContent)
            }
        },
        Route("GET", "/groups/{key}/meetings.ics", .everyone, "A body's meetings as an iCalendar feed (a member's personal link)") { c in
            let group = try c.app.governance.body(c.param("key"))
            return calendar(try c.app.meetingsFeed(of: group.key, for: try feedViewer(c)), name: "\(group.key)-meetings.ics")
        },
        Route("GET", "/meetings/{id}", .everyone, "A meeting: its agenda built from what waits for the body, and recording that it was held (anyone, for a body that publishes its papers)") { c in
            try meetingPage(c, RecordID(c.param("id")), errors: [])
        },
        Route("POST", "/meetings/{id}", .signedIn, "Add an agenda item, record that the meeting was held, or cancel it") { c in
            let id = RecordID<Meeting>(c.param("id"))
            guard c.app.isMember(of: id, viewer: c.viewer) else { return notFound(c) }
            do {
                if c.field("step") == "add-item" {
                    guard let item = c.field("item") else { return try meetingPage(c, id, errors: [FieldError("item", "Enter the agenda item")], status: .unprocessableContent) }
                    _ = try c.app.addAgendaItem(id, item: item, by: c.person)
                    return c.redirect("/meetings/\(id.rawValue)", confirming: "Added to the agenda.")
                }
                if c.field("step") == "cancel" {
                    guard let reason = c.field("reason") else { return try meetingPage(c, id, errors: [FieldError("reason", "Enter why the meeting is cancelled")], status: .unprocessableContent) }
                    _ = try c.app.cancelMeeting(id, reason: reason, by: c.person)
                    return c.redirect("/meetings/\(id.rawValue)", confirming: "Cancelled. It is no longer in the body's calendar feed.")
                }
                let present = c.fields("present")
                if present.isEmpty { return try meetingPage(c, id, errors: [FieldError("present", "Select who was present")], status: .unprocessableContent) }
                let approving = c.field("approvePrevious") == "yes"
                _ = try c.app.holdMeeting(id, present: present, notes: c.field("notes") ?? "", approvingPrevious: approving, by: c.person)
                return c.redirect("/meetings/\(id.rawValue)", confirming: "Recorded as held, with \(present.count) present." + (approving ? " The previous meeting's minutes are approved." : ""))
            } catch {
                guard let message = formError(error) else { throw error }
                let field = ["add-item": "item", "cancel": "reason"][c.field("step") ?? ""] ?? "present"
                return try meetingPage(c, id, errors: [FieldError(field, message)], status: .unprocessableContent)
            }
        },
        Route("GET", "/meetings/{id}/pack", .everyone, "A meeting's board pack: one printable page (anyone, for a body that publishes its papers)") { c in
            let id = RecordID<Meeting>(c.param("id"))
            guard let agenda = try? c.app.agenda(id, for: c.viewer) else { return notFound(c) }
            let body: HTML = """
            <div class="app-board-pack">\(try agendaHTML(c, agenda))</div>
            <p class="govuk-body app-no-print">Print this page, or save it as a PDF from the browser's print dialogue.</p>
            """
            return Layout.page(title: "Board pack: \(c.app.displayName("body", agenda.meeting.group))", body: body, context: c, backLink: ("/meetings/\(id.rawValue)", "Back to the meeting"))
        },
    ]

    static func meetingsPage(_ c: Context, _ group: GovernanceBody, errors: [FieldError], status: HTTPStatus = .ok) throws -> HTTPResponse {
        let meetings = try c.app.meetings(of: group.key, for: c.viewer)
        let rows = meetings.map { m -> [HTML] in
            ["<a class=\"govuk-link\" href=\"/meetings/\(m.id.rawValue)\">\(m.startsAt.map { day(c, $0) } ?? "")</a>", "\(m.place ?? "")", Components.stateTag(m.state)]
        }
        var form: HTML = ""
        if c.app.policy.speaksFor(group: group.key, viewer: c.viewer) {
            let on: (day: String, month: String, year: String)? = c.typed("meetsOn-day").map { ($0, c.typed("meetsOn-month") ?? "", c.typed("meetsOn-year") ?? "") }
            form = """
            <h2 class="govuk-heading-m">Schedule a meeting</h2>
            <form method="post" action="/groups/\(group.key)/meetings" novalidate>\(c.csrfField)
            \(Components.dateInput("meetsOn", legend: "The day", value: on, errors: errors, hint: "For example, 14 1 2027"))
            \(Components.input("meetsAt", label: "The time it starts", value: c.typed("meetsAt"), errors: errors, hint: "For example, 10:00", width: "5"))
            \(Components.input("place", label: "Where, or how to join (optional)", value: c.typed("place"), errors: errors))
            \(Components.button("Schedule the meeting"))</form>
            """
        }
        var feed = try calendarLink(c, "/groups/\(group.key)/meetings.ics", what: "\(group.name)'s meetings")
        if feed.text.isEmpty && c.app.partnership.papersPublic.contains(group.key) {
            feed = "<p class=\"govuk-body\"><a class=\"govuk-link\" href=\"/groups/\(group.key)/meetings.ics\">The meetings calendar</a> (subscribe to it in a calendar app)</p>"
        }
        let body: HTML = """
        \(Components.errorSummary(errors))<span class="govuk-caption-l">\(group.name)</span><h1 class="govuk-heading-l">Meetings</h1>
        \(rows.isEmpty ? "<p class=\"govuk-body\">No meetings yet.</p>" as HTML : Components.table(caption: "In date order", headers: ["When", "Where", "Status"], rows: rows))
        \(feed)\(form)
        """
        return Layout.page(title: (errors.isEmpty ? "" : "Error: ") + "Meetings: \(group.name)", body: body, context: c, status: status,
                           backLink: c.mayOpen("/groups/\(group.key)") ? ("/groups/\(group.key)", "Back to \(group.name)") : ("/governance", "Back to how the partnership is governed"))
    }

    /// The agenda: minutes to approve, escalations waiting (overdue first), late plans,
    /// highlight reports, pledges approved, the secretariat's items, and the decision log.
    static func agendaHTML(_ c: Context, _ a: MeetingAgenda) throws -> HTML {
        let m = a.meeting
        // An item links to its record for a reader who may open it (a member on the escalation's
        // path, the secretariat); anyone else, a reader of published papers or a member of a body
        // it never waited at, sees its title.
        func issue(_ e: Escalation) throws -> HTML {
            try c.app.policy.sight(of: e, for: c.viewer) == .whole ? c.link("/escalations/\(e.id.rawValue)", "\(e.title)") : "\(e.title)"
        }
        var items: [HTML] = []
        if let p = a.previous, p.state == .held { items.append("<li>The minutes of the meeting of \(p.startsAt.map { day(c, $0) } ?? ""), for approval</li>") }
        let escalations = try a.escalations.map { e -> [HTML] in
            [try issue(e.escalation.escalation), "\(c.app.displayName("body", e.escalation.escalation.group))",
             "\(e.review.respondBy.flatMap { c.app.time.parse($0) }.map { day(c, $0) } ?? "")" + (e.overdue ? " <strong class=\"app-overdue\">Overdue</strong>" as HTML : "")]
        }
        items.append("<li>Escalations waiting for a decision\(escalations.isEmpty ? ": none" : "")" + (escalations.isEmpty ? "" : Components.table(caption: "Overdue first", headers: ["Issue", "Raised by", "Respond by"], rows: escalations)) + "</li>")
        if !a.latePlans.isEmpty {
            let rows = try a.latePlans.map { v -> [HTML] in [try issue(v.escalation), "\(v.planProgress.done) of \(v.planProgress.of) done"] }
            items.append("<li>Decisions whose plans are late" + Components.table(caption: "Late plans", headers: ["Issue", "Actions"], rows: rows) + "</li>")
        }
        if !a.voiceOwed.isEmpty {
            let rows = a.voiceOwed.map { e -> [HTML] in
                [c.link("/voice/\(e.id.rawValue)", "\(e.question)"), "\(c.app.displayName("body", e.group))",
                 "\(e.respondBy?.inWords ?? "")" + (e.state == .overdue ? " <strong class=\"app-overdue\">Overdue</strong>" as HTML : "")]
            }
            items.append("<li>Responses owed to children and young people" + Components.table(caption: "You said, we did: overdue first", headers: ["What they were asked", "Group", "Respond by"], rows: rows) + "</li>")
        }
        if !a.highlightReports.isEmpty {
            let rows = a.highlightReports.map { r -> [HTML] in
                ["\(r.group.name)", "\(r.openActions)", "\(r.red) (\(r.redSince.count) new)", "\(r.amber)", "\(r.green)", "\(r.overdue.count) (\(r.overdueSince.count) new)",
                 "\(r.measuresOutside.count)", "\(r.escalationsOverdue.count)"]
            }
            items.append("<li>Highlight reports from the groups that report here" + Components.table(caption: "Open actions by RAG, overdue (new since the last meeting), measures outside tolerance, escalations unanswered there",
                         headers: ["Group", "Open actions", "Red", "Amber", "Green", "Overdue", "Measures outside tolerance", "Escalations overdue"], rows: rows, numeric: Set(1...7)) + "</li>")
            let unanswered = a.highlightReports.flatMap { r in r.escalationsOverdue.map { (r.group.name, $0) } }
            if !unanswered.isEmpty {
                items.append("<li>Escalations unanswered at the groups that report here, for information" + Components.table(caption: "Overdue where they wait",
                             headers: ["Issue", "Waiting at"], rows: try unanswered.map { [try issue($0.1), "\($0.0)"] }) + "</li>")
            }
        }
        if let approved = a.pledgesApproved { items.append("<li>FLOURISH Pledges approved since the last meeting: \(approved)</li>") }
        for text in a.items { items.append("<li>\(text)</li>") }
        let decisions = try a.decisions.map { d -> [HTML] in
            [try issue(d.escalation.escalation), Components.stateTag(d.review.state), "\(d.review.instance.data["minute"]?.stringValue ?? "–")"]
        }
        return """
        <span class="govuk-caption-l">\(c.app.displayName("body", m.group))</span><h1 class="govuk-heading-l">Meeting of \(m.startsAt.map { day(c, $0) } ?? "")</h1>
        \(Components.summaryList([("Where", "\(m.place ?? "Not given")"), ("Status", Components.stateTag(m.state))]
                                 + (m.present.isEmpty ? [] : [("Present", "\(m.present.map { c.app.displayName("owner", $0) }.joined(separator: ", "))")])))
        <h2 class="govuk-heading-m">Agenda</h2><ol class="govuk-list govuk-list--number">\(items)</ol>
        <h2 class="govuk-heading-m">Decision log</h2>
        \(decisions.isEmpty ? "<p class=\"govuk-body\">No decisions recorded at this body since its previous meeting.</p>" as HTML
                            : Components.table(caption: "Decided since the previous meeting", headers: ["Issue", "Decision", "Minute"], rows: decisions))
        \(m.notes.map { "<h2 class=\"govuk-heading-m\">Notes</h2><p class=\"govuk-body\">\($0)</p>" as HTML } ?? "")
        """
    }

    static func meetingPage(_ c: Context, _ id: RecordID<Meeting>, errors: [FieldError], status: HTTPStatus = .ok) throws -> HTTPResponse {
        guard let agenda = try? c.app.agenda(id, for: c.viewer) else { return notFound(c) }
        let m = agenda.meeting
        let open: Set<String> = c.app.isMember(of: id, viewer: c.viewer) ? try c.app.eventsOpen(on: id, for: c.viewer) : []
        var forms: HTML = ""
        if open.contains("add-item") {
            forms = forms + """
            <form method="post" action="/meetings/\(id.rawValue)" novalidate>\(c.csrfField)<input type="hidden" name="step" value="add-item">
            \(Components.input("item", label: "Add an item to the agenda", value: c.typed("item"), errors: errors))
            \(Components.button("Add the item", kind: "secondary"))</form>
            """
        }
        if open.contains("hold"), let starts = m.startsAt, starts <= c.app.clock.now() {
            let members = try c.app.bodyMembers(m.group).map { ($0.id, $0.name) }
            let approve: HTML = agenda.previous?.state == .held
                ? Components.choices("approvePrevious", legend: "The previous meeting's minutes", options: [("yes", "Approved at this meeting")], selected: [], errors: errors) : ""
            forms = forms + """
            <h2 class="govuk-heading-m">Record that it was held</h2>
            <form method="post" action="/meetings/\(id.rawValue)" novalidate>\(c.csrfField)<input type="hidden" name="step" value="hold">
            \(Components.choices("present", legend: "Who was present", options: members, selected: c.fields("present"), errors: errors))
            \(approve)
            \(Components.textarea("notes", label: "Notes of the meeting (optional)", value: c.typed("notes"), errors: errors, rows: 4))
            \(Components.button("Record the meeting"))</form>
            """
        }
        if open.contains("cancel") {
            forms = forms + """
            <details class="govuk-details"><summary class="govuk-details__summary"><span class="govuk-details__summary-text">Cancel this meeting</span></summary>
            <div class="govuk-details__text"><form method="post" action="/meetings/\(id.rawValue)" novalidate>\(c.csrfField)<input type="hidden" name="step" value="cancel">
            \(Components.input("reason", label: "Why it is cancelled", value: c.typed("reason"), errors: errors))
            \(Components.button("Cancel the meeting", kind: "warning"))</form></div></details>
            """
        }
        let cancelled: HTML = m.state == .cancelled ? "<div class=\"govuk-inset-text\">Cancelled: \(m.cancelReason ?? "")</div>" : ""
        let body: HTML = """
        \(Components.errorSummary(errors))\(cancelled)\(try agendaHTML(c, agenda))
        <p class="govuk-body"><a class="govuk-link" href="/meetings/\(id.rawValue)/pack">The board pack, to print</a></p>
        \(forms)
        """
        return Layout.page(title: (errors.isEmpty ? "" : "Error: ") + "Meeting: \(c.app.displayName("body", m.group))", body: body, context: c, status: status,
                           backLink: ("/groups/\(m.group)/meetings", "Back to the meetings"))
    }
}
