import Foundation
import Testing
@testable import WebApp
import HTTPServer
@_spi(Harness) import Services
import Engine
import Domain

/// The secretariat extends a body's deadline, merges an escalation into another and withdraws
/// one, each with a reason the history keeps; merging and withdrawing are checked first.
@Suite(.serialized) struct EscalationManagementTests {
    static func raise(_ f: WebFixture, _ title: String) throws -> EscalationView {
        try f.app.raiseEscalation(EscalationRequest(group: "early-prevention-board", title: title, description: "", severity: "high", priorities: [], areas: ["healthy"]), by: "erin")
    }

    @Test func theSecretariatGivesABodyMoreTimeWithAReason() throws {
        let f = try WebFixture()
        let raised = try Self.raise(f, "Family hub venues withdrawn")
        let review = try #require(raised.open.first)
        let path = "/escalations/\(raised.escalation.id.rawValue)"
        let sam = WebFixture.Browser(f.web)
        try sam.signIn("sam")
        let page = try sam.get(path).text
        #expect(page.contains("Manage this escalation") && page.contains(">Give a body more time to decide</label>"))
        let empty = try sam.post(path + "/manage", [("manage", "extend")])
        #expect(empty.status.code == 422 && empty.text.contains("Enter the new deadline") && empty.text.contains("Enter why the body needs more time"), "both at once")
        let earlier = try sam.post(path + "/manage", [("manage", "extend"), ("newDeadline-day", "1"), ("newDeadline-month", "11"), ("newDeadline-year", "2026"), ("manageReason", "Meeting moved")])
        #expect(earlier.status.code == 422 && earlier.text.contains("must be later than the one it replaces"))
        let outboxBefore = try f.app.outboxCounts().pending
        let extended = try sam.post(path + "/manage", [("manage", "extend"), ("newDeadline-day", "15"), ("newDeadline-month", "1"), ("newDeadline-year", "2027"),
                                                       ("manageReason", "The board meets on 14 January")])
        #expect(extended.status.code == 303)
        #expect(try sam.get(path).text.contains("now has until 15 January 2027 at 5pm to decide"))
        let after = try f.app.escalation(raised.escalation.id)
        #expect(after.open.first?.respondBy.flatMap { f.app.time.parse($0) }.map { f.app.time.inWords($0) } == "15 January 2027 at 5pm")
        let history = try f.app.engine.history(of: review.id.instance)
        #expect(history.last?.event == "extend" && history.last?.payload["reason"]?.stringValue == "The board meets on 14 January")
        #expect(try f.app.outboxCounts().pending > outboxBefore, "the body's deciders are told")
        // A chair who raised it may not extend: the answer is not offered, and a forged request is refused.
        let erin = WebFixture.Browser(f.web)
        try erin.signIn("erin")
        #expect(!(try erin.get(path).text.contains("Give a body more time")))
        let forged = try erin.post(path + "/manage", [("manage", "extend"), ("newDeadline-day", "20"), ("newDeadline-month", "1"), ("newDeadline-year", "2027"), ("manageReason", "x")])
        #expect(forged.status.code == 403)
    }

    @Test func mergingAndWithdrawingAreCheckedFirstAndKeepTheirReasons() throws {
        let f = try WebFixture()
        let first = try Self.raise(f, "School nurse rota gaps")
        let second = try Self.raise(f, "School nurses short in two districts")
        let sam = WebFixture.Browser(f.web)
        try sam.signIn("sam")
        let path = "/escalations/\(second.escalation.id.rawValue)"
        try sam.get(path)
        let check = try sam.post(path + "/manage", [("manage", "merge"), ("mergeInto", first.escalation.id.rawValue), ("manageReason", "The same shortage")])
        #expect(check.status.code == 200 && check.text.contains("Are you sure you want to merge this escalation into another?") && check.text.contains("School nurse rota gaps"))
        #expect(try f.app.escalation(second.escalation.id).escalation.state == .open, "nothing merged until confirmed")
        let merged = try sam.post(path + "/manage", [("manage", "merge"), ("mergeInto", first.escalation.id.rawValue), ("manageReason", "The same shortage"), ("confirm", "yes")])
        #expect(merged.status.code == 303 && merged.headers["Location"] == "/escalations/\(first.escalation.id.rawValue)")
        #expect(try f.app.escalation(second.escalation.id).escalation.state == .withdrawn)
        let reason = try f.app.engine.history(of: second.escalation.id.instance).last?.payload["reason"]?.stringValue
        #expect(reason == "Merged into \(first.escalation.id.rawValue): The same shortage", "named by ID: its title is for its own path to read")
        #expect(try f.app.escalation(second.escalation.id).open.isEmpty, "its reviews close")

        let firstPath = "/escalations/\(first.escalation.id.rawValue)"
        let noReason = try sam.post(firstPath + "/manage", [("manage", "withdraw")])
        #expect(noReason.status.code == 422 && noReason.text.contains("Enter why the escalation is withdrawn"))
        let withdrawCheck = try sam.post(firstPath + "/manage", [("manage", "withdraw"), ("manageReason", "Staffing agreed with the trust")])
        #expect(withdrawCheck.text.contains("Are you sure you want to withdraw this escalation?"))
        #expect(try sam.post(firstPath + "/manage", [("manage", "withdraw"), ("manageReason", "Staffing agreed with the trust"), ("confirm", "yes")]).status.code == 303)
        #expect(try f.app.escalation(first.escalation.id).escalation.state == .withdrawn)
        #expect(!(try sam.get(firstPath).text.contains("Manage this escalation")), "nothing more to manage once withdrawn")
    }
}

@Suite(.serialized) struct EscalationPauseTests {
    @Test func aPausedEscalationRunsNoDeadlineUntilItResumes() throws {
        let f = try WebFixture()
        let raised = try EscalationManagementTests.raise(f, "Family hub venues withdrawn")
        let review = try #require(raised.open.first)
        let path = "/escalations/\(raised.escalation.id.rawValue)"
        let sam = WebFixture.Browser(f.web)
        try sam.signIn("sam")
        try sam.get(path)
        let noReason = try sam.post(path + "/manage", [("manage", "pause")])
        #expect(noReason.status.code == 422 && noReason.text.contains("Enter why it is paused"))
        #expect(try sam.post(path + "/manage", [("manage", "pause"), ("manageReason", "Waiting for the council's venue review")]).status.code == 303)
        let paused = try f.app.escalation(raised.escalation.id)
        #expect(paused.open.first?.state == .paused)
        #expect(try f.app.engine.pendingTimers(instance: review.id.instance).isEmpty, "no deadline runs")
        // Long past the old deadline, it is not overdue, and nothing moved it on.
        f.clock.advance(bySeconds: 60 * 86_400)
        _ = try f.app.engine.tick()
        let later = try f.app.escalation(raised.escalation.id)
        #expect(later.overdue.isEmpty && later.open.first?.state == .paused)
        let sam2 = WebFixture.Browser(f.web)
        try sam2.signIn("sam")
        let page = try sam2.get(path).text
        #expect(page.contains(">Resume it with a new deadline</label>") && !page.contains(">Pause it at a body"))
        let resumed = try sam2.post(path + "/manage", [("manage", "resume"), ("resumeDeadline-day", "12"), ("resumeDeadline-month", "2"), ("resumeDeadline-year", "2027"),
                                                       ("manageReason", "The venue review is done")])
        #expect(resumed.status.code == 303)
        #expect(try sam2.get(path).text.contains("Resumed: Children and Young People Strategic Alliance now has until 12 February 2027 at 5pm to decide."))
        #expect(try f.app.escalation(raised.escalation.id).open.first?.state == .awaiting)
        #expect(try f.app.engine.pendingTimers(instance: review.id.instance).count == 1)
    }
}

@Suite(.serialized) struct EscalationReassignTests {
    @Test func theSecretariatSendsAnEscalationToAnotherBodyToDecideInstead() throws {
        let f = try WebFixture()
        let raised = try EscalationManagementTests.raise(f, "Health visitor caseloads")
        let path = "/escalations/\(raised.escalation.id.rawValue)"
        let sam = WebFixture.Browser(f.web)
        try sam.signIn("sam")
        let page = try sam.get(path).text
        #expect(page.contains(">Send it to another body to decide instead</label>"))
        let none = try sam.post(path + "/manage", [("manage", "reassign")])
        #expect(none.status.code == 422 && none.text.contains("Choose the body that decides instead") && none.text.contains("Enter why another body decides"))
        // The Board and the scrutiny committee take no operational decision: they are not offered, and refused.
        #expect(!page.contains("<option value=\"norfolk-health-and-wellbeing-board\">"))
        let above = try sam.post(path + "/manage", [("manage", "reassign"), ("reassignTo", "norfolk-health-and-wellbeing-board"), ("manageReason", "A health matter")])
        #expect(above.status.code == 422 && above.text.contains("is above where escalation stops"))
        let sent = try sam.post(path + "/manage", [("manage", "reassign"), ("reassignTo", "cyp-mental-health-alliance-executive-management-group"), ("manageReason", "A mental health matter")])
        #expect(sent.status.code == 303)
        #expect(try sam.get(path).text.contains("Sent to CYP Mental Health Alliance Executive Management Group to decide instead of Children and Young People Strategic Alliance."))
        let after = try f.app.escalation(raised.escalation.id)
        #expect(after.open.map(\.body) == ["cyp-mental-health-alliance-executive-management-group"])
        #expect(after.reviews.contains { $0.state == .reassigned && $0.body == "children-and-young-people-strategic-alliance" })
        #expect(after.escalation.state == .open)
    }
}

/// The secretariat records, from the escalation console, that the Alliance agreed the
/// principles; /governance then says so, and every escalation page names its version.
@Suite(.serialized) struct PrinciplesAgreementPageTests {
    @Test func theSecretariatRecordsTheAgreementAndTheGovernancePageSaysSo() throws {
        let f = try WebFixture()
        let sam = WebFixture.Browser(f.web)
        try sam.signIn("sam")
        let console = try sam.get("/escalations").text
        #expect(console.contains("not yet agreed by Children and Young People Strategic Alliance") && console.contains("Record the agreement"))
        let empty = try sam.post("/governance/principles", [])
        #expect(empty.status.code == 422 && empty.text.contains("Enter the day of the meeting that agreed them"))
        let future = try sam.post("/governance/principles", [("agreedOn-day", "1"), ("agreedOn-month", "1"), ("agreedOn-year", "2030")])
        #expect(future.status.code == 422 && future.text.contains("cannot be in the future"))
        let done = try sam.post("/governance/principles", [("agreedOn-day", "12"), ("agreedOn-month", "11"), ("agreedOn-year", "2026"), ("minute", "2026/11/4")])
        #expect(done.status.code == 303)
        let page = try WebFixture.Browser(f.web).get("/governance").text
        #expect(page.contains("Version 1, agreed by Children and Young People Strategic Alliance on 12 November 2026 (minute 2026/11/4)."))
        #expect(page.contains("Agreed on 12 November 2026") && !page.contains("Default, to be agreed"))
        #expect(!(try sam.get("/escalations").text.contains("Record the agreement")), "agreed once")
        let raised = try EscalationManagementTests.raise(f, "Agreed rules")
        #expect(try sam.get("/escalations/\(raised.escalation.id.rawValue)").text.contains("Version 1, agreed by Children and Young People Strategic Alliance on 12 November 2026"))
    }
}

/// Sideways referrals: a chair refers an issue to a partner with a reply date; its absence is
/// tracked and reminded, and the reply recorded (the defect: partners were only lines on a chart).
@Suite(.serialized) struct ReferralPagesTests {
    @Test func aChairRefersAnIssueToAPartnerTheMissingReplyIsChasedAndTheReplyRecorded() throws {
        let f = try WebFixture()
        let erin = WebFixture.Browser(f.web)
        try erin.signIn("erin")
        let group = "/groups/early-prevention-board"
        #expect(try erin.get(group).text.contains("href=\"\(group)/referrals/new\">Refer to a partner</a>"))
        let form = try erin.get(group + "/referrals/new").text
        #expect(form.contains("<option value=\"integrated-care-system-for-norfolk-and-waveney\">") && !form.contains("<option value=\"norfolk-learning-board\">"),
                "only partners with their own governance are offered")
        let empty = try erin.post(group + "/referrals/new", [])
        #expect(empty.status.code == 422)
        for message in ["Choose the partner to refer it to", "Enter what the issue is", "Enter the day the reply is due"] { #expect(empty.text.contains(message), "every problem at once: \(message)") }
        let inside = try erin.post(group + "/referrals/new", [("partner", "norfolk-learning-board"), ("title", "Venues"), ("replyBy-day", "1"), ("replyBy-month", "12"), ("replyBy-year", "2026")])
        #expect(inside.status.code == 422 && inside.text.contains("is part of the partnership"))
        let before = try f.app.referrals(for: try f.app.viewer(for: "sam")).count
        let sent = try erin.post(group + "/referrals/new", [("partner", "integrated-care-system-for-norfolk-and-waveney"), ("title", "Health visitors for family hubs"),
                                                           ("description", "Can the ICS second two health visitors?"), ("replyBy-day", "1"), ("replyBy-month", "12"), ("replyBy-year", "2026")])
        #expect(sent.status.code == 303)
        let referral = try #require(try f.app.referrals(for: try f.app.viewer(for: "sam")).first { $0.title == "Health visitors for family hubs" })
        #expect(try f.app.referrals(for: try f.app.viewer(for: "sam")).count == before + 1)
        let path = "/referrals/\(referral.id.rawValue)"
        #expect(try erin.get(path).text.contains("Referred to Integrated Care System for Norfolk and Waveney; the reply is due by 1 December 2026."))
        #expect(!(try WebFixture.Browser(f.web).get(path).text.contains("Health visitors")), "not for the public")
        // Past the day with no reply: the chair and the secretariat are told; it shows overdue.
        f.clock.advance(bySeconds: 9 * 86_400)
        _ = try f.app.engine.tick()
        #expect(try f.app.outbox().contains { $0.recipient == "erin@example.org" && $0.subject == "No reply yet: Health visitors for family hubs" })
        #expect(try f.app.outbox().contains { $0.recipient == "sam@example.org" && $0.subject == "Referral reply overdue: Health visitors for family hubs" })
        try erin.signIn("erin")
        #expect(try erin.get("/home").text.contains("reply is overdue"))
        #expect(try erin.get("/referrals").text.contains("Overdue"))
        let nothing = try erin.post(path, [("step", "reply")])
        #expect(nothing.status.code == 422 && nothing.text.contains("Enter what the partner replied"))
        let replied = try erin.post(path, [("step", "reply"), ("reply", "Two health visitors from January")])
        #expect(replied.status.code == 303)
        let page = try erin.get(path).text
        #expect(page.contains("The reply is recorded; the body"), "the confirmation says what happened")
        #expect(page.contains("Two health visitors from January") && !page.contains("What do you want to do?"))
        #expect(try f.app.referral(referral.id, for: try f.app.viewer(for: "sam")).state == .replied)
    }
}
