public import Foundation
public import Engine
internal import SQLite

/// What one run of `outbox send` did.
public struct OutboxSendReport: Sendable, Equatable {
    public var sent: [Int64] = []
    public var failed: [(id: Int64, error: String)] = []
    /// Messages a previous run left half-sent, now marked failed for a person to check.
    public var interrupted: [Int64] = []

    /// What happened, for a person at the outbox: how many left, how many failed and, in plain
    /// words, why (a mail command that is not there is said to be so, with what to do).
    public var inWords: String {
        var text = sent.isEmpty && failed.isEmpty ? "No message was waiting." : "Sent \(sent.count) message\(sent.count == 1 ? "" : "s")."
        if let first = failed.first {
            let n = failed.count
            let why = first.error.contains("exited with status 127") || first.error.contains("not found")
                ? "the mail command set for this server is not there (ask whoever runs the server to install it, or to set FLOURISH_SENDMAIL), then retry them"
                : "the mail command answered: \(first.error)"
            text += " \(n) message\(n == 1 ? "" : "s") could not be sent and \(n == 1 ? "is" : "are") kept, marked failed: \(why)."
        }
        if !interrupted.isEmpty { text += " \(interrupted.count) left half-sent earlier \(interrupted.count == 1 ? "is" : "are") marked failed: check they arrived before retrying." }
        return text
    }

    /// Whether anything went wrong (shown as a warning, not a success).
    public var hasProblems: Bool { !failed.isEmpty || !interrupted.isEmpty }

    public static func == (a: OutboxSendReport, b: OutboxSendReport) -> Bool {
        a.sent == b.sent && a.interrupted == b.interrupted && a.failed.map(\.id) == b.failed.map(\.id)
    }
}

/// Why the outbox refused a request.
public enum OutboxError: Error, Equatable, Sendable, LocalizedError {
    case notRetryable(Int64, status: String)
    case unknownMessage(Int64)

    public var errorDescription: String? {
        switch self {
        case .notRetryable(let id, let status): return "Message \(id) is \(status); only failed messages can be retried."
        case .unknownMessage(let id): return "There is no message \(id) in the outbox; see 'flourish outbox list'."
        }
    }
}

extension Flourish {
    /// The command used to send mail when none is configured.
    public static let defaultSendmail = "/usr/sbin/sendmail -t"

    /// Sends pending notifications through a sendmail-compatible command, each at most once.
    ///
    /// A message is claimed (marked sending) in its own transaction before the command runs,
    /// and marked sent or failed after. A message found still "sending" was interrupted after
    /// it was claimed: it may or may not have gone, so it is marked failed with that said,
    /// never re-sent on its own; `retry` sends it again once someone has checked.
    func sendOutbox(command: String = Flourish.defaultSendmail, from: String = "FLOURISH Pledge <flourish@localhost>", limit: Int = 500) throws -> OutboxSendReport {
        var report = OutboxSendReport()
        let now = clock.now()
        report.interrupted = try database.write { db in
            let stuck = try db.query("SELECT id FROM outbox WHERE status = 'sending' ORDER BY id").compactMap { $0.int64("id") }
            try db.run("UPDATE outbox SET status = 'failed', last_error = 'Interrupted while sending: check whether it arrived before retrying.' WHERE status = 'sending'")
            return stuck
        }
        let pending = try engine.outbox(status: "pending", limit: limit)
        for message in pending {
            let claimed = try database.write { db -> Bool in
                try db.run("UPDATE outbox SET status = 'sending', attempts = attempts + 1 WHERE id = ? AND status = 'pending'", message.id)
                return db.changes == 1
            }
            guard claimed else { continue }
            let text = Self.rfc5322(message, from: from, date: now)
            let outcome = Self.runSendmail(command, input: text)
            try database.write { db in
                if let error = outcome {
                    try db.run("UPDATE outbox SET status = 'failed', last_error = ? WHERE id = ?", error, message.id)
                } else {
                    try db.run("UPDATE outbox SET status = 'sent', sent_at = ?, last_error = NULL WHERE id = ?", now.milliseconds, message.id)
                }
            }
            if let error = outcome { report.failed.append((message.id, error)) } else { report.sent.append(message.id) }
        }
        return report
    }

    /// How many messages reached no one (no one with an email address held the role they were
    /// for): they wait for someone to be given the role and an address.
    public func outboxUndeliverableCount() throws -> Int {
        try database.read { try $0.queryOne("SELECT count(*) AS n FROM outbox WHERE status = 'undeliverable'")?.int("n") ?? 0 }
    }

    /// How many messages wait to be sent, and how many failed (for the outbox page and the
    /// secretariat's home).
    public func outboxCounts() throws -> (pending: Int, failed: Int) {
        try database.read { db in
            let rows = try db.query("SELECT status, count(*) AS n FROM outbox WHERE status IN ('pending', 'failed') GROUP BY status")
            let counts = Dictionary(rows.map { ($0.string("status") ?? "", $0.int("n") ?? 0) }, uniquingKeysWith: +)
            return (counts["pending"] ?? 0, counts["failed"] ?? 0)
        }
    }

    /// Puts failed messages back in the queue: the given ones, or every failed one.
    func retryOutbox(ids: [Int64]) throws -> [Int64] {
        try database.write { db in
            if ids.isEmpty {
                let failed = try db.query("SELECT id FROM outbox WHERE status = 'failed' ORDER BY id").compactMap { $0.int64("id") }
                try db.run("UPDATE outbox SET status = 'pending' WHERE status = 'failed'")
                return failed
            }
            for id in ids {
                guard let row = try db.queryOne("SELECT status FROM outbox WHERE id = ?", id) else { throw OutboxError.unknownMessage(id) }
                let status = row.string("status") ?? ""
                guard status == "failed" else { throw OutboxError.notRetryable(id, status: status) }
                try db.run("UPDATE outbox SET status = 'pending' WHERE id = ?", id)
            }
            return ids
        }
    }

    /// The message as an RFC 5322 text for `sendmail -t`.
    static func rfc5322(_ m: OutboxMessage, from: String, date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        // One header line each, whatever was queued (a message queued before subjects were
        // made one line, or a recipient however it came): a line break would start a new header.
        let oneLine = m.subject.onOneLine, recipient = m.recipient.onOneLine
        let subject = oneLine.allSatisfy({ $0.isASCII }) ? oneLine : "=?UTF-8?B?\(Data(oneLine.utf8).base64EncodedString())?="
        let headers = [
            "From: \(from)", "To: \(recipient)", "Subject: \(subject)", "Date: \(formatter.string(from: date))",
            "Message-ID: <outbox-\(m.id).\(m.createdAt.milliseconds)@flourish>", "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 8bit",
        ]
        return headers.joined(separator: "\n") + "\n\n" + m.body + "\n"
    }

    /// Runs the command with the message on standard input; nil on success, else what went wrong.
    static func runSendmail(_ command: String, input: String) -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        let stdin = Pipe(), stderr = Pipe()
        process.standardInput = stdin
        process.standardError = stderr
        process.standardOutput = FileHandle.nullDevice
        // A command that exits without reading its input (a refusing relay) must not take the
        // sender down with SIGPIPE: the write fails instead, and the command's status says why.
        signal(SIGPIPE, SIG_IGN)
        do { try process.run() } catch { return "could not run \(command): \(error.localizedDescription)" }
        try? stdin.fileHandleForWriting.write(contentsOf: Data(input.utf8))
        try? stdin.fileHandleForWriting.close()
        let errorText = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            return "\(command) exited with status \(process.terminationStatus)" + (errorText.isEmpty ? "" : ": \(errorText.prefix(500))")
        }
        return nil
    }
}
