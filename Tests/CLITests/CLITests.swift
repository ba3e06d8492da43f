import Foundation
import Testing

@Suite(.serialized) struct CLIUsageTests {
    @Test func helpGoesToStdoutWithExitZero() throws {
        let cli = try CLIRunner()
        let r = try cli.run("--help")
        #expect(r.status == 0)
        #expect(r.stdout.hasPrefix("flourish: FLOURISH pledges and partnership governance, run as declared workflows on SQLite.\n\nUsage: flourish <command> [options]"))
        #expect(r.stdout.contains("  workflow validate"))
        #expect(r.stdout.contains("Exit status: 0 success, 1 refused or invalid request (stderr says why), 2 usage error."))
        #expect(r.stderr.isEmpty)
    }

    @Test func anUnknownCommandIsAUsageError() throws {
        let r = try CLIRunner().run("frobnicate")
        #expect(r.status == 2)
        #expect(r.stderr == "Error: unknown command 'frobnicate'\nUsage: flourish <command> [options]\nSee 'flourish --help'.\n")
        #expect(r.stdout.isEmpty)
    }

    @Test func anUnknownOptionIsAUsageErrorWithASuggestion() throws {
        let r = try CLIRunner().run("instance", "list", "--stat", "open")
        #expect(r.status == 2)
        #expect(r.stderr == "Error: unknown option '--stat'; did you mean --state?\nUsage: flourish instance list [options]\nSee 'flourish instance list --help'.\n")
    }

    @Test func aBadNowIsAUsageError() throws {
        let r = try CLIRunner().run("tick", "--now", "next tuesday")
        #expect(r.status == 2)
        #expect(r.stderr.hasPrefix("Error: --now takes a date (2026-04-01) or date-time (2026-04-01T09:00:00Z), not 'next tuesday'\n"))
    }

    /// Year 0 would have stamped records with it; a moment outside 1970 to 2199 is refused.
    @Test func aNowOutsideTheCalendarsYearsIsAUsageError() throws {
        let cli = try CLIRunner()
        for far in ["0000-01-01", "1969-12-31", "2200-01-01T00:00"] {
            let r = try cli.run("tick", "--now", far)
            #expect(r.status == 2 && r.stderr.hasPrefix("Error: --now must be a moment from 1970 to 2199, not '\(far)'\n"), "\(far): \(r.stderr)")
        }
        #expect(try cli.run("tick", "--now", "2199-12-31").status == 0)
    }

    /// `org register --name --kind business` registered an organisation called "--kind"; a
    /// field given twice kept the last without a word. Both are usage errors, and nothing is made.
    @Test func anOptionTakenAsAValueAndAFieldGivenTwiceAreRefused() throws {
        let cli = try CLIRunner()
        #expect(try cli.run("init").status == 0)
        let named = try cli.run("org", "register", "--as", "x", "--name", "--kind", "business", "--district", "norwich", "--size", "small",
                                "--contact-name", "C", "--contact-email", "c@example.org")
        #expect(named.status == 2 && named.stderr.hasPrefix("Error: the option '--name' needs a value (NAME), but '--kind' is an option; to give a value that starts with '-', write --name=--kind\n"), "\(named.stderr)")
        let twice = try cli.run("instance", "start", "pledge", "--as", "x", "--field", "text=a", "--field", "text=b")
        #expect(twice.status == 2 && twice.stderr.hasPrefix("Error: --field text was given more than once; give each field once\n"), "\(twice.stderr)")
        #expect(try cli.run("org", "list", "--json").stdout.contains("\"total\": 0"), "nothing was registered")
    }

    /// A version of -5 was said to be "changed by someone else"; a figure of 0x10 was read as 16.
    @Test func versionsAndFiguresAreReadAsTyped() throws {
        let cli = try CLIRunner()
        #expect(try cli.run("init").status == 0)
        let version = try cli.run("action", "update", "action-9", "--rag", "green", "--commentary", "Fine", "--expect-version", "-5")
        #expect(version.status == 2 && version.stderr.hasPrefix("Error: --expect-version takes the version you last saw (1 or more, from `flourish instance show`), not '-5'\n"), "\(version.stderr)")
        for figure in ["0x10", "inf", "1e3"] {
            let r = try cli.run("measure", "record", "measure-1", "--period", "2026-Q1", "--value", figure)
            #expect(r.status == 2 && r.stderr.hasPrefix("Error: --value takes a number, not '\(figure)'\n"), "\(figure): \(r.stderr)")
        }
        #expect(try cli.run("action", "update", "--help").stdout.contains("--rag RAG           red, amber or green: where the action stands (required)."))
    }

    @Test func commandHelpListsItsOptions() throws {
        let r = try CLIRunner().run("instance", "fire", "--help")
        #expect(r.status == 0)
        #expect(r.stdout.hasPrefix("Fire an event on an instance.\n\nUsage: flourish instance fire ID EVENT [options]\n"))
        #expect(r.stdout.contains("  --expect-version N"))
    }
}

@Suite(.serialized) struct CLIWorkflowTests {
    @Test func validateReportsEveryProblemWithFileLineAndColumn() throws {
        let cli = try CLIRunner()
        let bad = try cli.write("bad.workflow.json", """
        {
          "formatVersion": 1, "name": "bad", "version": 1, "title": "Bad",
          "states": {"a": {"title": "A"}, "b": {"title": "B"}, "lost": {"title": "Lost"}},
          "initial": "a", "final": ["b"],
          "transitions": [
            {"event": "go", "from": ["a"], "to": "b", "by": [{"role": "wizard"}],
             "effects": [{"startTimer": {"name": "t", "event": "go", "after": "soon"}}]}
          ]
        }
        """)
        let r = try cli.run("workflow", "validate", bad)
        #expect(r.status == 1)
        #expect(r.stdout.isEmpty)
        let lines = r.stderr.split(separator: "\n").map(String.init)
        #expect(lines.contains("\(bad):3:64: error[unreachable-state] at /states/lost: The state \"lost\" cannot be reached from the initial state \"a\". Add a transition into it, or remove it."))
        #expect(lines.contains("\(bad):3:64: error[dead-end-state] at /states/lost: The state \"lost\" is not final and has no transition out of it, so an instance there would be stuck. Add a transition from it, or list it in \"final\"."))
        #expect(lines.contains { $0.hasPrefix("\(bad):6:63: error[unknown-role] at /transitions/0/by/0/role: The role \"wizard\" is not in Workflows/roles.json.") })
        #expect(lines.contains("\(bad):7:71: error[bad-duration] at /transitions/0/effects/0/startTimer/after: \"soon\" is not an ISO 8601 duration. Write it like P1Y, P6M, P2W, P10D or PT12H."))
        #expect(lines.count == 5)  // and the timer event nobody may fire as system
    }

    @Test func validFilesPrintAOneLineSummary() throws {
        let cli = try CLIRunner()
        let pledge = CLIRunner.root.appendingPathComponent("Workflows/pledge.workflow.json").path
        let r = try cli.run("workflow", "validate", pledge)
        #expect(r.status == 0)
        #expect(r.stdout == "\(pledge): ok: pledge version 3, 10 states, 13 transitions\n")
    }

    @Test func malformedJSONIsReported() throws {
        let cli = try CLIRunner()
        let broken = try cli.write("broken.json", "{\n  \"name\": \"x\",\n  oops\n}")
        let r = try cli.run("workflow", "validate", broken, "--json")
        #expect(r.status == 1)
        #expect(r.stdout.contains("\"code\": \"malformed-json\""))
        #expect(r.stdout.contains("\"line\": 3"))
    }

    /// A command that only reads, given a path with no database, says so and makes none: a
    /// mistyped --db made a new, empty database and `audit verify` called it intact.
    @Test func aMistypedDatabaseIsNotMadeByACommandThatOnlyReads() throws {
        let cli = try CLIRunner()
        let typo = cli.directory.appendingPathComponent("typo.sqlite").path
        for command in [["audit", "verify"], ["org", "list"], ["pledge", "list"], ["doctor"]] {
            let r = try cli.run(arguments: ["--db", typo] + command)
            #expect(r.status == 1 && r.stderr.hasPrefix("Error: There is no database at \(typo). Check --db (or FLOURISH_DB); `flourish init` makes a new one."), "\(command): \(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: typo) && !FileManager.default.fileExists(atPath: typo + "-wal"), "\(command) made nothing")
        }
        // A command that writes sets a fresh folder up, as before.
        #expect(try cli.run("--db", typo, "person", "add", "ada", "--name", "Ada").status == 0)
        #expect(try cli.run("--db", typo, "audit", "verify").status == 0)
    }

    @Test func showDrawsDotAndMermaid() throws {
        let cli = try CLIRunner()
        let dot = try cli.run("workflow", "show", "pledge", "--format", "dot")
        #expect(dot.status == 0)
        #expect(dot.stdout.hasPrefix("digraph \"pledge\" {\n  rankdir=LR;"))
        #expect(dot.stdout.contains("  \"submitted\" -> \"approved\" [label=\"approve\\n(secretariat)\"];"))
        let mermaid = try cli.run("workflow", "show", "pledge", "--format", "mermaid")
        #expect(mermaid.stdout.hasPrefix("stateDiagram-v2\n  [*] --> draft\n"))
        #expect(mermaid.stdout.contains("  submitted --> changes_requested : request-changes (secretariat)"))
        let bad = try cli.run("workflow", "show", "pledge", "--format", "svg")
        #expect(bad.status == 2)
        #expect(bad.stderr.hasPrefix("Error: --format takes text, dot or mermaid, not 'svg'\n"))
    }
}

@Suite(.serialized) struct CLIJourneyTests {
    /// A pledge from draft to reported over a simulated year, through the CLI alone.
    @Test func aPledgeYearOnTheSimulatedClock() throws {
        let cli = try CLIRunner()
        #expect(try cli.run("init").status == 0)
        #expect(try cli.run("person", "add", "sec", "--name", "Sam Secretariat", "--email", "sec@example.org").stdout == "Added Sam Secretariat as sec.\n")
        #expect(try cli.run("member", "add", "sec", "--body", "children-and-young-people-strategic-alliance", "--role", "secretariat").status == 0)
        // The organisation's contact (contact-1) is made by its registration; a pledge's contacts
        // are worked out from its organisation, never given (see the generic door's test below).
        #expect(try cli.run("org", "register", "--as", "sec", "--now", "2026-04-01T08:00", "--name", "Acme", "--kind", "business", "--district", "norwich",
                            "--size", "small", "--contact-name", "Olu Contact", "--contact-email", "olu@example.org").status == 0)
        let given = try cli.run("instance", "start", "pledge", "--as", "contact-1", "--now", "2026-04-01T09:00",
                                "--field", "organisation=acme", "--field", "contacts=contact-1", "--field", "pledgeYear=2026",
                                "--field", "text=Mentor ten young people", "--field", "areas=learning,opportunity")
        #expect(given.status == 1)
        #expect(given.stderr == "Error: \"contacts\" is worked out by Flourish, so \"start\" cannot be given it; leave it out and try again.\n")
        #expect(try cli.run("pledge", "create", "--as", "contact-1", "--now", "2026-04-01T09:00", "--org", "acme", "--year", "2026",
                            "--text", "Mentor ten young people", "--areas", "learning,opportunity").status == 0)
        let refused = try cli.run("instance", "fire", "pledge-2", "approve", "--as", "contact-1", "--expect-version", "1", "--now", "2026-04-01T09:05")
        #expect(refused.status == 1)
        #expect(refused.stderr == "Error: contact-1 may not approve this; only the secretariat may.\n", "who may comes before the record's state")
        let early = try cli.run("instance", "fire", "pledge-2", "approve", "--as", "sec", "--expect-version", "1", "--now", "2026-04-01T09:05")
        #expect(early.stderr == "Error: \"approve\" cannot happen while it is draft; it can happen only when it is submitted.\n")
        #expect(try cli.run("instance", "fire", "pledge-2", "submit", "--as", "contact-1", "--expect-version", "1", "--now", "2026-04-01T09:10").status == 0)
        let stale = try cli.run("instance", "fire", "pledge-2", "approve", "--as", "sec", "--expect-version", "1", "--now", "2026-04-02T10:00")
        #expect(stale.status == 1)
        #expect(stale.stderr == "Error: pledge-2 was changed by someone else (you had version 1; it is now version 2). Reload it and try again.\n")
        let approve = try cli.run("pledge", "approve", "pledge-2", "--as", "sec", "--expect-version", "2", "--now", "2026-04-02T10:00")
        #expect(approve.stdout == "pledge-2 is approved and on the wall. Pledge year 2 April 2026 to 1 April 2027; check-in 2 October 2026; report due by 30 April 2027.\n")
        let again = try cli.run("pledge", "approve", "pledge-2", "--as", "sec", "--now", "2026-04-02T10:05")
        #expect(again.status == 1)
        #expect(again.stderr == "Error: pledge-2 has ended (it is approved); nothing more can happen to it.\n" || again.stderr.hasPrefix("Error: \"approve\" cannot happen while it is approved"))
        let retry = try cli.run("instance", "fire", "pledge-2", "withdraw", "--as", "sec", "--expect-version", "3", "--now", "2026-04-02T10:06", "--key", "w-1", "--field", "reason=test", "--json")
        #expect(retry.status == 0)
        let retried = try cli.run("instance", "fire", "pledge-2", "withdraw", "--as", "sec", "--expect-version", "3", "--now", "2026-04-02T10:06", "--key", "w-1", "--field", "reason=test")
        #expect(retried.stdout == "Already done earlier with this key; nothing changed.\nFired withdraw on pledge-2: now withdrawn (version 4); event 6 in the audit log.\n")
        #expect(!(try cli.run("tick", "--now", "2027-06-01").stdout.contains("pledge-2")))  // withdrawing ended every reminder

        // A second pledge runs its year on the simulated clock.
        try cli.run("pledge", "create", "--as", "contact-1", "--now", "2026-04-01T09:00", "--org", "acme", "--year", "2026",
                    "--text", "Host a careers day", "--areas", "opportunity")
        try cli.run("pledge", "submit", "pledge-3", "--as", "contact-1", "--now", "2026-04-01T09:10")
        try cli.run("pledge", "approve", "pledge-3", "--as", "sec", "--now", "2026-04-02T10:00")
        let show = try cli.run("pledge", "show", "pledge-3", "--as", "sec", "--now", "2026-04-02T10:00")
        #expect(show.stdout.contains("Timers:\n  check-in: fires check-in-due on 2 October 2026\n  report-reminder: fires report-reminder-due on 2 March 2027\n  year-end: fires year-ended on 2 April 2027\n  report-deadline: fires report-overdue on 1 May 2027\n"))
        #expect(show.stdout.hasSuffix("What sec may do:\n  withdraw: Withdraw the pledge\n"))

        #expect(try cli.run("tick", "--now", "2026-09-30").stdout == "No timers were due.\n")
        #expect(try cli.run("tick", "--now", "2026-10-02T10:00").stdout == "Fired 1 timer.\n  pledge-3 check-in: fired check-in-due (due 2 October 2026)\n")
        // A whole year passes with nobody running tick: everything due fires, in order, on the next tick.
        let late = try cli.run("tick", "--now", "2027-06-01")
        #expect(late.stdout == """
        Fired 4 timers.
          pledge-3 report-reminder: fired report-reminder-due (due 2 March 2027)
          pledge-3 year-end: fired year-ended (due 2 April 2027)
          scheme-membership-1 renewal: fired renewal-due-reached (due 2 April 2027)
          pledge-3 report-deadline: fired report-overdue (due 1 May 2027)

        """)
        let report = try cli.run("pledge", "report", "pledge-3", "--as", "contact-1", "--now", "2027-06-02T09:00",
                                 "--outcome", "delivered", "--evidence", "Forty students came")
        #expect(report.stdout == "pledge-3 is reported (now reported).\n")

        let asOf = try cli.run("history", "pledge-3", "--as-of", "2026-12-01")
        #expect(asOf.stdout.hasPrefix("pledge-3 as of 1 December 2026: approved (version 4)\n"))
        // Someone who reads only the published pledge reads it as it stood while published, not its draft.
        #expect(try cli.run("person", "add", "pat", "--name", "Pat Public").status == 0)
        let beforeItWas = try cli.run("history", "pledge-3", "--as-of", "2026-03-01", "--as", "pat")
        let draftAsPat = try cli.run("history", "pledge-3", "--as-of", "2026-04-01T09:05", "--as", "pat")
        #expect(draftAsPat.status == 1 && draftAsPat.stdout.isEmpty)
        #expect(draftAsPat.stderr == "Error: pat may not see pledge-3 as it stood before it was published; only its organisation's contacts or the secretariat may.\n")
        #expect(beforeItWas.status == 1 && beforeItWas.stderr == draftAsPat.stderr, "before it existed, the same answer: when it was drafted is not told")
        let overdueAsPat = try cli.run("history", "pledge-3", "--as-of", "2027-05-15", "--as", "pat")
        #expect(overdueAsPat.status == 0 && overdueAsPat.stdout.contains("Host a careers day"), "from approval on, as its public history: \(overdueAsPat.stdout)\(overdueAsPat.stderr)")
        let publishedAsPat = try cli.run("instance", "show", "pledge-3", "--as-of", "2026-12-01", "--as", "pat")
        #expect(publishedAsPat.stdout.hasPrefix("pledge-3 as of 1 December 2026: approved (version 4)\n") && publishedAsPat.stdout.contains("Host a careers day"))
        #expect(!publishedAsPat.stdout.contains("contact-1"), "the public part only: \(publishedAsPat.stdout)")
        #expect(try cli.run("history", "pledge-3", "--as-of", "2026-04-01T09:05", "--as", "contact-1").stdout.hasPrefix("pledge-3 as of 1 April 2026 at 9:05am: draft"))
        let verify = try cli.run("audit", "verify")
        #expect(verify.stdout.hasPrefix("The audit log is intact: 17 events checked.\nHead: 17:"))
        #expect(verify.status == 0)
        let outbox = try cli.run("outbox", "list", "--json")
        #expect(outbox.stdout.components(separatedBy: "\"status\": \"pending\"").count - 1 == 12)
    }

    @Test func auditVerifyFailsOnATamperedLog() throws {
        let cli = try CLIRunner()
        try cli.run("person", "add", "sec", "--name", "Sam Secretariat")
        try cli.run("member", "add", "sec", "--body", "children-and-young-people-strategic-alliance", "--role", "secretariat")
        try cli.run("org", "register", "--as", "sec", "--name", "Acme", "--kind", "business", "--district", "norwich", "--size", "small",
                    "--contact-name", "Olu", "--contact-email", "olu@example.org")
        try cli.run("pledge", "create", "--as", "contact-1", "--org", "acme", "--text", "x", "--areas", "learning")
        let db = cli.directory.appendingPathComponent("flourish.sqlite").path
        let sqlite = Process()
        sqlite.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        sqlite.arguments = [db, "DROP TRIGGER events_change_only_by_redaction; UPDATE events SET actor = 'mallory' WHERE seq = 2;"]
        try sqlite.run()
        sqlite.waitUntilExit()
        let r = try cli.run("audit", "verify")
        #expect(r.status == 1)
        #expect(r.stdout == "The audit log is NOT intact: event 2 was altered: its recorded details no longer match its hash. 1 events before it check out.\n")
    }
}

@Suite(.serialized) struct BackupCLITests {
    @Test func backupWritesACopyThatChecksOutAndRefusesToOverwrite() throws {
        let cli = try CLIRunner()
        #expect(try cli.run("init", "--demo").status == 0)
        let copy = cli.directory.appendingPathComponent("copy.sqlite").path
        let r = try cli.run("backup", copy)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("to \(copy)") && r.stdout.contains("The copy checks out: integrity ok, audit log intact"))
        // The copy is a database of its own: the same pledges, and its audit log verifies.
        let live = try cli.run("pledge", "list", "--json").stdout
        let fromCopy = try cli.run("pledge", "list", "--json", environment: ["FLOURISH_DB": copy]).stdout
        #expect(!live.isEmpty && live == fromCopy)
        #expect(try cli.run("audit", "verify", environment: ["FLOURISH_DB": copy]).status == 0)

        let again = try cli.run("backup", copy)
        #expect(again.status == 2 && again.stderr.contains("\(copy) already exists; choose another name, or pass --replace"))
        #expect(try cli.run("backup", copy, "--replace").status == 0)
        let json = try cli.run("backup", copy, "--replace", "--json")
        #expect(json.stdout.contains("\"integrity\": \"ok\""))
    }

    /// Issue 23: what would hurt in production, said before it hurts.
    @Test func doctorSaysWhatWouldHurtInProductionAndWhatToDo() throws {
        let cli = try CLIRunner()
        #expect(try cli.run("--now", "2026-11-24T09:00", "init", "--demo").status == 0)
        let mailer = ["FLOURISH_SENDMAIL": "/bin/true -t"]
        // A month on, nobody has run tick; no replication; the mail command is there.
        let r = try cli.run("--now", "2026-12-24T09:00", "doctor", environment: mailer)
        #expect(r.status == 1)
        #expect(r.stdout.contains("ok      integrity: SQLite's quick_check finds the database sound."))
        #expect(r.stdout.contains("WARNING replication: No replication is configured"))
        #expect(r.stdout.contains("WARNING timers:") && r.stdout.contains("nobody is running `flourish tick`"))
        #expect(r.stdout.contains("ok      mail: `outbox send` will use /bin/true -t."))
        // Replication asked for, but Litestream has never run beside it.
        let replicated = try cli.run("--now", "2026-11-24T09:00", "doctor", environment: mailer.merging(["FLOURISH_REPLICATED": "1"]) { a, _ in a })
        #expect(replicated.stdout.contains("Litestream has never replicated this database"))
        // A mail command that is not there.
        let noMail = try cli.run("--now", "2026-11-24T09:00", "doctor", "--json", environment: ["FLOURISH_SENDMAIL": "/no/such/sendmail -t"])
        #expect(noMail.stdout.contains("\"check\" : \"mail\"") || noMail.stdout.contains("\"check\": \"mail\""))
        #expect(noMail.stdout.contains("/no/such/sendmail is not installed or not executable"))
        // The clock behind the log: events dated after now.
        let behind = try cli.run("--now", "2026-01-01T09:00", "doctor", environment: mailer)
        #expect(behind.stdout.contains("WARNING clock: The last event is dated"))
    }

    @Test func backingUpAMissingDatabaseCreatesNothing() throws {
        let cli = try CLIRunner()
        let r = try cli.run("backup", "copy.sqlite", "--db", "nothing-here.sqlite")
        #expect(r.status == 2 && r.stderr.contains("there is no database at nothing-here.sqlite to back up"))
        #expect(!FileManager.default.fileExists(atPath: cli.directory.appendingPathComponent("nothing-here.sqlite").path))
        #expect(!FileManager.default.fileExists(atPath: cli.directory.appendingPathComponent("copy.sqlite").path))
    }
}

@Suite struct InstanceListTests {
    /// Issue 18: `instance list` cut at 100 and said nothing. It now says how many there are and
    /// how to see the next page, and the pages together hold each record once.
    @Test func theInstanceListPagesAndSaysWhatIsLeft() throws {
        let cli = try CLIRunner()
        try cli.run("person", "add", "sec", "--name", "Sam Secretariat")
        try cli.run("member", "add", "sec", "--body", "children-and-young-people-strategic-alliance", "--role", "secretariat")
        for n in 1...5 {
            #expect(try cli.run("org", "register", "--as", "sec", "--name", "Org \(n)", "--kind", "business", "--district", "norwich", "--size", "small",
                                "--contact-name", "Contact \(n)", "--contact-email", "c\(n)@example.org").status == 0)
        }
        let first = try cli.run("instance", "list", "--workflow", "scheme-membership", "--limit", "2", "--as", "sec")
        #expect(first.stdout.contains("Showing 2 of 5, newest first; for the next 2: flourish instance list --as sec --workflow scheme-membership --limit 2 --after "), "\(first.stdout)")
        var seen: [String] = []
        var args = ["instance", "list", "--workflow", "scheme-membership", "--limit", "2", "--as", "sec", "--json"]
        for _ in 0..<5 {
            let page = try #require(try JSONSerialization.jsonObject(with: Data(try cli.run(arguments: args).stdout.utf8)) as? [String: Any])
            #expect(page["total"] as? Int == 5)
            seen += ((page["instances"] as? [[String: Any]]) ?? []).compactMap { $0["id"] as? String }
            guard let next = page["next"] as? String else { break }
            args = ["instance", "list", "--workflow", "scheme-membership", "--limit", "2", "--as", "sec", "--json", "--after", next]
        }
        #expect(seen == (1...5).reversed().map { "scheme-membership-\($0)" }, "each once, newest first: \(seen)")
        #expect(try cli.run("instance", "list", "--limit", "0").stderr.contains("--limit: The page size (limit) must be a whole number from 1 to 100000, not '0'."))
        #expect(try cli.run("instance", "list", "--limit", "ten").stderr.contains("not 'ten'"))
        #expect(try cli.run("instance", "list", "--after", "scheme-membership-3").stderr.contains("'scheme-membership-3' is not in this list"))
    }
}

@Suite struct OutboxListTests {
    /// Issue 18: `outbox list` showed the 200 oldest messages and said nothing of the rest. It now
    /// pages newest first, says how many there are, and how to see the next page.
    @Test func theOutboxListPagesNewestFirstAndSaysWhatIsLeft() throws {
        let cli = try CLIRunner()
        try cli.run("person", "add", "sec", "--name", "Sam Secretariat", "--email", "sec@example.org")
        try cli.run("member", "add", "sec", "--body", "children-and-young-people-strategic-alliance", "--role", "secretariat")
        for n in 1...3 {
            #expect(try cli.run("org", "register", "--as", "sec", "--name", "Org \(n)", "--kind", "business", "--district", "norwich", "--size", "small",
                                "--contact-name", "Contact \(n)", "--contact-email", "c\(n)@example.org").status == 0)
        }
        let all = try #require(try JSONSerialization.jsonObject(with: Data(try cli.run("outbox", "list", "--json").stdout.utf8)) as? [String: Any])
        let total = try #require(all["total"] as? Int)
        let ids = try #require((all["messages"] as? [[String: Any]])?.compactMap { $0["id"] as? Int })
        #expect(total >= 3 && ids.count == total && ids == ids.sorted(by: >), "newest first: \(ids)")
        // Two at a time, following the hint, until the last page.
        var seen: [Int] = []
        var args = ["outbox", "list", "--limit", "2"]
        for _ in 0..<total {
            let text = try cli.run(arguments: args).stdout
            seen += text.split(separator: "\n").filter { $0.contains("  to ") }.compactMap { line in line.split(separator: " ").first.flatMap { Int($0) } }
            guard let hint = text.split(separator: "\n").last, hint.hasPrefix("Showing ") else {
                #expect(text.hasSuffix("That is the last page (\(total) in all).\n"), "\(text)")
                break
            }
            #expect(hint.contains("of \(total), newest first; for the next 2: flourish outbox list --limit 2 --after "))
            args = ["outbox", "list", "--limit", "2", "--after", String(hint.split(separator: " ").last ?? "")]
        }
        #expect(seen == ids, "every message once, in order, across the pages")
        #expect(try cli.run("outbox", "list", "--limit", "0").status == 2)
    }
}

@Suite struct CalendarLinkCLITests {
    /// A calendar link reads a feed as its person would, so only they or the secretariat make it.
    @Test func onlyThePersonOrTheSecretariatMakeACalendarLink() throws {
        let cli = try CLIRunner()
        try cli.run("person", "add", "sec", "--name", "Sam Secretariat")
        try cli.run("member", "add", "sec", "--body", "children-and-young-people-strategic-alliance", "--role", "secretariat")
        try cli.run("person", "add", "erin", "--name", "Erin Evans")
        try cli.run("member", "add", "erin", "--body", "early-prevention-board", "--role", "chair")
        try cli.run("person", "add", "olu", "--name", "Olu Okafor")
        let own = try cli.run("user", "calendar", "erin", "--group", "early-prevention-board", "--as", "erin")
        #expect(own.status == 0 && own.stdout.hasPrefix("/groups/early-prevention-board/deadlines.ics?for=erin&key="))
        #expect(try cli.run("user", "calendar", "erin", "--group", "early-prevention-board", "--as", "sec").stdout == own.stdout)
        let other = try cli.run("user", "calendar", "erin", "--group", "early-prevention-board", "--as", "olu")
        #expect(other.status == 1 && other.stderr.contains("olu may not make erin's calendar link"))
    }
}

@Suite struct ListPagingTests {
    /// Issue 18: `pledge list` read at most 100,000 and every other list printed everything with
    /// no total. Each list now pages, says how many there are, and prints the command for the
    /// next page, which (run as printed) shows the rest.
    @Test func everyListSaysHowManyAndHowToSeeTheNextPage() throws {
        let cli = try CLIRunner()
        for n in 1...3 { try cli.run("person", "add", "p\(n)", "--name", "Person \(n)") }
        let first = try cli.run("person", "list", "--limit", "2")
        let hint = try #require(first.stdout.split(separator: "\n").last.map(String.init))
        #expect(hint == "Showing 2 of 3; for the next 2: flourish person list --limit 2 --after p2", "\(first.stdout)")
        // Run the hint as printed: the rest, and a clear end.
        let rest = try cli.run(arguments: Array(hint.split(separator: ":", maxSplits: 1)[1].split(separator: " ").dropFirst().map(String.init)))
        #expect(rest.stdout == "p3  Person 3\nThat is the last page (3 in all).\n")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(try cli.run("person", "list", "--limit", "2", "--json").stdout.utf8)) as? [String: Any])
        #expect(json["total"] as? Int == 3 && json["next"] as? String == "p2" && (json["people"] as? [Any])?.count == 2)
        #expect(try cli.run("person", "list", "--after", "nobody").stderr.contains("'nobody' is not in this list"))
        #expect(try cli.run("group", "list", "--limit", "1").stdout.contains("; for the next 1: flourish group list --limit 1 --after "))
        #expect(try cli.run("group", "log", "--limit", "1").stdout.contains("newest first; for the next 1: flourish group log --limit 1 --after "))
        #expect(try cli.run("pledge", "list").stdout == "No pledges.\n")
    }
}
