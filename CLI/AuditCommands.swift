import Foundation
import ArgumentParsing
import Services
import Engine

/// `flourish history`, `flourish audit verify`, `flourish tick`, `flourish outbox list`.
enum AuditCommands {
    static let all: [Command] = [history, verify, tick, outboxList, outboxSend, outboxRetry]

    static let outboxSend = Command(
        ["outbox", "send"], "Send pending notifications through a sendmail-compatible command, each at most once.",
        discussion: "A message interrupted while sending is marked failed (it may have gone); check, then 'flourish outbox retry ID'.",
        options: [OptionSpec("command", takesValue: true, valueName: "CMD", help: "The command (or FLOURISH_SENDMAIL; default /usr/sbin/sendmail -t)."),
                  OptionSpec("from", takesValue: true, valueName: "ADDRESS", help: "The From header (or FLOURISH_MAIL_FROM).")]
    ) { inv in
        try inv.expectPositionals(atMost: 0)
        let configured = MailSettings(environment: inv.environment)
        let mail = MailSettings(command: inv.arguments.value("command") ?? configured.command, from: inv.arguments.value("from") ?? configured.from)
        let report = try inv.app.sendOutbox(mail, by: try inv.viewer)
        inv.output(["sent": .array(report.sent.map(JSONValue.integer)), "failed": .array(report.failed.map { ["id": .integer($0.id), "error": .string($0.error)] }),
                    "interrupted": .array(report.interrupted.map(JSONValue.integer))]) {
            var lines = ["Sent \(report.sent.count) message\(report.sent.count == 1 ? "" : "s")" + (report.failed.isEmpty ? "." : "; \(report.failed.count) failed and kept for retry.")]
            lines += report.failed.map { "  \($0.id): \($0.error)" }
            if !report.interrupted.isEmpty { lines.append("Marked failed after an interrupted send (check they arrived, then retry): \(report.interrupted.map(String.init).joined(separator: ", "))") }
            return lines.joined(separator: "\n")
        }
        if !report.failed.isEmpty { throw ExitStatus(code: 1) }
    }

    static let outboxRetry = Command(
        ["outbox", "retry"], "Queue failed notifications to be sent again (the given ones, or all failed).", arguments: "[ID...]"
    ) { inv in
        let ids = try inv.positionals.map { text -> Int64 in
            guard let id = Int64(text) else { throw UsageError("'\(text)' is not a message number; see 'flourish outbox list --status failed'") }
            return id
        }
        let queued = try inv.app.retryOutbox(ids: ids, by: try inv.viewer)
        inv.output(["queued": .array(queued.map(JSONValue.integer))]) {
            queued.isEmpty ? "No failed messages to retry." : "Queued \(queued.count) message\(queued.count == 1 ? "" : "s") to send again: \(queued.map(String.init).joined(separator: ", "))."
        }
    }

    static let history = Command(
        ["history"], "List an instance's events, or its state at a past moment.",
        arguments: "ID",
        options: [OptionSpec("as-of", takesValue: true, valueName: "DATETIME", help: "Show its state and data at that moment, rebuilt from the log.")]
            + pagingOptions(after: "SEQ")
    ) { inv in
        let id = try inv.onlyRecord("ID: the instance (e.g. pledge-1)")
        let app = try inv.app
        if inv.arguments.value("as-of") != nil {
            try InstanceCommands.show.run(inv)
            return
        }
        let request = try inv.pageRequest()
        let events = try app.history(of: id, for: try inv.viewer).events
        inv.outputPage(try ListPage(events, request) { String($0.seq) }, request, name: "events", order: "oldest first", none: "No events.", json: { $0.json(app.time) }) { e in
            let who = e.onBehalfOf.map { "\(e.actor) on behalf of \($0)" } ?? e.actor
            let move = e.fromState.map { "\($0) -> \(e.toState)" } ?? "-> \(e.toState)"
            let fields = e.payload.sorted { $0.key < $1.key }.map { k, v in "\(k)=\(v.stringValue ?? v.canonicalString)" }.joined(separator: " ")
            return "\(e.seq)  \(app.time.inWords(e.occurredAt))  \(e.event) by \(who)  \(move)" + (fields.isEmpty ? "" : "  \(fields)")
        }
    }

    static let verify = Command(
        ["audit", "verify"], "Walk the event log's hash chain, then check every record against it; name the first that is wrong.",
        discussion: """
        Exits 0 only when the whole log is intact and every record matches it: each instance's
        state, data and version are what replaying its events gives, and each message an event
        queued is still in the outbox (or was withheld on purpose, as an import's history is).
        It prints the chain's head (SEQ:HASH): keep it somewhere the database's administrators
        cannot write (the server publishes it as flourish_audit_head_info in /metrics and logs it
        every minute), and give it back later with --head to prove the log was not rewritten
        from an earlier point or cut short (a lost WAL tail).
        """,
        options: [OptionSpec("head", takesValue: true, valueName: "SEQ:HASH", help: "A head recorded earlier that must still be in the chain.")]
    ) { inv in
        try inv.expectPositionals(atMost: 0)
        let report = try inv.app.verifyAuditLog(expectedHead: inv.arguments.value("head"))
        inv.output(["intact": .bool(report.isIntact), "eventsChecked": .integer(Int64(report.eventsChecked)), "head": .string(report.head),
                    "problem": report.problem.map { ["kind": .string($0.kind.rawValue), "seq": .integer($0.seq), "record": $0.record.map(JSONValue.string) ?? .null,
                                                      "detail": .string($0.detail)] } ?? .null]) {
            report.isIntact
                ? "The audit log is intact: \(report.eventsChecked) event\(report.eventsChecked == 1 ? "" : "s") checked.\nHead: \(report.head)"
                : "The audit log is NOT intact: \(report.problem?.description ?? "a problem"). "
                    + (report.problem?.kind == .contradicted ? "Its \(report.eventsChecked) events check out; the record does not." : "\(report.eventsChecked) events before it check out.")
        }
        if !report.isIntact { throw ExitStatus(code: 1) }
    }

    static let tick = Command(
        ["tick"], "Fire every timer that is due now (each exactly once) and print what fired.",
        discussion: "Run it from cron every few minutes, or with --now to simulate time passing."
    ) { inv in
        try inv.expectPositionals(atMost: 0)
        let app = try inv.app
        let fired = try app.runDueTimers()
        inv.output(.array(fired.map { ["timer": .integer($0.timerID), "instance": .string($0.instanceID.rawValue), "name": .string($0.name),
                                       "event": .string($0.event), "dueAt": .string(app.time.localTimestamp($0.dueAt)),
                                       "fired": .bool($0.fired), "note": .string($0.note)] })) {
            if fired.isEmpty { return "No timers were due." }
            let done = fired.filter(\.fired).count
            return (["Fired \(done) timer\(done == 1 ? "" : "s")" + (fired.count > done ? "; skipped \(fired.count - done)." : ".")]
                    + fired.map { "  \($0.instanceID) \($0.name): \($0.fired ? "fired" : "skipped") \($0.event) (due \(app.time.inWords($0.dueAt)))" + ($0.fired ? "" : ": \($0.note)") })
                .joined(separator: "\n")
        }
    }

    static let outboxList = Command(
        ["outbox", "list"], "List notifications in the outbox, newest first.",
        options: [OptionSpec("status", takesValue: true, valueName: "STATUS", help: "pending, sending, sent, failed or undeliverable.")]
            + pagingOptions(defaultLimit: 200, after: "N")
    ) { inv in
        try inv.expectPositionals(atMost: 0)
        let status = inv.arguments.value("status")
        if let status, !["pending", "sending", "sent", "failed", "undeliverable"].contains(status) {
            throw UsageError("--status takes pending, sending, sent, failed or undeliverable, not '\(status)'")
        }
        let request = try inv.pageRequest(defaultLimit: 200)
        let app = try inv.app
        let page = try app.outboxPage(status: status, request, for: try inv.viewer)
        inv.outputPage(page, request, name: "messages", order: "newest first", none: "The outbox is empty.", json: { $0.json(app.time) }) {
            "\($0.id)  \($0.status)  to \($0.recipient)  \($0.subject)" + ($0.lastError.map { "  (\($0))" } ?? "")
        }
    }
}
