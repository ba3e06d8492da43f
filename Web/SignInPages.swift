import Foundation
import HTTPServer
import Services

extension WebApp {
    static let signInRoutes: [Route] = [
        Route("GET", "/sign-in", .everyone, "Sign in") { c in
            signInPage(c, person: nil, errors: [], next: c.request.queryValue("next"))
        },
        Route("POST", "/sign-in", .everyone, "Sign in") { c in
            let person = c.field("person"), password = c.form.first { $0.name == "password" }?.value ?? ""
            var errors: [FieldError] = []
            if person == nil { errors.append(FieldError("person", "Enter your user name")) }
            if password.isEmpty { errors.append(FieldError("password", "Enter your password")) }
            if !errors.isEmpty { return signInPage(c, person: person, errors: errors, next: c.field("next"), status: .unprocessableContent) }
            do {
                guard let token = try c.app.accounts.signIn(person: person ?? "", password: password, from: c.clientAddress, at: c.now) else {
                    return signInPage(c, person: person, errors: [FieldError("person", "The user name or password is not right")], next: c.field("next"), status: .unprocessableContent)
                }
                c.setSessionCookie(token)
                return c.redirect(safeNext(c.field("next")), confirming: "You are signed in.")
            } catch let e as AccountError {
                return signInPage(c, person: person, errors: [FieldError("person", e.localizedDescription)], next: c.field("next"), status: .tooManyRequests)
            }
        },
        Route("POST", "/sign-out", .signedIn, "Sign out") { c in
            if let token = c.sessionToken { try c.app.accounts.endSession(token) }
            c.setSessionCookie(nil)
            return c.redirect("/", confirming: "You are signed out.")
        },
    ]

    /// Where signing in leads: the page the visitor was sent from, or their home page ("what
    /// needs you now"). Only a path on this site, so sign-in cannot bounce a visitor elsewhere; and only visible
    /// ASCII (a path as a browser sends it is percent-encoded), so nothing typed into `next`
    /// can end the Location header and add headers of its own.
    static func safeNext(_ next: String?) -> String {
        guard let next, next.hasPrefix("/"), !next.hasPrefix("//"), !next.contains("\\"),
              next.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { return "/home" }
        return next
    }

    static func signInPage(_ c: Context, person: String?, errors: [FieldError], next: String?, status: HTTPStatus = .ok) -> HTTPResponse {
        let body: HTML = """
        <div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
        \(Components.errorSummary(errors))
        <h1 class="govuk-heading-l">Sign in</h1>
        <form method="post" action="/sign-in" novalidate>\(c.csrfField)<input type="hidden" name="next" value="\(safeNext(next))">
        \(Components.input("person", label: "User name", value: person, errors: errors, autocomplete: "username", width: "20", spellcheck: false))
        \(Components.input("password", label: "Password", value: nil, errors: errors, type: "password", autocomplete: "current-password", width: "20"))
        \(Components.button("Sign in"))
        </form>
        <p class="govuk-body"><a class="govuk-link" href="/forgotten-password">Forgotten your password?</a></p>
        <p class="govuk-body">New to the FLOURISH Pledge? <a class="govuk-link" href="/register">Register your organisation</a>.</p>
        </div></div>
        """
        return Layout.page(title: errors.isEmpty ? "Sign in" : "Error: Sign in", body: body, context: c, status: status)
    }
}
