import Foundation
import Testing
@testable import WebApp
import HTTPServer
@_spi(Harness) import Services
import Engine
import Domain

/// An action's page asks one question, "What do you want to do next?", instead of stacking a
/// form per event; every problem is reported at once in people's words; cancelling is checked
/// first; a new due date is typed in GOV.UK's three boxes.
@Suite(.serialized) struct ActionStepTests {
    /// A chair signed in, on a new action of their group.
    static func newAction() throws -> (WebFixture, WebFixture.Browser, String) {
        let f = try WebFixture()
        let b = WebFixture.Browser(f.web)
        try b.signIn("erin")
        try b.get("/groups/early-prevention-board/actions/new")
        let made = try b.post("/groups/early-prevention-board/actions/new", [("title", "Family hubs in every district"), ("owner", "erin"), ("dueDate", "2027-03-31"), ("areas", "family-and-friends")])
        #expect(made.status.code == 303)
        let path = try #require(made.headers["Location"])
        try b.get(path)
        return (f, b, path)
    }

    static func version(_ page: String) -> String {
        page.range(of: "name=\"version\" value=\"").map { String(page[$0.upperBound...].prefix { $0 != "\"" }) } ?? ""
    }

    static func state(_ f: WebFixture, _ path: String) throws -> String {
        try f.app.action(RecordID<Action>(String(path.split(separator: "/").last ?? ""))).action.state.rawValue
    }

    @Test func theActionPageAsksOneQuestionWithEachAnswersFieldsRevealed() throws {
        let (_, b, path) = try Self.newAction()
        let page = try b.get(path).text
        // The defect: four stacked forms (update, complete, block, cancel) without headings.
        #expect(page.components(separatedBy: "<form method=\"post\" action=\"/actions/").count - 1 == 1, "one form on the action's page")
        #expect(page.contains("What do you want to do next?"))
        for (value, label) in [("update", "Post a progress update"), ("begin", "Mark it in progress"), ("complete", "Complete it"), ("block", "Mark it blocked"),
                               ("reschedule", "Agree a new due date"), ("cancel", "Cancel it")] {
            #expect(page.contains("value=\"\(value)\""), "the answer \(value)")
            #expect(page.contains(">\(label)</label>"), "labelled \(label)")
        }
        #expect(page.contains("aria-controls=\"conditional-next\">"), "the update answer controls its revealed fields")
        #expect(!page.contains("aria-expanded"), "ARIA allows no aria-expanded on a radio")
        #expect(page.contains("class=\"govuk-radios__conditional govuk-radios__conditional--hidden\" id=\"conditional-next\""))
        #expect(page.contains("name=\"dueDate-day\"") && page.contains("name=\"dueDate-month\"") && page.contains("name=\"dueDate-year\""), "the date in three boxes")
        #expect(!page.contains("value=\"unblock\""), "only what may be done now")
    }

    @Test func everyProblemIsReportedAtOnceInPeoplesWordsAndNothingIsWritten() throws {
        let (f, b, path) = try Self.newAction()
        let version = Self.version(try b.get(path).text)
        let none = try b.post(path + "/next", [("version", version)])
        #expect(none.status.code == 422)
        #expect(none.text.contains("<a href=\"#next\">Choose what you want to do next</a>"))
        let empty = try b.post(path + "/next", [("version", version), ("next", "update")])
        #expect(empty.status.code == 422)
        // Both at once, in people's words, not the engine's `"update" needs the field "commentary"`.
        #expect(empty.text.contains("<a href=\"#rag\">Choose a RAG status: green, amber or red</a>"))
        #expect(empty.text.contains("<a href=\"#commentary\">Enter the progress made since the last update</a>"))
        #expect(!empty.text.contains("needs the field"))
        #expect(empty.text.contains("value=\"update\" checked"), "the answer chosen is kept")
        #expect(empty.text.contains("class=\"govuk-radios__conditional\" id=\"conditional-next\""), "and its fields stay revealed")
        let long = try b.post(path + "/next", [("version", version), ("next", "update"), ("rag", "amber"), ("commentary", String(repeating: "x", count: 10_001))])
        #expect(long.status.code == 422 && long.text.contains("Progress should be at most 10000 characters"))
        #expect(try f.app.actionUpdates(RecordID(String(path.split(separator: "/").last!)), for: try f.app.viewer(forOperator: "erin")).isEmpty, "nothing written")
        let posted = try b.post(path + "/next", [("version", version), ("next", "update"), ("rag", "amber"), ("commentary", "Two hubs open")])
        #expect(posted.status.code == 303)
        #expect(try b.get(path).text.contains("Update recorded: amber."))
    }

    @Test func cancellingAsksFirstAndSaysItCannotBeUndone() throws {
        let (f, b, path) = try Self.newAction()
        let version = Self.version(try b.get(path).text)
        let noReason = try b.post(path + "/next", [("version", version), ("next", "cancel")])
        #expect(noReason.status.code == 422 && noReason.text.contains("<a href=\"#cancelReason\">Enter why the action is cancelled</a>"))
        let check = try b.post(path + "/next", [("version", version), ("next", "cancel"), ("cancelReason", "The hubs are funded by the council instead")])
        #expect(check.status.code == 200)
        #expect(check.text.contains("Are you sure you want to cancel this action?"))
        #expect(check.text.contains("The hubs are funded by the council instead"))
        #expect(check.text.contains("cannot be reopened"))
        #expect(try Self.state(f, path) == "planned", "nothing is cancelled until it is confirmed")
        #expect(check.text.contains("form=\"cancel-check\" name=\"change\" value=\"yes\"") && check.text.contains("Change<span class=\"govuk-visually-hidden\"> why it is cancelled</span>"))
        // "Change" goes back to the question with the answer kept, and cancels nothing.
        let change = try b.post(path + "/next", [("version", version), ("next", "cancel"), ("cancelReason", "The hubs are funded by the council instead"), ("confirm", "yes"), ("change", "yes")])
        #expect(change.status.code == 200 && change.text.contains("value=\"cancel\" checked") && change.text.contains(">The hubs are funded by the council instead</textarea>"))
        #expect(try Self.state(f, path) == "planned")
        let done = try b.post(path + "/next", [("version", version), ("next", "cancel"), ("cancelReason", "The hubs are funded by the council instead"), ("confirm", "yes")])
        #expect(done.status.code == 303)
        #expect(try Self.state(f, path) == "cancelled")
        #expect(try b.get(path).text.contains("The action is cancelled."))
    }

    @Test func aNewDueDateIsTypedInThreeBoxesWithAReason() throws {
        let (f, b, path) = try Self.newAction()
        let version = Self.version(try b.get(path).text)
        let notADate = try b.post(path + "/next", [("version", version), ("next", "reschedule"), ("dueDate-day", "31"), ("dueDate-month", "2"), ("dueDate-year", "2027")])
        #expect(notADate.status.code == 422)
        #expect(notADate.text.contains("The new due date must be a real date, for example 31 3 2027"))
        #expect(notADate.text.contains("<a href=\"#rescheduleReason\">Enter why the due date changes</a>"), "both problems at once")
        #expect(notADate.text.contains("name=\"dueDate-month\" type=\"text\" inputmode=\"numeric\" value=\"2\""), "what was typed is kept")
        let moved = try b.post(path + "/next", [("version", version), ("next", "reschedule"), ("dueDate-day", "30"), ("dueDate-month", "6"), ("dueDate-year", "2027"),
                                                ("rescheduleReason", "The lease on the third hub starts in May")])
        #expect(moved.status.code == 303)
        let id = RecordID<Action>(String(path.split(separator: "/").last!))
        #expect(try f.app.action(id).action.dueDate?.description == "2027-06-30")
        #expect(try b.get(path).text.contains("The new due date is 30 June 2027"))
        let history = try f.app.history(of: id.instance, for: try f.app.viewer(forOperator: "erin")).1
        #expect(history.last?.event == "reschedule" && history.last?.payload["reason"]?.stringValue == "The lease on the third hub starts in May", "the history keeps the reason")
    }
}

/// The secretariat's review is one question; withdrawing a pledge is checked first (the defect:
/// "Withdraw pledge" with an empty reason withdrew at once).
@Suite(.serialized) struct PledgeDecisionTests {
    @Test func withdrawingAPledgeIsCheckedFirstEvenWithoutAReason() throws {
        let f = try WebFixture()
        let contact = WebFixture.Browser(f.web)
        try contact.signIn("contact-1")
        let organisation = try #require(try f.app.organisationKeys(contactedBy: "contact-1").first)
        let pledge = try #require(try f.app.organisation(organisation).pledges.first { $0.state == .approved })
        let path = "/pledges/\(pledge.id.rawValue)"
        let page = try contact.get(path).text
        #expect(page.contains("action=\"\(path)/withdraw\""))
        let version = page.range(of: "name=\"version\" value=\"").map { String(page[$0.upperBound...].prefix { $0 != "\"" }) } ?? ""
        let check = try contact.post(path + "/withdraw", [("version", version)])
        #expect(check.status.code == 200)
        #expect(check.text.contains("Are you sure you want to withdraw this pledge?"))
        #expect(check.text.contains("No reason given") && check.text.contains("leaves the pledge wall"))
        #expect(try f.app.pledge(pledge.id, for: try f.app.viewer(forOperator: "sam")).state == .approved, "nothing is withdrawn until it is confirmed")
        let done = try contact.post(path + "/withdraw", [("version", version), ("withdrawReason", ""), ("confirm", "yes")])
        #expect(done.status.code == 303)
        #expect(try f.app.pledge(pledge.id, for: try f.app.viewer(forOperator: "sam")).state == .withdrawn)
        #expect(try contact.get(path).text.contains("The pledge is withdrawn and is no longer on the wall."))
    }

    @Test func theReviewAsksOneQuestionAndRejectingNeedsAReason() throws {
        let f = try WebFixture()
        let waiting = try #require(try f.app.pledgesAwaitingReview().first)
        let sam = WebFixture.Browser(f.web)
        try sam.signIn("sam")
        let path = "/pledges/\(waiting.id.rawValue)"
        let page = try sam.get(path).text
        #expect(page.components(separatedBy: "action=\"\(path)/review\"").count - 1 == 1, "one review form")
        for stacked in ["approve", "request-changes", "reject"] { #expect(!page.contains("action=\"\(path)/events/\(stacked)\""), "not three stacked: \(stacked)") }
        for label in ["Approve and publish it", "Ask the organisation for changes", "Reject it"] { #expect(page.contains(">\(label)</label>")) }
        let version = page.range(of: "name=\"version\" value=\"").map { String(page[$0.upperBound...].prefix { $0 != "\"" }) } ?? ""
        let none = try sam.post(path + "/review", [("version", version)])
        #expect(none.status.code == 422 && none.text.contains("<a href=\"#decision\">Choose approve, ask for changes or reject</a>"))
        let bare = try sam.post(path + "/review", [("version", version), ("decision", "reject")])
        #expect(bare.status.code == 422 && bare.text.contains("<a href=\"#rejectReason\">Enter why the pledge is rejected</a>"))
        #expect(try f.app.pledge(waiting.id, for: try f.app.viewer(forOperator: "sam")).state == .submitted, "nothing written")
        let rejected = try sam.post(path + "/review", [("version", version), ("decision", "reject"), ("rejectReason", "It is not a new thing: the club has run it since 2019")])
        #expect(rejected.status.code == 303)
        #expect(try f.app.pledge(waiting.id, for: try f.app.viewer(forOperator: "sam")).state == .rejected)
    }
}

/// A body's decision on an escalation is one question; accepting it into a plan sets the
/// plan's actions (what, which group, an owner chosen from the partnership's people, when),
/// started with the decision and linked both ways (the defect: the plan was free text and
/// nothing tracked it).
@Suite(.serialized) struct EscalationDecisionFormTests {
    /// The API takes a plan's actions as objects; a malformed one is refused naming what is
    /// wrong and nothing is written; the secretariat may close an escalation in a plan with a reason.
    @Test func theAPIAcceptsIntoAPlanWithItsActionsAndThePlanCanBeClosedWithAReason() throws {
        let f = try WebFixture()
        let token = try f.app.accounts.createToken(for: "sam", name: "plan", at: f.app.clock.now())
        func api(_ target: String, _ body: String) throws -> (Int, JSONValue?) {
            let r = try WebFixture.Browser(f.web).send("POST", target, headers: [("Authorization", "Bearer \(token)"), ("Content-Type", "application/json")], body: Array(body.utf8))
            return (r.status.code, try? JSONValue.parse(r.text))
        }
        let raised = try f.app.raiseEscalation(EscalationRequest(group: "early-prevention-board", title: "Venues", severity: "medium", areas: ["family-and-friends"]), by: "erin")
        let body = try #require(raised.open.first?.body)
        let path = "/api/v1/escalations/\(raised.escalation.id.rawValue)/decision"
        let before = try f.app.engine.instances().count
        for (bad, why) in [(#""actions":"all of them""#, "actions must be a list"), (#""actions":[1]"#, "actions[0] must be an object"),
                           (#""actions":[{"title":"Book","group":"early-prevention-board","owner":"erin"}]"#, "dueDate is required"),
                           (#""actions":[{"title":"Book","group":"norfolk-health-and-wellbeing-board","owner":"erin","dueDate":"2027-03-31"}]"#, "a group below it"),
                           (#""actions":[]"#, "needs at least one action")] {
            let (status, problem) = try api(path, #"{"body":"\#(body)","outcome":"accepted","plan":"Libraries",\#(bad)}"#)
            #expect(status == 422 && (problem?["detail"]?.stringValue ?? "").contains(why), "\(bad): \(status) \(String(describing: problem))")
        }
        #expect(try f.app.engine.instances().count == before, "nothing was written")
        let (ok, _) = try api(path, #"{"body":"\#(body)","outcome":"accepted","plan":"Libraries","actions":[{"title":"Book the libraries","group":"early-prevention-board","owner":"erin","dueDate":"2027-03-31"}]}"#)
        #expect(ok == 200)
        let view = try f.app.escalation(raised.escalation.id)
        #expect(view.escalation.state == .inPlan && view.plan.count == 1)
        _ = try f.app.fireAction(view.plan[0].id, event: "cancel", fields: ["reason": "Libraries closed"], by: "sam")
        #expect(try f.app.escalation(raised.escalation.id).escalation.state == .inPlan, "a cancelled action does not resolve the plan")
        let sam = WebFixture.Browser(f.web)
        try sam.signIn("sam")
        let page = try sam.get("/escalations/\(raised.escalation.id.rawValue)").text
        #expect(page.contains("0 of 1 actions done") && page.contains("Close it with its plan unfinished"))
        let empty = try sam.post("/escalations/\(raised.escalation.id.rawValue)/close", [])
        #expect(empty.status.code == 422 && empty.text.contains("Enter why the escalation is closed with its plan unfinished"))
        let closed = try sam.post("/escalations/\(raised.escalation.id.rawValue)/close", [("closeReason", "The libraries closed; the Board will revisit venues in spring")])
        #expect(closed.status.code == 303)
        let after = try f.app.escalation(raised.escalation.id).escalation
        #expect(after.state == .closed && after.outcome == "closed with its plan unfinished")
        #expect(try f.app.outbox().contains { $0.subject == "An escalation from your group is closed: Venues" && $0.body.contains("The libraries closed") })
    }

    @Test func acceptingIntoAPlanStartsItsActionsAndTheEscalationClosesWhenTheyAreDone() throws {
        let f = try WebFixture()
        let sam = WebFixture.Browser(f.web)
        try sam.signIn("sam")
        let raised = try f.app.raiseEscalation(EscalationRequest(group: "early-prevention-board", title: "Family hub venues withdrawn", description: "Two venues closed",
                                                                 severity: "high", priorities: [], areas: ["family-and-friends"]), by: "erin")
        let body = try #require(raised.open.first?.body)
        let path = "/escalations/\(raised.escalation.id.rawValue)"
        let page = try sam.get(path).text
        #expect(page.contains("What is the decision?"))
        #expect(page.contains(">Accept it into a plan</label>"))
        #expect(page.contains("<select class=\"govuk-select\" id=\"\(body)-action1Owner\" name=\"\(body)-action1Owner\""), "each action's owner is chosen, not typed")
        #expect(page.contains("<option value=\"erin\">"))
        #expect(page.contains("<option value=\"early-prevention-board\">Early Prevention Board</option>"), "groups below the deciding body are offered")
        #expect(!page.contains("<option value=\"norfolk-health-and-wellbeing-board\">"), "bodies above where escalation stops are not")
        let bare = try sam.post(path + "/decision", [("body", body), ("outcome", "accepted")])
        #expect(bare.status.code == 422)
        for (field, message) in [("plan", "Enter the plan in a few words"), ("action1Title", "Enter what the first action is"), ("action1Group", "Choose the group that carries out the first action"),
                                 ("action1Owner", "Choose who owns the first action"), ("action1Due", "Enter the date the first action is due")] {
            #expect(bare.text.contains("<a href=\"#\(body)-\(field)\">\(message)</a>"), "every problem at once: \(message)")
        }
        #expect(try f.app.escalation(raised.escalation.id).open.count == raised.open.count, "nothing decided")
        func action(_ n: Int, _ title: String, _ group: String, _ owner: String, _ day: String) -> [(String, String)] {
            [("\(body)-action\(n)Title", title), ("\(body)-action\(n)Group", group), ("\(body)-action\(n)Owner", owner),
             ("\(body)-action\(n)Due-day", day), ("\(body)-action\(n)Due-month", "3"), ("\(body)-action\(n)Due-year", "2027")]
        }
        let decision = [("body", body), ("outcome", "accepted"), ("plan", "Use the libraries until new venues open")]
        let past = try sam.post(path + "/decision", decision + action(1, "Book the libraries", "early-prevention-board", "erin", "1").map { ($0.0, $0.1.replacingOccurrences(of: "2027", with: "2020")) })
        #expect(past.status.code == 422 && past.text.contains("is due in the past; give a day from today on."))
        let accepted = try sam.post(path + "/decision", decision + action(1, "Book the libraries", "early-prevention-board", "erin", "31")
                                    + action(2, "Agree new venues", body, "ann", "15"))
        #expect(accepted.status.code == 303)
        let shown = try sam.get(path).text
        #expect(shown.contains("The escalation is now in plan. Its 2 actions are logged as planned; the escalation closes when they are done."))
        #expect(shown.contains("0 of 2 actions done"))
        let view = try f.app.escalation(raised.escalation.id)
        #expect(view.escalation.state == .inPlan && view.plan.map(\.title) == ["Book the libraries", "Agree new venues"])
        #expect(view.plan.allSatisfy { $0.escalation == raised.escalation.id.rawValue }, "each action names its escalation")
        let first = try #require(view.plan.first)
        #expect(try sam.get("/actions/\(first.id.rawValue)").text.contains("href=\"/escalations/\(raised.escalation.id.rawValue)\""), "the action links back")
        _ = try f.app.fireAction(first.id, event: "complete", fields: ["outcomeNote": "Booked"], by: "sam")
        #expect(try f.app.escalation(raised.escalation.id).escalation.state == .inPlan, "one of two done")
        _ = try f.app.fireAction(view.plan[1].id, event: "complete", fields: ["outcomeNote": "Agreed"], by: "sam")
        let closed = try f.app.escalation(raised.escalation.id).escalation
        #expect(closed.state == .closed && closed.outcome?.hasPrefix("resolved by plan") == true)
    }
}

/// A chair preparing for a board meeting opens their group's page to see what still needs
/// doing: the open actions, overdue first; the completed and cancelled ones are counted and
/// shown only when asked for (a group with years of actions listed every one of them).
@Suite(.serialized) struct GroupPageTests {
    @Test func theGroupPageShowsOpenActionsAndFoldsAwayFinishedOnesUntilAskedFor() throws {
        let f = try WebFixture()
        let b = WebFixture.Browser(f.web)
        try b.signIn("erin")
        func log(_ title: String) throws -> RecordID<Action> {
            try b.get("/groups/early-prevention-board/actions/new")
            let made = try b.post("/groups/early-prevention-board/actions/new", [("title", title), ("owner", "erin"), ("dueDate", "2027-03-31"), ("areas", "learning")])
            #expect(made.status.code == 303)
            return RecordID(String(try #require(made.headers["Location"]).split(separator: "/").last ?? ""))
        }
        let stillOpen = try log("Reading buddies in every school")
        let done = try log("Holiday club leaflets printed")
        let dropped = try log("Pilot in one district")
        _ = try f.app.fireAction(done, event: "complete", fields: ["outcomeNote": .string("Printed and sent.")], expectedVersion: nil, by: "erin")
        _ = try f.app.fireAction(dropped, event: "cancel", fields: ["reason": .string("Overtaken by the county scheme.")], expectedVersion: nil, by: "erin")
        let viewer = try f.app.viewer(for: "erin")
        func counts() throws -> (open: Int, finished: Int) {
            let all = try f.app.actions(ActionFilter(group: "early-prevention-board"), for: viewer)
            return (all.filter { !$0.action.state.isFinished }.count, all.filter(\.action.state.isFinished).count)
        }
        let (open, finished) = try counts()

        let page = try b.get("/groups/early-prevention-board")
        #expect(page.status.code == 200)
        #expect(page.text.contains("Open actions (\(open))"))
        #expect(page.text.contains("/actions/\(stillOpen.rawValue)\""), "the open action is listed")
        #expect(!page.text.contains("/actions/\(done.rawValue)\"") && !page.text.contains("/actions/\(dropped.rawValue)\""), "finished actions are folded away")
        #expect(page.text.contains("href=\"/groups/early-prevention-board?show=finished#actions\">Completed and cancelled actions (\(finished))"), "and counted")

        let shown = try b.get("/groups/early-prevention-board?show=finished")
        #expect(shown.status.code == 200)
        #expect(shown.text.contains("Completed and cancelled actions (\(finished))</caption>"))
        #expect(shown.text.contains("/actions/\(done.rawValue)\"") && shown.text.contains("/actions/\(dropped.rawValue)\""), "shown when asked for")
        #expect(!shown.text.contains("/actions/\(stillOpen.rawValue)\""), "one list at a time")
        #expect(shown.text.contains("href=\"/groups/early-prevention-board#actions\">Open actions (\(open))"))

        // Fifty to a page, in order, overdue first; a page that is not there is said so.
        for i in 0..<(WebApp.actionsPerGroupPage + 5) {
            _ = try f.app.logAction(ActionRequest(group: "early-prevention-board", title: "Paged action \(i)", description: "", areas: ["learning"], owner: "erin",
                                                  dueDate: "2027-0\(1 + i % 9)-1\(i % 10)"), by: "erin")
        }
        let many = try counts().open
        let first = try b.get("/groups/early-prevention-board").text
        let second = try b.get("/groups/early-prevention-board?page=2").text
        func listed(_ page: String) -> [String] {
            page.components(separatedBy: "<a class=\"govuk-link\" href=\"/actions/").dropFirst().map { String($0.prefix { $0 != "\"" }) }
        }
        #expect(listed(first).count == WebApp.actionsPerGroupPage)
        #expect(first.contains("Showing 1 to \(WebApp.actionsPerGroupPage) of \(many)."))
        #expect(first.contains("href=\"/groups/early-prevention-board?page=2#actions\" rel=\"next\""))
        #expect(Set(listed(first)).isDisjoint(with: listed(second)) && listed(first).count + listed(second).count == min(many, 2 * WebApp.actionsPerGroupPage))
        let all = try f.app.actions(ActionFilter(group: "early-prevention-board"), for: viewer).filter { !$0.action.state.isFinished }
            .sorted { ($0.isOverdue ? 0 : 1, $0.action.dueDate?.ordinal ?? .min) < ($1.isOverdue ? 0 : 1, $1.action.dueDate?.ordinal ?? .min) }
        #expect(listed(first).first == all.first?.action.id.rawValue, "soonest due first")
        for bad in ["0", "abc", "99"] {
            let refused = try b.get("/groups/early-prevention-board?page=\(bad)")
            #expect(refused.status.code == 400, "page \(bad)")
            #expect(refused.text.contains("“page” should be a whole number from 1 to"))
        }
    }
}
