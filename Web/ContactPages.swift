import Foundation
import HTTPServer
import Services
import Domain

/// An organisation's contacts (invite a colleague, hand over the main contact, remove one) and
/// the secretariat's invitations and account switches on People.
extension WebApp {
    static let contactRoutes: [Route] = [
        Route("GET", "/organisations/{key}/contacts", .organisationContact, "An organisation's contacts") { c in
            contactsPage(c, c.param("key"), errors: [])
        },
        Route("POST", "/organisations/{key}/contacts", .organisationContact, "Invite a colleague as another contact") { c in
            let key = c.param("key")
            // Another organisation's contacts are answered as missing, as its pages are.
            guard c.app.policy.speaksFor(organisation: key, viewer: c.viewer) else { return notFound(c) }
            var errors: [FieldError] = []
            if c.field("name") == nil { errors.append(FieldError("name", "Enter your colleague’s full name")) }
            if c.field("email") == nil { errors.append(FieldError("email", "Enter your colleague’s email address")) }
            // With the name missing, a wrong address is said at once too, not on the next try.
            else if !errors.isEmpty, let email = c.field("email"), !Flourish.isEmailAddress(email) {
                errors.append(FieldError("email", RegistrationError.invalid(field: "contact email", reason: "should be an email address such as name@example.org").localizedDescription))
            }
            if !errors.isEmpty { return contactsPage(c, key, errors: errors, status: .unprocessableContent) }
            let invited: OrganisationContact
            do {
                invited = try c.app.inviteColleague(to: key, name: c.field("name") ?? "", email: c.field("email") ?? "", by: c.viewer, siteURL: c.web.siteURL)
            } catch let e as RegistrationError {
                if case .unknownOrganisation = e { return notFound(c) }
                return contactsPage(c, key, errors: [FieldError(e.field == "contact email" ? "email" : "name", e.localizedDescription)], status: .unprocessableContent)
            } catch let e as ContactError {
                return contactsPage(c, key, errors: [FieldError("email", e.localizedDescription)], status: .unprocessableContent)
            }
            return c.redirect("/organisations/\(key)/contacts",
                              confirming: "\(invited.name) is invited, with the user name \(invited.person). They have 7 days to follow the link in the email and choose a password.")
        },
        Route("POST", "/organisations/{key}/contacts/{person}/remove", .organisationContact, "Remove a contact") { c in
            let key = c.param("key"), person = c.param("person")
            // Another organisation's contacts are answered as missing, as its pages are.
            guard c.app.policy.speaksFor(organisation: key, viewer: c.viewer) else { return notFound(c) }
            do {
                try c.app.removeContact(person, from: key, by: c.viewer)
            } catch let e as ContactError {
                return contactsPage(c, key, errors: [FieldError("contacts", e.localizedDescription)], status: .conflict)
            }
            if person == c.person { c.setSessionCookie(nil); return c.redirect("/", confirming: "You are no longer a contact of this organisation.") }
            return c.redirect("/organisations/\(key)/contacts", confirming: "\(c.personNamed(person)) is no longer a contact. Their history stays.")
        },
        Route("POST", "/organisations/{key}/main-contact", .organisationContact, "Hand over the main contact") { c in
            let key = c.param("key")
            // Another organisation's contacts are answered as missing, as its pages are.
            guard c.app.policy.speaksFor(organisation: key, viewer: c.viewer) else { return notFound(c) }
            guard let person = c.field("person") else { return contactsPage(c, key, errors: [FieldError("contacts", "Choose who becomes the main contact")], status: .unprocessableContent) }
            do {
                try c.app.handOverMainContact(of: key, to: person, by: c.viewer)
            } catch let e as ContactError {
                return contactsPage(c, key, errors: [FieldError("contacts", e.localizedDescription)], status: .conflict)
            }
            return c.redirect("/organisations/\(key)/contacts", confirming: "\(c.personNamed(person)) is now the main contact.")
        },

        // The secretariat: invite people to roles, resend invitations, disable and enable accounts.
        Route("POST", "/people", .secretariat, "Invite someone to a role in the partnership") { c in
            var errors: [FieldError] = []
            if c.field("name") == nil { errors.append(FieldError("name", "Enter their full name")) }
            if c.field("email") == nil { errors.append(FieldError("email", "Enter their email address")) }
            if c.field("body") == nil { errors.append(FieldError("body", "Choose the group or board")) }
            if c.field("role") == nil { errors.append(FieldError("role", "Choose their role")) }
            if !errors.isEmpty { return try peoplePage(c, errors: errors, status: .unprocessableContent) }
            let person: String
            do {
                person = try c.app.invitePerson(name: c.field("name") ?? "", email: c.field("email") ?? "", body: c.field("body") ?? "", role: c.field("role") ?? "",
                                                by: c.viewer, siteURL: c.web.siteURL)
            } catch let e as DirectoryError {
                let field: String = { if case .invalidEmail = e { return "email" } else if case .unknownRole = e { return "role" } else { return "name" } }()
                return try peoplePage(c, errors: [FieldError(field, e.localizedDescription)], status: .unprocessableContent)
            } catch let e as GovernanceError {
                return try peoplePage(c, errors: [FieldError("body", e.localizedDescription)], status: .unprocessableContent)
            }
            return c.redirect("/people", confirming: "\(c.field("name") ?? person) is invited as \(person). They have 7 days to follow the link in the email and choose a password.")
        },
        Route("POST", "/people/{person}/invitation", .secretariat, "Send someone an invitation to choose a password") { c in
            let person = c.param("person")
            do {
                try c.app.invite(person, by: c.viewer, siteURL: c.web.siteURL)
            } catch let e as AccountError {
                return try peoplePage(c, errors: [FieldError("people", e.localizedDescription)], status: .conflict)
            }
            return c.redirect("/people", confirming: "An invitation is on its way to \(c.personNamed(person)); any earlier one no longer works.")
        },
        Route("POST", "/people/{person}/account", .secretariat, "Disable or enable someone's account") { c in
            let person = c.param("person"), disable = c.field("disable") == "yes"
            do {
                try c.app.setAccountDisabled(person, disable, by: c.viewer)
            } catch let e as AccountError {
                return try peoplePage(c, errors: [FieldError("people", e.localizedDescription)], status: .conflict)
            }
            return c.redirect("/people", confirming: disable ? "\(c.personNamed(person))’s account is disabled: they cannot sign in, and their API tokens are revoked."
                                                             : "\(c.personNamed(person)) can sign in again.")
        },
    ]

    static func contactsPage(_ c: Context, _ key: String, errors: [FieldError], status: HTTPStatus = .ok) -> HTTPResponse {
        guard c.app.policy.speaksFor(organisation: key, viewer: c.viewer), let view = try? c.app.organisation(key, for: c.viewer),
              let contacts = try? c.app.contacts(of: key, for: c.viewer) else { return notFound(c) }
        let rows = contacts.map { contact -> [HTML] in
            let status = contact.isMain ? "Main contact" : contact.hasAccount ? "Can sign in" : contact.isInvited ? "Invited" : "No account yet"
            var actions: [HTML] = []
            if !contact.isMain {
                actions.append("""
                    <form method="post" action="/organisations/\(key)/main-contact" class="app-inline-form">\(c.csrfField)<input type="hidden" name="person" value="\(contact.person)"><button type="submit" class="govuk-button govuk-button--secondary govuk-!-margin-bottom-0">Make main contact<span class="govuk-visually-hidden">: \(contact.name)</span></button></form>
                    """)
                actions.append("""
                    <form method="post" action="/organisations/\(key)/contacts/\(contact.person)/remove" class="app-inline-form">\(c.csrfField)<button type="submit" class="govuk-button govuk-button--warning govuk-!-margin-bottom-0">Remove<span class="govuk-visually-hidden"> \(contact.name)</span></button></form>
                    """)
            }
            return ["\(contact.name)", "\(contact.person)", "\(contact.email ?? "")", "\(status)", HTML.join(actions, separator: " ")]
        }
        let body: HTML = """
        <div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
        \(Components.errorSummary(errors))
        <h1 class="govuk-heading-l"><span class="govuk-caption-l">\(view.organisation.name)</span>Contacts</h1>
        <p class="govuk-body">Contacts make and report on the organisation’s pledges and receive its reminders. The main contact is the one the Alliance secretariat writes to first.</p>
        \(Components.errorMessage(errors, "contacts"))
        </div></div>
        <div id="contacts">\(Components.table(caption: "\(contacts.count) contact\(contacts.count == 1 ? "" : "s")", headers: ["Name", "User name", "Email", "Status", "Actions"], rows: rows))</div>
        <div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
        <h2 class="govuk-heading-m">Invite a colleague</h2>
        <p class="govuk-body">They get an email with a link to choose their password (it works for 7 days).</p>
        <form method="post" action="/organisations/\(key)/contacts" novalidate>\(c.csrfField)
        \(Components.input("name", label: "Full name", value: c.typed("name"), errors: errors, autocomplete: "off"))
        \(Components.input("email", label: "Email address", value: c.typed("email"), errors: errors, type: "email", autocomplete: "off", spellcheck: false))
        \(Components.button("Send invitation"))
        </form>
        <p class="govuk-body"><a class="govuk-link" href="/organisation">Back to My organisation</a></p>
        </div></div>
        """
        return Layout.page(title: errors.isEmpty ? "Contacts of \(view.organisation.name)" : "Error: Contacts of \(view.organisation.name)", body: body, context: c, status: status)
    }

    static func peoplePage(_ c: Context, errors: [FieldError], status: HTTPStatus = .ok) throws -> HTTPResponse {
        let memberships = try c.app.directory.memberships()
        let accounts = Dictionary(try c.app.accounts.list().map { ($0.person, $0.disabled) }, uniquingKeysWith: { a, _ in a })
        let directory = try c.app.directory.people()
        let rows = directory.map { p -> [HTML] in
            let roles = memberships.filter { $0.person == p.id }.map { "\($0.role.rawValue) of \(c.app.displayName("body", $0.body))" }.joined(separator: "; ")
            let account: String, actions: HTML
            switch accounts[p.id] {
            case nil:
                account = "No account"
                actions = p.email == nil ? "" : """
                    <form method="post" action="/people/\(p.id)/invitation" class="app-inline-form">\(c.csrfField)<button type="submit" class="govuk-button govuk-button--secondary govuk-!-margin-bottom-0">Send invitation<span class="govuk-visually-hidden"> to \(p.name)</span></button></form>
                    """
            case false?:
                account = "Can sign in"
                actions = """
                    <form method="post" action="/people/\(p.id)/account" class="app-inline-form">\(c.csrfField)<input type="hidden" name="disable" value="yes"><button type="submit" class="govuk-button govuk-button--warning govuk-!-margin-bottom-0">Disable<span class="govuk-visually-hidden"> \(p.name)’s account</span></button></form>
                    """
            case true?:
                account = "Disabled"
                actions = """
                    <form method="post" action="/people/\(p.id)/account" class="app-inline-form">\(c.csrfField)<input type="hidden" name="disable" value="no"><button type="submit" class="govuk-button govuk-button--secondary govuk-!-margin-bottom-0">Enable<span class="govuk-visually-hidden"> \(p.name)’s account</span></button></form>
                    """
            }
            return ["\(p.name)", "\(p.id)", "\(roles)", "\(account)", actions]
        }
        let bodies = try c.app.governance.bodies().map { ($0.key, $0.name) }
        let roles = MembershipRole.allCases.map { ($0.rawValue, $0.inWords.capitalized) }
        let names = Dictionary(directory.map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
        let memberRows = memberships.sorted { (c.app.displayName("body", $0.body), names[$0.person] ?? $0.person) < (c.app.displayName("body", $1.body), names[$1.person] ?? $1.person) }.map { m -> [HTML] in
            let who = names[m.person] ?? m.person
            return ["\(c.app.displayName("body", m.body))", "\(who)", "\(m.role.inWords.capitalized)", """
                <form method="post" action="/people/memberships/end" class="app-inline-form">\(c.csrfField)<input type="hidden" name="person" value="\(m.person)"><input type="hidden" name="memberBody" value="\(m.body)"><input type="hidden" name="memberRole" value="\(m.role.rawValue)"><button type="submit" class="govuk-button govuk-button--secondary govuk-!-margin-bottom-0">End role<span class="govuk-visually-hidden">: \(who), \(m.role.inWords) of \(c.app.displayName("body", m.body))</span></button></form>
                """]
        }
        let people = directory.map { ($0.id, "\($0.name) (\($0.id))") }
        let body: HTML = """
        <div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
        \(Components.errorSummary(errors))
        <h1 class="govuk-heading-l">People and memberships</h1>
        \(Components.errorMessage(errors, "people"))
        </div></div>
        <div id="people">\(Components.table(caption: "\(rows.count) people", headers: ["Name", "User name", "Memberships", "Account", "Actions"], rows: rows))</div>
        <div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
        <h2 class="govuk-heading-m">Invite someone</h2>
        <p class="govuk-body">A new chair, board member or colleague in the secretariat: they get an email with a link to choose their password (it works for 7 days).</p>
        <form method="post" action="/people" novalidate>\(c.csrfField)
        \(Components.input("name", label: "Full name", value: c.typed("name"), errors: errors, autocomplete: "off"))
        \(Components.input("email", label: "Email address", value: c.typed("email"), errors: errors, type: "email", autocomplete: "off", spellcheck: false))
        \(Components.select("body", label: "Group or board", options: bodies, selected: c.typed("body"), errors: errors, blank: "Choose one"))
        \(Components.select("role", label: "Role", options: roles, selected: c.typed("role"), errors: errors, blank: "Choose one"))
        \(Components.button("Send invitation"))
        </form>
        <h2 class="govuk-heading-m">Give someone a role</h2>
        <p class="govuk-body">Someone already listed above: a new chair, a board member, a colleague in the secretariat.</p>
        <form method="post" action="/people/memberships" novalidate>\(c.csrfField)
        \(Components.select("person", label: "Person", options: people, selected: c.typed("person"), errors: errors, blank: "Choose a person"))
        \(Components.select("memberBody", label: "Group or board", options: bodies, selected: c.typed("memberBody"), errors: errors, blank: "Choose one"))
        \(Components.select("memberRole", label: "Role", options: roles, selected: c.typed("memberRole"), errors: errors, blank: "Choose one"))
        \(Components.button("Give the role"))
        </form>
        <h2 class="govuk-heading-m">Roles now</h2>
        \(Components.errorMessage(errors, "memberships"))
        </div></div>
        <div id="memberships">\(Components.table(caption: "\(memberRows.count) roles, by group", headers: ["Group or board", "Person", "Role", "Actions"], rows: memberRows))</div>
        <p class="govuk-body"><a class="govuk-link" href="/member-organisations">Member organisations of the partnership</a></p>
        """
        return Layout.page(title: errors.isEmpty ? "People" : "Error: People", body: body, context: c, status: status)
    }
}
