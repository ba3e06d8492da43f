import Foundation
import HTTPServer
import Services
import Engine

/// The pages every public service has: the accessibility statement (in the form of GOV.UK's
/// model statement), the privacy notice and the cookies page, linked from every footer.
extension WebApp {
    static let serviceRoutes: [Route] = [
        Route("GET", "/accessibility", .everyone, "The accessibility statement", keep: true) { c in
            Layout.page(title: "Accessibility statement", body: accessibilityStatement(c), context: c)
        },
        Route("GET", "/privacy", .everyone, "The privacy notice", keep: true) { c in
            Layout.page(title: "Privacy notice", body: privacyNotice(c), context: c)
        },
        Route("GET", "/cookies", .everyone, "The cookies this service sets", keep: true) { c in
            Layout.page(title: "Cookies", body: cookiesPage(c), context: c)
        },
    ]

    /// How to reach the people who run the service: their address when the operator gave one
    /// (`serve --contact-email`), else who they are.
    static func contact(_ c: Context) -> HTML {
        let secretariat = c.app.displayName("body", c.app.partnership.allianceBody)
        guard let email = c.web.contactEmail else { return "the \(secretariat)'s secretariat" }
        return "the \(secretariat)'s secretariat at <a class=\"govuk-link\" href=\"mailto:\(email)\">\(email)</a>"
    }

    static func accessibilityStatement(_ c: Context) -> HTML {
        """
        <div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
        <h1 class="govuk-heading-l">Accessibility statement for FLOURISH</h1>
        <p class="govuk-body">This statement applies to the FLOURISH Pledge and partnership governance service of \(c.app.partnership.name): the pledge wall, the pages where organisations make and report on their pledges, and the pages where the partnership's groups and boards record their work.</p>
        <p class="govuk-body">We want as many people as possible to be able to use this service. For example, that means you should be able to:</p>
        <ul class="govuk-list govuk-list--bullet">
        <li>change colours, contrast levels and fonts using your browser or device settings</li>
        <li>zoom in up to 400% without the text spilling off the screen</li>
        <li>use every page with a keyboard alone, without a mouse</li>
        <li>use every page with a screen reader (including the recent versions of JAWS, NVDA and VoiceOver)</li>
        <li>use every page without JavaScript (one small script moves the focus to the list of mistakes when a form is sent with any)</li>
        </ul>
        <h2 class="govuk-heading-m">How accessible this service is</h2>
        <p class="govuk-body">We know some parts of this service are not fully accessible:</p>
        <ul class="govuk-list govuk-list--bullet">
        <li>a mistake only the service itself can find (such as a name another group already has) is reported after the other mistakes in the form are put right, not together with them</li>
        <li>the drawing of the governance structure is wide: on a narrow screen it scrolls sideways inside its own box (the same structure is listed as text below it)</li>
        </ul>
        <h2 class="govuk-heading-m" id="contact-us">Feedback and contact information</h2>
        <p class="govuk-body">If you need information on this website in a different format, such as accessible PDF, large print, easy read or audio, or if you find a problem not listed on this page, contact \(contact(c)). We will consider your request and get back to you within 10 working days.</p>
        <h2 class="govuk-heading-m">Enforcement procedure</h2>
        <p class="govuk-body">The Equality and Human Rights Commission (EHRC) is responsible for enforcing the Public Sector Bodies (Websites and Mobile Applications) (No. 2) Accessibility Regulations 2018 (the "accessibility regulations"). If you are not happy with how we respond to your complaint, <a class="govuk-link" href="https://www.equalityadvisoryservice.com/">contact the Equality Advisory and Support Service (EASS)</a>.</p>
        <h2 class="govuk-heading-m">Technical information about this website's accessibility</h2>
        <p class="govuk-body">\(c.app.partnership.name) is committed to making its website accessible, in accordance with the accessibility regulations.</p>
        <h3 class="govuk-heading-s">Compliance status</h3>
        <p class="govuk-body">This website is partially compliant with the <a class="govuk-link" href="https://www.w3.org/TR/WCAG22/">Web Content Accessibility Guidelines version 2.2</a> AA standard, due to the non-compliances listed below.</p>
        <h3 class="govuk-heading-s">Non-accessible content</h3>
        <ul class="govuk-list govuk-list--bullet">
        <li>A mistake only the service can find (for example, a group name already in use) is reported after the form's other mistakes are put right, so the form may need sending twice (3.3.1, error identification, is met; 3.3.3, error suggestion, can take a second step).</li>
        </ul>
        <p class="govuk-body">We plan to fix these by the end of March 2027.</p>
        <h2 class="govuk-heading-m">How we tested this website</h2>
        <p class="govuk-body">Every change to the service is tested before it is released. A browser (Chromium) goes through each kind of user's main journey, page by page: registering an organisation and making a pledge, a chair logging and updating an action, the secretariat running a year (people and roles, groups, measures, reviewing pledges, escalations, messages and the outbox), a board member deciding an escalation, the public searching the wall, resetting a forgotten password, and signing in with the keyboard alone. Each page it visits is checked with axe-core against the WCAG 2.0, 2.1 and 2.2 A and AA rules at 1280 and 320 pixels wide, must not scroll sideways at 320 pixels, break a word in a table or draw text smaller than 16 pixels, and its HTML must pass the Nu HTML Checker. Each kind of control's focus indicator is measured from screenshots (it must change the pixels by at least 3:1), and after a form is sent with mistakes the list of them must have the focus.</p>
        <h2 class="govuk-heading-m">Preparation of this accessibility statement</h2>
        <p class="govuk-body">This statement was prepared on 4 December 2026. It was last reviewed on 4 December 2026.</p>
        </div></div>
        """
    }

    static func privacyNotice(_ c: Context) -> HTML {
        let session = Int(Accounts.sessionIdle / 3600), longest = Int(Accounts.sessionMaximum / 86_400)
        return """
        <div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
        <h1 class="govuk-heading-l">Privacy notice</h1>
        <p class="govuk-body">This notice says what personal data the FLOURISH service of \(c.app.partnership.name) keeps, why, for how long, who sees it, and your rights. The service is run for the partnership by \(contact(c)), who decide how your data is used (the data controller).</p>
        <h2 class="govuk-heading-m">What we keep</h2>
        <ul class="govuk-list govuk-list--bullet">
        <li>For an organisation that registers: its name, kind, district, size, postcode and company number, and each contact's name and email address.</li>
        <li>For everyone who signs in: a user name and a password, kept only as a one-way hash that cannot be turned back into the password.</li>
        <li>For the partnership's groups and boards: members' names, email addresses and roles, and what they record (actions, updates, decisions).</li>
        <li>A record of every change to a pledge, action, measure, escalation or report: who made it and when. This record cannot be changed afterwards, so the partnership can show its decisions were made as recorded.</li>
        <li>For security: the network address a sign-in came from when it fails, and the address and page of each request in the server's log (never what was typed into a search or form).</li>
        </ul>
        <h2 class="govuk-heading-m">Why we keep it</h2>
        <p class="govuk-body">To run the FLOURISH Pledge (registering organisations, reviewing and publishing their pledges, asking them to report and renew) and the partnership's governance (actions, measures, escalations, the annual report), to email you about these, and to keep the service secure. The lawful basis is the partnership's public task of improving outcomes for children and young people, and, for security, its legitimate interest in keeping the service safe.</p>
        <h2 class="govuk-heading-m">How long we keep it</h2>
        <ul class="govuk-list govuk-list--bullet">
        <li>Signing in lasts until you sign out, \(session) hours without use, or \(longest) days at most.</li>
        <li>Failed sign-ins are kept for 15 minutes, to slow down anyone guessing passwords.</li>
        <li>A registration that is never confirmed is removed after 48 hours; a password reset link lasts 2 hours.</li>
        <li>Pledges, reports and the record of changes are kept while the partnership runs the scheme, because the annual reports count them. When an organisation leaves, its contacts' names and email addresses can be erased: they are replaced by "[redacted]" everywhere, including the record of changes, and the pledges stay.</li>
        </ul>
        <h2 class="govuk-heading-m">Who sees it</h2>
        <ul class="govuk-list govuk-list--bullet">
        <li>Everyone: published pledges, the organisation's name, kind and district, and the published annual reports. Never a contact's name or email address.</li>
        <li>An organisation's contacts: their own organisation's records.</li>
        <li>Chairs and board members: their own groups' and boards' work.</li>
        <li>The secretariat: everything, to run the service.</li>
        </ul>
        <p class="govuk-body">We do not sell your data or share it with anyone else, except where the law requires it.</p>
        <h2 class="govuk-heading-m">Your rights</h2>
        <p class="govuk-body">You can ask to see the data we hold about you, to correct it, to have it erased or its use restricted, and to object to how it is used. To ask, contact \(contact(c)). We will answer within one month.</p>
        <p class="govuk-body">If you are not happy with how we handle your data, you can complain to the <a class="govuk-link" href="https://ico.org.uk/make-a-complaint/">Information Commissioner's Office</a> (0303 123 1113).</p>
        <p class="govuk-body">See also <a class="govuk-link" href="/cookies">the cookies this service sets</a>.</p>
        </div></div>
        """
    }

    static func cookiesPage(_ c: Context) -> HTML {
        let session = Int(Accounts.sessionIdle / 3600)
        let rows: [[HTML]] = [
            ["\(c.web.cookieName(.session))", "Keeps you signed in", "When you sign out or close your browser; the service also ends it after \(session) hours without use"],
            ["\(c.web.cookieName(.csrf))", "Makes sure a form you send came from this page, not another website", "When you close your browser"],
            ["\(c.web.cookieName(.flash))", "Shows a message after you do something, such as \"Your pledge is submitted\"", "After 2 minutes"],
        ]
        return """
        <div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
        <h1 class="govuk-heading-l">Cookies</h1>
        <p class="govuk-body">Cookies are small files saved on your phone, tablet or computer when you visit a website. This service uses only the cookies it needs to work, so it does not ask for your consent. It sets no cookie until you open a page with a form, such as signing in, and it uses no analytics or advertising cookies.</p>
        \(Components.table(caption: "Cookies this service sets", headers: ["Name", "Purpose", "Expires"], rows: rows))
        <p class="govuk-body">Read the <a class="govuk-link" href="/privacy">privacy notice</a> for what the service keeps about you.</p>
        </div></div>
        """
    }
}
