import Foundation
import HTTPServer
import Services
import Engine
import Domain

extension WebApp {
    /// The form's fields, in the order the page shows them (and the error summary lists them).
    static let registrationFields = ["name", "kind", "district", "sizeBand", "postcode", "companyNumber", "contactName", "contactEmail", "userName", "password", "passwordConfirm"]

    static let registrationRoutes: [Route] = [
        Route("GET", "/register", .everyone, "Register an organisation for the FLOURISH Pledge") { c in
            registrationForm(c, values: [:], errors: [])
        },
        Route("POST", "/register", .everyone, "Register an organisation for the FLOURISH Pledge") { c in
            var values: [String: String] = [:]
            for name in registrationFields where !name.hasPrefix("password") { values[name] = c.field(name) }
            let password = c.form.first { $0.name == "password" }?.value ?? "", confirm = c.form.first { $0.name == "passwordConfirm" }?.value ?? ""
            let registration = OrganisationRegistration(
                name: (values["name"] ?? ""), kind: (values["kind"] ?? ""), district: (values["district"] ?? ""), sizeBand: (values["sizeBand"] ?? ""),
                postcode: values["postcode"], companyNumber: values["companyNumber"], contactName: (values["contactName"] ?? ""),
                contactEmail: (values["contactEmail"] ?? ""), contactUserName: (values["userName"] ?? "").lowercased())
            let pending: PendingRegistration
            do {
                pending = try c.app.requestRegistration(registration, password: password, passwordConfirmation: confirm, from: c.clientAddress, siteURL: c.web.siteURL)
            } catch AccountError.tooManyRequests(let what, let seconds) {
                return checkYourEmail(c, title: "Too many registrations", lines: ["\(AccountError.tooManyRequests(what: what, seconds: seconds).localizedDescription)",
                    "If you have registered already, look for the email with your confirmation link."], status: .tooManyRequests)
            } catch {
                // Every problem the services found, at its field, in the form's order; what was typed is kept.
                let problems = (error as? RegistrationProblems)?.problems ?? [error]
                var errors: [FieldError] = []
                for problem in problems {
                    guard let found = registrationFieldError(problem, values: values, password: password) else { throw error }
                    if !errors.contains(where: { $0.field == found.field }) { errors.append(found) }
                }
                errors.sort { (registrationFields.firstIndex(of: $0.field) ?? 99) < (registrationFields.firstIndex(of: $1.field) ?? 99) }
                return registrationForm(c, values: values, errors: errors, status: .unprocessableContent)
            }
            return checkYourEmail(c, title: "Check your email", lines: [
                "We have sent a link to <strong>\(pending.email)</strong>. Open it within \(AccountLinkPurpose.verifyRegistration.lifetimeInWords) to finish registering \(registration.name).",
                "Your user name will be <strong>\(registration.contactUserName ?? "")</strong>. Until you confirm, nothing is registered; a registration not confirmed in time is removed and nothing is kept.",
                "If nothing arrives in a few minutes, check your spam folder, or <a class=\"govuk-link\" href=\"/register\">register again</a> with the right address.",
            ])
        },
        Route("GET", "/register/confirm", .everyone, "Confirm a registration's email address") { c in
            confirmRegistrationPage(c, token: c.request.queryValue("token") ?? "")
        },
        Route("POST", "/register/confirm", .everyone, "Confirm a registration's email address") { c in
            let token = c.field("token") ?? ""
            let confirmed: (organisation: OrganisationView, person: String)
            do {
                confirmed = try c.app.confirmRegistration(token: token)
            } catch let e as AccountError {
                guard case .linkNotLive(let purpose) = e else { return checkYourEmail(c, title: "That could not be registered", lines: ["\(e.localizedDescription)"], status: .conflict) }
                return expiredLinkPage(c, purpose)
            } catch let e as RegistrationError {
                return checkYourEmail(c, title: "That could not be registered", lines: ["\(e.localizedDescription)",
                    "Nothing was registered. <a class=\"govuk-link\" href=\"/register\">Register again</a>."], status: .conflict)
            }
            c.setSessionCookie(try c.app.accounts.openSession(for: confirmed.person, at: c.now))
            return c.redirect("/organisation", confirming: "\(confirmed.organisation.organisation.name) is registered for the FLOURISH Pledge. You are signed in as \(confirmed.person): next, make your pledge.")
        },
    ]

    /// The page a confirmation link opens: a button to confirm, so a mail scanner that
    /// follows links confirms nothing.
    static func confirmRegistrationPage(_ c: Context, token: String) -> HTTPResponse {
        guard let awaiting = c.app.registrationAwaiting(token: token) else {
            return expiredLinkPage(c, .verifyRegistration)
        }
        let body: HTML = """
        <div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
        <h1 class="govuk-heading-l">Confirm your email address</h1>
        <p class="govuk-body">Confirm to finish registering <strong>\(awaiting.organisation)</strong> for the FLOURISH Pledge. Your user name will be <strong>\(awaiting.userName)</strong>, and you will be signed in.</p>
        <form method="post" action="/register/confirm" novalidate>\(c.csrfField)<input type="hidden" name="token" value="\(token)">
        \(Components.button("Confirm and finish registering"))
        </form></div></div>
        """
        return Layout.page(title: "Confirm your email address", body: body, context: c)
    }

    /// A problem the services found with a registration, at its form field: a field left empty
    /// asked for in the form's own words ("Select what kind of organisation it is"), others as
    /// the rule says. Nil: not a problem with a field.
    static func registrationFieldError(_ problem: any Error, values: [String: String], password: String) -> FieldError? {
        let askedFor = ["name": "Enter your organisation’s name", "kind": "Select what kind of organisation it is",
                        "district": "Select the district it works in", "sizeBand": "Select how many people work for it",
                        "contactName": "Enter your full name", "contactEmail": "Enter your email address", "userName": "Choose a user name"]
        func at(_ field: String, _ message: String) -> FieldError {
            FieldError(field, values[field] == nil && askedFor[field] != nil ? askedFor[field]! : message)
        }
        switch problem {
        case let e as RegistrationError:
            switch e {
            case .alreadyRegistered, .unknownOrganisation: return FieldError("name", e.localizedDescription)
            case .invalid("password confirmation", _): return FieldError("passwordConfirm", "The two passwords are not the same: type it again")
            case .invalid(let f, _): return at(registrationField(f), e.localizedDescription)
            }
        case let e as AccountError:
            guard case .weakPassword = e else { return nil }
            return FieldError("password", password.isEmpty ? "Choose a password" : e.localizedDescription)
        case let e as WorkflowError:
            // A rule of the membership workflow's own fields (a contact's name on one line, at most 300 characters).
            guard case .invalidField(_, let field, let reason) = e, registrationFields.contains(field) else { return nil }
            let labels = ["contactName": "Your full name", "contactEmail": "Your email address", "name": "The organisation's name"]
            return FieldError(field, "\(labels[field] ?? field) \(reason)")
        default: return nil
        }
    }

    /// The form field a registration rule's complaint is about.
    static func registrationField(_ ruleField: String) -> String {
        switch ruleField {
        case "size band": return "sizeBand"
        case "contact name": return "contactName"
        case "contact email": return "contactEmail"
        case "user name": return "userName"
        case "postcode": return "postcode"
        case "company number": return "companyNumber"
        default: return registrationFields.contains(ruleField) ? ruleField : "name"
        }
    }

    static func registrationForm(_ c: Context, values: [String: String], errors: [FieldError], status: HTTPStatus = .ok) -> HTTPResponse {
        let p = c.app.partnership
        let ordered = errors.sorted { (registrationFields.firstIndex(of: $0.field) ?? 99) < (registrationFields.firstIndex(of: $1.field) ?? 99) }
        let signedInNote: HTML = c.viewer.person.map { "<div class=\"govuk-inset-text\">You are signed in as \($0). Registering makes a new account for the organisation’s contact; sign out first if that is someone else.</div>" } ?? ""
        let body: HTML = """
        <div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
        \(Components.errorSummary(ordered))
        <h1 class="govuk-heading-l">Register your organisation</h1>
        <p class="govuk-body">Register once, then each year pledge at least one new thing your organisation will do for children and young people in \(p.name).</p>
        \(signedInNote)
        <form method="post" action="/register" novalidate>\(c.csrfField)
        <h2 class="govuk-heading-m">Your organisation</h2>
        \(Components.input("name", label: "Organisation name", value: values["name"], errors: errors, autocomplete: "organization"))
        \(Components.select("kind", label: "Kind of organisation", options: p.organisationKinds.map { ($0.key, $0.name) }, selected: values["kind"], errors: errors, blank: "Select a kind"))
        \(Components.select("district", label: "District", options: p.districts.map { ($0.key, $0.name) } + [("outside", "Outside \(p.name)")], selected: values["district"], errors: errors,
                            hint: "Where it mainly works with children and young people.", blank: "Select a district"))
        \(Components.select("sizeBand", label: "Number of staff and volunteers", options: p.sizeBands.map { ($0.key, $0.name) }, selected: values["sizeBand"], errors: errors, blank: "Select a size"))
        \(Components.input("postcode", label: "Postcode (optional)", value: values["postcode"], errors: errors, autocomplete: "postal-code", width: "10"))
        \(Components.input("companyNumber", label: "Company or charity number (optional)", value: values["companyNumber"], errors: errors,
                           hint: "So the same organisation is not registered twice.", width: "10", spellcheck: false))
        <h2 class="govuk-heading-m">You, its contact</h2>
        \(Components.input("contactName", label: "Full name", value: values["contactName"], errors: errors, autocomplete: "name"))
        \(Components.input("contactEmail", label: "Email address", value: values["contactEmail"], errors: errors, hint: "We send review comments and reminders here.", type: "email", autocomplete: "email", spellcheck: false))
        \(Components.input("userName", label: "Choose a user name", value: values["userName"], errors: errors,
                           hint: "You sign in with it. Lower-case letters, digits, dots and hyphens, starting with a letter.", autocomplete: "username", width: "20", spellcheck: false))
        \(Components.input("password", label: "Choose a password", value: nil, errors: errors,
                           hint: "At least \(PasswordPolicy.minimumLength) characters. A few words together are easy to remember and hard to guess.", type: "password", autocomplete: "new-password", width: "20"))
        \(Components.input("passwordConfirm", label: "Type the password again", value: nil, errors: errors, type: "password", autocomplete: "new-password", width: "20"))
        \(Components.button("Register"))
        </form>
        <p class="govuk-body">Already registered? <a class="govuk-link" href="/sign-in">Sign in</a>.</p>
        </div></div>
        """
        return Layout.page(title: errors.isEmpty ? "Register your organisation" : "Error: Register your organisation", body: body, context: c, status: status)
    }
}
