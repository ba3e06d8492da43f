public import Foundation
public import Engine
public import SQLite

/// One version of a partnership's escalation principles: when it came into force, and whether
/// (and when, and at which meeting) the partnership agreed it.
public struct PrinciplesVersion: Sendable, Equatable {
    public let version: Int
    public let digest: String
    public let inForceFrom: Date
    /// The day the partnership agreed this version, if it has.
    public let agreedOn: CalendarDay?
    /// The body that agreed it (where escalation stops: the Alliance for Norfolk).
    public let agreedBy: String?
    /// The minute that records the agreement.
    public let minute: String?
    public let recordedBy: String?
}

/// The versions of the escalation principles, kept in the database: each set the partnership
/// file has put in force, in order, and the partnership's agreement of them. An escalation's
/// reviews name the version they started under and keep its rules (deadlines, who decides,
/// where it goes next) even after the file changes.
public enum PrinciplesRegister {
    /// Keeps the file's principles as a new version when they differ from every kept one;
    /// returns the version in force.
    @discardableResult
    public static func keepCurrent(_ db: Connection, partnership: Partnership, at: Date) throws -> Int {
        let p = partnership.escalation
        if let version = try db.queryOne("SELECT version FROM principles_versions WHERE digest = ?", p.digest)?.int("version") { return version }
        let next = (try db.queryOne("SELECT COALESCE(MAX(version), 0) + 1 AS next FROM principles_versions")?.int("next")) ?? 1
        try db.run("INSERT INTO principles_versions (version, digest, principles, in_force_from) VALUES (?, ?, ?, ?)",
                   next, p.digest, p.source.canonicalString, at.milliseconds)
        try GovernanceRegister.log(db, at: at, actor: "system", action: "principles-in-force", detail: "version \(next) of the escalation principles, from the partnership file")
        return next
    }

    /// The version in force: the one whose text is the file's.
    public static func current(_ db: Connection, partnership: Partnership) throws -> Int? {
        try db.queryOne("SELECT version FROM principles_versions WHERE digest = ?", partnership.escalation.digest)?.int("version")
    }

    /// Every kept version, oldest first.
    public static func versions(_ db: Connection) throws -> [PrinciplesVersion] {
        try db.query("SELECT * FROM principles_versions ORDER BY version").map { row in
            PrinciplesVersion(version: row.int("version") ?? 0, digest: row.string("digest") ?? "",
                              inForceFrom: Date(milliseconds: row.int64("in_force_from") ?? 0), agreedOn: row.string("agreed_on").flatMap(CalendarDay.init),
                              agreedBy: row.string("agreed_by"), minute: row.string("minute"), recordedBy: row.string("recorded_by"))
        }
    }

    /// The principles of `version` (the file's when nil, when it is the version in force, or
    /// when it is not kept), read against the bodies as they stand.
    public static func principles(_ db: Connection, version: Int?, partnership: Partnership) throws -> EscalationPrinciples {
        guard let version, version != (try current(db, partnership: partnership)),
              let text = try db.queryOne("SELECT principles FROM principles_versions WHERE version = ?", version)?.string("principles") else {
            return partnership.escalation
        }
        return try PartnershipLoader.principles(kept: try JSONValue.parse(text), bodies: try GovernanceRegister.bodies(db, partnership: partnership),
                                                alliance: partnership.allianceBody)
    }

    /// Records that the partnership agreed the version in force on `day` (not in the future),
    /// at the meeting `minute` names; a version is agreed once.
    public static func recordAgreed(_ db: Connection, partnership: Partnership, on day: CalendarDay, today: CalendarDay, minute: String?, actor: String, at: Date) throws -> PrinciplesVersion {
        let version = try keepCurrent(db, partnership: partnership, at: at)
        guard day <= today else { throw GovernanceError.principlesAgreement("The day the principles were agreed cannot be in the future; give the day of the meeting that agreed them.") }
        if let agreed = try versions(db).first(where: { $0.version == version })?.agreedOn {
            throw GovernanceError.principlesAgreement("Version \(version) of the principles is already recorded as agreed on \(agreed.inWords).")
        }
        try db.run("UPDATE principles_versions SET agreed_on = ?, agreed_by = ?, minute = ?, recorded_by = ?, recorded_at = ? WHERE version = ?",
                   day.description, partnership.escalation.stopsAt, minute, actor, at.milliseconds, version)
        try GovernanceRegister.log(db, at: at, actor: actor, action: "principles-agreed",
                                   detail: "version \(version) of the escalation principles agreed on \(day)" + (minute.map { " (minute \($0))" } ?? ""))
        return try versions(db).first { $0.version == version }!
    }
}
