import Foundation
import HTTPServer
import Services
import Engine
import Domain

extension WebApp {
    static let secretariatRoutes: [Route] = [
        Route("GET", "/review", .secretariat, "Pledges waiting for review") { c in
            let waiting = try c.app.pledgesAwaitingReview()
            let rows = try waiting.map { p -> [HTML] in
                let org = try c.app.organisation(p.organisation)
                return ["<a class=\"govuk-link\" href=\"/pledges/\(p.id.rawValue)\">\(org.organisation.name)</a>", "\(p.text)",
                        "\(day(c, p.updatedAt))", p.repeatsLastYear ? Components.tag("repeats an earlier pledge", colour: "yellow") : ""]
            }
            let youth: HTML = try c.app.youthReviewSetting().map { s in
                "<p class=\"govuk-body\">The youth review is on: \(s.panel.name) see pledges before they are published. <a class=\"govuk-link\" href=\"/youth-review\">Send pledges to the panel</a>.</p>"
            } ?? ""
            let body: HTML = "<h1 class=\"govuk-heading-l\">Pledges to review</h1>" + youth + (rows.isEmpty ? "<p class=\"govuk-body\">Nothing is waiting for review.</p>" : Components.table(caption: "\(rows.count) waiting", headers: ["Organisation", "Pledge", "Submitted", "Flags"], rows: rows))
            return Layout.page(title: "Review", body: body, context: c)
        },
        Route("GET", "/escalations", .secretariat, "The escalation console: everything open, by level, overdue first, filtered by body, severity or overdue") { c in
            let bodies = try c.app.governance.bodies()
            let severities = c.app.partnership.escalation.severities
            let atBody = c.request.queryValue("body").flatMap { $0.isEmpty ? nil : $0 }, severity = c.request.queryValue("severity").flatMap { $0.isEmpty ? nil : $0 }
            let overdueOnly = c.request.queryValue("overdue") == "yes"
            let console = try c.app.escalationConsole(at: atBody, severity: severity, overdueOnly: overdueOnly)
            let bodyNames = Dictionary(bodies.map { ($0.key, $0.name) }, uniquingKeysWith: { a, _ in a })
            let rows = console.waiting.map { line -> [HTML] in
                let e = line.escalation, review = line.review
                let deadline = review.respondBy.flatMap { c.app.time.parse($0) }.map { day(c, $0) } ?? ""
                return ["<a class=\"govuk-link\" href=\"/escalations/\(e.escalation.id.rawValue)\">\(e.escalation.title)</a>",
                        "\(bodyNames[review.body] ?? review.body)", "\(severities.first { $0.key == e.escalation.severity }?.name ?? e.escalation.severity)",
                        "\(deadline)" + (line.isOverdue ? " <strong class=\"app-overdue\">Overdue</strong>" as HTML : ""),
                        "\(review.state == .acknowledged ? "Acknowledged" : review.state == .paused ? "Paused" : "Not acknowledged yet")"]
            }
            let filters: HTML = """
                <form method="get" action="/escalations" class="app-filters" novalidate>
                \(Components.select("body", label: "Waiting at", options: bodies.filter { console.bodiesWaiting.contains($0.key) }.map { ($0.key, $0.name) }, selected: atBody, errors: [], blank: "Any body"))
                \(Components.select("severity", label: "Severity", options: severities.map { ($0.key, $0.name) }, selected: severity, errors: [], blank: "Any severity"))
                \(Components.choices("overdue", legend: "Deadline", options: [("yes", "Overdue only")], selected: overdueOnly ? ["yes"] : [], errors: []))
                \(Components.button("Show escalations", kind: "secondary"))</form>
                """
            let caption = console.waiting.count == console.waitingInAll ? "Open, overdue first" : "\(console.waiting.count) of \(console.waitingInAll) open, overdue first"
            let body: HTML = """
                <h1 class="govuk-heading-l">Escalations</h1>
                <p class="govuk-body">\(console.waitingInAll) waiting for a decision, \(console.overdueInAll) of them overdue. Issues referred to partners are under <a class="govuk-link" href="/referrals">Referrals</a>.</p>\(filters)
                \(rows.isEmpty ? (console.waitingInAll == 0 ? "<p class=\"govuk-body\">No escalation is open.</p>" : "<p class=\"govuk-body\">No open escalation matches. <a class=\"govuk-link\" href=\"/escalations\">Show them all</a>.</p>") as HTML
                                : Components.table(caption: caption, headers: ["Issue", "Waiting at", "Severity", "Respond by", "Progress"], rows: rows))
                """
            return Layout.page(title: "Escalations", body: body + (try plansTable(c)) + (try principlesAgreementForm(c, errors: [])), context: c)
        },
        Route("POST", "/governance/principles", .secretariat, "Record that the partnership agreed the escalation principles in force") { c in
            var errors: [FieldError] = []
            if let problem = dateProblem(c, "agreedOn", what: "day of the meeting that agreed them", example: "14 1 2027") { errors.append(problem) }
            if let day = typedDate(c, "agreedOn"), errors.isEmpty {
                do {
                    let v = try c.app.recordPrinciplesAgreed(on: day, minute: c.field("minute"), by: c.person)
                    return c.redirect("/governance", confirming: "Recorded: \(c.app.principlesStanding(v)).")
                } catch {
                    guard let message = formError(error) else { throw error }
                    errors.append(FieldError("agreedOn", message))
                }
            }
            let page: HTML = """
            <h1 class="govuk-heading-l">Record that the principles were agreed</h1>\(try principlesAgreementForm(c, errors: errors))
            """
            return Layout.page(title: "Error: Record that the principles were agreed", body: Components.errorSummary(errors) + page, context: c, status: .unprocessableContent)
        },
        Route("GET", "/outbox", .secretariat, "Notifications waiting, sent and failed") { c in
            let page = try c.app.outboxPage(status: nil, try PageRequest(after: c.request.queryValue("after"), limit: 200), for: c.viewer)
            let rows = page.items.map { m -> [HTML] in
                let retry: HTML = m.status == "failed" ? """
                    <form method="post" action="/outbox/retry" class="app-inline-form">\(c.csrfField)<input type="hidden" name="message" value="\(m.id)"><button type="submit" class="govuk-button govuk-button--secondary govuk-!-margin-bottom-0">Retry<span class="govuk-visually-hidden"> message \(m.id)</span></button></form>
                    """ : ""
                // Why it failed or reached no one, under its status (the reason was kept and never shown).
                let why: HTML = (m.status == "failed" || m.status == "undeliverable") ? m.lastError.map { "<br><span class=\"govuk-hint govuk-!-margin-bottom-0\">\($0)</span>" as HTML } ?? "" : ""
                return ["\(m.id)", "\(m.recipient)", "\(m.subject)", Components.stateTag(m.status) + why, "\(day(c, m.createdAt))", retry]
            }
            let waiting = try c.app.outboxCounts(), nobody = try c.app.outboxUndeliverableCount()
            let actions: HTML = """
                <p class="govuk-body">\(waiting.pending) waiting to be sent, \(waiting.failed) failed\(nobody > 0 ? ", \(nobody) reached no one (give the role to someone with an email address)" : ""). Messages also leave when the server sends them (every few minutes, if it is set up to).</p>
                <div class="govuk-button-group">
                <form method="post" action="/outbox/send" class="app-inline-form">\(c.csrfField)\(Components.button("Send waiting messages now"))</form>
                <a class="govuk-button govuk-button--secondary" href="/messages/new">Write to people</a>
                \(waiting.failed > 0 ? "<form method=\"post\" action=\"/outbox/retry\" class=\"app-inline-form\">\(c.csrfField)\(Components.button("Retry every failed message", kind: "secondary"))</form>" as HTML : "")
                </div>
                """
            let body: HTML = "<h1 class=\"govuk-heading-l\">Outbox</h1>" + actions + (rows.isEmpty ? "<p class=\"govuk-body\">The outbox is empty.</p>" : Components.table(caption: "Latest messages, newest first: \(rows.count) of \(page.total)", headers: ["Number", "To", "Subject", "Status", "Queued", "Actions"], rows: rows)
                + (page.next.map { "<p class=\"govuk-body\"><a class=\"govuk-link\" href=\"/outbox?after=\($0)\">Older messages</a></p>" as HTML } ?? ""))
            return Layout.page(title: "Outbox", body: body, context: c)
        },
        Route("GET", "/people", .secretariat, "People, their memberships and accounts") { c in
            try peoplePage(c, errors: [])
        },
    ]

    static let boardRoutes: [Route] = [
        Route("GET", "/decisions", .boardMember, "Escalations awaiting my body's decision") { c in
            let bodies = try c.app.policy.boardsFollowed(by: c.viewer)
            // Overdue first, then the soonest due, as the console and the agenda list them (the
            // overdue ones came last).
            let waiting = try c.app.escalations(state: "open").flatMap { e in e.open.filter { bodies.contains($0.body) }.map { (e, $0) } }
                .sorted { a, b in
                    let (lateA, lateB) = (a.0.overdue.contains { $0.id == a.1.id }, b.0.overdue.contains { $0.id == b.1.id })
                    return lateA != lateB ? lateA : (a.1.respondBy ?? "~") < (b.1.respondBy ?? "~")
                }
            let rows = waiting.map { e, review -> [HTML] in
                ["<a class=\"govuk-link\" href=\"/escalations/\(e.escalation.id.rawValue)\">\(e.escalation.title)</a>", "\(c.app.displayName("body", review.body))",
                 "\(review.respondBy.flatMap { c.app.time.parse($0) }.map { day(c, $0) } ?? "")" + (e.overdue.contains { $0.id == review.id } ? " <strong class=\"app-overdue\">Overdue</strong>" as HTML : "")]
            }
            let meetings = bodies.sorted().map { b -> HTML in "<li><a class=\"govuk-link\" href=\"/groups/\(b)/meetings\">Meetings of \(c.app.displayName("body", b))</a></li>" }
            let body: HTML = "<h1 class=\"govuk-heading-l\">Decisions</h1><ul class=\"govuk-list\">\(meetings)</ul>" + (rows.isEmpty ? "<p class=\"govuk-body\">Nothing is waiting for your board's decision.</p>" : Components.table(caption: "Waiting for a decision", headers: ["Issue", "At", "Respond by"], rows: rows))
            return Layout.page(title: "Decisions", body: body, context: c)
        },
        Route("GET", "/escalations/{id}", .signedIn, "An escalation and how it got here") { c in
            try escalationPage(c, RecordID(c.param("id")), errors: [])
        },
        Route("POST", "/escalations/{id}/close", .secretariat, "Close an escalation whose plan will not be finished, with a reason") { c in
            let id = RecordID<Escalation>(c.param("id"))
            guard let reason = c.field("closeReason") else {
                return try escalationPage(c, id, errors: [FieldError("closeReason", "Enter why the escalation is closed with its plan unfinished")], status: .unprocessableContent)
            }
            do {
                let view = try c.app.closeEscalation(id, reason: reason, by: c.person)
                return c.redirect("/escalations/\(id.rawValue)", confirming: "Closed with its plan unfinished (\(view.planProgress.done) of \(view.planProgress.of) actions done). The raising group's chair is told.")
            } catch {
                guard let message = formError(error) else { throw error }
                return try escalationPage(c, id, errors: [FieldError("closeReason", message)], status: .unprocessableContent)
            }
        },
        // Boards were asked, by email and on the console ("Not acknowledged yet"), to acknowledge
        // an escalation, and only the CLI could.
        Route("POST", "/escalations/{id}/acknowledge", .signedIn, "Acknowledge an escalation at a body: its members say they have it") { c in
            let id = RecordID<Escalation>(c.param("id"))
            guard (try? c.app.escalation(id, for: c.viewer)) != nil else { return notFound(c) }
            let body = c.field("body") ?? ""
            do {
                _ = try c.app.acknowledgeEscalation(id, at: body, note: c.field("acknowledgeNote"), by: c.person)
                return c.redirect("/escalations/\(id.rawValue)",
                                  confirming: "Acknowledged at \(c.app.displayName("body", body)): the group that raised it can see that you have it. Decide it when you are ready.")
            } catch {
                guard let message = refusal(error) else { throw error }
                return try escalationPage(c, id, errors: [FieldError("\(body)-acknowledgeNote", message)], status: .unprocessableContent)
            }
        },
        Route("POST", "/escalations/{id}/decision", .signedIn, "Decide an escalation at a body") { c in
            let id = RecordID<Escalation>(c.param("id"))
            let body = c.field("body") ?? "", chosen = c.field("outcome") ?? ""
            // Each body's decision form carries the body in its fields' ids (a page can show several).
            guard let outcome = EscalationOutcome(rawValue: chosen), let named = decisionFields(body)[outcome] else {
                return try escalationPage(c, id, errors: [FieldError("\(body)-outcome", "Choose a decision")], status: .unprocessableContent)
            }
            var fields: [String: JSONValue] = [:]
            for (name, field) in named { if let v = c.field(field.name) { fields[name] = .string(v) } }
            if let minute = c.field("minute") { fields["minute"] = .string(minute) }
            let (plan, planErrors) = outcome == .accepted ? plannedActions(c, body: body) : ([], [])
            if let review = try? c.app.openReview(of: id.instance, at: body) {
                let errors = inPeoplesWords(try c.app.fieldProblems(firing: outcome.event, on: RecordID<EscalationReview>(review.id), fields: fields), named) + planErrors
                if !errors.isEmpty { return try escalationPage(c, id, errors: errors, status: .unprocessableContent) }
            }
            do {
                let view = try c.app.decideEscalation(id, at: body, outcome: outcome.rawValue, fields: fields, plan: plan, by: c.person)
                var message = "Decided: \(outcome.rawValue.replacingOccurrences(of: "-", with: " ")). The escalation is now \(view.escalation.state.rawValue.replacingOccurrences(of: "-", with: " "))."
                // The plan's actions are logged as planned, not started: the page said "started".
                if view.escalation.state == .inPlan {
                    let n = view.plan.count
                    message += " \(n == 1 ? "Its action is" : "Its \(n) actions are") logged as planned; the escalation closes when \(n == 1 ? "it is" : "they are") done."
                }
                if let followUp = view.followUps.last { message += " A follow-up is set for \(c.app.displayName("group", followUp.group)), due \(followUp.dueDate?.inWords ?? "")." }
                return c.redirect("/escalations/\(id.rawValue)", confirming: message)
            } catch let e as EscalationError where outcome == .accepted {
                // A plan's mistake found by the services: shown beside the action it is about.
                let field: String
                switch e {
                case .planGroupNotBelow(let group, _): field = (1...planRows).first { c.field("\(body)-action\($0)Group") == group }.map { "\(body)-action\($0)Group" } ?? "\(body)-action1Group"
                case .planDueInPast(let title): field = (1...planRows).first { c.field("\(body)-action\($0)Title") == title }.map { "\(body)-action\($0)Due" } ?? "\(body)-action1Due"
                default: field = "\(body)-action1Title"
                }
                return try escalationPage(c, id, errors: [FieldError(field, e.localizedDescription)], status: .unprocessableContent)
            } catch {
                guard let message = formError(error) else { throw error }
                let field = (error as? WorkflowError)?.field.flatMap { named[$0]?.id } ?? "\(body)-outcome"
                return try escalationPage(c, id, errors: [FieldError(field, message)], status: .unprocessableContent)
            }
        },
    ]

    /// A decision's fields, per outcome, named for people; their ids carry the body, as one
    /// page can hold a form for each body the escalation waits at.
    static func decisionFields(_ body: String) -> [EscalationOutcome: [String: FormField]] {
        [
            .resolved: ["rationale": FormField(id: "\(body)-resolvedRationale", name: "resolvedRationale", missing: "Enter how it is resolved", label: "How it is resolved")],
            .accepted: ["plan": FormField(id: "\(body)-plan", name: "plan", missing: "Enter the plan in a few words", label: "The plan in a few words")],
            .referredBack: ["guidance": FormField(id: "\(body)-guidance", name: "guidance", missing: "Enter the guidance for the group", label: "The guidance")],
            .escalated: ["rationale": FormField(id: "\(body)-escalatedRationale", name: "escalatedRationale", missing: "Enter why it needs the body above", label: "Why it goes up")],
        ]
    }

    /// The escalation principles' standing, and for the secretariat the form recording that the
    /// partnership agreed the version in force (its meeting's day and minute).
    static func principlesAgreementForm(_ c: Context, errors: [FieldError]) throws -> HTML {
        let v = try c.app.principlesInForce()
        let standing: HTML = "<h2 class=\"govuk-heading-m\" id=\"principles\">Escalation principles</h2><p class=\"govuk-body\">\(c.app.principlesStanding(v)). <a class=\"govuk-link\" href=\"/governance\">Read them</a>.</p>"
        guard v.agreedOn == nil else { return standing }
        let due: (day: String, month: String, year: String)? = c.typed("agreedOn-day").map { ($0, c.typed("agreedOn-month") ?? "", c.typed("agreedOn-year") ?? "") }
        return standing + """
        <form method="post" action="/governance/principles" novalidate>\(c.csrfField)
        \(Components.dateInput("agreedOn", legend: "The day the partnership agreed them", value: due, errors: errors, hint: "The day of the meeting, for example 14 1 2027"))
        \(Components.input("minute", label: "The minute that records it (optional)", value: c.typed("minute"), errors: errors, width: "10"))
        \(Components.button("Record the agreement", kind: "secondary"))</form>
        """
    }

    /// Decisions becoming work: each escalation in a plan with its progress, late ones first;
    /// the console and the dashboard both show it.
    static func plansTable(_ c: Context) throws -> HTML {
        let plans = try c.app.plansInProgress(for: c.viewer)
        let late = plans.filter(\.planIsLate).count
        let rows = plans.map { v -> [HTML] in
            ["<a class=\"govuk-link\" href=\"/escalations/\(v.escalation.id.rawValue)\">\(v.escalation.title)</a>", "\(c.app.displayName("body", v.escalation.acceptedAt ?? ""))",
             "\(v.planProgress.done) of \(v.planProgress.of) done" + (v.planIsLate ? " <strong class=\"app-overdue\">Late</strong>" as HTML : "")]
        }
        return """
        <h2 class="govuk-heading-m" id="plans">Decisions becoming work</h2>
        <p class="govuk-body">\(plans.count == 1 ? "1 escalation is" : "\(plans.count) escalations are") in a plan, \(late) with a late action. Each closes, resolved by plan, when its actions are done.</p>
        \(rows.isEmpty ? "" : Components.table(caption: "In a plan, late first", headers: ["Issue", "Accepted at", "Actions"], rows: rows, numeric: []))
        """
    }

    /// The plan an escalation was accepted into (its progress, each action with its state,
    /// late ones marked) and follow-ups of guidance; for the secretariat, closing with a reason.
    static func workSection(_ c: Context, _ view: EscalationView, errors: [FieldError]) throws -> HTML {
        func rows(_ actions: [Action]) -> [[HTML]] {
            actions.map { a in
                [c.link("/actions/\(a.id.rawValue)", "\(a.title)"), "\(c.app.displayName("group", a.group))", "\(c.app.displayName("owner", a.owner))",
                 "\(a.dueDate?.inWords ?? "")" + (a.isOverdue && a.state != .completed ? " <strong class=\"app-overdue\">Late</strong>" as HTML : ""), Components.stateTag(a.state)]
            }
        }
        var html: HTML = ""
        if !view.plan.isEmpty {
            let (done, of) = view.planProgress
            html = html + """
            <h2 class="govuk-heading-m">The plan</h2>
            <p class="govuk-body">\(view.escalation.plan ?? "")</p>
            <p class="govuk-body">Accepted at \(c.app.displayName("body", view.escalation.acceptedAt ?? "")). \(done) of \(of) actions done\(view.planIsLate ? "; an action is late" : "").\(view.escalation.state == .inPlan ? " It closes, resolved by plan, when they are all done." : "")</p>
            \(Components.table(caption: "The plan's actions", headers: ["Action", "Group", "Owner", "Due", "Status"], rows: rows(view.plan)))
            """
            if view.escalation.state == .inPlan, try c.app.eventsOpen(on: view.escalation.id, for: c.viewer).contains("close") {
                html = html + """
                <form method="post" action="/escalations/\(view.escalation.id.rawValue)/close" novalidate>\(c.csrfField)
                \(Components.textarea("closeReason", label: "Close it with its plan unfinished", value: c.typed("closeReason"), errors: errors,
                                       hint: "Only when the plan will not be finished as it stands: say why (an action was cancelled, the need has gone)", rows: 2))
                \(Components.button("Close the escalation", kind: "secondary"))</form>
                """
            }
        }
        if !view.followUps.isEmpty {
            html = html + "<h2 class=\"govuk-heading-m\">Follow-up</h2>" + Components.table(caption: "Set when it was referred back", headers: ["Action", "Group", "Owner", "Due", "Status"], rows: rows(view.followUps))
        }
        return html
    }

    /// The version of the principles an escalation keeps, in words.
    static func principlesOf(_ c: Context, _ view: EscalationView) throws -> String {
        guard let n = view.principlesVersion, let v = try c.app.principlesVersions().first(where: { $0.version == n }) else { return "As in force now" }
        return c.app.principlesStanding(v)
    }

    /// How many actions a plan's form offers (the first required; more can be logged later by the groups).
    static let planRows = 3

    /// The plan's actions as typed (rows left empty are skipped), and every problem with them
    /// at once, each beside its box.
    static func plannedActions(_ c: Context, body: String) -> ([PlannedAction], [FieldError]) {
        var plan: [PlannedAction] = [], errors: [FieldError] = []
        for row in 1...planRows {
            let key = "\(body)-action\(row)"
            let title = c.field(key + "Title"), group = c.field(key + "Group"), owner = c.field(key + "Owner")
            let typedAnything = title != nil || group != nil || owner != nil || ["day", "month", "year"].contains { c.field("\(key)Due-\($0)") != nil }
            guard typedAnything || row == 1 else { continue }
            let which = row == 1 ? "the first action" : "action \(row)"
            if title == nil { errors.append(FieldError(key + "Title", "Enter what \(which) is")) }
            if group == nil { errors.append(FieldError(key + "Group", "Choose the group that carries out \(which)")) }
            if owner == nil { errors.append(FieldError(key + "Owner", "Choose who owns \(which)")) }
            let due = typedDate(c, key + "Due")
            if let problem = dateProblem(c, key + "Due", what: "date \(which) is due", example: "31 3 2027") { errors.append(problem) }
            if let title, let group, let owner, let due { plan.append(PlannedAction(title: title, group: group, owner: owner, dueDate: due.description)) }
        }
        return (plan, errors)
    }

    /// The accept-into-a-plan reveal: the plan in a few words, then each action's what, group, owner and due date.
    static func planQuestions(_ c: Context, body: String, plan: HTML, errors: [FieldError]) throws -> HTML {
        let groups = try c.app.planGroups(at: body).map { ($0.key, $0.name) }
        let owners = try c.app.actionOwners().map { ($0.id, $0.name) }
        let rows = (1...planRows).map { row -> HTML in
            let key = "\(body)-action\(row)"
            func typed(_ name: String) -> String? { c.typed(name, ifSent: body) }
            let due: (day: String, month: String, year: String)? = typed(key + "Due-day").map { ($0, typed(key + "Due-month") ?? "", typed(key + "Due-year") ?? "") }
            return """
            <fieldset class="govuk-fieldset"><legend class="govuk-fieldset__legend govuk-fieldset__legend--s">\(row == 1 ? "The first action" : "Action \(row) (optional)")</legend>
            \(Components.input(key + "Title", label: "What will be done", value: typed(key + "Title"), errors: errors))
            \(Components.select(key + "Group", label: "Which group does it", options: groups, selected: typed(key + "Group"), errors: errors, blank: "Choose a group"))
            \(Components.select(key + "Owner", label: "Who owns it", options: owners, selected: typed(key + "Owner"), errors: errors, blank: "Choose a person"))
            \(Components.dateInput(key + "Due", legend: "When it is due", value: due, errors: errors, hint: "For example, 31 3 2027"))
            </fieldset>
            """
        }
        return plan + "<p class=\"govuk-body\">The actions start with the decision, at the groups chosen, and the escalation closes when they are all done.</p>" + HTML.join(rows)
    }

    static func escalationPage(_ c: Context, _ id: RecordID<Escalation>, errors: [FieldError], status: HTTPStatus = .ok) throws -> HTTPResponse {
        guard let view = try? c.app.escalation(id, for: c.viewer) else { return notFound(c) }
        let e = view.escalation
        func name(_ key: String?) -> String { key.map { c.app.displayName("body", $0) } ?? "" }
        // When each body must answer by, for everyone who sees the escalation (only the
        // console said it), and the record that raised it, linked back (the action links here).
        let trail = view.reviews.map { r -> [HTML] in
            ["\(name(Optional(r.body)))", Components.stateTag(r.state), "\(day(c, r.createdAt))",
             "\(r.respondBy.flatMap { c.app.time.parse($0) }.map { day(c, $0) } ?? "–")" + (view.overdue.contains { $0.id == r.id } ? " <strong class=\"app-overdue\">Overdue</strong>" as HTML : ""),
             "\(r.rationale ?? r.guidance ?? (r.plan ?? ""))"]
        }
        let raisedFrom: [(String, HTML)] = e.source.flatMap { source -> (String, HTML)? in
            guard let action = try? c.app.record(InstanceID(source), for: c.viewer).instance, action.workflow == "action" else { return nil }
            return ("Raised because of", c.link("/actions/\(source)", "the action “\(action.data["title"]?.stringValue ?? source)”"))
        }.map { [$0] } ?? []
        var decide: [HTML] = []
        for review in view.open {
            let body = review.body
            let available = try c.app.eventsOpen(on: review.id, for: c.viewer)
            if available.contains("acknowledge") {
                decide.append("""
                <h2 class="govuk-heading-m">Acknowledge at \(name(body))</h2>
                <p class="govuk-body">Let the group that raised it know that \(name(body)) has it, before it is decided.</p>
                <form method="post" action="/escalations/\(id.rawValue)/acknowledge" novalidate>\(c.csrfField)<input type="hidden" name="body" value="\(body)">
                \(Components.textarea("acknowledgeNote", id: "\(body)-acknowledgeNote", label: "A note for the group (optional)", value: c.typed("acknowledgeNote", ifSent: body), errors: errors,
                                       hint: "For example, when it will be discussed", rows: 2))
                \(Components.button("Acknowledge", kind: "secondary"))</form>
                """)
            }
            guard available.contains("resolve") || available.contains("escalate") else { continue }
            let named = decisionFields(body)
            func typed(_ outcome: EscalationOutcome, _ field: String) -> String? { named[outcome]?[field].flatMap { c.typed($0.name, ifSent: body) } }
            func text(_ outcome: EscalationOutcome, _ field: String, rows: Int = 2, hint: String? = nil) -> HTML {
                guard let f = named[outcome]?[field] else { return "" }
                return Components.textarea(f.name, id: f.id, label: f.label, value: typed(outcome, field), errors: errors, hint: hint, rows: rows)
            }
            let labels: [EscalationOutcome: String] = [.resolved: "Resolve it", .accepted: "Accept it into a plan", .referredBack: "Refer it back to the group with guidance",
                                                       .escalated: "Escalate it to the body above"]
            let options = try EscalationOutcome.allCases.filter { available.contains($0.event) }.map { outcome -> (value: String, label: String, reveal: HTML) in
                let reveal: HTML
                switch outcome {
                case .resolved: reveal = text(.resolved, "rationale")
                case .accepted: reveal = try planQuestions(c, body: body, plan: text(.accepted, "plan", rows: 2), errors: errors)
                case .referredBack: reveal = text(.referredBack, "guidance", rows: 3, hint: "What the group should do next")
                case .escalated: reveal = text(.escalated, "rationale")
                }
                return (outcome.rawValue, labels[outcome] ?? outcome.rawValue, reveal)
            }
            decide.append("""
            <h2 class="govuk-heading-m">Decide at \(name(body))</h2>
            <form method="post" action="/escalations/\(id.rawValue)/decision" novalidate>\(c.csrfField)<input type="hidden" name="body" value="\(body)">
            \(Components.radiosWithReveal("outcome", id: "\(body)-outcome", legend: "What is the decision?", options: options, selected: c.typed("outcome", ifSent: body), errors: errors, legendSize: "s"))
            \(Components.input("minute", id: "\(body)-minute", label: "The minute that records it (optional)", value: c.typed("minute", ifSent: body), errors: errors,
                               hint: "When it was decided at a meeting, for example 2027/01/5", width: "10"))
            \(Components.button("Record decision"))</form>
            """)
        }
        let body: HTML = """
        \(Components.errorSummary(errors))<span class="govuk-caption-l">Escalation</span><h1 class="govuk-heading-l">\(e.title)</h1>
        \(Components.summaryList([("Raised by", "\(name(Optional(e.group)))"), ("Principles", "\(try principlesOf(c, view))"), ("Severity", "\(c.app.partnership.escalation.severities.first { $0.key == e.severity }?.name ?? e.severity)"),
                                  ("Status", Components.stateTag(e.state))] + (e.state == .withdrawn ? [("Why it was withdrawn", "\(e.instance.data["reason"]?.stringValue ?? "")")] : [])
                                 + [("Raised", "\(day(c, e.createdAt))")] + raisedFrom + [("Description", "\((e.description ?? ""))")]))
        \(Components.table(caption: "How it got here", headers: ["Body", "Status", "Reached it", "Respond by", "Decision notes"], rows: trail))
        \(try workSection(c, view, errors: errors))
        \(decide)
        \(try manageForm(c, view, errors: errors))
        """
        return Layout.page(title: (errors.isEmpty ? "" : "Error: ") + "Escalation: \(e.title)", body: body, context: c, status: status)
    }
}
