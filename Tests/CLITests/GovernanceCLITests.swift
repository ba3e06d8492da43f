import Foundation
import Testing

@Suite(.serialized) struct GovernanceCLITests {
    @Test func treeShowsTwoParentBodiesUnderBothAndJSONGivesTheGraph() throws {
        let cli = try CLIRunner()
        let tree = try cli.run("tree")
        #expect(tree.status == 0)
        #expect(tree.stdout.hasPrefix("Health Overview and Scrutiny Committee [board]\n  - Norfolk Health and Wellbeing Board [board]\n    - Children and Young People Strategic Alliance [board]"))
        #expect(tree.stdout.contains("      - Data and System Performance Group [enabling-group]  (also reports to Norfolk Safeguarding Children Partnership)\n"))
        let json = try cli.run("tree", "--json")
        let graph = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect((graph?["bodies"] as? [Any])?.count == 18)
        let portsmouth = try cli.run("tree", "--partnership", "portsmouth", "--db", cli.directory.appendingPathComponent("p.sqlite").path)
        #expect(portsmouth.stdout.hasPrefix("Portsmouth Health and Wellbeing Board [board]\n  - Joint Children's Leadership Team (Local Authority and CCG) [board]"))
    }

    @Test func frameworkKeysAreListedAndUnknownOnesRefused() throws {
        let cli = try CLIRunner()
        let all = try cli.run("framework")
        #expect(all.stdout.contains("F  Family and friends (family-and-friends): Children and young people are safe, connected and supported through positive relationships and networks\n"))
        let bad = try cli.run("framework", "--priority", "wellbeing")
        #expect(bad.status == 1)
        #expect(bad.stderr == "Error: \"wellbeing\" is not a priority. Use one of: prevention-and-early-help, mental-health-and-wellbeing, send, learning-gaps.\n")
    }

    @Test func anEscalationJourneyThroughTheCLI() throws {
        let cli = try CLIRunner()
        let now = ["--now", "2026-05-22T16:00"]
        try cli.run(arguments: ["person", "add", "erin", "--name", "Erin Early", "--email", "erin@example.org"])
        try cli.run(arguments: ["member", "add", "erin", "--body", "early-prevention-board", "--role", "chair"])
        try cli.run(arguments: ["person", "add", "ann", "--name", "Ann Alliance", "--email", "ann@example.org"])
        try cli.run(arguments: ["member", "add", "ann", "--body", "children-and-young-people-strategic-alliance", "--role", "chair"])
        let badBody = try cli.run(arguments: ["member", "add", "ann", "--body", "the-alliance", "--role", "chair"])
        #expect(badBody.status == 1)
        #expect(badBody.stderr.hasPrefix("Error: There is no body \"the-alliance\". Bodies: health-overview-and-scrutiny-committee, "))

        let sim = try cli.run(arguments: ["escalation", "simulate", "--from", "early-prevention-board"] + now)
        #expect(sim.stdout == """
        If nobody answers, an issue raised by Early Prevention Board on 22 May 2026 at 4pm goes:
          1. Children and Young People Strategic Alliance: arrives 22 May 2026 at 4pm, decides by 15 June 2026 at 4pm; may decide: Ann Alliance; escalation stops here (unanswered, it stays here, overdue)
        The rules used: where escalation stops (from the strategy); issues that cut across priorities (from the strategy); how long each body has to respond (default, to be agreed); who may decide (default, to be agreed); severities and what they change (default, to be agreed).
        Nothing was written.

        """, "the Board and the scrutiny committee take no operational decision")
        let principles = try cli.run("governance", "principles")
        #expect(principles.stdout.contains("Where escalation stops [from the strategy]\n  Escalation stops at Children and Young People Strategic Alliance."))
        #expect(principles.stdout.contains("How long each body has to respond [default, to be agreed]"))
        let raised = try cli.run(arguments: ["escalation", "raise", "--as", "erin", "--from", "early-prevention-board", "--title", "Waiting lists", "--severity", "medium", "--areas", "healthy"] + now)
        #expect(raised.stdout == "Raised escalation-1. It is now waiting at:\n  level 1  Children and Young People Strategic Alliance  awaiting  respond by 15 June 2026 at 4pm  (escalation-top-review-2)\n")
        let refused = try cli.run(arguments: ["escalation", "decide", "escalation-1", "--as", "erin", "--body", "children-and-young-people-strategic-alliance", "--outcome", "resolved", "--rationale", "x"])
        #expect(refused.status == 1)
        #expect(refused.stderr == "Error: erin may not resolve this; only someone who may decide at the body (or the secretariat on its behalf) may.\n")
        let missing = try cli.run(arguments: ["escalation", "decide", "escalation-1", "--as", "ann", "--body", "children-and-young-people-strategic-alliance", "--outcome", "accepted", "--plan", "Extra clinics"])
        #expect(missing.stderr == "Error: Accepting into a plan needs at least one action: what will be done, by which group, who owns it and when it is due.\n")
        #expect(try cli.run("escalation", "list").stdout.hasPrefix("escalation-1  open"), "nothing was written")
        let decided = try cli.run(arguments: ["escalation", "decide", "escalation-1", "--as", "ann", "--body", "children-and-young-people-strategic-alliance",
                                              "--outcome", "accepted", "--plan", "Extra clinics", "--action", "Run two extra clinics|early-prevention-board|erin|2026-07-31"] + now)
        #expect(decided.stdout == """
        Decided escalation-1 at Children and Young People Strategic Alliance: accepted. The escalation is in a plan; it closes when these actions are done:
          action-3  Run two extra clinics  Early Prevention Board  owner Erin Early  due 31 July 2026  planned

        """)
        let done = try cli.run(arguments: ["action", "complete", "action-3", "--as", "erin", "--outcome", "Clinics ran"] + now)
        #expect(done.status == 0)
        let list = try cli.run("escalation", "list")
        #expect(list.stdout == "escalation-1  closed  medium  Waiting lists\n", "resolved by plan once its action was done")
        #expect(try cli.run("escalation", "show", "escalation-1").stdout.contains("Plan (1 of 1 actions done): Extra clinics"))
        #expect(try cli.run("audit", "verify").status == 0)
    }

    /// The monitoring framework through the CLI: the secretariat names an area's owner, a chair
    /// defines a core measure with its data source and revises it at the annual review.
    @Test func theMonitoringFrameworkThroughTheCLI() throws {
        let cli = try CLIRunner()
        let now = ["--now", "2026-05-22T16:00"]
        let group = "cyp-mental-health-alliance-executive-management-group"
        for (id, name, body, role) in [("maya", "Maya Mind", group, "chair"), ("sam", "Sam Sec", "children-and-young-people-strategic-alliance", "secretariat")] {
            try cli.run(arguments: ["person", "add", id, "--name", name, "--email", "\(id)@example.org"])
            try cli.run(arguments: ["member", "add", id, "--body", body, "--role", role])
        }
        let before = try cli.run(arguments: ["monitoring", "coverage", "--as", "sam"] + now).stdout
        #expect(before.contains("Healthy: owner none; 0 core of 0 measures; gaps: "))
        let byChair = try cli.run(arguments: ["monitoring", "owner", "healthy", "--as", "maya", "--body", group] + now)
        #expect(byChair.status == 1 && byChair.stderr.hasPrefix("Error: "), "only the secretariat names owners")
        let badArea = try cli.run(arguments: ["monitoring", "owner", "wellness", "--as", "sam", "--body", group] + now)
        #expect(badArea.status == 1 && badArea.stderr.contains("wellness"))
        let owned = try cli.run(arguments: ["monitoring", "owner", "healthy", "--as", "sam", "--body", group] + now)
        #expect(owned.stdout == "CYP Mental Health Alliance Executive Management Group now owns the monitoring of Healthy.\n")
        let defined = try cli.run(arguments: ["measure", "define", "--as", "maya", "--group", group, "--name", "Seen within 4 weeks", "--unit", "%", "--direction", "higher-is-better",
                                              "--baseline", "60", "--target", "75", "--tolerance", "5", "--frequency", "quarterly", "--area", "healthy", "--core",
                                              "--data-source", "NHS Norfolk and Waveney", "--dataset", "CYPMHS waits", "--sharing-agreement", "DSA-12", "--arrives", "monthly"] + now)
        #expect(defined.status == 0)
        let measure = try #require(defined.stdout.split(separator: " ").map(String.init).first { $0.hasPrefix("measure-") }?.trimmingCharacters(in: .punctuationCharacters))
        let after = try cli.run(arguments: ["monitoring", "coverage", "--as", "sam"] + now).stdout
        #expect(after.contains("Healthy: owner CYP Mental Health Alliance Executive Management Group; 1 core of 1 measures"))
        let badCore = try cli.run(arguments: ["measure", "revise", measure, "--as", "maya", "--target", "80", "--tolerance", "5", "--core", "maybe", "--reason", "x"] + now)
        #expect(badCore.status == 2 && badCore.stderr.contains("--core takes yes or no, not 'maybe'"))
        let revised = try cli.run(arguments: ["measure", "revise", measure, "--as", "maya", "--target", "80", "--tolerance", "4", "--core", "yes", "--reason", "Annual review 2026"] + now)
        #expect(revised.stdout == "Revised \(measure): target 80, tolerance 4, in the core set.\n")
        let shown = try cli.run(arguments: ["measure", "show", measure, "--as", "maya", "--json"] + now).stdout
        #expect(shown.contains("DSA-12") && shown.contains("80"))
    }

    /// A meeting through the CLI: scheduled, its agenda built from the escalation waiting at the
    /// body, recorded as held with who was present (not before it starts, nor with strangers),
    /// and a second one cancelled with its reason.
    @Test func aMeetingIsScheduledItsAgendaPrintedAndItIsRecordedAsHeldThroughTheCLI() throws {
        let cli = try CLIRunner()
        let now = ["--now", "2026-05-22T16:00"]
        let alliance = "children-and-young-people-strategic-alliance"
        for (id, name, body, role) in [("erin", "Erin Early", "early-prevention-board", "chair"), ("ann", "Ann Alliance", alliance, "chair"), ("bea", "Bea Board", alliance, "member")] {
            try cli.run(arguments: ["person", "add", id, "--name", name, "--email", "\(id)@example.org"])
            try cli.run(arguments: ["member", "add", id, "--body", body, "--role", role])
        }
        try cli.run(arguments: ["escalation", "raise", "--as", "erin", "--from", "early-prevention-board", "--title", "Venues withdrawn", "--severity", "high", "--areas", "family-and-friends"] + now)
        let byOutsider = try cli.run(arguments: ["meeting", "schedule", "--as", "erin", "--body", alliance, "--at", "2026-06-04T10:00"] + now)
        #expect(byOutsider.status == 1 && byOutsider.stderr.hasPrefix("Error: erin may not "))
        let badTime = try cli.run(arguments: ["meeting", "schedule", "--as", "ann", "--body", alliance, "--at", "4 June"] + now)
        #expect(badTime.status == 2 && badTime.stderr.hasPrefix("Error: --at "))
        let scheduled = try cli.run(arguments: ["meeting", "schedule", "--as", "ann", "--body", alliance, "--at", "2026-06-04T10:00", "--place", "County Hall"] + now)
        #expect(scheduled.status == 0)
        #expect(scheduled.stdout.hasSuffix(": Children and Young People Strategic Alliance meets 4 June 2026 at 10am, County Hall.\n"))
        let id = String(scheduled.stdout.dropFirst("Scheduled ".count).prefix { $0 != ":" })
        #expect(try cli.run(arguments: ["meeting", "add-item", id, "--as", "ann", "--item", "Annual report timetable"] + now).stdout
                == "Added to \(id)'s agenda; it has 1 item added by hand.\n")
        let agenda = try cli.run(arguments: ["meeting", "agenda", id, "--as", "ann"] + now).stdout
        #expect(agenda.hasPrefix("Agenda: Children and Young People Strategic Alliance, 4 June 2026 at 10am\n1. Escalations waiting for the body's decision: \n   escalation-1  Venues withdrawn\n"))
        #expect(agenda.contains("Highlight report, Early Prevention Board: 0 open actions") && agenda.hasSuffix("Annual report timetable\n"))
        #expect(try cli.run(arguments: ["meeting", "agenda", id, "--as", "erin"] + now).status == 1, "the Alliance's papers are for its members")
        let early = try cli.run(arguments: ["meeting", "hold", id, "--as", "ann", "--present", "ann,bea"] + now)
        #expect(early.status == 1 && early.stderr.contains("cannot be recorded before the meeting starts (4 June 2026 at 10am)"))
        let on = ["--now", "2026-06-04T12:00"]
        let stranger = try cli.run(arguments: ["meeting", "hold", id, "--as", "ann", "--present", "ann,zed"] + on)
        #expect(stranger.status == 1 && stranger.stderr.contains("zed"))
        let held = try cli.run(arguments: ["meeting", "hold", id, "--as", "ann", "--present", "ann, bea", "--notes", "Quorate"] + on)
        #expect(held.stdout == "Recorded \(id) as held, with 2 present.\n")
        let second = try cli.run(arguments: ["meeting", "schedule", "--as", "ann", "--body", alliance, "--at", "2026-07-02T10:00"] + on)
        let secondID = String(second.stdout.dropFirst("Scheduled ".count).prefix { $0 != ":" })
        #expect(try cli.run(arguments: ["meeting", "agenda", secondID, "--as", "ann"] + on).stdout.contains("1. Minutes of the meeting of 4 June 2026 at 10am for approval\n"))
        let cancelled = try cli.run(arguments: ["meeting", "cancel", secondID, "--as", "ann", "--reason", "Not quorate"] + on)
        #expect(cancelled.stdout == "Cancelled \(secondID); it is no longer in Children and Young People Strategic Alliance's calendar feed.\n")
        let list = try cli.run(arguments: ["meeting", "list", "--as", "ann", "--body", alliance] + on).stdout
        #expect(list == "\(id)  held  Children and Young People Strategic Alliance  4 June 2026 at 10am\n\(secondID)  cancelled  Children and Young People Strategic Alliance  2 July 2026 at 10am\n")
        #expect(try cli.run("audit", "verify").status == 0)
    }

    @Test func theSecretariatExtendsPausesMergesAndWithdrawsEscalationsThroughTheCLI() throws {
        let cli = try CLIRunner()
        let now = ["--now", "2026-05-22T16:00"]
        try cli.run(arguments: ["person", "add", "erin", "--name", "Erin Early", "--email", "erin@example.org"])
        try cli.run(arguments: ["member", "add", "erin", "--body", "early-prevention-board", "--role", "chair"])
        try cli.run(arguments: ["person", "add", "sam", "--name", "Sam Secretariat", "--email", "sam@example.org"])
        try cli.run(arguments: ["member", "add", "sam", "--body", "children-and-young-people-strategic-alliance", "--role", "secretariat"])
        let ids = try ["Waiting lists", "Waiting lists again"].map { title in
            let raised = try cli.run(arguments: ["escalation", "raise", "--as", "erin", "--from", "early-prevention-board", "--title", title, "--severity", "medium", "--areas", "healthy"] + now)
            return String(raised.stdout.dropFirst("Raised ".count).prefix { $0 != "." })
        }
        #expect(ids[0] == "escalation-1")
        let second = ids[1]
        let alliance = "children-and-young-people-strategic-alliance"
        // An issue referred sideways to a partner: chased when the reply is late, then answered.
        let notPartner = try cli.run(arguments: ["referral", "send", "--as", "sam", "--from", alliance, "--partner", "early-prevention-board", "--title", "x", "--reply-by", "2026-06-01"] + now)
        #expect(notPartner.status == 1 && notPartner.stderr.contains("refer sideways to a partner with its own governance"))
        let sentRef = try cli.run(arguments: ["referral", "send", "--as", "sam", "--from", alliance, "--partner", "integrated-care-system-for-norfolk-and-waveney",
                                              "--title", "Assessment waits", "--reply-by", "2026-06-01"] + now)
        #expect(sentRef.stdout.hasSuffix("from Children and Young People Strategic Alliance to Integrated Care System for Norfolk and Waveney; the reply is due by 1 June 2026.\n"))
        let refID = String(sentRef.stdout.dropFirst("Referred ".count).prefix { $0 != " " })
        try cli.run("tick", "--now", "2026-06-03T09:00")
        #expect(try cli.run(arguments: ["referral", "list", "--as", "sam"]).stdout.hasPrefix("\(refID)  overdue  "))
        let answered = try cli.run(arguments: ["referral", "reply", refID, "--as", "sam", "--reply", "Within six weeks from July"])
        #expect(answered.stdout == "Recorded the reply from Integrated Care System for Norfolk and Waveney to \(refID); the body's chair is told.\n")
        // The secretariat records that the Alliance agreed the principles in force.
        let notSecretariat = try cli.run(arguments: ["governance", "principles-agreed", "--as", "erin", "--on", "2026-05-14", "--minute", "7"] + now)
        #expect(notSecretariat.status == 1 && notSecretariat.stderr.hasPrefix("Error: erin may not record that the principles were agreed"))
        let badDay = try cli.run(arguments: ["governance", "principles-agreed", "--as", "sam", "--on", "14 May"] + now)
        #expect(badDay.status == 2 && badDay.stderr.hasPrefix("Error: --on takes a date written YYYY-MM-DD"))
        let agreed = try cli.run(arguments: ["governance", "principles-agreed", "--as", "sam", "--on", "2026-05-14", "--minute", "2026/05/7"] + now)
        #expect(agreed.stdout == "Recorded: Version 1, agreed by Children and Young People Strategic Alliance on 14 May 2026 (minute 2026/05/7).\n")
        let shown = try cli.run(arguments: ["governance", "principles"] + now).stdout
        #expect(shown.hasPrefix("Escalation principles of Norfolk Children and Young People Partnership: Version 1, agreed by") && shown.contains("Who may decide [agreed on 14 may 2026]"))
        let byChair = try cli.run(arguments: ["escalation", "extend", "escalation-1", "--as", "erin", "--body", alliance, "--until", "2026-07-01", "--reason", "x"] + now)
        #expect(byChair.status == 1 && byChair.stderr.hasPrefix("Error: erin may not extend"))
        let earlier = try cli.run(arguments: ["escalation", "extend", "escalation-1", "--as", "sam", "--body", alliance, "--until", "2026-06-01", "--reason", "Board moved"] + now)
        #expect(earlier.status == 1 && earlier.stderr == "Error: The new deadline must be later than the one it replaces (15 June 2026 at 4pm) and not in the past.\n")
        let extended = try cli.run(arguments: ["escalation", "extend", "escalation-1", "--as", "sam", "--body", alliance, "--until", "2026-07-01", "--reason", "Board moved"] + now)
        #expect(extended.status == 0)
        #expect(extended.stdout.contains("respond by 1 July 2026 at 5pm"))
        let paused = try cli.run(arguments: ["escalation", "pause", "escalation-1", "--as", "sam", "--body", alliance, "--reason", "Waiting on the trust"] + now)
        #expect(paused.stdout == "Paused escalation-1 at Children and Young People Strategic Alliance; no deadline runs until it resumes.\n")
        let resumed = try cli.run(arguments: ["escalation", "resume", "escalation-1", "--as", "sam", "--body", alliance, "--until", "2026-07-08", "--reason", "Trust replied"] + now)
        #expect(resumed.stdout.contains("respond by 8 July 2026 at 5pm"))
        let toPartner = try cli.run(arguments: ["escalation", "reassign", second, "--as", "sam", "--body", alliance, "--to", alliance, "--reason", "x"] + now)
        #expect(toPartner.status == 1 && toPartner.stderr.contains("cannot take this escalation"))
        let above = try cli.run(arguments: ["escalation", "reassign", second, "--as", "sam", "--body", alliance, "--to", "norfolk-health-and-wellbeing-board", "--reason", "A health matter"] + now)
        #expect(above.status == 1 && above.stderr.contains("is above where escalation stops"))
        let sent = try cli.run(arguments: ["escalation", "reassign", second, "--as", "sam", "--body", alliance, "--to", "cyp-mental-health-alliance-executive-management-group", "--reason", "A mental health matter"] + now)
        #expect(sent.stdout.hasPrefix("Sent \(second) to CYP Mental Health Alliance Executive Management Group instead of Children and Young People Strategic Alliance. Now waiting at:\n"))
        #expect(sent.stdout.contains("CYP Mental Health Alliance Executive Management Group  awaiting"))
        let merged = try cli.run(arguments: ["escalation", "merge", second, "--into", "escalation-1", "--as", "sam", "--reason", "The same waiting lists"] + now)
        #expect(merged.stderr == "")
        #expect(merged.stdout == "Merged \(second) into escalation-1; \(second) is withdrawn and its history names escalation-1.\n")
        let withdrawn = try cli.run(arguments: ["escalation", "withdraw", "escalation-1", "--as", "erin", "--reason", "Clinics agreed"] + now)
        #expect(withdrawn.stdout == "Withdrew escalation-1: Waiting lists.\n")
        let list = try cli.run("escalation", "list").stdout
        #expect(list.contains("\(second)  withdrawn  medium  Waiting lists again\n") && list.contains("escalation-1  withdrawn  medium  Waiting lists\n"), "\(list)")
        #expect(try cli.run("audit", "verify").status == 0)
    }

    @Test func groupsAreAddedAndRetiredWithHistoryKept() throws {
        let cli = try CLIRunner()
        let added = try cli.run("group", "add", "youth-voice-group", "--name", "Youth Voice Group", "--reports-to", "stakeholder-engagement-and-insight-group", "--as", "sam")
        #expect(added.stdout == "Added Youth Voice Group (youth-voice-group), reporting to stakeholder-engagement-and-insight-group.\n")
        let cycle = try cli.run("group", "add", "loop", "--name", "Loop", "--reports-to", "nowhere-group")
        #expect(cycle.status == 1)
        let retired = try cli.run("group", "retire", "youth-voice-group", "--reason", "merged", "--as", "sam")
        #expect(retired.stdout == "Retired youth-voice-group; its history is kept.\n")
        #expect(try cli.run("tree").stdout.contains("Youth Voice Group") == false)
        #expect(try cli.run("group", "list", "--all").stdout.contains("youth-voice-group  subgroup  Youth Voice Group  (retired)\n"))
        let log = try cli.run("group", "log")
        #expect(log.stdout.contains("  sam  add-body  youth-voice-group (Youth Voice Group, subgroup) reporting to stakeholder-engagement-and-insight-group\n"))
        #expect(log.stdout.contains("  sam  retire-body  youth-voice-group: merged\n"))
        let again = try cli.run("group", "retire", "youth-voice-group", "--reason", "x")
        #expect(again.stderr == "Error: youth-voice-group was already retired.\n")
    }

    /// "You said, we did" through the CLI: the group's lead adds members by chosen name, searches
    /// for the question, records what the group said; the body's chair is reminded, it goes
    /// overdue and onto the body's agenda, and the chair publishes the response with the action it shaped.
    @Test func aParticipationGroupsViewIsRecordedChasedAndAnsweredThroughTheCLI() throws {
        let cli = try CLIRunner()
        let mhpg = "mental-health-participation-group", mh = "cyp-mental-health-alliance-executive-management-group"
        for (id, body, role) in [("nia", mhpg, "chair"), ("maya", mh, "chair"), ("erin", "early-prevention-board", "chair")] {
            try cli.run(arguments: ["person", "add", id, "--name", id.capitalized, "--email", "\(id)@example.org"])
            try cli.run(arguments: ["member", "add", id, "--body", body, "--role", role])
        }
        let now = ["--now", "2026-06-01T09:00"]
        #expect(try cli.run(arguments: ["tree"]).stdout.contains("Participation groups (the voice of children, young people and families):\n  - Norfolk In Care Council"))
        let added = try cli.run(arguments: ["voice", "add-member", "--as", "nia", "--group", mhpg, "--name", "Jo"] + now)
        #expect(added.stdout == "Jo is a member of Mental Health Participation Group (member 1).\n")
        let email = try cli.run(arguments: ["voice", "add-member", "--as", "nia", "--group", mhpg, "--name", "jo@example.org"] + now)
        #expect(email.status == 1 && email.stderr.contains("no email address, phone number or other contact details"))
        #expect(try cli.run(arguments: ["voice", "members", "--as", "maya", "--group", mhpg]).status == 1, "members are for the lead and the secretariat")
        #expect(try cli.run(arguments: ["voice", "search", "--as", "nia", "What would make waiting easier?"] + now).stdout == "No earlier question like it.\n")
        let notSpoken = try cli.run(arguments: ["voice", "record", "--as", "nia", "--group", mhpg, "--to", "norfolk-learning-board", "--heard-on", "2026-05-29",
                                                "--question", "q", "--said", "s"] + now)
        #expect(notSpoken.status == 1 && notSpoken.stderr.contains("does not speak to Norfolk Learning Board; choose one of the bodies it speaks to: CYP Mental Health Alliance Executive Management Group, Children and Young People Strategic Alliance."))
        let recorded = try cli.run(arguments: ["voice", "record", "--as", "nia", "--group", mhpg, "--to", mh, "--heard-on", "2026-05-29",
                                               "--question", "What would make waiting easier?", "--said", "Knowing how long the wait is.", "--areas", "healthy"] + now)
        // Twenty working days from Monday 1 June 2026: 29 June.
        #expect(recorded.stdout.hasSuffix("The response is due by 29 June 2026; the body's chair is told.\n"), "\(recorded.stdout)\(recorded.stderr)")
        let id = String(recorded.stdout.dropFirst("Recorded ".count).prefix { $0 != ":" })
        #expect(try cli.run(arguments: ["voice", "search", "--as", "erin", "How could waiting be made easier?"] + now).stdout.hasPrefix("\(id)  asked of Mental Health Participation Group on 29 May 2026"))
        try cli.run("tick", "--now", "2026-06-30T09:00")
        #expect(try cli.run(arguments: ["voice", "list", "--as", "maya"]).stdout.hasPrefix("\(id)  overdue  Mental Health Participation Group to CYP Mental Health Alliance Executive Management Group"))
        let meeting = try cli.run(arguments: ["meeting", "schedule", "--as", "maya", "--body", mh, "--at", "2026-07-02T10:00", "--now", "2026-06-30T09:00"])
        let meetingID = String(meeting.stdout.dropFirst("Scheduled ".count).prefix { $0 != ":" })
        #expect(try cli.run(arguments: ["meeting", "agenda", meetingID, "--as", "maya", "--now", "2026-06-30T09:00"]).stdout.contains("Responses owed to children and young people (you said, we did):\n   \(id)  Mental Health Participation Group: What would make waiting easier?  respond by 29 June 2026  OVERDUE"))
        let logged = try cli.run(arguments: ["action", "log", "--as", "maya", "--group", mh, "--title", "Tell families the likely wait", "--areas", "healthy", "--owner", "maya", "--due", "2026-09-01", "--json", "--now", "2026-06-30T09:00"])
        let action = try #require(((try JSONSerialization.jsonObject(with: Data(logged.stdout.utf8)) as? [String: Any])?["action"] as? [String: Any])?["id"] as? String)
        let wrong = try cli.run(arguments: ["voice", "respond", id, "--as", "erin", "--outcome", "we-did", "--response", "x"])
        #expect(wrong.status == 1, "only the body it was said to answers")
        let answered = try cli.run(arguments: ["voice", "respond", id, "--as", "maya", "--outcome", "we-did", "--response", "Every first letter now gives the likely wait.", "--shaped", action])
        #expect(answered.stdout == "Published the response to \(id) on Mental Health Participation Group's page, linked to \(action); its lead is told.\n")
        let shown = try cli.run(arguments: ["voice", "show", id, "--as", "erin"]).stdout
        #expect(shown.contains("We did: Every first letter now gives the likely wait.\n  It shaped the action \(action) (Tell families the likely wait) of CYP Mental Health Alliance Executive Management Group"))
        #expect(try cli.run("audit", "verify").status == 0)
    }
}
