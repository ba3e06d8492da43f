public import Foundation
public import Engine
public import Domain
internal import SQLite

/// How well one FLOURISH area is monitored: who owns it, its core measures, and what is late.
public struct AreaCoverage: Sendable {
    public let area: NamedKey
    /// The body that owns the monitoring of the area, if one is named.
    public let owner: GovernanceBody?
    /// The area's measures the viewer may see, core ones first.
    public let measures: [MeasureView]
    public var core: [MeasureView] { measures.filter(\.measure.isCore) }
    /// Measures whose value is past due.
    public var late: [MeasureView] { measures.filter(\.isMissingValue) }
    /// What is missing, in words: no owner, no core measure, values past due.
    public var gaps: [String] {
        var gaps: [String] = []
        if owner == nil { gaps.append("no owner") }
        if core.isEmpty { gaps.append("no core measure") }
        if !late.isEmpty { gaps.append(late.count == 1 ? "1 measure past its due value" : "\(late.count) measures past their due value") }
        return gaps
    }
}

/// What the annual review changes about a measure.
public struct MeasureRevision: Sendable {
    public var target: Double, tolerance: Double, core: Bool
    public var dataSource: String?, dataset: String?, sharingAgreement: String?, arrives: String?
    public var reason: String

    public init(target: Double, tolerance: Double, core: Bool, dataSource: String? = nil, dataset: String? = nil, sharingAgreement: String? = nil,
                arrives: String? = nil, reason: String) {
        self.target = target; self.tolerance = tolerance; self.core = core
        self.dataSource = dataSource; self.dataset = dataset; self.sharingAgreement = sharingAgreement; self.arrives = arrives
        self.reason = reason
    }
}

extension Flourish {
    /// The monitoring framework's coverage: for each FLOURISH area, its owning body, its core
    /// measures and those past their due value (measures as the viewer may see them).
    public func monitoringCoverage(for viewer: Viewer) throws -> [AreaCoverage] {
        let owners = try areaOwners()
        let bodies = try governance.bodies()
        let measures = try self.measures(for: viewer).filter { $0.measure.state == .active }
        return framework.areas.map { area in
            AreaCoverage(area: NamedKey(key: area.key, name: area.name), owner: owners[area.key].flatMap { key in bodies.first { $0.key == key } },
                         measures: measures.filter { $0.measure.area == area.key }.sorted { ($0.measure.isCore ? 0 : 1, $0.measure.name) < ($1.measure.isCore ? 0 : 1, $1.measure.name) })
        }
    }

    /// The body owning each area's monitoring, by area key.
    public func areaOwners() throws -> [String: String] {
        try database.read { db in
            Dictionary(try db.query("SELECT area, body FROM area_owners").compactMap { row in row.string("area").flatMap { a in row.string("body").map { (a, $0) } } },
                       uniquingKeysWith: { first, _ in first })
        }
    }

    /// The secretariat names the body that owns the monitoring of an area (a body of the
    /// partnership that takes decisions); the change log keeps who did it and when.
    public func setAreaOwner(_ area: String, body: String, by person: String) throws -> GovernanceBody {
        try requireSecretariat(try viewer(for: person), doing: "name the owner of an area's monitoring")
        try framework.checkAreas([area])
        let owner = try governance.body(body)
        guard try bodiesThatDecide().contains(where: { $0.key == owner.key }) else {
            throw GovernanceError.cannotOwnMonitoring(owner.name)
        }
        let now = clock.now()
        try database.write { db in
            try db.run("INSERT INTO area_owners (area, body, set_at, set_by) VALUES (?, ?, ?, ?) ON CONFLICT(area) DO UPDATE SET body = excluded.body, set_at = excluded.set_at, set_by = excluded.set_by",
                       area, owner.key, now.milliseconds, person)
            try GovernanceRegister.log(db, at: now, actor: person, action: "area-owner", detail: "\(area) monitored by \(owner.key)")
        }
        return owner
    }

    /// The annual review of a measure: its target, tolerance, place in the core set and data
    /// source revised as an event with a reason (the group's chair, or the secretariat for it).
    /// Values recorded before keep the RAG of their time; reports of earlier years rebuilt from
    /// the log keep the target of their time.
    public func reviseMeasure(_ reference: RecordID<Measure>, _ r: MeasureRevision, by person: String) throws -> MeasureView {
        let view = try measure(reference, for: try viewer(for: person))
        guard r.target.isFinite, r.tolerance.isFinite, r.tolerance >= 0 else {
            throw WorkflowError.invalidField(event: "revise", field: r.target.isFinite ? "tolerance" : "target", reason: "should be a number (a tolerance of 0 or more)")
        }
        var payload: [String: JSONValue] = ["target": .double(r.target), "tolerance": .double(r.tolerance), "core": .bool(r.core), "reason": .string(r.reason)]
        for (field, value) in [("dataSource", r.dataSource), ("dataset", r.dataset), ("sharingAgreement", r.sharingAgreement), ("arrives", r.arrives)] {
            if let value = value?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty { payload[field] = .string(value) }
        }
        try engine.fire("revise", on: reference.instance, payload: payload, actor: try actor(person, at: view.measure.group), expectedVersion: view.measure.version)
        return try measure(reference)
    }

    /// A measure's revisions at the annual review, oldest first: when, the target and tolerance set, why.
    public func measureRevisions(_ reference: RecordID<Measure>) throws -> [EventRecord] {
        try engine.history(of: reference.instance).filter { $0.event == "revise" }
    }
}
