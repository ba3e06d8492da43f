import Foundation
import Testing

/// The CLI's authorization matrix: every command that reads the directory, the outbox or the
/// change log, changes the partnership's set-up, or manages an account, run as an organisation's
/// contact, a group's chair, the secretariat and the operator (`--as` nobody in the directory),
/// against the README's "Who sees what". The services decide (the web's routes reach the same
/// calls); a refusal writes nothing and says who may. Record commands (pledges, actions,
/// escalations) are decided by the workflows, and their reads by the access policy, tested
/// with each journey.
@Suite(.serialized) struct CLIAuthorizationMatrixTests {
    static let viewers = ["contact-1", "erin", "sam", "operator"]

    /// One row: the command's words, who may, and which of them run it (in order, after everyone
    /// else was refused); `witness` reads what a refused run would have changed.
    struct Row {
        let arguments: [String]
        let permitted: Set<String>
        let run: [String]
        let witness: [String]
        var stdin: String? = nil
    }

    static let password = "a long enough passphrase 2026"

    static func rows(organisation: String) -> [Row] {
        let secretariat: Set<String> = ["sam", "operator"], erinsOwn: Set<String> = ["erin", "operator"]
        let log = ["group", "log", "--json"], tokens = ["user", "tokens", "erin", "--json"], outbox = ["outbox", "list", "--json"]
        return [
            // The directory, the change log, the outbox and the accounts list: the secretariat's.
            Row(arguments: ["person", "list"], permitted: secretariat, run: ["sam", "operator"], witness: log),
            Row(arguments: ["member", "list"], permitted: secretariat, run: ["sam", "operator"], witness: log),
            Row(arguments: ["group", "log"], permitted: secretariat, run: ["sam", "operator"], witness: log),
            Row(arguments: ["outbox", "list"], permitted: secretariat, run: ["sam", "operator"], witness: log),
            Row(arguments: ["user", "list"], permitted: secretariat, run: ["sam", "operator"], witness: log),
            // The partnership's set-up: the secretariat's.
            Row(arguments: ["person", "add", "zed", "--name", "Zed Zane", "--email", "zed@example.org"], permitted: secretariat, run: ["sam"], witness: log),
            Row(arguments: ["member", "add", "zed", "--body", "early-prevention-board", "--role", "member"], permitted: secretariat, run: ["sam"], witness: log),
            Row(arguments: ["member", "end", "zed", "--body", "early-prevention-board", "--role", "member"], permitted: secretariat, run: ["sam"], witness: log),
            Row(arguments: ["member-org", "add", "acme-health", "--name", "Acme Health", "--sector", "health"], permitted: secretariat, run: ["operator"], witness: log),
            Row(arguments: ["group", "add", "reading-group", "--name", "Reading Group", "--reports-to", "early-prevention-board"], permitted: secretariat, run: ["sam"], witness: log),
            Row(arguments: ["group", "retire", "reading-group", "--reason", "Its work is done"], permitted: secretariat, run: ["operator"], witness: log),
            Row(arguments: ["outbox", "retry"], permitted: secretariat, run: ["sam"], witness: outbox),
            Row(arguments: ["org", "erase-contact", organisation, "--reason", "Asked on 1 December"], permitted: secretariat, run: ["sam"], witness: outbox),
            Row(arguments: ["user", "disable", "bea"], permitted: secretariat, run: ["sam"], witness: log),
            Row(arguments: ["user", "enable", "bea"], permitted: secretariat, run: ["operator"], witness: log),
            // An account's password, sessions and tokens: its holder's own, and the operator's.
            Row(arguments: ["user", "add", "zed"], permitted: ["zed", "operator"], run: ["operator"], witness: log, stdin: password),
            Row(arguments: ["user", "passwd", "erin", "--revoke-tokens"], permitted: erinsOwn, run: ["erin", "operator"], witness: tokens, stdin: password),
            Row(arguments: ["user", "token", "erin", "--name", "matrix"], permitted: erinsOwn, run: ["erin", "operator"], witness: tokens),
            Row(arguments: ["user", "tokens", "erin"], permitted: erinsOwn, run: ["erin", "operator"], witness: tokens),
            Row(arguments: ["user", "sign-out-everywhere", "erin"], permitted: erinsOwn, run: ["erin", "operator"], witness: tokens),
        ]
    }

    @Test func eachCommandIsRefusedToAllButThoseTheREADMENames() throws {
        let cli = try CLIRunner()
        #expect(try cli.run("--now", "2026-11-24T09:00", "init", "--demo").status == 0)
        let organisations = try JSONSerialization.jsonObject(with: Data(cli.run("org", "list", "--json", "--as", "sam").stdout.utf8)) as? [String: Any]
        let organisation = try #require(((organisations?["organisations"] as? [[String: Any]])?.first?["key"]) as? String)
        func run(_ row: Row, as viewer: String) throws -> CLIRunner.Result {
            try cli.run(arguments: row.arguments + (viewer == "operator" ? [] : ["--as", viewer]), environment: ["USER": "ops"], stdin: row.stdin)
        }
        for row in Self.rows(organisation: organisation) {
            let command = row.arguments.prefix(2).joined(separator: " ")
            let before = try cli.run(arguments: row.witness).stdout
            for viewer in Self.viewers where !row.permitted.contains(viewer) {
                let refused = try run(row, as: viewer)
                #expect(refused.status == 1 && refused.stderr.hasPrefix("Error: \(viewer) may not "), "\(command) as \(viewer): \(refused.status) \(refused.stderr)")
                #expect(refused.stdout.isEmpty, "\(command) as \(viewer) printed: \(refused.stdout.prefix(200))")
            }
            #expect(try cli.run(arguments: row.witness).stdout == before, "\(command): a refusal wrote nothing")
            for viewer in row.run {
                let allowed = try run(row, as: viewer)
                #expect(allowed.status == 0, "\(command) as \(viewer): \(allowed.stderr)")
            }
        }
        // What each did is theirs to see: the change log names the secretariat for the set-up.
        let log = try cli.run("group", "log", "--as", "sam").stdout
        #expect(log.contains("Sam") && log.contains("reading-group"), "\(log)")
        #expect(try cli.run("user", "tokens", "erin", "--as", "erin").stdout.contains("matrix"), "the token erin made is hers to list")
    }
}
