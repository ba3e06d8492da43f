import Foundation
import Testing

@Suite(.serialized) struct PledgeCLITests {
    @Test func anOrganisationRegistersPledgesAndAppearsOnTheWallThroughTheCLI() throws {
        let cli = try CLIRunner()
        try cli.run("person", "add", "sam", "--name", "Sam Secretariat", "--email", "sam@example.org")
        try cli.run("member", "add", "sam", "--body", "children-and-young-people-strategic-alliance", "--role", "secretariat")
        let now = ["--now", "2026-04-01T09:00"]
        let reg = try cli.run(arguments: ["org", "register", "--as", "sam", "--name", "Acme Ltd", "--kind", "business", "--district", "norwich", "--size", "small",
                                          "--postcode", "NR1 1AA", "--contact-name", "Ada Acme", "--contact-email", "ada@acme.example"] + now)
        #expect(reg.stdout == "Registered Acme Ltd as acme-ltd; its contact is contact-1. Next: make a pledge with 'flourish pledge create --org acme-ltd'.\n")
        let dup = try cli.run(arguments: ["org", "register", "--as", "sam", "--name", "ACME LTD", "--kind", "business", "--district", "norwich", "--size", "small",
                                          "--postcode", "nr11aa", "--contact-name", "X", "--contact-email", "x@example.org"] + now)
        #expect(dup.status == 1)
        #expect(dup.stderr == "Error: Acme Ltd is already registered as acme-ltd (same name and postcode). Use that organisation, or ask the secretariat to update it.\n")
        let badArea = try cli.run(arguments: ["pledge", "create", "--as", "contact-1", "--org", "acme-ltd", "--text", "Placements", "--areas", "joy"] + now)
        #expect(badArea.status == 1)
        #expect(badArea.stderr.hasPrefix("Error: \"joy\" is not a FLOURISH area. Use one of: family-and-friends,"))
        let created = try cli.run(arguments: ["pledge", "create", "--as", "contact-1", "--org", "acme-ltd", "--text", "Offer five work placements",
                                              "--areas", "opportunity,learning", "--theme", "skills-and-employment"] + now)
        #expect(created.stdout == "Drafted pledge-2 for acme-ltd (pledge year 2026). Submit it with 'flourish pledge submit pledge-2'.\n")
        let stranger = try cli.run(arguments: ["pledge", "submit", "pledge-2", "--as", "sam2"] + now)
        // sam2 is no one in the directory: said so, not only that a role is wanted.
        #expect(stranger.stderr == "Error: 'sam2' may not submit this; only a contact of the pledging organisation may. No one in the directory has the user name 'sam2': give --as the user name of a person who may (see `flourish person list`).\n")
        // Another organisation's contact learns nothing of acme-ltd's draft, nor whether acme-ltd exists.
        try cli.run(arguments: ["org", "register", "--as", "sam", "--name", "Beacon Trust", "--kind", "business", "--district", "norwich", "--size", "small",
                                "--contact-name", "Bo Beacon", "--contact-email", "bo@beacon.example"] + now)
        let othersDraft = try cli.run(arguments: ["pledge", "submit", "pledge-2", "--as", "contact-2"] + now)
        let noDraft = try cli.run(arguments: ["pledge", "submit", "pledge-99", "--as", "contact-2"] + now)
        #expect(othersDraft.status == 1 && othersDraft.stderr == noDraft.stderr.replacingOccurrences(of: "pledge-99", with: "pledge-2"), "\(othersDraft.stderr)")
        #expect(try cli.run(arguments: ["pledge", "edit", "pledge-2", "--as", "contact-2", "--text", "Mine now"] + now).stderr == othersDraft.stderr)
        let forAcme = try cli.run(arguments: ["pledge", "create", "--as", "contact-2", "--org", "acme-ltd", "--text", "Placements", "--areas", "learning"] + now)
        let forNobody = try cli.run(arguments: ["pledge", "create", "--as", "contact-2", "--org", "acme-limited", "--text", "Placements", "--areas", "learning"] + now)
        #expect(forAcme.stderr == "Error: contact-2 may not pledge for acme-ltd; only its contacts or the secretariat may.\n")
        #expect(forNobody.stderr == forAcme.stderr.replacingOccurrences(of: "acme-ltd", with: "acme-limited"))
        #expect(try cli.run(arguments: ["pledge", "submit", "pledge-2", "--as", "contact-1"] + now).stdout == "pledge-2 is submitted for review (now submitted).\n")
        let changes = try cli.run(arguments: ["pledge", "request-changes", "pledge-2", "--as", "sam", "--comment", "Say which year groups."] + now)
        #expect(changes.stdout == "pledge-2 is sent back for changes (now changes-requested).\n")
        try cli.run(arguments: ["pledge", "edit", "pledge-2", "--as", "contact-1", "--text", "Offer five work placements for Year 12 students"] + now)
        try cli.run(arguments: ["pledge", "submit", "pledge-2", "--as", "contact-1"] + now)
        let approved = try cli.run(arguments: ["pledge", "approve", "pledge-2", "--as", "sam"] + now)
        #expect(approved.stdout == "pledge-2 is approved and on the wall. Pledge year 1 April 2026 to 31 March 2027; check-in 1 October 2026; report due by 29 April 2027.\n")
        let wall = try cli.run(arguments: ["pledge", "list", "--wall", "--area", "opportunity"] + now)
        #expect(wall.stdout.hasPrefix("Acme Ltd (Norwich): Offer five work placements for Year 12 students  [Opportunity, Learning; skills-and-employment]\n"), "names, not keys: \(wall.stdout)")
        #expect(!wall.stdout.contains("ada@acme.example"))
        let erased = try cli.run(arguments: ["org", "erase-contact", "acme-ltd", "--as", "sam", "--reason", "Request 12"] + now)
        #expect(erased.stdout == "Erased 1 contact of acme-ltd from the directory, past event payloads and the outbox. The audit log still verifies.\n")
        #expect(try cli.run("audit", "verify").status == 0)
        #expect(!(try cli.run("outbox", "list").stdout.contains("ada@acme.example")))
        let show = try cli.run("org", "show", "acme-ltd")
        #expect(show.stdout.contains("Membership: active (on the public wall)\n"))
    }

    @Test func importChecksEveryRowAndTellsWhatWouldHappen() throws {
        let cli = try CLIRunner()
        try cli.run("person", "add", "sam", "--name", "Sam Secretariat")
        try cli.run("member", "add", "sam", "--body", "children-and-young-people-strategic-alliance", "--role", "secretariat")
        let sample = CLIRunner.root.appendingPathComponent("Workflows/samples/organisations.csv").path
        let stranger = try cli.run("import", "organisations", sample, "--as", "kim", "--now", "2025-07-01")
        // Issue 22: who may import is checked before a row is read (it was refused row by row, inside the write).
        #expect(stranger.stderr.hasPrefix("Error: 'kim' may not import organisations; only the secretariat may."), "\(stranger.stderr)")
        let dry = try cli.run("import", "organisations", sample, "--dry-run", "--as", "sam", "--now", "2025-07-01")
        #expect(dry.stdout == "Dry run: all 3 organisations are fine and would import. Nothing was written.\n")
        #expect(try cli.run("org", "list").stdout == "No organisations yet.\n")
        let bad = try cli.write("bad.csv", "name,kind,district,size_band,contact_name,contact_email\nX,pub,norwich,small,Y,y@example.org\n")
        let refused = try cli.run("import", "organisations", bad, "--as", "sam")
        #expect(refused.status == 1)
        #expect(refused.stderr == "Error: The file has 1 problem; nothing was imported:\n  line 2, column kind: The kind should be one of: business, public-sector-body, voluntary-or-community-organisation, school-or-college, health-provider.\n")
    }

    /// Issue 22: a large import for a live server, in steps. Killed part-way (a crash, a closed
    /// laptop), the steps it committed stay; all at once it is then refused, saying how to carry
    /// on; with --in-steps again it carries on after them, and every organisation is there once.
    @Test func anImportInStepsKilledPartWayCarriesOnWhenRunAgain() throws {
        let cli = try CLIRunner()
        try cli.run("person", "add", "sam", "--name", "Sam Secretariat")
        try cli.run("member", "add", "sam", "--body", "children-and-young-people-strategic-alliance", "--role", "secretariat")
        let rows = 10_000
        var lines = ["name,kind,district,size_band,postcode,company_number,contact_name,contact_email,registered_on"]
        for i in 1...rows { lines.append("Org \(i),business,norwich,small,NR1 \(i % 9)AA,C\(i),Person \(i),p\(i)@example.org,2024-01-01") }
        let file = try cli.write("organisations.csv", lines.joined(separator: "\n") + "\n")
        func registered() throws -> Int {
            let listed = try cli.run("org", "list", "--limit", "1", "--json", "--as", "sam")
            let json = try? JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [String: Any]
            return json?["total"] as? Int ?? -1
        }

        // Imports `file` in steps and kills it once its first step has committed (beyond `before`
        // organisations registered); returns how many are registered then.
        func killedPartWay(_ file: String, before: Int) throws -> Int {
            let importing = Process()
            importing.executableURL = CLIRunner.binary
            importing.arguments = ["import", "organisations", file, "--in-steps", "--as", "sam"]
            importing.currentDirectoryURL = cli.directory
            importing.environment = ["PATH": "/usr/bin:/bin", "FLOURISH_WORKFLOWS": CLIRunner.root.appendingPathComponent("Workflows").path,
                                     "FLOURISH_DB": cli.directory.appendingPathComponent("flourish.sqlite").path, "HOME": cli.directory.path]
            importing.standardOutput = FileHandle.nullDevice
            importing.standardError = FileHandle.nullDevice
            try importing.run()
            // Watched by the organisation the first step ends with (one record: quick to read
            // however many are registered, so the kill lands before the last step).
            let deadline = Date().addingTimeInterval(60)
            while try cli.run("org", "show", "org-\(before + 500)", "--as", "sam").status != 0 && importing.isRunning && Date() < deadline {
                Thread.sleep(forTimeInterval: 0.02)
            }
            kill(importing.processIdentifier, SIGKILL)
            importing.waitUntilExit()
            return try registered()
        }
        let kept = try killedPartWay(file, before: 0)
        #expect(kept >= 500 && kept < rows && kept % 500 == 0, "the steps committed before the kill stay, whole: \(kept)")

        let whole = try cli.run("import", "organisations", file, "--as", "sam")
        #expect(whole.status == 1)
        #expect(whole.stderr.contains("line 2: the first \(kept) rows of this file were imported in steps on "), "\(whole.stderr)")
        let carried = try cli.run("import", "organisations", file, "--in-steps", "--as", "sam")
        #expect(carried.status == 0, "\(carried.stderr)")
        let steps = (rows - kept + 499) / 500
        #expect(carried.stdout.hasPrefix("Carrying on after the first \(kept) rows, which an earlier import in steps wrote: Imported \(rows - kept) organisations\(steps > 1 ? " in \(steps) steps" : ""): org-\(kept + 1), "),
                "\(carried.stdout.prefix(300))")
        #expect(try registered() == rows)
        #expect(try cli.run("audit", "verify").status == 0)
        // Steps are for imports of organisations and pledges; the others are small, all at once.
        #expect(try cli.run("import", "actions", file, "--in-steps", "--as", "sam").status == 2)

        // Another file killed part-way, whose rest is not to be imported: set aside, its steps stay.
        var more = ["name,kind,district,size_band,postcode,company_number,contact_name,contact_email,registered_on"]
        for i in (rows + 1)...(2 * rows) { more.append("Org \(i),business,norwich,small,NR1 \(i % 9)AA,C\(i),Person \(i),p\(i)@example.org,2024-01-01") }
        let second = try cli.write("more-organisations.csv", more.joined(separator: "\n") + "\n")
        let keptAgain = try killedPartWay(second, before: rows) - rows
        #expect(keptAgain >= 500 && keptAgain < rows && keptAgain % 500 == 0, "\(keptAgain)")
        #expect(try cli.run("doctor").stdout.contains("or `flourish import set-aside organisations` if the rest is not to be imported"))
        try cli.run("person", "add", "olu", "--name", "Olu Outsider")
        let outsider = try cli.run("import", "set-aside", "organisations", "--as", "olu")
        #expect(outsider.status == 1 && outsider.stderr.contains("the secretariat"), "\(outsider.stderr)")
        let wrongKind = try cli.run("import", "set-aside", "actions", "--as", "sam")
        #expect(wrongKind.status == 2 && wrongKind.stderr.hasPrefix("Error: set-aside takes organisations or pledges (the imports that run in steps), not 'actions'"), "\(wrongKind.stderr)")
        let setAside = try cli.run("import", "set-aside", "organisations", "--as", "sam")
        #expect(setAside.status == 0 && setAside.stdout.hasPrefix("Set aside the import of organisations in steps begun ")
                && setAside.stdout.hasSuffix(" by sam: its \(keptAgain) rows written stay; the other \(rows - keptAgain) of its file are not imported.\n"), "\(setAside.stdout)")
        #expect(!(try cli.run("doctor").stdout.contains("stopped after")))
        #expect(try registered() == rows + keptAgain)
        let none = try cli.run("import", "set-aside", "organisations", "--as", "sam", "--json")
        let json = try JSONSerialization.jsonObject(with: Data(none.stdout.utf8)) as? [String: Any]
        #expect(json?["kind"] as? String == "organisations" && (json?["setAside"] as? [Any])?.isEmpty == true, "\(none.stdout)")
        #expect(try cli.run("import", "set-aside", "pledges", "--as", "sam").stdout == "No import of pledges in steps was waiting to be carried on; nothing changed.\n")
        #expect(try cli.run("audit", "verify").status == 0)
    }

    /// The partnership's asks through the CLI: published by the secretariat, pledged against,
    /// counted; where pledges are; and the badge of an approved pledge.
    @Test func anAskIsPledgedAgainstCountedAndItsPledgeEarnsABadgeThroughTheCLI() throws {
        let cli = try CLIRunner()
        try cli.run("person", "add", "sam", "--name", "Sam Secretariat", "--email", "sam@example.org")
        try cli.run("member", "add", "sam", "--body", "children-and-young-people-strategic-alliance", "--role", "secretariat")
        let now = ["--now", "2026-04-01T09:00"]
        try cli.run(arguments: ["org", "register", "--as", "sam", "--name", "Acme Ltd", "--kind", "business", "--district", "norwich", "--size", "small",
                                "--postcode", "NR1 1AA", "--contact-name", "Ada Acme", "--contact-email", "ada@acme.example"] + now)
        let noPriority = try cli.run(arguments: ["ask", "publish", "--as", "sam", "--title", "Work placements", "--item", "learning-gaps.6", "--areas", "opportunity"] + now)
        #expect(noPriority.status == 1 && noPriority.stderr.contains("Choose the priority whose \"what needs to happen\" item the ask serves."))
        let notSecretariat = try cli.run(arguments: ["ask", "publish", "--as", "contact-1", "--title", "x", "--areas", "opportunity"] + now)
        #expect(notSecretariat.status == 1)
        let published = try cli.run(arguments: ["ask", "publish", "--as", "sam", "--title", "Work placements", "--priority", "learning-gaps", "--item", "learning-gaps.6",
                                                "--areas", "opportunity,learning", "--districts", "great-yarmouth"] + now)
        let ask = String(published.stdout.dropFirst("Published ".count).prefix { $0 != ":" })
        #expect(published.stdout == "Published \(ask): Work placements. Organisations pledge against it with 'flourish pledge create --ask \(ask)' or on the wall.\n")
        let created = try cli.run(arguments: ["pledge", "create", "--as", "contact-1", "--org", "acme-ltd", "--text", "Two placements with a mentor", "--areas", "opportunity", "--ask", ask] + now)
        let pledge = String(created.stdout.dropFirst("Drafted ".count).prefix { $0 != " " })
        try cli.run(arguments: ["pledge", "submit", pledge, "--as", "contact-1"] + now)
        #expect(try cli.run(arguments: ["ask", "list"] + now).stdout == "\(ask)  open  1 pledged, 0 on the wall  Work placements\n")
        let notYet = try cli.run(arguments: ["pledge", "badge", pledge] + now)
        #expect(notYet.status == 1, "no badge before it is approved")
        try cli.run(arguments: ["pledge", "approve", pledge, "--as", "sam"] + now)
        #expect(try cli.run(arguments: ["ask", "list"] + now).stdout == "\(ask)  open  1 pledged, 1 on the wall  Work placements\n")
        let coverage = try cli.run(arguments: ["pledge", "coverage"] + now).stdout
        #expect(coverage.hasPrefix("1 published pledges; columns are districts, fewest pledges first:\n"))
        #expect(coverage.contains("\nOpportunity ") && coverage.hasSuffix(" 1           \n"), "Norwich, with the one pledge, comes last")
        #expect(try cli.run(arguments: ["pledge", "coverage", "--kind", "pirates"] + now).status != 0)
        let badge = try cli.run(arguments: ["pledge", "badge", pledge, "--site", "https://flourish.example"] + now)
        #expect(badge.stdout.hasPrefix("FLOURISH Pledge 2026, Acme Ltd: Current until 31 March 2027.\nCertificate: https://flourish.example/pledges/\(pledge)/certificate\n"))
        #expect(badge.stdout.contains("<img src=\"https://flourish.example/pledges/\(pledge)/badge.svg\" alt=\"FLOURISH Pledge 2026: Acme Ltd\""))
        let ended = try cli.run(arguments: ["pledge", "badge", pledge, "--now", "2027-04-02T09:00"])
        #expect(ended.stdout.hasPrefix("FLOURISH Pledge 2026, Acme Ltd: Not current"))
        let closed = try cli.run(arguments: ["ask", "close", ask, "--as", "sam", "--reason", "Enough placements"] + now)
        #expect(closed.stdout == "Closed \(ask): Work placements.\n")
        let late = try cli.run(arguments: ["pledge", "create", "--as", "contact-1", "--org", "acme-ltd", "--text", "More", "--areas", "opportunity", "--ask", ask] + now)
        #expect(late.status == 1 && late.stderr.contains("is closed; choose an open ask, or none."))
    }

    /// Evidence and reach through the CLI: an approved pledge keeps a PDF, read back byte for
    /// byte by its contact and refused to another; its report's reach is checked and totalled.
    @Test func aPledgeReportCarriesEvidenceAndItsReachThroughTheCLI() throws {
        let cli = try CLIRunner()
        try cli.run("person", "add", "sam", "--name", "Sam Secretariat", "--email", "sam@example.org")
        try cli.run("member", "add", "sam", "--body", "children-and-young-people-strategic-alliance", "--role", "secretariat")
        let now = ["--now", "2026-04-01T09:00"]
        for (name, email) in [("Acme Ltd", "ada@acme.example"), ("Beacon Trust", "bo@beacon.example")] {
            try cli.run(arguments: ["org", "register", "--as", "sam", "--name", name, "--kind", "business", "--district", "norwich", "--size", "small",
                                    "--contact-name", "Contact", "--contact-email", email] + now)
        }
        let created = try cli.run(arguments: ["pledge", "create", "--as", "contact-1", "--org", "acme-ltd", "--text", "Ten work experience weeks", "--areas", "opportunity"] + now)
        let pledge = String(created.stdout.dropFirst("Drafted ".count).prefix { $0 != " " })
        let pdf = cli.directory.appendingPathComponent("delivered.pdf")
        try Data("%PDF-1.4\nten weeks\n%%EOF\n".utf8).write(to: pdf)
        let early = try cli.run(arguments: ["evidence", "attach", pledge, pdf.path, "--as", "contact-1"] + now)
        #expect(early.status == 1 && early.stderr.contains("add it once the pledge is approved"))
        // Another organisation's contact is not told a draft exists, nor "no evidence file".
        let unseen = try cli.run(arguments: ["evidence", "attach", pledge, pdf.path, "--as", "contact-2"] + now)
        #expect(unseen.status == 1 && unseen.stderr == "Error: There is no record \(pledge). Check the identifier (`flourish instance list` lists them).\n", "\(unseen.stderr)")
        try cli.run(arguments: ["pledge", "submit", pledge, "--as", "contact-1"] + now)
        try cli.run(arguments: ["pledge", "approve", pledge, "--as", "sam"] + now)
        let kept = try cli.run(arguments: ["evidence", "attach", pledge, pdf.path, "--as", "contact-1"] + now)
        #expect(kept.stdout.hasPrefix("Kept delivered.pdf (25 bytes) with \(pledge) as evidence 1; SHA-256 "), "\(kept.stdout)\(kept.stderr)")
        let fake = cli.directory.appendingPathComponent("fake.pdf")
        try Data("<html>".utf8).write(to: fake)
        let refused = try cli.run(arguments: ["evidence", "attach", pledge, fake.path, "--as", "contact-1"] + now)
        #expect(refused.status == 1 && refused.stderr.contains("fake.pdf does not hold what its name says (a PDF)"))
        #expect(try cli.run(arguments: ["evidence", "attach", pledge, "/no/such/file.pdf", "--as", "contact-1"] + now).stderr.contains("there is no file /no/such/file.pdf"))
        // A device or a folder is not a file: said so, not a raw Foundation error.
        let device = try cli.run(arguments: ["evidence", "attach", pledge, "/dev/null", "--as", "contact-1"] + now)
        #expect(device.status == 2 && device.stderr.hasPrefix("Error: /dev/null is not a file (a folder or a device)"), "\(device.stderr)")
        #expect(try cli.run(arguments: ["evidence", "attach", pledge, cli.directory.path, "--as", "contact-1"] + now).stderr.contains("is not a file (a folder or a device)"))
        // Seen on the wall but not theirs: refused as such.
        let other = try cli.run(arguments: ["evidence", "attach", pledge, pdf.path, "--as", "contact-2"] + now)
        #expect(other.status == 1 && other.stderr.contains("may not add evidence to \(pledge)"), "\(other.stderr)")
        #expect(try cli.run(arguments: ["evidence", "list", pledge, "--as", "contact-1"]).stdout == "1  delivered.pdf  25 bytes  application/pdf\n")
        #expect(try cli.run(arguments: ["evidence", "list", pledge, "--as", "contact-2"]).stdout == "No evidence you can see.\n")
        #expect(try cli.run(arguments: ["evidence", "get", "1", "--as", "contact-2"]).status == 1, "another organisation's contact may not have it")
        let got = try cli.run(arguments: ["evidence", "get", "1", "--as", "contact-1", "--out", "copy.pdf"])
        #expect(got.stdout == "Wrote delivered.pdf (25 bytes) to copy.pdf.\n")
        #expect(try Data(contentsOf: cli.directory.appendingPathComponent("copy.pdf")) == Data(contentsOf: pdf))
        #expect(try cli.run(arguments: ["evidence", "get", "1", "--as", "contact-1", "--out", "copy.pdf"]).status != 0, "never over an existing file")

        let after = ["--now", "2027-04-02T09:00"]
        try cli.run(arguments: ["tick"] + after)
        let nonsense = try cli.run(arguments: ["pledge", "report", pledge, "--as", "contact-1", "--outcome", "delivered", "--evidence", "Ten weeks ran", "--reached", "lots"] + after)
        #expect(nonsense.status == 1 && nonsense.stderr.contains("should be the number of children and young people reached, a whole number from 0 to 1000000"))
        let reported = try cli.run(arguments: ["pledge", "report", pledge, "--as", "contact-1", "--outcome", "delivered", "--evidence", "Ten weeks ran", "--reached", "30"] + after)
        #expect(reported.stdout == "\(pledge) is reported (now reported).\n", "\(reported.stderr)")
        let figures = try cli.run(arguments: ["report", "annual", "--year", "2026", "--format", "csv"] + after).stdout
        #expect(figures.contains("totals,partnership,"), "\(figures)")
        #expect(figures.contains(",children and young people reached,30\r\n"))
        #expect(figures.contains("district,norwich,Norwich,children and young people reached,30\r\n"))
    }

    /// The youth review through the CLI: switched on, a pledge waits for the panel's view; the
    /// lead endorses it and the secretariat publishes it; the annual report waits for the
    /// panel's statement.
    @Test func aPledgeWaitsForTheYouthPanelThroughTheCLI() throws {
        let cli = try CLIRunner()
        for (id, body, role) in [("sam", "children-and-young-people-strategic-alliance", "secretariat"), ("yan", "youth-advisory-boards", "chair")] {
            try cli.run("person", "add", id, "--name", id.capitalized, "--email", "\(id)@example.org")
            try cli.run("member", "add", id, "--body", body, "--role", role)
        }
        let now = ["--now", "2026-04-01T09:00"]
        try cli.run(arguments: ["org", "register", "--as", "sam", "--name", "Acme Ltd", "--kind", "business", "--district", "norwich", "--size", "small",
                                "--contact-name", "Ada", "--contact-email", "ada@acme.example"] + now)
        #expect(try cli.run(arguments: ["youth-review", "on", "--as", "sam", "--panel", "early-prevention-board"] + now).stderr.contains("is not a participation group"))
        let on = try cli.run(arguments: ["youth-review", "on", "--as", "sam", "--panel", "youth-advisory-boards", "--working-days", "5"] + now)
        #expect(on.stdout == "The youth review is on: Youth Advisory Boards look at pledges before they are published, within 5 working days.\n")
        let created = try cli.run(arguments: ["pledge", "create", "--as", "contact-1", "--org", "acme-ltd", "--text", "Placements", "--areas", "opportunity"] + now)
        let pledge = String(created.stdout.dropFirst("Drafted ".count).prefix { $0 != " " })
        try cli.run(arguments: ["pledge", "submit", pledge, "--as", "contact-1"] + now)
        let unsent = try cli.run(arguments: ["pledge", "approve", pledge, "--as", "sam"] + now)
        #expect(unsent.status == 1 && unsent.stderr.contains("The youth review is on: send this pledge to the Youth Advisory Boards before publishing it."))
        let sent = try cli.run(arguments: ["youth-review", "send", "--as", "sam"] + now)
        let batch = String(sent.stdout.dropFirst("Sent 1 pledge to Youth Advisory Boards as ".count).prefix { $0 != ";" })
        #expect(sent.stdout == "Sent 1 pledge to Youth Advisory Boards as \(batch); their view is due by 10 April 2026.\n", "five working days from 1 April, over Good Friday and Easter Monday")
        #expect(try cli.run(arguments: ["pledge", "approve", pledge, "--as", "sam"] + now).stderr.contains("have until 10 April 2026 to give their view"))
        #expect(try cli.run(arguments: ["youth-review", "view", batch, "--as", "yan", "--pledge", pledge] + now).status == 2, "endorse or comment")
        let viewed = try cli.run(arguments: ["youth-review", "view", batch, "--as", "yan", "--pledge", pledge, "--endorse"] + now)
        #expect(viewed.stdout == "Recorded the panel's view of \(pledge): endorsed. 1 of 1 pledges in \(batch) have the panel's view.\n")
        #expect(try cli.run(arguments: ["pledge", "approve", pledge, "--as", "sam"] + now).status == 0)
        #expect(try cli.run(arguments: ["youth-review", "list", "--as", "yan"] + now).stdout.hasPrefix("The youth review is on: Youth Advisory Boards, 5 working days a batch.\n\(batch)  with-the-panel  1 of 1 with a view"))
    }
}
