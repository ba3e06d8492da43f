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
        ///
        /// Written out by hand in canonical order (keys sorted, no white space) because it
        /// runs once per event; a test holds it equal to the canonical encoding of the same
        /// object built as a ``JSONValue``.
        public var hash: String { SHA256.hex(canonicalHeader) }

        /// The canonical JSON that is hashed.
        var canonicalHeader: String {
            var out: [UInt8] = []
            out.reserveCapacity(400)
            func key(_ k: String, first: Bool = false) {
                if !first { out.append(UInt8(ascii: ",")) }
                JSONValue.quote(k, into: &out)
                out.append(UInt8(ascii: ":"))
            }
            func string(_ s: String?) { if let s { JSONValue.quote(s, into: &out) } else { out += "null".utf8 } }
            out.append(UInt8(ascii: "{"))
            key("actor", first: true); string(actor)
            key("event"); string(event)
            key("from"); string(fromState)
            key("instance"); string(instanceID)
            key("instanceVersion"); out += String(instanceVersion).utf8
            key("occurredAt"); out += String(occurredAt).utf8
            key("onBehalfOf"); string(onBehalfOf)
            key("payloadDigest"); string(payloadDigest)
            key("previous"); string(previousHash)
            key("seq"); out += String(seq).utf8
            key("to"); string(toState)
            out.append(UInt8(ascii: "}"))
            return String(decoding: out, as: UTF8.self)
        }

        /// The same header built as a JSON value (for the test that keeps the two equal).
        var headerValue: JSONValue {
            [
                "seq": .integer(seq), "instance": .string(instanceID), "instanceVersion": .integer(Int64(instanceVersion)),
                "event": .string(event), "actor": .string(actor), "onBehalfOf": onBehalfOf.map(JSONValue.string) ?? .null,
                "from": fromState.map(JSONValue.string) ?? .null, "to": .string(toState), "occurredAt": .integer(occurredAt),
                "payloadDigest": .string(payloadDigest), "previous": .string(previousHash),
            ]
        }
    }

    /// What a verification found.
    public struct Report: Sendable, Equatable {
        /// How many events were checked.
        public let eventsChecked: Int
        /// The first problem, or nil when the log is intact.
        public let problem: Problem?
        /// `SEQ:HASH` of the last event checked. Record it somewhere the database's
        /// administrators cannot write, and pass it to a later verify as `expectedHead`: a
        /// log rewritten wholesale from an earlier point then no longer contains it.
        public var head: String = ""
        /// Whether the whole log is intact.
        public var isIntact: Bool { problem == nil }
    }

    /// The first place the chain is broken, or the first record that contradicts it.
    public struct Problem: Sendable, Equatable, CustomStringConvertible {
        /// `contradicted`: the log is intact but a record built from it (an instance, an
        /// outbox message) says something else.
        public enum Kind: String, Sendable { case altered, removed, reordered, contradicted }
        public let kind: Kind
        /// The sequence number of the event concerned.
        public let seq: Int64
        /// The record at fault when it is not an event ("action-8", "outbox message 12").
        public let record: String?
        public let detail: String

        public init(kind: Kind, seq: Int64, record: String? = nil, detail: String) {
            self.kind = kind
            self.seq = seq
            self.record = record
            self.detail = detail
        }

        public var description: String {
            guard let record else { return "event \(seq) was \(kind.rawValue): \(detail)" }
            return kind == .contradicted ? "\(record) does not match the event log: \(detail)" : "\(record): \(detail)"
        }
    }

    /// Walks the whole log in order and checks every link.
    public static func verify(_ db: Connection, expectedHead: String? = nil) throws -> Report {
        let report = try walk(db)
        guard report.isIntact, let expectedHead else { return report }
        let parts = expectedHead.split(separator: ":", maxSplits: 1)
        guard parts.count == 2, let seq = Int64(parts[0]) else {
            return Report(eventsChecked: report.eventsChecked, problem: Problem(kind: .altered, seq: 0, detail: "the recorded head \"\(expectedHead)\" is not of the form SEQ:HASH"), head: report.head)
        }
        let row = try db.queryOne("SELECT hash FROM events WHERE seq = ?", seq)
        if row?.string("hash") != String(parts[1]) {
            return Report(eventsChecked: report.eventsChecked, problem: Problem(kind: row == nil ? .removed : .altered, seq: seq,
                detail: "the head recorded earlier (\(expectedHead.prefix(20))…) is no longer in the chain"), head: report.head)
        }
        return report
    }

    private static func walk(_ db: Connection) throws -> Report {
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
        // A payload may differ from its digest only where a redaction was recorded after it.
        if let row = try db.queryOne("""
            SELECT e.seq FROM events e WHERE e.redacted = 1 AND NOT EXISTS (
              SELECT 1 FROM events r WHERE r.instance_id = e.instance_id AND r.event = 'redact' AND r.seq > e.seq)
            ORDER BY e.seq LIMIT 1
            """) {
            return Report(eventsChecked: checked, problem: Problem(kind: .altered, seq: row.int64("seq") ?? 0,
                detail: "it is marked redacted but no redaction was recorded after it"), head: head(previousHash, expectedSeq - 1))
        }
        // Every instance's version counts its events, so a log cut short at its end (or an
        // instance's last events removed) shows as an instance ahead of its events.
        let behind = try db.query("""
            SELECT i.id, i.version, MAX(e.instance_version) AS last, MAX(e.seq) AS last_seq
            FROM instances i LEFT JOIN events e ON e.instance_id = i.id
            GROUP BY i.id HAVING last IS NULL OR last <> i.version ORDER BY last_seq LIMIT 1
            """)
        if let row = behind.first {
            // The chain is whole up to its head, so what is missing was at its end: the event
            // after the head, whichever instance it belonged to.
            let id = row.string("id") ?? "?"
            let reached = row.int("last").map { "its events stop at version \($0)" } ?? "none of its events is left"
            return Report(eventsChecked: checked, problem: Problem(kind: .removed, seq: expectedSeq,
                detail: "the log ends at event \(expectedSeq - 1), but \(id) is at version \(row.int("version") ?? 0) and \(reached): events after \(expectedSeq - 1) were removed"),
                head: head(previousHash, expectedSeq - 1))
        }
        return Report(eventsChecked: checked, problem: nil, head: head(previousHash, expectedSeq - 1))
    }

    private static func head(_ hash: String, _ seq: Int64) -> String { "\(seq):\(hash)" }
}

extension WorkflowEngine {
    /// Walks the event log's hash chain and reports the first break, if any.
    ///
    /// - Parameter expectedHead: a head (`SEQ:HASH`) recorded from an earlier verify, which must still be in the chain.
    /// When the chain is intact, every record built from it is checked against it too (see ``verifyRecords(_:)``).
    public func verifyAuditLog(expectedHead: String? = nil) throws -> AuditChain.Report {
        try database.read { db in try verifyAuditLog(db, expectedHead: expectedHead) }
    }

    /// The same, through another connection (a backup's).
    public func verifyAuditLog(_ db: Connection, expectedHead: String? = nil) throws -> AuditChain.Report {
        let chain = try AuditChain.verify(db, expectedHead: expectedHead)
        guard chain.isIntact, let problem = try verifyRecords(db) else { return chain }
        return AuditChain.Report(eventsChecked: chain.eventsChecked, problem: problem, head: chain.head)
    }
}
