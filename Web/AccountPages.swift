import Foundation
import HTTPServer
import Services

/// Accounts people run themselves: forgotten password, links sent by email (reset,
/// invitation), and Your account (change password, sign out everywhere, API tokens).
extension WebApp {
    static let accountRoutes: [Route] = [
        // Forgotten password: the same answer whether or not there is such an account.
        Route("GET", "/forgotten-password", .everyone, "Ask for a link to reset a forgotten password") { c in
            forgottenPasswordPage(c, value: nil, errors: [])
        },
        Route("POST", "/forgotten-password", .everyone, "Ask for a link to reset a forgotten password") { c in
            guard let asked = c.field("nameOrEmail") else {
                return forgottenPasswordPage(c, value: nil, errors: [FieldError("nameOrEmail", "Enter your user name or email address")], status: .unprocessableContent)
            }
            do {
                try c.app.requestPasswordReset(for: asked, from: c.clientAddress, siteURL: c.web.siteURL)
            } catch let e as AccountError {
                return forgottenPasswordPage(c, value: asked, errors: [FieldError("nameOrEmail", e.localizedDescription)], status: .tooManyRequests)
            }
            return checkYourEmail(c, title: "Check your email", lines: [
                "If there is an account with the user name or email address you gave, we have sent a link to its email address to choose a new password.",
                "The link works once, for \(AccountLinkPurpose.resetPassword.lifetimeInWords). If nothing arrives in a few minutes, check your spam folder, or ask the Alliance secretariat.",
            ])
        },
        Route("GET", "/reset-password", .everyone, "Choose a new password through a reset link") { c in
            linkPasswordPage(c, purpose: .resetPassword, token: c.request.queryValue("token") ?? "", errors: [])
        },
        Route("POST", "/reset-password", .everyone, "Choose a new password through a reset link") { c in
            try setPasswordThroughLink(c, purpose: .resetPassword) { token, password in
                try c.app.resetPassword(token: token, to: password, revokingTokens: c.field("revokeTokens") == "yes")
            }
        },
        Route("GET", "/invitation", .everyone, "Accept an invitation: choose a password") { c in
            linkPasswordPage(c, purpose: .invitation, token: c.request.queryValue("token") ?? "", errors: [])
        },
        Route("POST", "/invitation", .everyone, "Accept an invitation: choose a password") { c in
            try setPasswordThroughLink(c, purpose: .invitation) { token, password in try c.app.acceptInvitation(token: token, password: password) }
        },

        // Your account.
        Route("GET", "/account", .signedIn, "Your account: password, sessions and API tokens") { c in
            accountPage(c, errors: [])
        },
        Route("POST", "/account/password", .signedIn, "Change your password") { c in
            let current = c.form.first { $0.name == "currentPassword" }?.value ?? ""
            let new = c.form.first { $0.name == "newPassword" }?.value ?? "", confirm = c.form.first { $0.name == "newPasswordConfirm" }?.value ?? ""
            let liveTokens = try c.app.accounts.tokens(of: c.person).filter { $0.isLive(at: c.now) }.count
            var errors: [FieldError] = []
            if current.isEmpty { errors.append(FieldError("currentPassword", "Enter your current password")) }
            if new.isEmpty { errors.append(FieldError("newPassword", "Enter a new password")) }
            else if new != confirm { errors.append(FieldError("newPasswordConfirm", "The two new passwords are not the same: type it again")) }
            if liveTokens > 0 && c.field("revokeTokens") == nil { errors.append(FieldError("revokeTokens", "Say whether to revoke your API tokens")) }
            if !errors.isEmpty { return accountPage(c, errors: errors, status: .unprocessableContent) }
            let revoked: Int
            do {
                revoked = try c.app.changePassword(of: c.viewer, current: current, to: new, revokingTokens: c.field("revokeTokens") == "yes", from: c.clientAddress)
            } catch let e as AccountError {
                let field: String
                switch e {
                case .wrongPassword, .throttled: field = "currentPassword"
                default: field = "newPassword"
                }
                let status: HTTPStatus = { if case .throttled = e { return .tooManyRequests } else { return .unprocessableContent } }()
                return accountPage(c, errors: [FieldError(field, e.localizedDescription)], status: status)
            }
            // Every session ended with the old password; this browser carries on in a new one.
            c.setSessionCookie(try c.app.accounts.openSession(for: c.person, at: c.now))
            let tokens = revoked > 0 ? " \(revoked) API token\(revoked == 1 ? " was" : "s were") revoked." : ""
            return c.redirect("/account", confirming: "Your password is changed. You are signed out everywhere else.\(tokens)")
        },
        Route("POST", "/account/sign-out-everywhere", .signedIn, "Sign out of every browser") { c in
            let ended = try c.app.accounts.endAllSessions(of: c.person)
            c.setSessionCookie(nil)
            return c.redirect("/", confirming: "You are signed out everywhere (\(ended) session\(ended == 1 ? "" : "s") ended). Your API tokens still work; revoke them on Your account if you need to.")
        },
        Route("POST", "/account/tokens", .signedIn, "Make an API token") { c in
            var errors: [FieldError] = []
            let name = c.field("tokenName")
            if name == nil { errors.append(FieldError("tokenName", "Enter what the token is for, such as “reporting script”")) }
            let scope = c.field("scope").flatMap(APIToken.Scope.init(rawValue:))
            if scope == nil { errors.append(FieldError("scope", "Choose what the token may do")) }
            let days = Int(c.field("days") ?? "") ?? 0
            if !(1...APIToken.maximumDays).contains(days) { errors.append(FieldError("days", "Enter how many days it lasts, from 1 to \(APIToken.maximumDays)")) }
            if !errors.isEmpty { return accountPage(c, errors: errors, status: .unprocessableContent) }
            let made: String
            do {
                made = try c.app.accounts.createToken(for: c.person, name: name ?? "", scope: scope ?? .read, days: days, at: c.now)
            } catch let e as AccountError {
                return accountPage(c, errors: [FieldError(scope == .metrics ? "scope" : "tokenName", e.localizedDescription)], status: .unprocessableContent)
            }
            // Shown on this page, once: never through a redirect's cookie or a log.
            return accountPage(c, errors: [], madeToken: (name ?? "", made))
        },
        Route("POST", "/account/tokens/{id}/revoke", .signedIn, "Revoke an API token") { c in
            let revoked = try c.app.accounts.revokeToken(c.param("id"), of: c.person, at: c.now)
            return c.redirect("/account", confirming: "The token “\(revoked.name)” is revoked; it no longer works.")
        },
    ]

    /// A link that has been used or has expired: what happened, and a way on from here (the
    /// page said "ask for a new one on the forgotten password page" without a link, and told
    /// someone who had already confirmed their registration to register again).
    static func expiredLinkPage(_ c: Context, _ purpose: AccountLinkPurpose) -> HTTPResponse {
        let next: HTML
        switch purpose {
        case .resetPassword: next = "<a class=\"govuk-link\" href=\"/forgotten-password\">Ask for a new reset link</a>, or <a class=\"govuk-link\" href=\"/sign-in\">sign in</a> if you have set your password already."
        case .verifyRegistration: next = "If you confirmed it already, your organisation is registered: <a class=\"govuk-link\" href=\"/sign-in\">sign in</a>. If not, <a class=\"govuk-link\" href=\"/register\">register again</a> to get a new link."
        case .invitation: next = "If you have chosen your password already, <a class=\"govuk-link\" href=\"/sign-in\">sign in</a>; if you have forgotten it, <a class=\"govuk-link\" href=\"/forgotten-password\">reset it</a>."
        }
        return checkYourEmail(c, title: "This link has expired", lines: ["\(AccountError.linkNotLive(purpose).localizedDescription)", next], status: .gone)
    }

    static func checkYourEmail(_ c: Context, title: String, lines: [HTML], status: HTTPStatus = .ok) -> HTTPResponse {
        let paragraphs = HTML.join(lines.map { "<p class=\"govuk-body\">\($0)</p>" })
        return Layout.page(title: title, body: """
            <div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
            <h1 class="govuk-heading-l">\(title)</h1>\(paragraphs)</div></div>
            """, context: c, status: status)
    }

    static func forgottenPasswordPage(_ c: Context, value: String?, errors: [FieldError], status: HTTPStatus = .ok) -> HTTPResponse {
        let body: HTML = """
        <div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
        \(Components.errorSummary(errors))
        <h1 class="govuk-heading-l">Reset your password</h1>
        <p class="govuk-body">We will email you a link to choose a new password.</p>
        <form method="post" action="/forgotten-password" novalidate>\(c.csrfField)
        \(Components.input("nameOrEmail", label: "User name or email address", value: value, errors: errors, autocomplete: "username", width: "20", spellcheck: false))
        \(Components.button("Send the link"))
        </form>
        <p class="govuk-body"><a class="govuk-link" href="/sign-in">Back to sign in</a></p>
        </div></div>
        """
        return Layout.page(title: errors.isEmpty ? "Reset your password" : "Error: Reset your password", body: body, context: c, status: status)
    }

    /// The page a reset or invitation link opens: choose a password (twice).
    static func linkPasswordPage(_ c: Context, purpose: AccountLinkPurpose, token: String, errors: [FieldError], status: HTTPStatus = .ok) -> HTTPResponse {
        let person = (try? c.app.accounts.linkPerson(token, for: purpose, at: c.now)) ?? nil
        guard let person else {
            return expiredLinkPage(c, purpose)
        }
        let isInvitation = purpose == .invitation
        let title = isInvitation ? "Choose your password" : "Choose a new password"
        let liveTokens = isInvitation ? 0 : ((try? c.app.accounts.tokens(of: person).filter { $0.isLive(at: c.now) }.count) ?? 0)
        let tokensQuestion: HTML = liveTokens == 0 ? "" : Components.choices(
            "revokeTokens", legend: "You have \(liveTokens) API token\(liveTokens == 1 ? "" : "s"). Revoke \(liveTokens == 1 ? "it" : "them")?",
            options: [("yes", "Yes, revoke \(liveTokens == 1 ? "it" : "them"): someone else may have known my password"), ("no", "No, leave \(liveTokens == 1 ? "it" : "them") working")],
            selected: [c.typed("revokeTokens") ?? "yes"], errors: errors, radio: true)
        let body: HTML = """
        <div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
        \(Components.errorSummary(errors))
        <h1 class="govuk-heading-l">\(title)</h1>
        <p class="govuk-body">Your user name is <strong>\(person)</strong>. \(isInvitation ? "Choose a password to sign in with." : "Choosing a new password signs you out everywhere else.")</p>
        <form method="post" action="\(purpose.path)" novalidate>\(c.csrfField)<input type="hidden" name="token" value="\(token)">
        \(Components.input("password", label: "New password", value: nil, errors: errors,
                           hint: "At least \(PasswordPolicy.minimumLength) characters. Three or four ordinary words together are easy to remember and hard to guess.",
                           type: "password", autocomplete: "new-password", width: "20"))
        \(Components.input("passwordConfirm", label: "Type it again", value: nil, errors: errors, type: "password", autocomplete: "new-password", width: "20"))
        \(tokensQuestion)
        \(Components.button(isInvitation ? "Set my password and sign in" : "Change my password"))
        </form></div></div>
        """
        return Layout.page(title: errors.isEmpty ? title : "Error: " + title, body: body, context: c, status: status)
    }

    static func setPasswordThroughLink(_ c: Context, purpose: AccountLinkPurpose, _ set: (String, String) throws -> String) throws -> HTTPResponse {
        let token = c.field("token") ?? ""
        let password = c.form.first { $0.name == "password" }?.value ?? "", confirm = c.form.first { $0.name == "passwordConfirm" }?.value ?? ""
        var errors: [FieldError] = []
        if password.isEmpty { errors.append(FieldError("password", "Enter a new password")) }
        else if confirm != password {
            // Both at once: a password too short and typed differently was told only the second.
            if let problem = c.app.passwordProblem(password, throughLink: token, purpose) { errors.append(FieldError("password", problem)) }
            errors.append(FieldError("passwordConfirm", "The two passwords are not the same: type it again"))
        }
        if !errors.isEmpty { return linkPasswordPage(c, purpose: purpose, token: token, errors: errors, status: .unprocessableContent) }
        let person: String
        do {
            person = try set(token, password)
        } catch let e as AccountError {
            if case .linkNotLive = e { return linkPasswordPage(c, purpose: purpose, token: token, errors: []) }
            return linkPasswordPage(c, purpose: purpose, token: token, errors: [FieldError("password", e.localizedDescription)], status: .unprocessableContent)
        }
        c.setSessionCookie(try c.app.accounts.openSession(for: person, at: c.now))
        return c.redirect("/account", confirming: purpose == .invitation ? "Your password is set and you are signed in as \(person)."
                                                                        : "Your password is changed and you are signed in. You are signed out everywhere else.")
    }

    static func accountPage(_ c: Context, errors: [FieldError], madeToken: (name: String, token: String)? = nil, status: HTTPStatus = .ok) -> HTTPResponse {
        let tokens = (try? c.app.accounts.tokens(of: c.person)) ?? []
        let live = tokens.filter { $0.isLive(at: c.now) }
        func day(_ d: Date?) -> String { d.map { c.app.time.day(of: $0).inWords } ?? "never" }
        let made: HTML = madeToken.map { name, token in """
            <div class="govuk-panel govuk-panel--confirmation"><h2 class="govuk-panel__title">Your token “\(name)”</h2>
            <div class="govuk-panel__body"><code class="app-token">\(token)</code></div></div>
            <div class="govuk-warning-text"><strong class="govuk-warning-text__text">Copy it now: it is not shown again. Send it as <code>Authorization: Bearer TOKEN</code>.</strong></div>
            """ } ?? ""
        let rows: [[HTML]] = live.map { t in
            ["\(t.name)", "\(t.scope.description)", "\(day(t.createdAt))", "\(day(t.lastUsedAt))", "\(day(t.expiresAt))",
             """
             <form method="post" action="/account/tokens/\(t.id)/revoke" class="app-inline-form">\(c.csrfField)<button type="submit" class="govuk-button govuk-button--warning govuk-!-margin-bottom-0">Revoke<span class="govuk-visually-hidden"> \(t.name)</span></button></form>
             """]
        }
        let tokenTable: HTML = live.isEmpty ? "<p class=\"govuk-body\">You have no API tokens.</p>"
            : Components.table(caption: "Your API tokens", headers: ["Name", "May", "Made", "Last used", "Expires", "Action"], rows: rows)
        let revokeQuestion: HTML = live.isEmpty ? "" : Components.choices(
            "revokeTokens", legend: "Revoke your \(live.count) API token\(live.count == 1 ? "" : "s") too?",
            options: [("yes", "Yes: someone else may have known my password"), ("no", "No, leave \(live.count == 1 ? "it" : "them") working")],
            selected: [c.typed("revokeTokens") ?? ""].filter { !$0.isEmpty }, errors: errors, radio: true)
        var scopes: [(value: String, label: String)] = [("read", "Read only"), ("read-write", "Read and write")]
        if c.viewer.isSecretariat { scopes.append(("metrics", "Metrics only (for Prometheus)")) }
        let body: HTML = """
        <div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
        \(Components.errorSummary(errors))
        <h1 class="govuk-heading-l">Your account</h1>
        <p class="govuk-body">You are signed in as <strong>\(c.viewer.name)</strong> (user name \(c.person)).</p>
        \(made)
        <h2 class="govuk-heading-m">Change your password</h2>
        <form method="post" action="/account/password" novalidate>\(c.csrfField)
        \(Components.input("currentPassword", label: "Current password", value: nil, errors: errors, type: "password", autocomplete: "current-password", width: "20"))
        \(Components.input("newPassword", label: "New password", value: nil, errors: errors,
                           hint: "At least \(PasswordPolicy.minimumLength) characters. Three or four ordinary words together are easy to remember and hard to guess.",
                           type: "password", autocomplete: "new-password", width: "20"))
        \(Components.input("newPasswordConfirm", label: "Type the new password again", value: nil, errors: errors, type: "password", autocomplete: "new-password", width: "20"))
        \(revokeQuestion)
        \(Components.button("Change password"))
        </form>
        <h2 class="govuk-heading-m">Sign out everywhere</h2>
        <p class="govuk-body">If you signed in on a shared or lost device, end every session, including this one.</p>
        <form method="post" action="/account/sign-out-everywhere">\(c.csrfField)\(Components.button("Sign out everywhere", kind: "secondary"))</form>
        <h2 class="govuk-heading-m">API tokens</h2>
        <p class="govuk-body">A token lets a script or another system use the <a class="govuk-link" href="/api/openapi.json">JSON API</a> as you.</p>
        </div></div>
        \(tokenTable)
        <div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
        <form method="post" action="/account/tokens" novalidate>\(c.csrfField)
        <h3 class="govuk-heading-s">Make a token</h3>
        \(Components.input("tokenName", label: "What it is for", value: c.typed("tokenName"), errors: errors, width: "20"))
        \(Components.choices("scope", legend: "What it may do", options: scopes, selected: [c.typed("scope") ?? "read"], errors: errors, radio: true))
        \(Components.input("days", label: "Days it lasts", value: c.typed("days") ?? String(APIToken.defaultDays), errors: errors,
                           hint: "At most \(APIToken.maximumDays). Make a new one when it ends.", type: "text", width: "4"))
        \(Components.button("Make token", kind: "secondary"))
        </form></div></div>
        """
        return Layout.page(title: errors.isEmpty ? "Your account" : "Error: Your account", body: body, context: c, status: status)
    }
}
