import SQLite

extension WorkflowEngine {
    /// The SQL expression reading `field` from an instance's data, spelled exactly as the
    /// indexes made by ``indexData(fields:)`` spell it, so that lookups use them.
    ///
    /// - Precondition: `field` is a plain name (letters and digits): it is written into SQL.
    public static func dataFieldSQL(_ field: String) -> String {
        precondition(!field.isEmpty && field.utf8.allSatisfy { ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) },
                     "a data field to look up by must be a plain name, not \(field)")
        return "json_extract(data, '$.\(field)')"
    }

    /// Indexes instances by the data fields that callers look them up by (an organisation's
    /// pledges, an escalation's reviews), so a lookup costs a seek, not a scan of every
    /// instance. Safe to call on every start: existing indexes are kept.
    public func indexData(fields: [String]) throws {
        try database.withWriter { db in
            for field in fields {
                try db.execute("CREATE INDEX IF NOT EXISTS instances_by_data_\(field) ON instances (\(Self.dataFieldSQL(field)))")
            }
        }
    }
}
