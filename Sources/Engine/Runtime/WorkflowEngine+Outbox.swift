public import Foundation
internal import SQLite

/// A notification waiting in, or sent from, the outbox.
public struct OutboxMessage: Sendable, Equatable {
    public let id: Int64
    public let instanceID: InstanceID?
    public let template: String
    public let recipient: String
    public let subject: String
    public let body: String
    public let createdAt: Date
    /// pending, sending, sent, failed or undeliverable.
    public let status: String
    /// Every status a message can have, in the order a message meets them.
    public static let statuses = ["pending", "sending", "sent", "failed", "undeliverable"]
    public let attempts: Int
    public let lastError: String?

    /// The same message addressed, as shown, to `recipient` (words in place of an address kept private).
    public func showing(recipient: String) -> OutboxMessage {
        OutboxMessage(id: id, instanceID: instanceID, template: template, recipient: recipient, subject: subject, body: body,
                      createdAt: createdAt, status: status, attempts: attempts, lastError: lastError)
    }

    /// The message as JSON, its time with the partnership's offset.
    public func json(_ time: PartnershipTime) -> JSONValue {
        ["id": .integer(id), "instanceId": instanceID.map { .string($0.rawValue) } ?? .null, "template": .string(template),
         "recipient": .string(recipient), "subject": .string(subject), "body": .string(body),
         "createdAt": .string(time.localTimestamp(createdAt)), "status": .string(status),
         "attempts": .integer(Int64(attempts)), "lastError": lastError.map(JSONValue.string) ?? .null]
    }
}

/// One page of the outbox, newest first, with how many there are in all.
public struct OutboxPage: Sendable {
    public let messages: [OutboxMessage]
    /// How many messages (in the status asked for) there are in all.
    public let total: Int
    /// Where the next page starts (pass as `after`), or nil when this is the last.
    public let next: Int64?
}

extension WorkflowEngine {
    /// A page of the outbox, newest first: at most `limit` messages older than message `after`
    /// (all the newest when nil), only those in `status` when given, with the total.
    public func outboxPage(status: String?, after: Int64?, limit: Int) throws -> OutboxPage {
        try database.read { db in
            let statusClause = status == nil ? "" : " AND status = ?"
            let statusArgument: [any SQLiteBindable] = status.map { [$0] } ?? []
            let total = try db.query("SELECT count(*) AS n FROM outbox WHERE 1 = 1" + statusClause, arguments: statusArgument).first?.int("n") ?? 0
            let rows = try db.query("SELECT * FROM outbox WHERE id < ?" + statusClause + " ORDER BY id DESC LIMIT ?",
                                    arguments: [after ?? Int64.max] + statusArgument + [Int64(limit + 1)])
            let messages = rows.prefix(limit).map(Self.outboxMessage)
            return OutboxPage(messages: Array(messages), total: total, next: rows.count > limit ? messages.last?.id : nil)
        }
    }

    static func outboxMessage(_ row: Row) -> OutboxMessage {
        OutboxMessage(id: row.int64("id") ?? 0, instanceID: row.string("instance_id").map { InstanceID($0) },
                      template: row.string("template") ?? "", recipient: row.string("recipient") ?? "",
                      subject: row.string("subject") ?? "", body: row.string("body") ?? "",
                      createdAt: Date(milliseconds: row.int64("created_at") ?? 0), status: row.string("status") ?? "",
                      attempts: row.int("attempts") ?? 0, lastError: row.string("last_error"))
    }

    /// Messages in the outbox, oldest first; only those in `status` when given.
    public func outbox(status: String? = nil, limit: Int = 200) throws -> [OutboxMessage] {
        try database.read { db in
            let rows = status == nil
                ? try db.query("SELECT * FROM outbox ORDER BY id LIMIT ?", limit)
                : try db.query("SELECT * FROM outbox WHERE status = ? ORDER BY id LIMIT ?", status ?? "", limit)
            return rows.map(Self.outboxMessage)
        }
    }
}
