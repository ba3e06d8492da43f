public import Foundation
internal import SQLite

extension WorkflowEngine {
    /// The value that replaces redacted personal data.
    public static let redactedMarker: JSONValue = "[redacted]"

    /// Removes personal data for a data-protection erasure: the named fields' values are
    /// replaced by "[redacted]" in the instance's data and in every past event payload that
    /// holds them, and a `redact` event records which fields (never their values), who and why.
    ///
    /// The audit chain still verifies, because each event's hash covers its payload only
    /// through a digest; `audit verify` accepts a changed payload only on an event marked
    /// redacted with a `redact` event after it.
    ///
    /// - Returns: the instance after the redaction, and how many past events were rewritten.
    @discardableResult
    public func redact(fields: Set<String>, in id: InstanceID, actor: Actor, reason: String) throws -> (result: FireResult, eventsRewritten: Int) {
        guard !fields.isEmpty else { throw WorkflowError.missingField(event: "redact", field: "fields") }
        guard !reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw WorkflowError.missingField(event: "redact", field: "reason") }
        let at = clock.now()
        return try database.write { db in
            let instance = try loadInstance(db, id)
            var rewritten = 0
            for row in try db.query("SELECT seq, payload, payload_format FROM events WHERE instance_id = ? ORDER BY seq", id.rawValue) {
                var payload = try storedJSON.decode(row.string("payload") ?? "{}", format: row.int("payload_format") ?? 1)
                let touched = fields.filter { payload[$0] != nil && payload[$0] != Self.redactedMarker }
                guard !touched.isEmpty else { continue }
                for field in touched { payload[field] = Self.redactedMarker }
                let stored = storedJSON.encode(payload)
                try db.run("UPDATE events SET payload = ?, payload_format = ?, redacted = 1 WHERE seq = ?", stored.text, stored.format, row.int64("seq") ?? 0)
                rewritten += 1
            }
            var data = instance.data
            for field in fields where data[field] != nil { data[field] = Self.redactedMarker }
            let version = instance.version + 1
            let occurred = max(at, instance.updatedAt)
            let stored = storedJSON.encode(data)
            try db.run("UPDATE instances SET data = ?, data_format = ?, version = ?, updated_at = ? WHERE id = ?",
                       stored.text, stored.format, version, occurred.milliseconds, id.rawValue)
            try updateLookups(db, id: id, from: instance.data, to: data)
            let seq = try appendEvent(db, instance: id, version: version, event: "redact", actor: actor, from: instance.state, to: instance.state,
                                      payload: ["fields": .array(fields.sorted().map(JSONValue.string)), "reason": .string(reason)],
                                      at: occurred, idempotencyKey: nil, requestDigest: nil)
            db.onCommitIfRoom { [decodedData] in decodedData.store(data, for: id, version: version) }
            let after = Instance(id: id, workflow: instance.workflow, workflowVersion: instance.workflowVersion, state: instance.state,
                                 data: data, version: version, createdAt: instance.createdAt, updatedAt: occurred, parentID: instance.parentID)
            return (FireResult(instance: after, eventSeq: seq, isReplay: false), rewritten)
        }
    }
}
