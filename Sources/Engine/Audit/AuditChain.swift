internal import Foundation
public import SQLite

/// The hash chain over the event log.
///
/// Each event's hash covers a canonical encoding of its header (sequence number, instance,
/// event, actor, states, time), a digest of its payload, and the previous event's hash. Any
/// edit, deletion or reordering breaks a link that ``verify(_:)`` finds and names. Because
/// the chain covers the payload only through its digest, a payload can be redacted for a
/// data-protection erasure without breaking the chain.
public enum AuditChain {
    /// The "previous hash" of the first event.
    public static let genesis = String(repeating: "0", count: 64)

    /// The hashed header of one event.
    public struct Link: Sendable, Equatable {
        public let seq: Int64
        public let instanceID: String
        public let instanceVersion: Int
        public let event: String
        public let actor: String
        public let onBehalfOf: String?
        public let fromState: String?
        public let toState: String
        public let occurredAt: Int64
        public let payloadDigest: String
        public let previousHash: String

        /// SHA-256 of the canonical JSON of every field.
        public var hash: String {
            let header: JSONValue = [
                "seq": .integer(seq), "instance": .string(instanceID), "instanceVersion": .integer(Int64(instanceVersion)),
                "event": .string(event), "actor": .string(actor), "onBehalfOf": onBehalfOf.map(JSONValue.string) ?? .null,
                "from": fromState.map(JSONValue.string) ?? .null, "to": .string(toState), "occurredAt": .integer(occurredAt),
                "payloadDigest": .string(payloadDigest), "previous": .string(previousHash),
            ]
            return SHA256.hex(header.canonicalString)
        }
    }

    /// What a verification found.
    public struct Report: Sendable, Equatable {
        /// How many events were checked.
        public let eventsChecked: Int
        /// The first problem, or nil when the log is intact.
        public let problem: Problem?
        /// Whether the whole log is intact.
        public var isIntact: Bool { problem == nil }
    }

    /// The first place the chain is broken.
    public struct Problem: Sendable, Equatable, CustomStringConvertible {
        public enum Kind: String, Sendable { case altered, removed, reordered }
        public let kind: Kind
        /// The sequence number of the event concerned.
        public let seq: Int64
        public let detail: String
        public var description: String { "event \(seq) was \(kind.rawValue): \(detail)" }
    }

    /// Walks the whole log in order and checks every link.
    public static func verify(_ db: Connection) throws -> Report {
        var previousHash = genesis
        var expectedSeq: Int64 = 1
        var checked = 0
        var seenHashes: [String: Int64] = [:]
        var after: Int64 = 0
        while true {
            let rows = try db.query("SELECT * FROM events WHERE seq > ? ORDER BY seq LIMIT 5000", after)
            if rows.isEmpty { break }
            for row in rows {
                let seq = row.int64("seq") ?? 0
                after = seq
                if seq != expectedSeq {
                    return Report(eventsChecked: checked, problem: Problem(kind: .removed, seq: expectedSeq,
                        detail: seq > expectedSeq ? "events \(expectedSeq) to \(seq - 1) are missing from the log" : "sequence numbers repeat"))
                }
                let link = Link(seq: seq, instanceID: row.string("instance_id") ?? "", instanceVersion: row.int("instance_version") ?? 0,
                                event: row.string("event") ?? "", actor: row.string("actor") ?? "", onBehalfOf: row.string("on_behalf_of"),
                                fromState: row.string("from_state"), toState: row.string("to_state") ?? "",
                                occurredAt: row.int64("occurred_at") ?? 0, payloadDigest: row.string("payload_digest") ?? "",
                                previousHash: row.string("prev_hash") ?? "")
                let storedHash = row.string("hash") ?? ""
                if link.hash != storedHash {
                    return Report(eventsChecked: checked, problem: Problem(kind: .altered, seq: seq, detail: "its recorded details no longer match its hash"))
                }
                if link.previousHash != previousHash {
                    let kind: Problem.Kind = seenHashes[link.previousHash] != nil || link.previousHash == genesis ? .reordered : .removed
                    let detail = kind == .reordered
                        ? "it was chained after event \(seenHashes[link.previousHash].map(String.init) ?? "0"), not after event \(seq - 1)"
                        : "the event it was chained to is no longer in the log"
                    return Report(eventsChecked: checked, problem: Problem(kind: kind, seq: seq, detail: detail))
                }
                if row.int("redacted") != 1, SHA256.hex(row.string("payload") ?? "") != link.payloadDigest {
                    return Report(eventsChecked: checked, problem: Problem(kind: .altered, seq: seq, detail: "its payload was changed"))
                }
                seenHashes[storedHash] = seq
                previousHash = storedHash
                expectedSeq = seq + 1
                checked += 1
            }
        }
        if let head = try db.queryOne("SELECT last_seq, last_hash FROM chain_head WHERE id = 1") {
            let lastSeq = head.int64("last_seq") ?? 0
            if lastSeq != expectedSeq - 1 || head.string("last_hash") != previousHash {
                let problemSeq = lastSeq >= expectedSeq ? expectedSeq : lastSeq
                return Report(eventsChecked: checked, problem: Problem(kind: .removed, seq: problemSeq,
                    detail: lastSeq >= expectedSeq ? "the log ends at event \(expectedSeq - 1) but event \(lastSeq) was written" : "the chain's head does not match the last event"))
            }
        } else if checked > 0 {
            return Report(eventsChecked: checked, problem: Problem(kind: .removed, seq: 1, detail: "the chain's head record is missing"))
        }
        return Report(eventsChecked: checked, problem: nil)
    }
}

extension WorkflowEngine {
    /// Walks the event log's hash chain and reports the first break, if any.
    public func verifyAuditLog() throws -> AuditChain.Report {
        try database.read { db in try AuditChain.verify(db) }
    }
}
