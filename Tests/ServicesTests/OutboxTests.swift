import Foundation
import Testing
@_spi(Harness) @testable import Services
import Engine
import Domain

@Suite(.serialized) struct OutboxTests {
    /// A sendmail stand-in: appends each message to a file, and fails for one address.
    func fakeSendmail(_ dir: URL) throws -> (command: String, spool: URL) {
        let spool = dir.appendingPathComponent("spool.txt")
        let script = dir.appendingPathComponent("sendmail")
        try """
        #!/bin/sh
        message=$(cat)
        case "$message" in *"To: bounce@example.org"*) echo "550 mailbox unavailable" >&2; exit 75;; esac
        printf '%s\\n.\\n' "$message" >> "\(spool.path)"
        """.write(to: script, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script.path)
        return (script.path + " -t", spool)
    }

    @Test func pendingMessagesAreSentOnceFailuresKeptAndRetried() throws {
        let f = try NorfolkFixture(start: "2026-03-02T09:00")
        try f.person("sec", alliance, "secretariat")
        _ = try f.app.registerOrganisation(.init(name: "Acme Ltd", kind: "business", district: "norwich", sizeBand: "small", contactName: "A", contactEmail: "acme@example.org"), by: "sec")
        _ = try f.app.registerOrganisation(.init(name: "Bouncy Castle", kind: "business", district: "norwich", sizeBand: "small", contactName: "B", contactEmail: "bounce@example.org"), by: "sec")
        let dir = URL(fileURLWithPath: f.app.database.path).deletingLastPathComponent()
        let (command, spool) = try fakeSendmail(dir)
        let first = try f.app.sendOutbox(command: command)
        #expect(first.sent.count == 1)
        #expect(first.failed.count == 1)
        #expect(first.failed[0].error == "\(command) exited with status 75: 550 mailbox unavailable")
        let mail = try String(contentsOf: spool, encoding: .utf8)
        #expect(mail.contains("To: acme@example.org\nSubject: Welcome to the FLOURISH Pledge\n"))
        #expect(mail.contains("Message-ID: <outbox-1."))
        #expect(mail.contains("Thank you for registering Acme Ltd for the FLOURISH Pledge."), "the organisation by its name, not its key")
        // Nothing is sent twice.
        let second = try f.app.sendOutbox(command: command)
        #expect(second.sent.isEmpty && second.failed.isEmpty)
        #expect(try String(contentsOf: spool, encoding: .utf8).components(separatedBy: "\n.\n").count - 1 == 1)
        #expect(try f.app.engine.outbox(status: "failed").first?.lastError?.contains("550") == true)
        #expect(try f.app.retryOutbox(ids: [first.failed[0].id]) == [first.failed[0].id])
        #expect(throws: OutboxError.notRetryable(first.sent[0], status: "sent")) { try f.app.retryOutbox(ids: [first.sent[0]]) }
        #expect(try f.app.engine.outbox(status: "pending").count == 1)
    }

    /// No mail command on the server: said in words, with what to do (it was the shell's "not found").
    @Test func aMissingMailCommandIsSaidInWords() throws {
        let f = try NorfolkFixture(start: "2026-03-02T09:00")
        try f.person("sec", alliance, "secretariat")
        _ = try f.app.registerOrganisation(.init(name: "Acme Ltd", kind: "business", district: "norwich", sizeBand: "small", contactName: "A", contactEmail: "acme@example.org"), by: "sec")
        let report = try f.app.sendOutbox(command: "/no/such/sendmail -t")
        #expect(report.hasProblems)
        #expect(report.inWords == "Sent 0 messages. 1 message could not be sent and is kept, marked failed: the mail command set for this server is not there (ask whoever runs the server to install it, or to set FLOURISH_SENDMAIL), then retry them.")
    }

    @Test func aSendInterruptedAfterItsClaimIsNeverRepeatedOnItsOwn() throws {
        let f = try NorfolkFixture(start: "2026-03-02T09:00")
        try f.person("sec", alliance, "secretariat")
        _ = try f.app.registerOrganisation(.init(name: "Acme Ltd", kind: "business", district: "norwich", sizeBand: "small", contactName: "A", contactEmail: "acme@example.org"), by: "sec")
        // A sender that died after claiming the message and before recording the result.
        try f.app.database.write { try $0.execute("UPDATE outbox SET status = 'sending', attempts = 1") }
        let (command, spool) = try fakeSendmail(URL(fileURLWithPath: f.app.database.path).deletingLastPathComponent())
        let report = try f.app.sendOutbox(command: command)
        #expect(report.interrupted == [1])
        #expect(report.sent.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: spool.path))
        #expect(try f.app.engine.outbox(status: "failed").first?.lastError == "Interrupted while sending: check whether it arrived before retrying.")
    }

    /// Messages name things as people know them: keys become names, and a recipient nobody
    /// holds is described in words, not as `relation("group-chair")`.
    @Test func messagesUseNamesNotKeys() throws {
        let f = try NorfolkFixture(start: "2026-03-02T09:00")
        try f.person("sec", alliance, "secretariat")
        _ = try f.app.registerOrganisation(.init(name: "Wensum Works Ltd", kind: "business", district: "norwich", sizeBand: "small", contactName: "W", contactEmail: "w@example.org"), by: "sec")
        let names = PartnershipNames(framework: f.app.framework)
        let (organisation, body, person, area, unknown) = try f.app.database.read { db in
            (try names.name(of: "organisation", value: "wensum-works-ltd", db: db), try names.name(of: "group", value: alliance, db: db),
             try names.name(of: "owner", value: "sec", db: db), try names.name(of: "areas", value: "learning", db: db),
             try names.name(of: "text", value: "learning", db: db))
        }
        #expect(organisation == "Wensum Works Ltd")
        #expect(body == "Children and Young People Strategic Alliance")
        #expect(person == "Sec")
        #expect(area != nil && area != "learning")
        #expect(unknown == nil, "free text is left as it is")
        #expect(try f.app.outboxPage().items.first?.body.contains("Thank you for registering Wensum Works Ltd") == true)
        #expect(Recipient.relation("group-chair").inWords == "the group’s chair")
        #expect(Recipient.role("secretariat").inWords == "anyone with the role secretariat")
    }
}
