public import Foundation
public import Engine
public import Domain

/// Why an ask cannot be published or pledged against as asked.
public enum AskError: Error, Equatable, Sendable, LocalizedError {
    /// A "what needs to happen" item belongs to a priority: name the priority too.
    case itemWithoutPriority
    case unknownDistrict(String, valid: [String])
    /// Pledges answer open asks only.
    case notOpen(String)
    /// An ask named by an ID that is not an ask's (a pledge's, say): "There is no instance
    /// pledge-31" was said of a pledge that exists.
    case notAnAsk(String)

    public var errorDescription: String? {
        switch self {
        case .itemWithoutPriority: return "Choose the priority whose \"what needs to happen\" item the ask serves."
        case .unknownDistrict(let key, let valid): return "\"\(key)\" is not a district here; use one of: \(valid.joined(separator: ", "))."
        case .notOpen(let title): return "The ask \"\(title)\" is closed; choose an open ask, or none."
        case .notAnAsk(let id): return "\(id) is not one of the partnership's asks: an ask's ID looks like pledge-ask-12 (see the asks page, or `flourish ask list`)."
        }
    }
}

/// An ask with the pledges it drew: all of them (drafts and those in review too) and those on
/// the public wall now.
public struct AskView: Sendable {
    public let ask: PledgeAsk
    /// Pledges made against it, except rejected and withdrawn ones.
    public let pledges: Int
    /// Of them, on the public wall now.
    public let published: Int
}

/// Published pledges by FLOURISH area and district, for one kind of organisation or all: where
/// pledges are and are not. The same figures drive the heatmap's shading and its table.
public struct PledgeCoverage: Sendable {
    public let kind: String?
    public let areas: [NamedKey]
    public let districts: [NamedKey]
    /// count[area][district]: published pledges serving the area from organisations in the district.
    public let counts: [String: [String: Int]]
    public let byDistrict: [String: Int]
    public let total: Int

    public func count(_ area: String, _ district: String) -> Int { counts[area]?[district] ?? 0 }
    /// The largest cell, for shading.
    public var largest: Int { counts.values.flatMap(\.values).max() ?? 0 }
    /// The districts with the fewest published pledges, fewest first.
    public var leastCovered: [NamedKey] { districts.sorted { (byDistrict[$0.key] ?? 0, $0.name) < (byDistrict[$1.key] ?? 0, $1.name) } }
}

extension Flourish {
    /// The secretariat publishes an ask: what organisations are asked to pledge, tied to a
    /// priority's "what needs to happen" item and to the areas and districts it is most needed in.
    public func publishAsk(title: String, description: String, priority: String?, item: String?, areas: [String], districts: [String], by person: String) throws -> PledgeAsk {
        try requireSecretariat(try viewer(for: person), doing: "publish a pledge ask")
        try framework.checkAreas(areas)
        let priority = priority.flatMap { $0.isEmpty ? nil : $0 }, item = item.flatMap { $0.isEmpty ? nil : $0 }
        if let item {
            guard let priority else { throw AskError.itemWithoutPriority }
            try framework.checkItem(item, of: priority)
        } else if let priority {
            try framework.checkPriority(priority)
        }
        let known = partnership.districts.map(\.key)
        for d in districts where !known.contains(d) { throw AskError.unknownDistrict(d, valid: known) }
        var data: [String: JSONValue] = ["title": .string(title), "areas": .array(areas.map(JSONValue.string))]
        if !description.isEmpty { data["description"] = .string(description) }
        if let priority { data["priority"] = .string(priority) }
        if let item { data["item"] = .string(item) }
        if !districts.isEmpty { data["districts"] = .array(districts.map(JSONValue.string)) }
        return try PledgeAsk(try engine.start("pledge-ask", data: data, actor: Actor(person)).instance)
    }

    /// The secretariat closes an ask, with a reason; the pledges it drew keep it.
    public func closeAsk(_ reference: RecordID<PledgeAsk>, reason: String, by person: String) throws -> PledgeAsk {
        let ask = try self.ask(reference)
        try engine.fire("close", on: reference.instance, payload: ["reason": .string(reason)], actor: Actor(person), expectedVersion: ask.version)
        return try self.ask(reference)
    }

    /// An ask by reference (anyone may read an ask).
    public func ask(_ reference: RecordID<PledgeAsk>) throws -> PledgeAsk {
        let instance = try engine.instance(reference.instance)
        guard instance.workflow == "pledge-ask" else { throw WorkflowError.unknownInstance(reference.instance) }
        return try PledgeAsk(instance)
    }

    /// An open ask, for a pledge to answer.
    func openAsk(_ id: String) throws -> PledgeAsk {
        // Said from the ID alone, so it tells nothing of whether a record of that ID exists.
        guard id.hasPrefix("pledge-ask-") else { throw AskError.notAnAsk(id) }
        let ask = try self.ask(RecordID(InstanceID(id)))
        guard ask.state == .open else { throw AskError.notOpen(ask.title) }
        return ask
    }

    /// The asks with the pledges each drew, open ones first, newest first.
    public func asks(includingClosed: Bool = true) throws -> [AskView] {
        let asks = try PledgeAsk.records(try engine.instances(workflow: "pledge-ask", state: includingClosed ? nil : "open", limit: 10_000))
        guard !asks.isEmpty else { return [] }
        let version = try figuresVersion()
        let made = try askTally.pledgesPerAsk(app: self, version: version)
        // Counted from the wall once for each change, not for each dashboard view (the wall of
        // a large partnership is thousands of pledges).
        let published = try readCache.value("pledges on the wall per ask", key: "\(version.seq) \(version.rebuilds)", trim: false) { () throws -> [String: Int] in
            var published: [String: Int] = [:]
            for e in try wallIndex().entries { if let a = e.ask { published[a, default: 0] += 1 } }
            return published
        }
        return asks.map { AskView(ask: $0, pledges: made[$0.id.rawValue] ?? 0, published: published[$0.id.rawValue] ?? 0) }
            .sorted { ($0.ask.state == .open ? 0 : 1, $1.ask.createdAt) < ($1.ask.state == .open ? 0 : 1, $0.ask.createdAt) }
    }

    /// The published pledges answering an ask, from the wall.
    public func pledges(answering reference: RecordID<PledgeAsk>) throws -> [WallEntry] {
        try wallIndex().entries.filter { $0.ask == reference.rawValue }
    }

    /// Published pledges by area and district (of one kind of organisation, or all), from the
    /// wall as it stands: the coverage heatmap on the wall and the dashboard.
    public func pledgeCoverage(kind: String? = nil) throws -> PledgeCoverage {
        if let kind, !partnership.organisationKinds.contains(where: { $0.key == kind }) {
            throw WorkflowError.invalidField(event: "coverage", field: "kind", reason: "should be a kind of organisation here: \(partnership.organisationKinds.map(\.key).joined(separator: ", "))")
        }
        // Counted from the wall once for each change, not for each dashboard view.
        let version = try figuresVersion()
        return try readCache.value("pledge-coverage \(kind ?? "")", key: "\(version.seq) \(version.rebuilds)", trim: false) { try coverageOfTheWall(kind: kind) }
    }

    private func coverageOfTheWall(kind: String?) throws -> PledgeCoverage {
        var counts: [String: [String: Int]] = [:], byDistrict: [String: Int] = [:], total = 0
        for e in try wallIndex().entries where kind == nil || e.kind == kind {
            total += 1
            byDistrict[e.district, default: 0] += 1
            for a in e.areas { counts[a, default: [:]][e.district, default: 0] += 1 }
        }
        return PledgeCoverage(kind: kind, areas: framework.areas.map { NamedKey(key: $0.key, name: $0.name) }, districts: partnership.districts,
                              counts: counts, byDistrict: byDistrict, total: total)
    }
}
