public import Foundation
public import SQLite
public import Engine

/// Why a change to the governance graph was refused. Nothing was written.
public enum GovernanceError: Error, Equatable, Sendable, LocalizedError {
    case unknownBody(String, valid: [String])
    case bodyExists(String)
    case nameTaken(String)
    case invalidKey(String)
    case unknownKind(String)
    case wouldMakeCycle([String])
    case needsParent(String)
    case hasOpenWork(body: String, instances: [String])
    case alreadyRetired(String)
    case isTop(String)
    case hasActiveChildren(body: String, children: [String])
    /// A kept version of the escalation principles no longer reads against today's bodies.
    case principlesUnreadable([String])
    /// The partnership's agreement of its principles cannot be recorded as asked.
    case principlesAgreement(String)
    /// Only a group or board of the partnership (not a partner, not a body above where
    /// escalation stops) can own the monitoring of an area.
    case cannotOwnMonitoring(String)

    public var code: String {
        switch self {
        case .unknownBody: return "unknown-body"
        case .bodyExists: return "body-exists"
        case .nameTaken: return "name-taken"
        case .invalidKey: return "invalid-key"
        case .unknownKind: return "unknown-kind"
        case .wouldMakeCycle: return "reporting-cycle"
        case .needsParent: return "no-way-up"
        case .hasOpenWork: return "body-has-open-work"
        case .alreadyRetired: return "already-retired"
        case .isTop: return "top-body"
        case .hasActiveChildren: return "body-has-children"
        case .principlesUnreadable: return "principles-unreadable"
        case .principlesAgreement: return "principles-agreement"
        case .cannotOwnMonitoring: return "cannot-own-monitoring"
        }
    }

    public var errorDescription: String? {
        switch self {
        case .unknownBody(let key, let valid): return "There is no body \"\(key)\". Bodies: \(valid.joined(separator: ", "))."
        case .bodyExists(let key): return "There is already a body \"\(key)\"; choose another key."
        case .nameTaken(let name): return "Another body is already called \"\(name)\"; give this one its own name."
        case .invalidKey(let key): return "\"\(key)\" cannot be a body's key: use lower-case words joined by hyphens, e.g. youth-justice-board."
        case .unknownKind(let kind): return "\"\(kind)\" is not a kind of body; use one of: \(BodyKind.allCases.map(\.rawValue).joined(separator: ", "))."
        case .wouldMakeCycle(let path): return "That reporting line would go round in a circle: \(path.joined(separator: " -> ")). Choose another parent."
        case .needsParent(let key): return "\"\(key)\" needs a body to report to (--reports-to), so its escalations have somewhere to go."
        case .hasOpenWork(let body, let instances):
            return "\(body) still has open work: \(instances.joined(separator: ", ")). Close or move it to another body before retiring \(body)."
        case .alreadyRetired(let key): return "\(key) was already retired."
        case .isTop(let key): return "\(key) is the top of the graph and cannot be retired."
        case .hasActiveChildren(let body, let children):
            return "Bodies still report to \(body): \(children.joined(separator: ", ")). Retire them or move their reporting lines first."
        case .principlesUnreadable(let problems): return "A kept version of the escalation principles no longer reads: \(problems.joined(separator: "; "))."
        case .principlesAgreement(let why): return why
        case .cannotOwnMonitoring(let name): return "\(name) is outside the partnership's own groups and boards; name one of them to own an area's monitoring."
        }
    }
}

/// One entry of the governance change log.
public struct GovernanceChange: Sendable, Equatable {
    /// Its place in the log: later changes have larger numbers.
    public let id: Int64
    public let at: Date
    public let actor: String
    public let action: String
    public let detail: String
}

/// The governance graph as it stands in the database: seeded from the partnership file,
/// then changed at run time. Retired bodies and removed links are kept with their dates.
public struct GovernanceRegister: Sendable {
    public let database: Database
    public let partnership: Partnership
    /// The active bodies as last read, kept until the graph changes (any process's change
    /// counts: the `governance_changes` count is kept by triggers on the graph's tables).
    private let kept = KeptBodies()

    /// Opens the register, seeding it from the partnership file the first time. A body the
    /// file gains later (one the register has never held, under any name) is added then, with
    /// its links to bodies the register holds; a body retired at run time stays retired.
    public init(database: Database, partnership: Partnership, at: Date) throws {
        self.database = database
        self.partnership = partnership
        try DomainSchema.migrator.migrate(database)
        try database.write { db in
            guard try db.queryOne("SELECT 1 FROM bodies LIMIT 1") == nil else { return try Self.addNewFromFile(db, partnership: partnership, at: at) }
            for body in partnership.bodies {
                try db.run("INSERT INTO bodies (key, name, kind, priority, description, independent, added_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                           arguments: [body.key, body.name, body.kind.rawValue, body.priority, body.description, body.hasIndependentGovernance, at.milliseconds])
            }
            for body in partnership.bodies {
                for (i, parent) in body.reportsTo.enumerated() {
                    try db.run("INSERT INTO body_links (body, other, kind, position, added_at) VALUES (?, ?, 'reports-to', ?, ?)", body.key, parent, i, at.milliseconds)
                }
                for (i, partner) in body.worksWith.enumerated() {
                    try db.run("INSERT INTO body_links (body, other, kind, position, added_at) VALUES (?, ?, 'works-with', ?, ?)", body.key, partner, i, at.milliseconds)
                }
            }
            try Self.log(db, at: at, actor: "system", action: "seed", detail: "\(partnership.bodies.count) bodies from the \(partnership.name) partnership file")
        }
        try database.write { db in _ = try PrinciplesRegister.keepCurrent(db, partnership: partnership, at: at) }
    }

    static func addNewFromFile(_ db: Connection, partnership: Partnership, at: Date) throws {
        let held = Set(try db.query("SELECT key FROM bodies").compactMap { $0.string("key") })
        let new = partnership.bodies.filter { !held.contains($0.key) }
        guard !new.isEmpty else { return }
        for body in new {
            try db.run("INSERT INTO bodies (key, name, kind, priority, description, independent, added_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                       arguments: [body.key, body.name, body.kind.rawValue, body.priority, body.description, body.hasIndependentGovernance, at.milliseconds])
        }
        let now = held.union(new.map(\.key))
        for body in new {
            for (i, parent) in body.reportsTo.enumerated() where now.contains(parent) {
                try db.run("INSERT INTO body_links (body, other, kind, position, added_at) VALUES (?, ?, 'reports-to', ?, ?)", body.key, parent, i, at.milliseconds)
            }
            for (i, other) in body.worksWith.enumerated() where now.contains(other) {
                try db.run("INSERT INTO body_links (body, other, kind, position, added_at) VALUES (?, ?, 'works-with', ?, ?)", body.key, other, i, at.milliseconds)
            }
        }
        try Self.log(db, at: at, actor: "system", action: "add-from-file", detail: "\(new.map(\.key).joined(separator: ", ")) from the \(partnership.name) partnership file")
    }

    /// The active bodies, in the order they were added, with their current links.
    public func bodies(includingRetired: Bool = false) throws -> [GovernanceBody] {
        try database.read { db in
            includingRetired ? try Self.bodies(db, includingRetired: true, partnership: partnership) : try activeBodies(db)
        }
    }

    /// The active bodies as ``bodies(includingRetired:)``, read within `db`'s transaction: built
    /// again only when the graph has changed since they were last built.
    public func activeBodies(_ db: Connection) throws -> [GovernanceBody] {
        let changes = try db.queryOne("SELECT n FROM governance_changes")?.int64("n") ?? -1
        if let bodies = kept.bodies(at: changes) { return bodies }
        let bodies = try Self.bodies(db, partnership: partnership)
        kept.keep(bodies, at: changes)
        return bodies
    }

    static func bodies(_ db: Connection, includingRetired: Bool = false, partnership: Partnership) throws -> [GovernanceBody] {
        let links = try db.query("SELECT body, other, kind FROM body_links WHERE removed_at IS NULL ORDER BY position, id")
        var reportsTo: [String: [String]] = [:], worksWith: [String: [String]] = [:]
        for l in links {
            let body = l.string("body") ?? "", other = l.string("other") ?? ""
            if l.string("kind") == "reports-to" { reportsTo[body, default: []].append(other) } else { worksWith[body, default: []].append(other) }
        }
        let rows = try db.query("SELECT * FROM bodies \(includingRetired ? "" : "WHERE retired_at IS NULL ") ORDER BY added_at, rowid")
        return rows.map { r in
            let key = r.string("key") ?? ""
            return GovernanceBody(key: key, name: r.string("name") ?? "", kind: BodyKind(rawValue: r.string("kind") ?? "") ?? .subgroup,
                                  reportsTo: reportsTo[key] ?? [], worksWith: worksWith[key] ?? [], priority: r.string("priority"),
                                  functions: partnership.body(key)?.functions ?? [], description: r.string("description") ?? "",
                                  hasIndependentGovernance: r.int("independent") == 1)
        }
    }

    /// An active body by key, or an error listing the bodies there are.
    public func body(_ key: String) throws -> GovernanceBody {
        try database.read { db in try body(key, in: db) }
    }

    /// An active body by key, read within `db`'s transaction.
    public func body(_ key: String, in db: Connection) throws -> GovernanceBody {
        let all = try activeBodies(db)
        guard let body = all.first(where: { $0.key == key }) else { throw GovernanceError.unknownBody(key, valid: all.map(\.key)) }
        return body
    }

    /// Adds a body at run time.
    public func addBody(key: String, name: String, kind: String, reportsTo: [String], priority: String?, description: String,
                        actor: String, at: Date) throws -> GovernanceBody {
        guard key.range(of: "^[a-z][a-z0-9]*(-[a-z0-9]+)*$", options: .regularExpression) != nil else { throw GovernanceError.invalidKey(key) }
        guard let kind = BodyKind(rawValue: kind) else { throw GovernanceError.unknownKind(kind) }
        let name = name.trimmingCharacters(in: .whitespacesAndNewlines)
        if kind.isInReportingLines && reportsTo.isEmpty { throw GovernanceError.needsParent(key) }
        return try database.write { db in
            let active = try Self.bodies(db, partnership: partnership)
            if try db.queryOne("SELECT 1 FROM bodies WHERE key = ?", key) != nil { throw GovernanceError.bodyExists(key) }
            if active.contains(where: { $0.name.lowercased() == name.lowercased() }) { throw GovernanceError.nameTaken(name) }
            for parent in reportsTo where !active.contains(where: { $0.key == parent }) {
                throw GovernanceError.unknownBody(parent, valid: active.map(\.key))
            }
            try db.run("INSERT INTO bodies (key, name, kind, priority, description, added_at) VALUES (?, ?, ?, ?, ?, ?)",
                       arguments: [key, name, kind.rawValue, priority, description, at.milliseconds])
            for (i, parent) in reportsTo.enumerated() {
                try db.run("INSERT INTO body_links (body, other, kind, position, added_at) VALUES (?, ?, 'reports-to', ?, ?)", key, parent, i, at.milliseconds)
            }
            try Self.log(db, at: at, actor: actor, action: "add-body", detail: "\(key) (\(name), \(kind.rawValue)) reporting to \(reportsTo.joined(separator: ", "))")
            return GovernanceBody(key: key, name: name, kind: kind, reportsTo: reportsTo, worksWith: [], priority: priority, functions: [],
                                  description: description, hasIndependentGovernance: false)
        }
    }

    /// Retires a body: it leaves the graph, its history stays. Refused while it has open work
    /// (instances not yet ended whose `group` or `body` is this body) or bodies reporting to it.
    public func retireBody(_ key: String, reason: String, openWork: (Connection) throws -> [String], actor: String, at: Date) throws {
        try database.write { db in
            let active = try Self.bodies(db, partnership: partnership)
            guard active.contains(where: { $0.key == key }) else {
                if try db.queryOne("SELECT 1 FROM bodies WHERE key = ?", key) != nil { throw GovernanceError.alreadyRetired(key) }
                throw GovernanceError.unknownBody(key, valid: active.map(\.key))
            }
            if key == partnership.topBody { throw GovernanceError.isTop(key) }
            let children = active.filter { $0.reportsTo.contains(key) }.map(\.key)
            if !children.isEmpty { throw GovernanceError.hasActiveChildren(body: key, children: children) }
            let open = try openWork(db)
            if !open.isEmpty { throw GovernanceError.hasOpenWork(body: key, instances: open) }
            try db.run("UPDATE bodies SET retired_at = ? WHERE key = ?", at.milliseconds, key)
            try db.run("UPDATE body_links SET removed_at = ? WHERE (body = ? OR other = ?) AND removed_at IS NULL", at.milliseconds, key, key)
            try db.run("UPDATE memberships SET ended_at = ? WHERE body = ? AND ended_at IS NULL", at.milliseconds, key)
            try Self.log(db, at: at, actor: actor, action: "retire-body", detail: "\(key): \(reason)")
        }
    }

    /// The governance change log, oldest first.
    public func changes() throws -> [GovernanceChange] {
        try database.read { db in
            try db.query("SELECT id, at, actor, action, detail FROM governance_log ORDER BY id").map {
                GovernanceChange(id: $0.int64("id") ?? 0, at: Date(milliseconds: $0.int64("at") ?? 0), actor: $0.string("actor") ?? "", action: $0.string("action") ?? "", detail: $0.string("detail") ?? "")
            }
        }
    }

    /// Appends to the governance change log in the caller's transaction.
    public static func log(_ db: Connection, at: Date, actor: String, action: String, detail: String) throws {
        try db.run("INSERT INTO governance_log (at, actor, action, detail) VALUES (?, ?, ?, ?)", at.milliseconds, actor, action, detail)
    }
}

/// The active bodies with the count of graph changes they were read at.
private final class KeptBodies: @unchecked Sendable {  // `changes` and `bodies` guarded by `lock`
    private let lock = NSLock()
    private var changes: Int64 = -1
    private var kept: [GovernanceBody] = []

    func bodies(at changes: Int64) -> [GovernanceBody]? {
        lock.withLock { changes == self.changes && changes >= 0 ? kept : nil }
    }

    func keep(_ bodies: [GovernanceBody], at changes: Int64) {
        lock.withLock { (self.changes, kept) = (changes, bodies) }
    }
}
