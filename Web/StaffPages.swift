import Foundation
import HTTPServer
import Services
import Engine
import Domain

extension WebApp {
    /// The secretariat's work on the partnership itself: groups, memberships, member
    /// organisations and the outbox, each through the services (which check it is the secretariat).
    static let staffRoutes: [Route] = [
        Route("GET", "/groups/new", .secretariat, "Add a group, board or partner to the governance graph") { c in
            try groupForm(c, errors: [])
        },
        Route("POST", "/groups/new", .secretariat, "Add a group, board or partner to the governance graph") { c in
            var errors: [FieldError] = []
            if c.field("name") == nil { errors.append(FieldError("name", "Enter the group’s name")) }
            if c.field("kind") == nil { errors.append(FieldError("kind", "Choose what kind of body it is")) }
            if c.field("kind") != "partner" && c.fields("reportsTo").isEmpty { errors.append(FieldError("reportsTo", "Choose at least one body it reports to")) }
            if !errors.isEmpty { return try groupForm(c, errors: errors, status: .unprocessableContent) }
            do {
                let body = try c.app.addBody(name: c.field("name") ?? "", kind: c.field("kind") ?? "", reportsTo: c.fields("reportsTo"), priority: c.field("priority"),
                                             description: c.field("description") ?? "", by: c.viewer)
                return c.redirect("/groups/\(body.key)", confirming: "\(body.name) is added, reporting to \(body.reportsTo.map { c.app.displayName("body", $0) }.joined(separator: " and ")).")
            } catch {
                guard let message = said(error, c) else { throw error }
                let field = error is FrameworkError ? "priority" : (error as? GovernanceError).map { e -> String in if case .unknownBody = e { return "reportsTo" } else { return "name" } } ?? "name"
                return try groupForm(c, errors: [FieldError(field, message)], status: .unprocessableContent)
            }
        },
        Route("GET", "/groups/{key}/retire", .secretariat, "Retire a group: check first, with a reason") { c in
            try retireForm(c, try c.app.governance.body(c.param("key")), errors: [])
        },
        Route("POST", "/groups/{key}/retire", .secretariat, "Retire a group: check first, with a reason") { c in
            let group = try c.app.governance.body(c.param("key"))
            guard let reason = c.field("reason") else {
                return try retireForm(c, group, errors: [FieldError("reason", "Enter why the group is retired")], status: .unprocessableContent)
            }
            do {
                try c.app.retireBody(group.key, reason: reason, by: c.viewer)
            } catch let e as GovernanceError {
                return try retireForm(c, group, errors: [FieldError("reason", said(e, c) ?? e.localizedDescription)], status: .conflict)
            }
            return c.redirect("/groups", confirming: "\(group.name) is retired. Its history is kept.")
        },
        Route("POST", "/people/memberships", .secretariat, "Give someone in the directory a role in a body") { c in
            var errors: [FieldError] = []
            if c.field("person") == nil { errors.append(FieldError("person", "Choose the person")) }
            if c.field("memberBody") == nil { errors.append(FieldError("memberBody", "Choose the group or board")) }
            if c.field("memberRole") == nil { errors.append(FieldError("memberRole", "Choose their role")) }
            if !errors.isEmpty { return try peoplePage(c, errors: errors, status: .unprocessableContent) }
            do {
                let m = try c.app.addMembership(person: c.field("person") ?? "", body: c.field("memberBody") ?? "", role: c.field("memberRole") ?? "", by: c.viewer)
                return c.redirect("/people", confirming: "\(c.app.displayName("person", m.person)) is now \(m.role.inWords) of \(c.app.displayName("body", m.body)).")
            } catch {
                guard let message = said(error, c) else { throw error }
                let field = error is GovernanceError ? "memberBody" : (error as? DirectoryError).map { e -> String in if case .unknownRole = e { return "memberRole" } else { return "person" } } ?? "person"
                return try peoplePage(c, errors: [FieldError(field, message)], status: .unprocessableContent)
            }
        },
        Route("POST", "/people/memberships/end", .secretariat, "End someone's role in a body (the history keeps it)") { c in
            let person = c.field("person") ?? "", body = c.field("memberBody") ?? "", role = c.field("memberRole") ?? ""
            do {
                try c.app.endMembership(person: person, body: body, role: role, by: c.viewer)
            } catch let e as DirectoryError {
                return try peoplePage(c, errors: [FieldError("memberships", said(e, c) ?? e.localizedDescription)], status: .conflict)
            }
            return c.redirect("/people", confirming: "\(c.app.displayName("person", person)) is no longer \(MembershipRole(rawValue: role)?.inWords ?? role) of \(c.app.displayName("body", body)). The history keeps the role.")
        },
        Route("GET", "/member-organisations", .secretariat, "The partnership's member organisations and their sectors") { c in
            try memberOrganisationsPage(c, errors: [])
        },
        Route("POST", "/member-organisations", .secretariat, "Add a member organisation of the partnership") { c in
            guard let name = c.field("name") else {
                return try memberOrganisationsPage(c, errors: [FieldError("name", "Enter the organisation’s name")], status: .unprocessableContent)
            }
            do {
                let org = try c.app.addMemberOrganisation(name: name, sector: c.field("sector"), by: c.viewer)
                return c.redirect("/member-organisations", confirming: "\(org.name) is added as a member organisation.")
            } catch {
                guard let message = said(error, c) else { throw error }
                let field = (error as? DirectoryError).map { e -> String in if case .unknownSector = e { return "sector" } else { return "name" } } ?? "name"
                return try memberOrganisationsPage(c, errors: [FieldError(field, message)], status: .unprocessableContent)
            }
        },
        Route("POST", "/outbox/send", .secretariat, "Send the outbox's waiting messages now") { c in
            let report = try c.app.sendOutbox(c.web.mail, by: c.viewer)
            // A failure was shown in a green "Success" banner.
            return report.hasProblems ? c.redirect("/outbox", warning: report.inWords) : c.redirect("/outbox", confirming: report.inWords)
        },
        Route("POST", "/outbox/retry", .secretariat, "Queue failed messages to be sent again: one, or every failed one") { c in
            let ids = c.field("message").flatMap(Int64.init).map { [$0] } ?? []
            do {
                let queued = try c.app.retryOutbox(ids: ids, by: c.viewer)
                return c.redirect("/outbox", confirming: queued.isEmpty ? "No message had failed." : "\(queued.count) message\(queued.count == 1 ? " is" : "s are") queued to be sent again.")
            } catch let e as OutboxError {
                return c.redirect("/outbox", confirming: e.localizedDescription)
            }
        },
    ]


    static func groupForm(_ c: Context, errors: [FieldError], status: HTTPStatus = .ok) throws -> HTTPResponse {
        let bodies = try c.app.governance.bodies().filter { $0.kind != .partner }.map { ($0.key, $0.name) }
        let kinds: [(String, String)] = [("subgroup", "A priority subgroup"), ("enabling-group", "An enabling group"), ("board", "A board"), ("partner", "A partner outside the partnership")]
        let body: HTML = """
        <div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">\(Components.errorSummary(errors))
        <h1 class="govuk-heading-l">Add a group</h1>
        <form method="post" action="/groups/new" novalidate>\(c.csrfField)
        \(Components.input("name", label: "Name", value: c.typed("name"), errors: errors, hint: "For example, Youth Justice Board"))
        \(Components.choices("kind", legend: "What kind of body is it?", options: kinds, selected: c.typed("kind").map { [$0] } ?? [], errors: errors, radio: true))
        \(Components.choices("reportsTo", legend: "Which bodies does it report to?", options: bodies, selected: c.request.method == "POST" ? c.fields("reportsTo") : [], errors: errors,
                             hint: "Select all that apply. A partner reports to none."))
        \(Components.select("priority", label: "The strategy priority it owns (optional)", options: c.app.framework.priorities.map { ($0.key, $0.name) }, selected: c.typed("priority"), errors: errors, blank: "None"))
        \(Components.textarea("description", label: "What it is for (optional)", value: c.typed("description"), errors: errors, rows: 3))
        \(Components.button("Add group"))</form></div></div>
        """
        return Layout.page(title: errors.isEmpty ? "Add a group" : "Error: Add a group", body: body, context: c, status: status, backLink: ("/groups", "Back to groups"))
    }

    static func retireForm(_ c: Context, _ group: GovernanceBody, errors: [FieldError], status: HTTPStatus = .ok) throws -> HTTPResponse {
        let body: HTML = """
        <div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">\(Components.errorSummary(errors))
        <span class="govuk-caption-l">\(group.name)</span><h1 class="govuk-heading-l">Are you sure you want to retire this group?</h1>
        \(Components.summaryList([("Group", "\(group.name)"), ("Reports to", "\(group.reportsTo.map { c.app.displayName("body", $0) }.joined(separator: ", "))")]))
        \(Components.warningText("A retired group leaves the governance graph and cannot be brought back; its history is kept. A group with open actions, measures or escalations, or with bodies reporting to it, cannot be retired until they are closed or moved."))
        <form method="post" action="/groups/\(group.key)/retire" novalidate>\(c.csrfField)
        \(Components.textarea("reason", label: "Why is it retired?", value: c.typed("reason"), errors: errors, rows: 2))
        <div class="govuk-button-group">\(Components.button("Yes, retire the group", kind: "warning"))<a class="govuk-link" href="/groups/\(group.key)">No, keep the group</a></div>
        </form></div></div>
        """
        return Layout.page(title: (errors.isEmpty ? "" : "Error: ") + "Retire \(group.name)", body: body, context: c, status: status, backLink: ("/groups/\(group.key)", "Back to \(group.name)"))
    }

    static func memberOrganisationsPage(_ c: Context, errors: [FieldError], status: HTTPStatus = .ok) throws -> HTTPResponse {
        let sectors = c.app.partnership.sectors
        let rows = try c.app.directory.organisations().map { o -> [HTML] in
            ["\(o.name)", "\(o.sector.flatMap { s in sectors.first { $0.key == s }?.name } ?? o.sector ?? "–")"]
        }
        let body: HTML = """
        <div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">\(Components.errorSummary(errors))
        <h1 class="govuk-heading-l">Member organisations</h1>
        <p class="govuk-body">The organisations that make up the partnership (councils, health, schools, the voluntary sector), by sector. Pledging organisations are on <a class="govuk-link" href="/pledges">the pledge wall</a>.</p>
        </div></div>
        \(rows.isEmpty ? "<p class=\"govuk-body\">No member organisations yet.</p>" as HTML : Components.table(caption: "\(rows.count) member organisation\(rows.count == 1 ? "" : "s")", headers: ["Organisation", "Sector"], rows: rows))
        <div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
        <h2 class="govuk-heading-m">Add a member organisation</h2>
        <form method="post" action="/member-organisations" novalidate>\(c.csrfField)
        \(Components.input("name", label: "Name", value: c.typed("name"), errors: errors))
        \(Components.select("sector", label: "Sector (optional)", options: sectors.map { ($0.key, $0.name) }, selected: c.typed("sector"), errors: errors, blank: "Not given"))
        \(Components.button("Add organisation"))</form></div></div>
        """
        return Layout.page(title: errors.isEmpty ? "Member organisations" : "Error: Member organisations", body: body, context: c, status: status, backLink: ("/people", "Back to people"))
    }
}
