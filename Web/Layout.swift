import Foundation
import HTTPServer

/// The page template: header with navigation for the viewer's roles, the flash confirmation,
/// and the footer.
enum Layout {
    static func page(title: String, body: HTML, context: Context?, status: HTTPStatus = .ok, backLink: (String, String)? = nil) -> HTTPResponse {
        let viewer = context?.viewer ?? .anonymous
        var links: [(String, String)] = [("/pledges", "Pledge wall"), ("/governance", "Governance"), ("/reports", "Annual reports")]
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
        let flash = context?.flash.map { Components.notification($0) }
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
        <div class="govuk-width-container">\(back)
        <main class="govuk-main-wrapper" id="main-content" role="main" tabindex="-1">\(flash)\(body)</main></div>
        <footer class="govuk-footer" role="contentinfo"><div class="govuk-width-container">
        <p class="govuk-body-s">The FLOURISH Pledge and the Children and Young People Strategic Alliance. <a class="govuk-footer__link" href="/api/openapi.json">API</a></p>
        </div></footer>
        </body></html>
        """
        return HTTPResponse(status, contentType: "text/html; charset=utf-8", body: html.text)
    }
}
