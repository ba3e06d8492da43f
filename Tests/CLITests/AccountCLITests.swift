import Foundation
import Testing

/// The administrator's account commands: passwords, tokens one by one, disabling and enabling.
@Suite struct AccountCLITests {
    @Test func tokensAreListedRevokedOneByOneAndAPasswordChangeSaysWhatBecomesOfThem() throws {
        let cli = try CLIRunner()
        try cli.run("person", "add", "olu", "--name", "Olu Okafor")
        let weak = try cli.run("user", "add", "olu", stdin: "Welcome2026\n")
        #expect(weak.status == 1 && weak.stderr.contains("at least 12 characters"), "\(weak.stderr)")
        #expect(try cli.run("user", "add", "olu", stdin: "qwerty123456\n").stderr.contains("commonly used passwords"))
        #expect(try cli.run("user", "add", "olu", stdin: "olu okafor walks\n").stderr.contains("user name"))
        #expect(try cli.run("user", "add", "olu", stdin: "kites over cromer pier\n").status == 0)

        let reader = try cli.run("user", "token", "olu", "--name", "dashboard", "--scope", "read", "--days", "30")
        #expect(reader.status == 0 && reader.stdout.hasPrefix("flo_"))
        #expect(try cli.run("user", "token", "olu", "--name", "sync").status == 0)
        let badScope = try cli.run("user", "token", "olu", "--name", "x", "--scope", "admin")
        #expect(badScope.status != 0 && badScope.stderr.contains("--scope takes one of: read, read-write, metrics"))
        #expect(try cli.run("user", "token", "olu", "--name", "x", "--days", "400").stderr.contains("from 1 to 366 days"))

        let listed = try cli.run("user", "tokens", "olu", "--json")
        let tokens = try #require((try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [String: Any])?["tokens"] as? [[String: Any]])
        #expect(Set(tokens.compactMap { $0["name"] as? String }) == ["dashboard", "sync"])
        #expect(!listed.stdout.contains("flo_"), "the tokens themselves are never shown again")
        let dashboard = try #require(tokens.first { $0["name"] as? String == "dashboard" }?["id"] as? String)
        let revoked = try cli.run("user", "revoke-token", "olu", dashboard)
        #expect(revoked.status == 0 && revoked.stdout.contains("Revoked olu's token \"dashboard\""))
        #expect(try cli.run("user", "revoke-token", "olu", dashboard).stderr.contains("no live API token"))
        #expect(try cli.run("user", "tokens", "olu").stdout.contains("revoked"))
        // A page at a time, saying how to see the rest (issue 18).
        let first = try cli.run("user", "tokens", "olu", "--limit", "1").stdout
        #expect(first.contains("Showing 1 of 2, live ones first; for the next 1: flourish user tokens olu --limit 1 --after "), "\(first)")

        // A password change must say what becomes of the live token.
        let unsaid = try cli.run("user", "passwd", "olu", stdin: "lanterns on the quay\n")
        #expect(unsaid.status != 0 && unsaid.stderr.contains("has 1 live API token: add --revoke-tokens"), "\(unsaid.stderr)")
        let changed = try cli.run("user", "passwd", "olu", "--revoke-tokens", stdin: "lanterns on the quay\n")
        #expect(changed.status == 0 && changed.stdout.contains("1 API token was revoked"), "\(changed.stdout)")

        #expect(try cli.run("user", "disable", "olu").stdout.contains("`flourish user enable olu` undoes it"))
        #expect(try cli.run("user", "list").stdout.contains("olu  Olu Okafor  disabled"))
        #expect(try cli.run("user", "enable", "olu").status == 0)
        #expect(!(try cli.run("user", "list").stdout.contains("disabled")))
    }

    /// `--max-connections 5000` with 1,024 descriptors ended in "out of file descriptors" and
    /// 500s from SQLite; now the server refuses to start and names both numbers.
    @Test func aConnectionCapTheFileLimitCannotHoldIsRefusedAtStartUp() throws {
        let cli = try CLIRunner()
        let shell = URL(fileURLWithPath: "/bin/sh")
        let refused = try cli.run(arguments: ["-c", "ulimit -n 1024 && exec \"$0\" serve --port 0 --max-connections 5000", CLIRunner.binary.path], executable: shell)
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("5000") && refused.stderr.contains("1024"), "\(refused.stderr)")
    }

    /// The administrator's side of the web's journeys: imported contacts are invited, and an
    /// organisation's contacts are listed, added, handed over and removed.
    @Test func importedContactsAreInvitedAndContactsAreManaged() throws {
        let cli = try CLIRunner()
        try cli.run("person", "add", "sec", "--name", "Sam Secretariat", "--email", "sam@example.org")
        try cli.run("member", "add", "sec", "--body", "children-and-young-people-strategic-alliance", "--role", "secretariat")
        let sample = CLIRunner.root.appendingPathComponent("Workflows/samples/organisations.csv").path
        try cli.run("person", "add", "olu", "--name", "Olu Okafor")
        let notSecretariat = try cli.run("import", "organisations", sample, "--invite", "--as", "olu")
        #expect(notSecretariat.status != 0 && notSecretariat.stderr.contains("--invite sends invitations as the secretariat"), "\(notSecretariat.stderr)")
        let cli2 = try CLIRunner()
        try cli2.run("person", "add", "sec", "--name", "Sam Secretariat", "--email", "sam@example.org")
        try cli2.run("member", "add", "sec", "--body", "children-and-young-people-strategic-alliance", "--role", "secretariat")
        let imported = try cli2.run("import", "organisations", sample, "--invite", "--as", "sec", "--site-url", "https://flourish.example.org")
        #expect(imported.status == 0 && imported.stdout.contains("Invited"), "\(imported.stdout)\(imported.stderr)")
        let outbox = try #require(try JSONSerialization.jsonObject(with: Data(try cli2.run("outbox", "list", "--json").stdout.utf8)) as? [String: Any])
        let messages = (outbox["messages"] as? [[String: Any]]) ?? []
        let invitations = messages.filter { $0["template"] as? String == "invitation" }
        #expect(!invitations.isEmpty && invitations.allSatisfy { ($0["body"] as? String)?.contains("https://flourish.example.org/invitation?token=") == true })
        #expect(messages.allSatisfy { $0["template"] as? String != "organisation-registered" }, "no welcome about the past")

        let shown = try cli2.run("org", "show", "wensum-valley-bakery", "--json", "--as", "sec")
        #expect(shown.stdout.contains("\"onWall\": false"), "no pledge, so not on the wall: \(shown.stdout)")
        let one = try cli2.write("one.csv", "name,kind,district,size_band,contact_name,contact_email\nSolo Sailing,business,norwich,small,Sol,sol@example.org\n")
        #expect(try cli2.run("import", "organisations", one, "--as", "sec").stdout.hasPrefix("Imported 1 organisation: "))
        let listed = try cli2.run("org", "contacts", "wensum-valley-bakery", "--as", "sec")
        #expect(listed.stdout.contains("Priya Shah") && listed.stdout.contains("main contact") && listed.stdout.contains("invited"), "\(listed.stdout)")
        let added = try cli2.run("org", "invite-contact", "wensum-valley-bakery", "--name", "Dan Baker", "--email", "dan@wensum.example", "--as", "sec")
        #expect(added.status == 0 && added.stdout.contains("as dan.baker"), "\(added.stdout)\(added.stderr)")
        let contacts = try cli2.run("org", "contacts", "wensum-valley-bakery", "--json", "--as", "sec")
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(contacts.stdout.utf8)) as? [[String: Any]])
        let main = try #require(rows.first?["person"] as? String)
        #expect(try cli2.run("org", "remove-contact", "wensum-valley-bakery", main, "--as", "sec").stderr.contains("is the main contact"))
        #expect(try cli2.run("org", "main-contact", "wensum-valley-bakery", "dan.baker", "--as", "sec").status == 0)
        #expect(try cli2.run("org", "remove-contact", "wensum-valley-bakery", main, "--as", "sec").status == 0)
        #expect(try cli2.run("org", "remove-contact", "wensum-valley-bakery", "dan.baker", "--as", "sec").stderr.contains("needs at least one contact"))
        #expect(try cli2.run("user", "invite", "dan.baker", "--as", "sec").stdout.contains("An invitation to dan.baker is in the outbox"))
        #expect(try cli2.run("user", "invite", "dan.baker", "--as", "dan.baker").stderr.contains("secretariat"), "only the secretariat invites")
    }
}
