import Foundation
import Testing

/// The annual report through the CLI, on a simulated clock: the groups are asked, one
/// answers, the deadline passes, the secretariat compiles, the Alliance approves, it is published.
@Suite(.serialized) struct ReportCLITests {
    @Test func theAnnualReportFromAskingTheGroupsToPublishing() throws {
        let cli = try CLIRunner()
        for (id, body, role) in [("sam", "children-and-young-people-strategic-alliance", "secretariat"), ("ann", "children-and-young-people-strategic-alliance", "chair"),
                                 ("erin", "early-prevention-board", "chair")] {
            try cli.run("person", "add", id, "--name", id.capitalized, "--email", "\(id)@example.org")
            try cli.run("member", "add", id, "--body", body, "--role", role)
        }
        let july = ["--now", "2026-07-01T09:00"]
        let started = try cli.run(arguments: ["report", "start", "--year", "2026", "--sections-due", "2026-07-31", "--as", "sam"] + july)
        #expect(started.status == 0)
        #expect(started.stdout.hasPrefix("Started the 2026 annual report (annual-report-1); 8 groups are asked for their sections by 31 July 2026"))
        let again = try cli.run(arguments: ["report", "start", "--year", "2026", "--sections-due", "2026-08-31", "--as", "sam"] + july)
        #expect(again.status == 1 && again.stderr.contains("already under way"))
        let section = try cli.run(arguments: ["report", "section", "early-prevention-board", "--year", "2026", "--text", "Two family hubs opened.", "--as", "erin"] + july)
        #expect(section.stdout == "Thank you: Early Prevention Board's section of the 2026 annual report is in (report-section-2).\n")
        let notAGroup = try cli.run(arguments: ["report", "section", "children-and-young-people-strategic-alliance", "--year", "2026", "--text", "x", "--as", "ann"] + july)
        #expect(notAGroup.status == 1 && notAGroup.stderr.contains("is not a subgroup or enabling group"))
        let early = try cli.run(arguments: ["report", "compile", "--year", "2026", "--as", "sam"] + july)
        #expect(early.status == 1 && early.stderr.contains("sections are still awaited from") && early.stderr.contains("(2026-07-31) has not passed"))

        try cli.run("tick", "--now", "2026-08-01T09:00")
        let status = try cli.run("report", "status", "--year", "2026")
        #expect(status.stdout.contains("submitted  Early Prevention Board"))
        #expect(status.stdout.contains("missed     Norfolk Learning Board"))
        let compiled = try cli.run(arguments: ["report", "compile", "--year", "2026", "--as", "sam", "--now", "2026-08-01T10:00"])
        #expect(compiled.status == 0 && compiled.stdout.contains("Missing sections, named in the report: "))
        let byErin = try cli.run(arguments: ["report", "approve", "--year", "2026", "--as", "erin", "--now", "2026-08-02T10:00"])
        #expect(byErin.status == 1)
        #expect(try cli.run(arguments: ["report", "approve", "--year", "2026", "--as", "ann", "--now", "2026-08-02T10:00"]).status == 0)
        let published = try cli.run(arguments: ["report", "publish", "--year", "2026", "--as", "sam", "--now", "2026-08-03T10:00"])
        let digest = try #require(published.stdout.range(of: #"[0-9a-f]{64}"#, options: .regularExpression).map { String(published.stdout[$0]) })

        // The frozen report, and the same figures regenerated from the log as of its publication.
        let frozen = try cli.run("report", "published", "--year", "2026", "--format", "json")
        let regenerated = try cli.run("report", "annual", "--year", "2026", "--format", "json", "--as-of", "2026-08-03T10:00")
        #expect(frozen.stdout == regenerated.stdout)
        #expect(frozen.stdout.contains("\"text\" : \"Two family hubs opened.\""))
        let api = try cli.run("report", "published", "--year", "2026", "--format", "html")
        #expect(api.stdout.contains(digest) && api.stdout.contains("<h1 class=\"govuk-heading-xl\">Annual report 2026</h1>"))

        let out = cli.directory.appendingPathComponent("report.csv").path
        let written = try cli.run("report", "annual", "--year", "2026", "--format", "csv", "--out", out)
        #expect(written.stderr.hasPrefix("Wrote the 2026 annual report (csv, as of "))
        #expect(try String(contentsOfFile: out, encoding: .utf8).hasPrefix("section,key,name,figure,value\r\n"))
        let badFormat = try cli.run("report", "annual", "--year", "2026", "--format", "pdf")
        #expect(badFormat.status == 2 && badFormat.stderr.hasPrefix("Error: --format takes html, csv or json, not 'pdf'"))
        #expect(try cli.run("report", "annual").status == 2)
    }

    /// Issue 22: the secretariat has the kept figures worked out again from the records; no one else may.
    @Test func theSecretariatAsksForTheKeptFiguresToBeRebuilt() throws {
        let cli = try CLIRunner()
        for (id, body, role) in [("sam", "children-and-young-people-strategic-alliance", "secretariat"), ("erin", "early-prevention-board", "chair")] {
            try cli.run("person", "add", id, "--name", id.capitalized, "--email", "\(id)@example.org")
            try cli.run("member", "add", id, "--body", body, "--role", role)
        }
        let refused = try cli.run("figures", "rebuild", "--as", "erin")
        #expect(refused.status == 1 && refused.stderr.contains("erin may not rebuild the kept figures; only the secretariat may"), "\(refused.stderr)")
        let done = try cli.run("figures", "rebuild", "--as", "sam", "--now", "2026-07-01T09:00")
        #expect(done.status == 0)
        #expect(done.stdout == "Asked for the kept figures to be worked out again from the records; a running server does so at its next view. This year's report (2026), worked out afresh here: 0 pledges made.\n")
        let json = try cli.run("figures", "rebuild", "--as", "sam", "--json")
        let parsed = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect(json.status == 0 && parsed?["rebuilt"] as? Bool == true && parsed?["pledgesMade"] as? Int == 0, "\(json.stdout)")
    }
}
