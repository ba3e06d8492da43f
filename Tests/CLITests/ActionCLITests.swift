import Foundation
import Testing

@Suite(.serialized) struct ActionCLITests {
    @Test func aChairLogsAnActionPostsTwoRedsAndTheAllianceDecidesTheEscalation() throws {
        let cli = try CLIRunner()
        for (id, body, role) in [("erin", "early-prevention-board", "chair"), ("max", "early-prevention-board", "member"),
                                 ("ann", "children-and-young-people-strategic-alliance", "chair")] {
            try cli.run("person", "add", id, "--name", id.capitalized, "--email", "\(id)@example.org")
            try cli.run("member", "add", id, "--body", body, "--role", role)
        }
        let now = ["--now", "2026-03-02T09:00"]
        let refused = try cli.run(arguments: ["action", "log", "--as", "max", "--group", "early-prevention-board", "--title", "Family hubs", "--areas", "family-and-friends",
                                              "--owner", "max", "--due", "2026-04-30"] + now)
        #expect(refused.stderr == "Error: max may not start an action; only the group's chair or vice-chair (or the secretariat on its behalf) may.\n")
        let logged = try cli.run(arguments: ["action", "log", "--as", "erin", "--group", "early-prevention-board", "--title", "Family hubs", "--areas", "family-and-friends",
                                             "--owner", "max", "--due", "2026-04-30", "--item", "prevention-and-early-help.2"] + now)
        #expect(logged.stdout == "Logged action-1 for Early Prevention Board, due 30 April 2026. If it is still open on 2 June 2026 it will be escalated.\n", "names and dates as people write them")
        let first = try cli.run(arguments: ["action", "update", "action-1", "--as", "erin", "--rag", "red", "--commentary", "Venue fell through"] + now)
        #expect(first.stdout == "action-1 is updated (now planned, red, first update).\n")
        let second = try cli.run(arguments: ["action", "update", "action-1", "--as", "erin", "--rag", "red", "--commentary", "Still no venue"] + now)
        #expect(second.stdout == "action-1 is updated (now planned, red, steady). It has an open escalation: escalation-2.\n")
        let list = try cli.run(arguments: ["escalation", "list", "--body", "children-and-young-people-strategic-alliance"] + now)
        #expect(list.stdout == "escalation-2  open  medium  Action red 2 updates running: Family hubs  waiting at: Children and Young People Strategic Alliance\n")
        let decided = try cli.run(arguments: ["escalation", "decide", "escalation-2", "--as", "ann", "--body", "children-and-young-people-strategic-alliance",
                                              "--outcome", "referred-back", "--guidance", "Use the school halls"] + now)
        #expect(decided.stdout.hasPrefix("Decided escalation-2 at Children and Young People Strategic Alliance: referred-back. The escalation is now closed.\n"
                                          + "Follow-up for the raising group:\n  action-4  Follow up the guidance from Children and Young People Strategic Alliance on escalation-2  Early Prevention Board  owner Erin"),
                "a follow-up at the raising group, for its chair")
        let show = try cli.run("action", "show", "action-1")
        #expect(show.stdout.contains("Latest RAG: red (steady)\n"))
        #expect(show.stdout.hasSuffix("Escalations: escalation-2 (closed)\n"))
        let overdue = try cli.run("action", "list", "--overdue", "--now", "2026-05-01T09:00")
        #expect(overdue.stdout == "No actions match.\n")  // nothing has ticked yet
        try cli.run("tick", "--now", "2026-05-01T09:00")
        #expect(try cli.run("action", "list", "--overdue").stdout.contains("action-1  planned  red  due 30 April 2026 OVERDUE"))
    }

    /// A list filter naming nothing there is says so, with what it may be, and exits 2 (it said
    /// "No actions match.", as if there were none); a wall filter without --wall is refused
    /// (`pledge list --area x` listed every pledge, the filter ignored).
    @Test func aListFilterThatNamesNothingIsRefusedSayingWhatItMayBe() throws {
        let cli = try CLIRunner()
        #expect(try cli.run("--now", "2026-11-24T09:00", "init", "--demo").status == 0)
        let cases: [([String], String)] = [
            (["action", "list", "--state", "nonsense"], "Error: --state: \"nonsense\" is not a state of an action. Use one of: planned, in-progress, blocked, completed, cancelled.\n"),
            (["action", "list", "--rag", "purple"], "Error: --rag: \"purple\" is not a RAG status. Use one of: red, amber, green.\n"),
            (["action", "list", "--area", "cooking"], "Error: --area: \"cooking\" is not a FLOURISH area. Use one of: family-and-friends, learning, opportunity, understood, resilience, individual, safe-and-secure, healthy.\n"),
            (["escalation", "list", "--state", "pending"], "Error: --state: \"pending\" is not a state of an escalation. Use one of: open, in-plan, closed, withdrawn.\n"),
            (["pledge", "list", "--area", "learning"], "Error: --area filters the public wall; add --wall (or use --state for every pledge you may see)\n"),
            (["pledge", "list", "--wall", "--district", "atlantis"], "Error: --district: \"atlantis\" is not a district of the partnership. Use one of: "),
            (["instance", "list", "--workflow", "pledges"], "Error: --workflow: \"pledges\" is not a kind of record. Use one of: action, "),
            (["measure", "list", "--group", "no-such-group"], "Error: --group: \"no-such-group\" is not a group of the partnership. Use one of: "),
        ]
        for (arguments, message) in cases {
            let r = try cli.run(arguments: arguments + ["--as", "sam"])
            #expect(r.status == 2 && r.stderr.hasPrefix(message) && r.stdout.isEmpty, "\(arguments): \(r.stderr)")
        }
        // Filters that name what there is still answer as before.
        let open = try cli.run("action", "list", "--state", "in-progress", "--as", "sam")
        #expect(open.status == 0 && open.stdout.contains("in-progress") && !open.stdout.contains("planned  "))
        #expect(try cli.run("pledge", "list", "--wall", "--area", "learning").status == 0)
        #expect(try cli.run("pledge", "list", "--state", "approved", "--as", "sam").stdout.contains("approved"))
    }

    /// A new pledge's year is the one running, the one just ended or the next: 99999, 0 and
    /// 2020 were drafted (99999 "repeats an earlier pledge") and could be approved onto the wall.
    @Test func aNewPledgesYearIsOneNearNow() throws {
        let cli = try CLIRunner()
        let now = ["--now", "2026-11-24T09:00"]
        #expect(try cli.run(arguments: ["init", "--demo"] + now).status == 0)
        let before = try cli.run(arguments: ["pledge", "list", "--as", "sam", "--limit", "1000"] + now).stdout
        for year in ["99999", "0", "-1", "2020"] {
            let r = try cli.run(arguments: ["pledge", "create", "--as", "contact-1", "--org", "wensum-valley-bakery", "--text", "Do good", "--areas", "learning", "--year", year] + now)
            #expect(r.status != 0 && (r.stderr.contains("should be 2025, 2026 or 2027") || r.stderr.contains("--year")), "\(year): \(r.stderr)")
        }
        #expect(try cli.run(arguments: ["pledge", "list", "--as", "sam", "--limit", "1000"] + now).stdout == before, "nothing drafted")
        let next = try cli.run(arguments: ["pledge", "create", "--as", "contact-1", "--org", "wensum-valley-bakery", "--text", "Run a bread club", "--areas", "learning", "--year", "2027"] + now)
        #expect(next.status == 0, "\(next.stderr)")
    }

    /// A record of the wrong kind is named as such, from its ID alone (`pledge show action-8`
    /// showed the action; `--ask pledge-31` said there was no pledge-31); a measure's baseline
    /// that is no ordinary number is named, not blamed on the tolerance.
    @Test func theWrongKindOfRecordAndAnImpossibleFigureAreNamed() throws {
        let cli = try CLIRunner()
        let now = ["--now", "2026-11-24T09:00"]
        #expect(try cli.run(arguments: ["init", "--demo"] + now).status == 0)
        let show = try cli.run(arguments: ["pledge", "show", "action-8", "--as", "sam"] + now)
        #expect(show.status == 2 && show.stderr.hasPrefix("Error: action-8 is not a pledge: its ID looks like pledge-12 (see `flourish pledge list`)") && show.stdout.isEmpty, "\(show.stderr)")
        let action = try cli.run(arguments: ["action", "show", "pledge-31", "--as", "sam"] + now)
        #expect(action.status == 2 && action.stderr.hasPrefix("Error: pledge-31 is not an action"), "\(action.stderr)")
        let ask = try cli.run(arguments: ["pledge", "create", "--as", "contact-1", "--org", "wensum-valley-bakery", "--text", "x", "--areas", "learning", "--ask", "pledge-31"] + now)
        #expect(ask.status != 0 && ask.stderr.contains("pledge-31 is not one of the partnership's asks"), "\(ask.stderr)")
        let baseline = try cli.run(arguments: ["measure", "define", "--as", "erin", "--group", "early-prevention-board", "--name", "M1", "--unit", "count", "--direction", "higher-is-better",
                                               "--frequency", "quarterly", "--area", "learning", "--baseline", "1e309", "--target", "5", "--tolerance", "1"] + now)
        #expect(baseline.status == 2 && baseline.stderr.hasPrefix("Error: --baseline takes a number, not '1e309'\n"), "\(baseline.stderr)")
    }

    @Test func aMeasureIsDefinedAndAValueOutsideToleranceEscalates() throws {
        let cli = try CLIRunner()
        try cli.run("person", "add", "sue", "--name", "Sue")
        try cli.run("member", "add", "sue", "--body", "norfolk-area-send-multi-agency-steering-group", "--role", "chair")
        let now = ["--as", "sue", "--now", "2026-03-02T09:00"]
        let defined = try cli.run(arguments: ["measure", "define", "--group", "norfolk-area-send-multi-agency-steering-group", "--name", "EHCPs within 20 weeks", "--unit", "%",
                                              "--direction", "higher-is-better", "--baseline", "20.1", "--target", "60", "--tolerance", "10", "--frequency", "quarterly", "--area", "learning"] + now)
        #expect(defined.stdout == "Defined measure-1; the first value is due by 2 June 2026.\n")
        #expect(try cli.run(arguments: ["measure", "record", "measure-1", "--period", "2026-Q1", "--value", "54"] + now).stdout == "Recorded 2026-Q1 for measure-1: 54 is amber.\n")
        let red = try cli.run(arguments: ["measure", "record", "measure-1", "--period", "2026-Q2", "--value", "45.5"] + now)
        #expect(red.stdout == "Recorded 2026-Q2 for measure-1: 45.5 is red. Outside tolerance: escalated (escalation-2) unless one is already open.\n")
        let bad = try cli.run(arguments: ["measure", "record", "measure-1", "--period", "2026-Q3", "--value", "lots"] + now)
        #expect(bad.status == 2)
        #expect(bad.stderr.hasPrefix("Error: --value takes a number, not 'lots'\n"))
        // A period that cannot be is refused, and nothing is recorded or escalated.
        for nonsense in ["2026-Q5", "2026-13", "99999-Q1"] {
            let refused = try cli.run(arguments: ["measure", "record", "measure-1", "--period", nonsense, "--value", "1"] + now)
            #expect(refused.status != 0 && refused.stderr.contains("should name the period the value is for, such as a quarter such as 2026-Q3 or 2026 Q3; “\(nonsense)” is no such period"),
                    "\(nonsense): \(refused.stderr)")
        }
        #expect(try cli.run(arguments: ["escalation", "list"] + now).stdout.components(separatedBy: "\n").filter { !$0.isEmpty }.count == 1, "no escalation from a nonsense value")
        // One value a period: a second for 2026-Q2 is refused, naming the first and how to
        // correct it; --corrects replaces it, and `measure show` says it was corrected.
        let twice = try cli.run(arguments: ["measure", "record", "measure-1", "--period", "2026 Q2", "--value", "55"] + now)
        #expect(twice.status != 0 && twice.stdout.isEmpty)
        #expect(twice.stderr.contains("already has a value, 45.5 % (red), recorded on 2 March 2026; a measure has one value a period, so if that value is wrong, record this one as a correction of it"), "\(twice.stderr)")
        let corrected = try cli.run(arguments: ["measure", "record", "measure-1", "--period", "2026 Q2", "--value", "55", "--corrects"] + now)
        #expect(corrected.stdout == "Recorded 2026 Q2 for measure-1: 55 is amber (corrected; it was 45.5).\n", "\(corrected.stderr)")
        let shown = try cli.run(arguments: ["measure", "show", "measure-1"] + now).stdout
        #expect(shown.hasSuffix("  2026-Q1  54  amber\n  2026 Q2  55  amber  (corrected; it was 45.5)\n"), "\(shown)")
        #expect(try cli.run(arguments: ["measure", "record", "--help"]).stdout.contains("--corrects"))
    }

    @Test func aGroupsSpreadsheetOfActionsAndMeasuresIsImportedAllOrNothing() throws {
        let cli = try CLIRunner()
        try cli.run("person", "add", "sec", "--name", "Sam")
        try cli.run("member", "add", "sec", "--body", "children-and-young-people-strategic-alliance", "--role", "secretariat")
        for (id, body) in [("erin", "early-prevention-board"), ("maya", "cyp-mental-health-alliance-executive-management-group"),
                           ("sian", "norfolk-area-send-multi-agency-steering-group"), ("leo", "norfolk-learning-board"), ("dee", "data-and-system-performance-group")] {
            try cli.run("person", "add", id, "--name", id.capitalized)
            try cli.run("member", "add", id, "--body", body, "--role", "chair")
        }
        let samples = CLIRunner.root.appendingPathComponent("Workflows/samples")
        let env = ["FLOURISH_AS": "sec", "FLOURISH_NOW": "2026-11-24T09:00"]
        let dry = try cli.run("import", "actions", samples.appendingPathComponent("actions.csv").path, "--dry-run", environment: env)
        // Issue 22: a dry run checks every row and writes nothing, so it never takes the write lock.
        #expect(dry.stdout == "Dry run: all 7 actions are fine and would import. Nothing was written.\n")
        #expect(try cli.run("action", "list", environment: env).stdout == "No actions match.\n")
        let done = try cli.run("import", "actions", samples.appendingPathComponent("actions.csv").path, environment: env)
        #expect(done.stdout.hasPrefix("Imported 7 actions: action-1, "))
        // Deadlines that passed before the import are settled as history, not left for the next tick to announce.
        #expect(done.stdout.contains("deadlines that fell before the import were settled as history"), "\(done.stdout)")
        let tick = try cli.run("tick", environment: env)
        #expect(tick.stdout == "No timers were due.\n", "nothing past due is left for the tick: \(tick.stdout)")
        #expect(try cli.run("outbox", "list", environment: env).stdout.contains("The outbox is empty"), "no mail about deadlines before the import")
        #expect(try cli.run("action", "list", "--state", "blocked", environment: env).stdout.contains("Co-produce the local offer pages"))
        let measures = try cli.run("import", "measures", samples.appendingPathComponent("measures.csv").path, "--json", environment: env)
        let json = try JSONSerialization.jsonObject(with: Data(measures.stdout.utf8)) as? [String: Any]
        #expect(json?["rows"] as? Int == 5 && (json?["created"] as? [String])?.count == 5)
        #expect(try cli.run("measure", "list", "--group", "norfolk-area-send-multi-agency-steering-group", environment: env).stdout.contains("EHCPs issued within 20 weeks"))

        let bad = try cli.write("bad.csv", "group,title,areas,owner,due_date\nearly-prevention-board,Fine,learning,erin,2027-01-29\nearly-prevention-board,Odd,cooking,erin,2027-01-29\n")
        let refused = try cli.run("import", "actions", bad, environment: env)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("The file has 1 problem; nothing was imported:\n  line 3, column areas: \"cooking\" is not a FLOURISH area."))
        #expect(try !cli.run("action", "list", environment: env).stdout.contains("Fine"))
    }
}
