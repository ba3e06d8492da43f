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
        #expect((graph?["bodies"] as? [Any])?.count == 14)
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
          1. Children and Young People Strategic Alliance: arrives 22 May 2026 at 4pm, decides by 15 June 2026 at 4pm; may decide: Ann Alliance
          2. Norfolk Health and Wellbeing Board: arrives 15 June 2026 at 4pm, decides by 6 July 2026 at 4pm; may decide: nobody yet holds chair or vice-chair
          3. Health Overview and Scrutiny Committee: arrives 6 July 2026 at 4pm, decides by 3 August 2026 at 4pm; may decide: nobody yet holds chair or vice-chair; cannot escalate further
        Nothing was written.

        """)
        let raised = try cli.run(arguments: ["escalation", "raise", "--as", "erin", "--from", "early-prevention-board", "--title", "Waiting lists", "--severity", "high", "--areas", "healthy"] + now)
        #expect(raised.stdout == "Raised escalation-1. It is now waiting at:\n  level 1  Children and Young People Strategic Alliance  awaiting  respond by 15 June 2026 at 4pm  (escalation-review-2)\n")
        let refused = try cli.run(arguments: ["escalation", "decide", "escalation-1", "--as", "erin", "--body", "children-and-young-people-strategic-alliance", "--outcome", "resolved", "--rationale", "x"])
        #expect(refused.status == 1)
        #expect(refused.stderr == "Error: erin may not resolve this; only someone who may decide at the body (or the secretariat on its behalf) may.\n")
        let missing = try cli.run(arguments: ["escalation", "decide", "escalation-1", "--as", "ann", "--body", "children-and-young-people-strategic-alliance", "--outcome", "accepted"])
        #expect(missing.stderr == "Error: \"accept\" needs the field \"plan\"; supply it and try again.\n")
        let decided = try cli.run(arguments: ["escalation", "decide", "escalation-1", "--as", "ann", "--body", "children-and-young-people-strategic-alliance",
                                              "--outcome", "accepted", "--plan", "Extra clinics", "--plan-owner", "ann"])
        #expect(decided.stdout == "Decided escalation-1 at Children and Young People Strategic Alliance: accepted. The escalation is now closed.\n")
        let list = try cli.run("escalation", "list")
        #expect(list.stdout == "escalation-1  closed  high  Waiting lists\n")
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
            let raised = try cli.run(arguments: ["escalation", "raise", "--as", "erin", "--from", "early-prevention-board", "--title", title, "--severity", "high", "--areas", "healthy"] + now)
            return String(raised.stdout.dropFirst("Raised ".count).prefix { $0 != "." })
        }
        #expect(ids[0] == "escalation-1")
        let second = ids[1]
        let alliance = "children-and-young-people-strategic-alliance"
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
        let sent = try cli.run(arguments: ["escalation", "reassign", second, "--as", "sam", "--body", alliance, "--to", "norfolk-health-and-wellbeing-board", "--reason", "A health matter"] + now)
        #expect(sent.stdout.hasPrefix("Sent \(second) to Norfolk Health and Wellbeing Board instead of Children and Young People Strategic Alliance. Now waiting at:\n"))
        #expect(sent.stdout.contains("Norfolk Health and Wellbeing Board  awaiting"))
        let merged = try cli.run(arguments: ["escalation", "merge", second, "--into", "escalation-1", "--as", "sam", "--reason", "The same waiting lists"] + now)
        #expect(merged.stderr == "")
        #expect(merged.stdout == "Merged \(second) into escalation-1; \(second) is withdrawn and its history names escalation-1.\n")
        let withdrawn = try cli.run(arguments: ["escalation", "withdraw", "escalation-1", "--as", "erin", "--reason", "Clinics agreed"] + now)
        #expect(withdrawn.stdout == "Withdrew escalation-1: Waiting lists.\n")
        let list = try cli.run("escalation", "list").stdout
        #expect(list.contains("\(second)  withdrawn  high  Waiting lists again\n") && list.contains("escalation-1  withdrawn  high  Waiting lists\n"), "\(list)")
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
}
