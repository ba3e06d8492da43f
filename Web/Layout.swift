import Foundation
import HTTPServer

/// The page template: header with navigation for the viewer's roles, the flash confirmation,
/// and the footer.
enum Layout {
    static func page(title: String, body: HTML, context: Context?, status: HTTPStatus = .ok, backLink: (String, String)? = nil) -> HTTPResponse {
        let viewer = context?.viewer ?? .anonymous
        var links: [(String, String)] = viewer.person != nil ? [("/home", "Home")] : []
        links += [("/pledges", "Pledge wall"), ("/governance", "Governance"), ("/reports", "Annual reports")]
        if viewer.person != nil { links.append(("/dashboard", "Dashboard")) }
        if viewer.may(.organisationContact) && !viewer.organisations.isEmpty { links.append(("/organisation", "My organisation")) }
        if viewer.may(.chair) { links.append(("/groups", viewer.isSecretariat ? "Groups" : "My groups")) }
        if viewer.may(.boardMember) && !viewer.boardOf.isEmpty { links.append(("/decisions", "Decisions")) }
        if viewer.isSecretariat { links += [("/review", "Review"), ("/escalations", "Escalations"), ("/outbox", "Outbox"), ("/people", "People")] }
        if viewer.person != nil { links.append(("/account", "Your account")) }
        let path = context?.request.path ?? ""
        let items = links.map { href, text -> HTML in
            let active = path == href || path.hasPrefix(href + "/")
            return "<li class=\"govuk-header__navigation-item\(HTML(raw: active ? " govuk-header__navigation-item--active" : ""))\"><a class=\"govuk-header__link\" href=\"\(href)\"\(HTML(raw: active ? " aria-current=\"page\"" : ""))>\(text)</a></li>"
        }
        let account: HTML
        if let context, viewer.person != nil {
            account = """
            <li class="govuk-header__navigation-item"><form method="post" action="/sign-out" class="app-inline-form">\(context.csrfField)<button type="submit" class="govuk-header__link app-link-button">Sign out \(viewer.name)</button></form></li>
            """
        } else {
            account = "<li class=\"govuk-header__navigation-item\"><a class=\"govuk-header__link\" href=\"/sign-in\">Sign in</a></li>"
        }
        let flash = context?.flash.map { text in
            text.hasPrefix(Context.warningMark) ? Components.notification(String(text.dropFirst(Context.warningMark.count)), success: false) : Components.notification(text)
        }
        let back = backLink.map { href, text -> HTML in "<a href=\"\(href)\" class=\"govuk-back-link\">\(text)</a>" }
        let html: HTML = """
        <!DOCTYPE html>
        <html lang="en-GB" class="govuk-template">
        <head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(title) – FLOURISH</title><link rel="stylesheet" href="/static/flourish.css"></head>
        <body class="govuk-template__body">
        <a href="#main-content" class="govuk-skip-link">Skip to main content</a>
        <header class="govuk-header" role="banner"><div class="govuk-header__container govuk-width-container">
        <a href="/" class="govuk-header__logotype">FLOURISH</a>
        <nav aria-label="Menu"><ul class="govuk-header__navigation-list">\(items)\(account)</ul></nav>
        </div></header>
        <div class="govuk-width-container">
        <div class="govuk-phase-banner"><p class="govuk-phase-banner__content"><strong class="govuk-tag govuk-phase-banner__content__tag">Beta</strong>
        <span class="govuk-phase-banner__text">This is a new service. Help us improve it: \(feedback(context)).</span></p></div>\(back)
        <main class="govuk-main-wrapper" id="main-content" role="main" tabindex="-1">\(flash)\(body)</main></div>
        <footer class="govuk-footer" role="contentinfo"><div class="govuk-width-container">
        <h2 class="govuk-visually-hidden">Support links</h2>
        <ul class="govuk-footer__inline-list"><li class="govuk-footer__inline-list-item"><a class="govuk-footer__link" href="/accessibility">Accessibility statement</a></li><li class="govuk-footer__inline-list-item"><a class="govuk-footer__link" href="/privacy">Privacy</a></li><li class="govuk-footer__inline-list-item"><a class="govuk-footer__link" href="/cookies">Cookies</a></li><li class="govuk-footer__inline-list-item"><a class="govuk-footer__link" href="/open-data">Open data</a></li><li class="govuk-footer__inline-list-item"><a class="govuk-footer__link" href="/api/openapi.json">API</a></li></ul>
        <p class="govuk-body-s">The FLOURISH Pledge and the Children and Young People Strategic Alliance.</p>
        </div></footer>
        <script src="/static/flourish.js"></script>
        </body></html>
        """
        return HTTPResponse(status, contentType: "text/html; charset=utf-8", body: html.text)
    }

    /// Where the phase banner sends feedback: the secretariat's address when the operator gave
    /// one, else the contact section of the accessibility statement.
    static func feedback(_ context: Context?) -> HTML {
        if let email = context?.web.contactEmail {
            return "<a class=\"govuk-link\" href=\"mailto:\(email)?subject=FLOURISH%20feedback\">tell us what you think</a>"
        }
        return "<a class=\"govuk-link\" href=\"/accessibility#contact-us\">tell us what you think</a>"
    }
}
