import Foundation
import Testing
@testable import WebApp
import HTTPServer
import Services
import Engine
import Domain

/// The authorization matrix: every route in the route table × every kind of viewer in the
/// README's visibility table, with two organisations, two groups and two boards so that "own"
/// and "other" differ, and private marker strings planted in the records.
///
/// Both what is expected and who may read each marker are written here from the README's
/// table, not worked out by calling the access policy: the test checks the code against the
/// table. A route added without its row fails ``everyRouteHasARow()``.
@Suite(.serialized) struct AuthorizationMatrixTests {
    /// The viewers: a visitor; contact-1, the contact for organisation A (Wensum Valley Bakery;
    /// organisation B is another); erin, chair of group G1 (the Early Prevention Board) and
    /// maya, chair of another group; bea, a member of the Alliance (the board G1's issues go
    /// to) and hana, a member of another board (the Health and Wellbeing Board); sam, the
    /// secretariat.
    static let viewers = ["anonymous", "contact-1", "erin", "maya", "bea", "hana", "sam"]
    static let signedIn: Set<String> = ["contact-1", "erin", "maya", "bea", "hana", "sam"]
    static let everyone = Set(viewers)
    static let chairs: Set<String> = ["erin", "maya", "sam"]
    static let partnershipMembers: Set<String> = ["erin", "maya", "bea", "hana", "sam"]

    /// The planted markers and who may read each, from the README's visibility table.
    struct Markers {
        var readers: [String: Set<String>] = [:]
    }

    /// The fixture: the demo partnership with the second board's member and the markers.
    final class Matrix: @unchecked Sendable {
        let f: WebFixture
        let markers: [String: Set<String>]
        let organisationA: String, organisationB: String
        let draftA: InstanceID, draftB: InstanceID, reviewedB: InstanceID, publicPledge: InstanceID
        let membershipA: InstanceID, membershipB: InstanceID
        let escalation: InstanceID, secondEscalation: InstanceID, action: InstanceID, measure: InstanceID, section: InstanceID, referral: InstanceID, meeting: InstanceID, voice: InstanceID, evidence: Int, youthBatch: InstanceID
        static let g1 = "early-prevention-board"
        static let alliance = "children-and-young-people-strategic-alliance"
        static let otherBoard = "norfolk-health-and-wellbeing-board"
        /// A participation group that speaks to G1.
        static let voiceGroup = "youth-advisory-boards"

        init() throws {
            f = try WebFixture()
            let app = f.app
            let now = app.clock.now()
            _ = try app.directory.addPerson(id: "hana", name: "Hana Hale", email: "hana@example.org", at: now)
            _ = try app.directory.addMembership(person: "hana", body: Self.otherBoard, role: "member", at: now)
            try app.accounts.setPassword(Flourish.demoPassword, for: "hana", at: now)

            organisationA = try #require(try app.organisationKeys(contactedBy: "contact-1").first)
            organisationB = try #require(try app.organisationKeys(contactedBy: "contact-2").first)
            let viewA = try app.organisation(organisationA), viewB = try app.organisation(organisationB)
            membershipA = try #require(viewA.membership?.id).instance
            membershipB = try #require(viewB.membership?.id).instance
            let emailA = try #require(viewA.membership?.instance.data["contactEmail"]?.stringValue)
            let emailB = try #require(viewB.membership?.instance.data["contactEmail"]?.stringValue)
            let nameA = try #require(viewA.membership?.instance.data["contactName"]?.stringValue)
            let nameB = try #require(viewB.membership?.instance.data["contactName"]?.stringValue)

            draftA = try app.createPledge(PledgeRequest(organisation: organisationA, text: "MARKER-draft-A-5b1 apprenticeships", areas: ["learning"]), by: "contact-1").id
            draftB = try app.createPledge(PledgeRequest(organisation: organisationB, text: "MARKER-draft-B-5b1 youth club", areas: ["learning"]), by: "contact-2").id
            reviewedB = try app.createPledge(PledgeRequest(organisation: organisationB, text: "MARKER-changes-B-5b1 sports", areas: ["healthy"]), by: "contact-2").id
            _ = try app.firePledge(RecordID(reviewedB), event: "submit", fields: [:], expectedVersion: nil, by: "contact-2")
            _ = try app.firePledge(RecordID(reviewedB), event: "request-changes", fields: ["reviewComment": "MARKER-review-B-5b1 say who it is for"], expectedVersion: nil, by: "sam")
            publicPledge = try #require(try app.wall().entries.first?.pledge)

            escalation = try app.raiseEscalation(EscalationRequest(group: Self.g1, title: "MARKER-escalation-G1-5b1 venues", description: "", severity: "high", priorities: [], areas: ["safe-and-secure"]),
                                                 by: "erin").escalation.id.instance
            // A second one for the page's decision form (the API's row decides the first).
            secondEscalation = try app.raiseEscalation(EscalationRequest(group: Self.g1, title: "MARKER-escalation-G1-5b1 venues, again", severity: "high", areas: ["safe-and-secure"]),
                                                       by: "erin").escalation.id.instance
            action = try app.logAction(ActionRequest(group: Self.g1, title: "MARKER-action-G1-5b1 hubs", description: "", priority: nil, areas: ["learning"], owner: "erin",
                                                     dueDate: "2027-03-31", item: nil), by: "erin").action.id.instance
            measure = try #require(try app.measures(group: Self.g1).first?.measure.id).instance
            _ = try app.startAnnualReport(year: 2026, sectionsDueOn: try #require(CalendarDay("2027-01-29")), by: "sam")
            section = try app.submitReportSection(year: 2026, group: Self.g1, text: "MARKER-section-G1-5b1 our year", by: "erin").id
            meeting = try app.scheduleMeeting(of: Self.g1, at: now.addingTimeInterval(7 * 86_400), place: "MARKER-meeting-G1-5b1 room", by: "erin").id.instance
            referral = try app.referToPartner(from: Self.g1, partner: "integrated-care-system-for-norfolk-and-waveney", title: "MARKER-referral-G1-5b1 waits",
                                              description: "", replyBy: "2027-01-29", by: "erin").id.instance
            voice = try app.recordVoice(group: Self.voiceGroup, body: Self.g1, heardOn: app.time.day(of: now).description, question: "Where should hubs be?",
                                        said: "MARKER-voice-G1-5b1 near the library", areas: [], priorities: [], by: "sam").id.instance
            _ = try app.addParticipant(to: Self.voiceGroup, name: "MARKER-member-5b1", by: "sam")
            // The youth review on, with the demo's waiting pledge sent to the panel.
            _ = try app.switchYouthReview(on: true, panel: Self.voiceGroup, by: "sam")
            youthBatch = try app.sendForYouthReview(try app.pledgesForYouthReview().map(\.id.rawValue), by: "sam").id
            evidence = try app.attachEvidence(to: action, filename: "MARKER-evidence-5b1.txt", bytes: Array("MARKER-evidence-body-5b1".utf8), by: "erin").id

            // Who may read each marker: the README's visibility table.
            markers = [
                emailA: ["contact-1", "sam"], nameA: ["contact-1", "sam"],   // personal data: own contacts and the secretariat
                emailB: ["sam"], nameB: ["sam"],
                "MARKER-draft-A-5b1": ["contact-1", "sam"],                 // a pledge not on the wall: its organisation and the secretariat
                "MARKER-draft-B-5b1": ["sam"], "MARKER-changes-B-5b1": ["sam"],
                "MARKER-review-B-5b1": ["sam"],                              // review comments: the organisation and the secretariat
                "MARKER-escalation-G1-5b1 venues": ["erin", "bea", "sam"],          // escalations: bodies on the path and the secretariat
                "MARKER-action-G1-5b1": AuthorizationMatrixTests.partnershipMembers, // actions: partnership members
                "MARKER-section-G1-5b1": ["erin", "sam"],                    // draft sections: the group and the secretariat
                "MARKER-meeting-G1-5b1": ["erin", "sam"],                    // meetings and their papers: the body's members and the secretariat
                "MARKER-referral-G1-5b1": ["erin", "sam"],                   // referrals to partners: the referring body and the secretariat
                "MARKER-voice-G1-5b1": AuthorizationMatrixTests.everyone,    // what a participation group said: published
                "MARKER-member-5b1": ["sam"],                                // a participation group's members: its lead and the secretariat
                "MARKER-evidence-5b1": AuthorizationMatrixTests.partnershipMembers, // evidence: those who see its record whole (an action's: partnership members)
            ]
        }

        /// A browser signed in as `viewer` (a session of its own), or a visitor's.
        func browser(_ viewer: String) throws -> WebFixture.Browser {
            let b = WebFixture.Browser(f.web)
            if viewer != "anonymous" { b.cookies["flourish_session"] = try f.app.accounts.openSession(for: viewer, at: f.app.clock.now()) }
            try b.get(viewer == "anonymous" ? "/sign-in" : "/annual-report")  // a page with a form, for its CSRF token
            return b
        }

        func token(_ viewer: String) throws -> String? {
            viewer == "anonymous" ? nil : try f.app.accounts.createToken(for: viewer, name: "matrix-\(UUID().uuidString)", at: f.app.clock.now())
        }
    }

    /// One row: a route, the request made for it, and who may use it (the rest are refused).
    struct Row {
        let method: String
        let pattern: String
        let target: String
        var form: [(String, String)] = []
        var json: String? = nil
        let allowed: Set<String>
    }

    static func rows(_ m: Matrix) -> [Row] {
        let g1 = Matrix.g1, alliance = Matrix.alliance, a = m.organisationA
        var rows: [Row] = []
        func get(_ pattern: String, _ target: String? = nil, _ allowed: Set<String>) { rows.append(Row(method: "GET", pattern: pattern, target: target ?? pattern, allowed: allowed)) }
        func post(_ pattern: String, _ target: String, form: [(String, String)] = [], json: String? = nil, _ allowed: Set<String>) {
            rows.append(Row(method: "POST", pattern: pattern, target: target, form: form, json: json, allowed: allowed))
        }
        // Each record's own readers, from the table.
        let records: [(InstanceID, Set<String>)] = [
            (m.draftA, ["contact-1", "sam"]), (m.reviewedB, ["sam"]), (m.publicPledge, signedIn),
            (m.membershipA, ["contact-1", "sam"]), (m.membershipB, ["sam"]),
            (m.escalation, ["erin", "bea", "sam"]), (m.action, partnershipMembers), (m.measure, partnershipMembers), (m.section, ["erin", "sam"]), (m.referral, ["erin", "sam"]), (m.meeting, ["erin", "sam"]),
            (m.voice, signedIn),  // public, read through the API by anyone signed in
        ]
        // The public API and pages.
        get("/api/openapi.json", nil, everyone)
        get("/api/v1/me", nil, signedIn)
        get("/api/v1/pledges", nil, everyone)
        get("/api/v1/organisations", nil, ["sam"])
        get("/api/v1/actions", nil, chairs)
        get("/api/v1/measures", nil, chairs)
        get("/api/v1/escalations", nil, signedIn)  // each sees only those on a path through their bodies (the markers check)
        get("/api/v1/reports/annual", "/api/v1/reports/annual?year=2026", ["sam"])  // collecting: not yet the Alliance's to read
        get("/api/v1/reports/published", nil, everyone)
        get("/api/v1/reports/published/{year}", "/api/v1/reports/published/2025", everyone)
        get("/api/v1/governance", nil, everyone)
        for (id, readers) in records {
            get("/api/v1/instances/{id}", "/api/v1/instances/\(id.rawValue)", readers)
            get("/api/v1/instances/{id}/history", "/api/v1/instances/\(id.rawValue)/history", readers)
            // The page also opens to visitors what is public (a published pledge, what a group said).
            get("/history/{id}", "/history/\(id.rawValue)", readers == signedIn ? everyone : readers)
        }
        get("/dashboard", nil, signedIn)
        get("/dashboard/areas/{key}", "/dashboard/areas/learning", signedIn)
        get("/dashboard/priorities/{key}", "/dashboard/priorities/prevention-and-early-help", signedIn)
        get("/groups", nil, chairs)
        get("/groups/{key}", "/groups/\(g1)", chairs)
        get("/groups/{key}/actions/new", "/groups/\(g1)/actions/new", chairs)
        get("/actions/{id}", "/actions/\(m.action.rawValue)", chairs)
        get("/measures/{id}", "/measures/\(m.measure.rawValue)", partnershipMembers)
        get("/groups/{key}/measures/new", "/groups/\(g1)/measures/new", chairs)
        get("/groups/{key}/escalations/new", "/groups/\(g1)/escalations/new", chairs)
        get("/open-data", nil, everyone)
        get("/open-data/pledges.csv", nil, everyone)
        get("/open-data/pledges.json", nil, everyone)
        get("/open-data/pledges.atom", nil, everyone)
        get("/groups/{key}/deadlines.ics", "/groups/\(g1)/deadlines.ics", everyone)  // each sees only what they may (the markers check)
        get("/organisations/{key}/deadlines.ics", "/organisations/\(a)/deadlines.ics", everyone)
        get("/organisation", nil, ["contact-1", "sam"])
        get("/pledges/new", nil, ["contact-1", "sam"])
        get("/pledges/{id}/edit", "/pledges/\(m.draftA.rawValue)/edit", ["contact-1", "sam"])
        get("/pledges/{id}/edit", "/pledges/\(m.reviewedB.rawValue)/edit", ["sam"])
        get("/", nil, everyone)
        get("/pledges", nil, everyone)
        get("/pledges/{id}", "/pledges/\(m.publicPledge.rawValue)", everyone)
        get("/pledges/{id}", "/pledges/\(m.draftA.rawValue)", ["contact-1", "sam"])
        get("/pledges/{id}", "/pledges/\(m.reviewedB.rawValue)", ["sam"])
        get("/governance", nil, everyone)
        get("/register", nil, everyone)
        get("/register/confirm", "/register/confirm?token=not-a-token", everyone)  // the expired-link page, for anyone
        get("/forgotten-password", nil, everyone)
        get("/reset-password", "/reset-password?token=not-a-token", everyone)
        get("/invitation", "/invitation?token=not-a-token", everyone)
        get("/account", nil, signedIn)
        get("/home", nil, signedIn)
        get("/organisations/{key}/contacts", "/organisations/\(a)/contacts", ["contact-1", "sam"])
        get("/reports", nil, everyone)
        get("/reports/{year}", "/reports/2025", everyone)
        get("/reports/{year}/data.csv", "/reports/2025/data.csv", everyone)
        get("/reports/{year}/data.json", "/reports/2025/data.json", everyone)
        get("/annual-report", nil, signedIn)
        get("/annual-report/{year}/draft", "/annual-report/2026/draft", ["sam"])
        get("/review", nil, ["sam"])
        get("/escalations", nil, ["sam"])
        get("/outbox", nil, ["sam"])
        get("/people", nil, ["sam"])
        get("/groups/new", nil, ["sam"])
        get("/groups/{key}/retire", "/groups/\(g1)/retire", ["sam"])
        get("/member-organisations", nil, ["sam"])
        get("/messages/new", nil, ["sam"])
        get("/decisions", nil, ["bea", "hana", "sam"])
        get("/escalations/{id}", "/escalations/\(m.escalation.rawValue)", ["erin", "bea", "sam"])
        get("/sign-in", nil, everyone)
        get("/accessibility", nil, everyone)
        get("/privacy", nil, everyone)
        get("/cookies", nil, everyone)
        get("/healthz", nil, everyone)
        get("/metrics", nil, ["sam"])
        get("/static/flourish.css", nil, everyone)
        get("/static/flourish.js", nil, everyone)

        // Writes: a request that would succeed for those allowed, so a refusal is the door's.
        post("/api/v1/pledges", "/api/v1/pledges", json: #"{"organisation":"\#(a)","text":"Matrix pledge","areas":["learning"]}"#, ["contact-1", "sam"])
        post("/api/v1/actions", "/api/v1/actions", json: #"{"group":"\#(g1)","title":"Matrix action","owner":"erin","dueDate":"2027-03-31","areas":["learning"]}"#, ["erin", "sam"])
        post("/api/v1/measures/{id}/values", "/api/v1/measures/\(m.measure.rawValue)/values", json: #"{"period":"2027-Q1","value":1}"#, ["erin", "sam"])
        post("/api/v1/escalations", "/api/v1/escalations", json: #"{"group":"\#(g1)","title":"Matrix issue","severity":"low","areas":["learning"]}"#, ["erin", "sam"])
        post("/api/v1/escalations/{id}/decision", "/api/v1/escalations/\(m.escalation.rawValue)/decision",
             json: #"{"body":"\#(alliance)","outcome":"resolved","rationale":"Matrix"}"#, ["sam"])
        post("/api/v1/instances/{id}/events/{event}", "/api/v1/instances/\(m.draftA.rawValue)/events/edit", json: #"{"text":"MARKER-draft-A-5b1 apprenticeships, edited"}"#, ["contact-1"])
        post("/api/v1/instances/{id}/events/{event}", "/api/v1/instances/\(m.action.rawValue)/events/update", json: #"{"rag":"green","commentary":"Matrix"}"#, ["erin", "sam"])
        post("/register", "/register", form: [], everyone)  // empty: the form's own errors, for anyone
        post("/sign-in", "/sign-in", form: [("person", "nobody"), ("password", "wrong")], everyone)
        post("/register/confirm", "/register/confirm", form: [("token", "not-a-token")], everyone)
        post("/forgotten-password", "/forgotten-password", form: [("nameOrEmail", "nobody")], everyone)  // the same answer for anyone
        post("/reset-password", "/reset-password", form: [("token", "not-a-token"), ("password", "x"), ("passwordConfirm", "y")], everyone)
        post("/invitation", "/invitation", form: [("token", "not-a-token"), ("password", "x"), ("passwordConfirm", "y")], everyone)
        post("/account/password", "/account/password", form: [], signedIn)  // empty: the form's own errors
        post("/account/tokens", "/account/tokens", form: [("tokenName", "matrix"), ("scope", "read"), ("days", "1")], signedIn)
        post("/account/tokens/{id}/revoke", "/account/tokens/000000000000/revoke", signedIn)  // nobody has that token: a 409 saying so
        post("/account/sign-out-everywhere", "/account/sign-out-everywhere", signedIn)
        post("/organisations/{key}/contacts", "/organisations/\(a)/contacts", form: [], ["contact-1", "sam"])  // empty: the form's own errors
        post("/organisations/{key}/contacts/{person}/remove", "/organisations/\(a)/contacts/nobody/remove", ["contact-1", "sam"])  // 409: not a contact
        post("/organisations/{key}/main-contact", "/organisations/\(a)/main-contact", form: [], ["contact-1", "sam"])
        post("/people", "/people", form: [], ["sam"])
        post("/people/memberships", "/people/memberships", form: [], ["sam"])  // empty: the form's own errors
        post("/people/memberships/end", "/people/memberships/end", form: [("person", "nobody"), ("memberBody", g1), ("memberRole", "member")], ["sam"])  // 409: no such role
        post("/groups/new", "/groups/new", form: [], ["sam"])
        post("/groups/{key}/retire", "/groups/\(g1)/retire", form: [], ["sam"])  // no reason: the form asks for one
        post("/member-organisations", "/member-organisations", form: [], ["sam"])
        post("/messages/new", "/messages/new", form: [], ["sam"])  // empty: the form's own errors
        post("/outbox/send", "/outbox/send", ["sam"])
        post("/outbox/retry", "/outbox/retry", ["sam"])
        post("/people/{person}/invitation", "/people/nobody/invitation", ["sam"])
        post("/people/{person}/account", "/people/nobody/account", form: [("disable", "no")], ["sam"])
        post("/sign-out", "/sign-out", signedIn)
        post("/groups/{key}/actions/new", "/groups/\(g1)/actions/new",
             form: [("title", "Matrix action"), ("owner", "erin"), ("dueDate", "2027-03-31"), ("areas", "learning")], ["erin", "sam"])
        post("/actions/{id}/next", "/actions/\(m.action.rawValue)/next", form: [("next", "update"), ("rag", "amber"), ("commentary", "Matrix")], ["erin", "sam"])
        post("/actions/{id}/events/{event}", "/actions/\(m.action.rawValue)/events/update", form: [("rag", "amber"), ("commentary", "Matrix")], ["erin", "sam"])
        post("/measures/{id}/values", "/measures/\(m.measure.rawValue)/values", form: [("period", "2027-Q2"), ("value", "1")], ["erin", "sam"])
        post("/groups/{key}/measures/new", "/groups/\(g1)/measures/new", form: [("name", "Matrix measure"), ("unit", "%"), ("direction", "higher-is-better"), ("baseline", "1"),
                                                                             ("target", "2"), ("tolerance", "1"), ("frequency", "quarterly"), ("area", "learning")], ["erin", "sam"])
        post("/groups/{key}/escalations/new", "/groups/\(g1)/escalations/new", form: [("title", "Matrix issue"), ("severity", "low"), ("areas", "learning")], ["erin", "sam"])
        post("/pledges/new", "/pledges/new", form: [("organisation", a), ("text", "Matrix pledge"), ("areas", "learning")], ["contact-1", "sam"])
        post("/pledges/{id}/edit", "/pledges/\(m.draftA.rawValue)/edit", form: [("text", "MARKER-draft-A-5b1 apprenticeships"), ("areas", "learning")], ["contact-1"])
        post("/pledges/{id}/review", "/pledges/\(m.draftA.rawValue)/review", form: [], ["sam"])  // empty: "choose a decision", for the secretariat only
        post("/pledges/{id}/withdraw", "/pledges/\(m.draftA.rawValue)/withdraw", form: [], ["contact-1", "sam"])  // unconfirmed: the check page, nothing written
        post("/pledges/{id}/events/{event}", "/pledges/\(m.draftA.rawValue)/events/submit", ["contact-1"])
        post("/escalations/{id}/acknowledge", "/escalations/\(m.secondEscalation.rawValue)/acknowledge", form: [("body", alliance)], ["bea", "sam"])  // the body's members (bea sits on the Alliance) and the secretariat
        post("/escalations/{id}/decision", "/escalations/\(m.secondEscalation.rawValue)/decision",
             form: [("body", alliance), ("outcome", "resolved"), ("resolvedRationale", "Matrix")], ["sam"])
        get("/referrals", nil, chairs)  // chairs and the secretariat; each sees only their own bodies' referrals (the marker says so)
        get("/groups/{key}/referrals/new", "/groups/\(g1)/referrals/new", ["erin", "sam"])
        post("/groups/{key}/referrals/new", "/groups/\(g1)/referrals/new", form: [], ["erin", "sam"])  // empty: "choose the partner"
        get("/referrals/{id}", "/referrals/\(m.referral.rawValue)", ["erin", "sam"])
        post("/referrals/{id}", "/referrals/\(m.referral.rawValue)", form: [], ["erin", "sam"])  // empty: "choose what to do"
        get("/groups/{key}/meetings", "/groups/\(g1)/meetings", ["erin", "sam"])
        post("/groups/{key}/meetings", "/groups/\(g1)/meetings", form: [], ["erin", "sam"])  // empty: "enter the day"
        get("/groups/{key}/meetings.ics", "/groups/\(g1)/meetings.ics", everyone)  // a feed for anyone, holding only what they may see
        get("/meetings/{id}", "/meetings/\(m.meeting.rawValue)", ["erin", "sam"])
        get("/meetings/{id}/pack", "/meetings/\(m.meeting.rawValue)/pack", ["erin", "sam"])
        post("/meetings/{id}", "/meetings/\(m.meeting.rawValue)", form: [], ["erin", "sam"])  // empty: "select who was present"
        let ask = ((try? m.f.app.asks())?.first?.ask.id.rawValue) ?? "no-demo-ask"  // the demo's
        get("/asks", nil, everyone)
        get("/asks/new", nil, ["sam"])
        post("/asks/new", "/asks/new", form: [], ["sam"])  // empty: "enter what is asked for"
        get("/asks/{id}", "/asks/\(ask)", everyone)
        post("/asks/{id}", "/asks/\(ask)", form: [], ["sam"])  // empty: "enter why the ask is closed"
        get("/pledges/coverage", nil, everyone)
        get("/pledges/{id}/certificate", "/pledges/\(m.publicPledge.rawValue)/certificate", everyone)
        get("/pledges/{id}/certificate", "/pledges/\(m.draftA.rawValue)/certificate", [])  // a draft earns nothing, for anyone
        get("/pledges/{id}/badge.svg", "/pledges/\(m.publicPledge.rawValue)/badge.svg", everyone)
        get("/pledges/{id}/badge.svg", "/pledges/\(m.draftA.rawValue)/badge.svg", [])
        post("/records/{id}/evidence", "/records/\(m.action.rawValue)/evidence", form: [], ["erin", "sam"])  // no file: "choose a file"; its group's chair and the secretariat add
        post("/records/{id}/evidence", "/records/\(m.draftA.rawValue)/evidence", form: [], [])  // a draft takes none, from anyone
        get("/evidence/{file}", "/evidence/\(m.evidence)", partnershipMembers)
        get("/youth-review", nil, ["sam"])  // the secretariat and the panel's lead (not a viewer here)
        post("/youth-review", "/youth-review", form: [], ["sam"])  // empty: "choose what to do"
        get("/youth-review/{id}", "/youth-review/\(m.youthBatch.rawValue)", ["sam"])
        post("/youth-review/{id}", "/youth-review/\(m.youthBatch.rawValue)", form: [], ["sam"])  // empty: "choose a view"; the secretariat may act for the panel
        get("/voice", nil, everyone)
        get("/groups/{key}/voice", "/groups/\(Matrix.voiceGroup)/voice", everyone)
        get("/groups/{key}/voice/new", "/groups/\(Matrix.voiceGroup)/voice/new", ["sam"])  // its adult lead (not a viewer here) and the secretariat
        post("/groups/{key}/voice/new", "/groups/\(Matrix.voiceGroup)/voice/new", form: [], ["sam"])  // empty: "choose the body"
        get("/voice/{id}", "/voice/\(m.voice.rawValue)", everyone)
        post("/voice/{id}", "/voice/\(m.voice.rawValue)", form: [], ["erin", "sam"])  // the body it was said to answers; empty: "choose whether something changed"
        get("/groups/{key}/members", "/groups/\(Matrix.voiceGroup)/members", ["sam"])
        post("/groups/{key}/members", "/groups/\(Matrix.voiceGroup)/members", form: [], ["sam"])  // empty: "enter the name"
        get("/monitoring", nil, signedIn)  // coverage: measures only as the policy shows them
        post("/monitoring/owners", "/monitoring/owners", form: [("area", "learning"), ("owner", g1)], ["sam"])
        post("/measures/{id}/revise", "/measures/\(m.measure.rawValue)/revise",
             form: [("newTarget", "90"), ("newTolerance", "5"), ("core", "yes"), ("reviseReason", "Matrix review")], ["erin", "sam"])
        post("/governance/principles", "/governance/principles", form: [], ["sam"])  // empty: "enter the day", for the secretariat only
        post("/escalations/{id}/close", "/escalations/\(m.secondEscalation.rawValue)/close", form: [], ["sam"])  // empty: "enter why", for the secretariat only
        post("/annual-report", "/annual-report", form: [("year", "2027"), ("sectionsDueOn", "2028-01-31")], ["sam"])
        post("/annual-report/{year}/sections/{group}", "/annual-report/2026/sections/\(g1)", form: [("text-\(g1)", "MARKER-section-G1-5b1 again")], ["erin", "sam"])
        post("/annual-report/{year}/{step}", "/annual-report/2026/approve", ["sam"])
        // Last, as it withdraws the escalation: its raiser and the secretariat may; a board member who sees it may not.
        post("/escalations/{id}/manage", "/escalations/\(m.escalation.rawValue)/manage", form: [("manage", "withdraw"), ("manageReason", "Matrix"), ("confirm", "yes")], ["erin", "sam"])
        return rows
    }

    /// Whether a response refuses the viewer: 401, 403, 404, or a page sending them to sign in.
    static func isRefusal(_ r: HTTPResponse) -> Bool {
        [401, 403, 404].contains(r.status.code) || (r.status.code == 303 && (r.headers["Location"] ?? "").hasPrefix("/sign-in"))
    }

    @Test func everyRouteHasARow() throws {
        let m = try Matrix()
        let covered = Set(Self.rows(m).map { "\($0.method) \($0.pattern)" })
        let routes = Set(m.f.web.routeTable.map { "\($0.method) \($0.pattern)" })
        #expect(routes.subtracting(covered).sorted() == [], "routes without a row in the authorization matrix")
        #expect(covered.subtracting(routes).sorted() == [], "rows for routes that no longer exist")
    }

    /// The one write path: every API write honours `Idempotency-Key` (a retry writes nothing and
    /// answers as the first time) and, on a record that exists, `If-Match` with strong tags only
    /// (a stale or weak tag is 412 and writes nothing). The rows are the matrix's, so a new API
    /// write route is covered as soon as it has its row.
    @Test func everyAPIWriteHonoursItsIdempotencyKeyAndIfMatch() throws {
        let m = try Matrix()
        let writes = Self.rows(m).filter { $0.method == "POST" && $0.pattern.hasPrefix("/api/") }
        #expect(writes.count >= 7)
        for (n, row) in writes.enumerated() {
            let viewer = try #require(Self.viewers.first { row.allowed.contains($0) && $0 != "anonymous" })
            let token = try #require(try m.token(viewer))
            func send(_ extra: [(String, String)]) throws -> HTTPResponse {
                try WebFixture.Browser(m.f.web).send("POST", row.target, headers: [("Content-Type", "application/json"), ("Authorization", "Bearer \(token)")] + extra,
                                                     body: Array((row.json ?? "{}").utf8))
            }
            let cell = "\(row.method) \(row.target) as \(viewer)"
            if row.pattern.contains("{id}") {
                for tag in ["W/\"1\"", "\"999\""] {
                    let before = try m.f.app.eventCount()
                    let r = try send([("If-Match", tag)])
                    #expect(r.status.code == 412, "\(cell) with If-Match \(tag): \(r.status.code) \(r.text)")
                    #expect(try m.f.app.eventCount() == before, "\(cell) with If-Match \(tag) wrote nothing")
                }
            }
            let key = [("Idempotency-Key", "once-\(n)")]
            let first = try send(key)
            #expect((200..<300).contains(first.status.code), "\(cell): \(first.status.code) \(first.text)")
            let after = try m.f.app.eventCount()
            let retry = try send(key)
            #expect(retry.status.code == first.status.code, "\(cell): a retry answers as the first time")
            #expect(try m.f.app.eventCount() == after, "\(cell): a retry with the same key writes nothing")
        }
    }

    /// Calendar apps cannot sign in: a person's own link (on their group's page) reads the feed
    /// as they would; the bare feed shows a visitor nothing internal; a changed link is refused.
    @Test func aPersonalCalendarLinkShowsTheFeedAsItsPersonWould() throws {
        let m = try Matrix()
        let page = try m.browser("erin").get("/groups/\(Matrix.g1)").text
        let start = try #require(page.range(of: "href=\"/groups/\(Matrix.g1)/deadlines.ics?"))
        let link = String(page[page.index(start.lowerBound, offsetBy: 6)...].prefix { $0 != "\"" }).replacingOccurrences(of: "&amp;", with: "&")
        let visitor = WebFixture.Browser(m.f.web)
        let feed = try visitor.get(link)
        #expect(feed.status.code == 200 && feed.text.contains("MARKER-action-G1-5b1"), "the link shows erin's group's actions to a calendar app")
        #expect(!(try visitor.get("/groups/\(Matrix.g1)/deadlines.ics").text.contains("MARKER-action-G1-5b1")))
        #expect(try visitor.get(link.replacingOccurrences(of: "key=", with: "key=0")).status.code == 403, "an altered key")
        #expect(try visitor.get(link.replacingOccurrences(of: "/groups/\(Matrix.g1)/", with: "/groups/\(Matrix.alliance)/")).status.code == 403, "a key made for another feed")
        #expect(try visitor.get(link.replacingOccurrences(of: "for=erin", with: "for=sam")).status.code == 403, "a key made for another person")
        // A contact's page has the link to their organisation's deadlines, renewal dates included.
        let contactPage = try m.browser("contact-1").get("/organisation").text
        #expect(contactPage.contains("/organisations/\(m.organisationA)/deadlines.ics?for=contact-1&amp;key="))
    }

    @Test func everyCellAnswersAsTheVisibilityTableSays() throws {
        let m = try Matrix()
        var failures: [String] = []
        for row in Self.rows(m) {
            // The refused first, so a write by one allowed viewer cannot change what the refused see.
            let order = Self.viewers.filter { !row.allowed.contains($0) } + Self.viewers.filter { row.allowed.contains($0) }
            for viewer in order {
                let r: HTTPResponse
                if row.pattern.hasPrefix("/api/") && row.method == "POST" {
                    var headers = [("Content-Type", "application/json")]
                    if let token = try m.token(viewer) { headers.append(("Authorization", "Bearer \(token)")) }
                    r = try WebFixture.Browser(m.f.web).send("POST", row.target, headers: headers, body: Array((row.json ?? "{}").utf8))
                } else if row.pattern.hasPrefix("/api/") {
                    let headers = try m.token(viewer).map { [("Authorization", "Bearer \($0)")] } ?? []
                    r = try WebFixture.Browser(m.f.web).get(row.target, headers: headers)
                } else {
                    let browser = try m.browser(viewer)
                    r = row.method == "GET" ? try browser.get(row.target) : try browser.post(row.target, row.form)
                }
                let cell = "\(row.method) \(row.target) as \(viewer)"
                if r.status.code >= 500 { failures.append("\(cell): \(r.status.code)") }
                if row.allowed.contains(viewer) && Self.isRefusal(r) { failures.append("\(cell): refused (\(r.status.code)) but the table allows it") }
                if !row.allowed.contains(viewer) && !Self.isRefusal(r) { failures.append("\(cell): answered \(r.status.code) but the table refuses it") }
                let text = r.text + (r.headers["Location"] ?? "")
                for (marker, readers) in m.markers where !readers.contains(viewer) {
                    if text.contains(marker) || text.contains(HTML.escape(marker)) { failures.append("\(cell): shows \(marker)") }
                }
            }
        }
        #expect(failures == [], Comment(rawValue: "\(failures.count) cells differ from the table:\n" + failures.joined(separator: "\n")))
    }
}
