public import Foundation
public import Engine
public import Domain

/// The partnership's annual report for one year: the FLOURISH areas, the strategy's
/// priorities, escalations at each level, the measures against their targets, a needs
/// assessment and the groups' own sections. Built by ``AnnualReportBuilder`` from a snapshot
/// of the event log, so the same moment always gives the same report.
public struct AnnualReport: Codable, Sendable, Equatable {
    public var partnership: String
    public var year: Int
    /// The first and last day of the report's year (the partnership's pledge year).
    public var yearStarts: String, yearEnds: String
    /// The moment the figures describe (ISO 8601, UTC).
    public var asOf: String
    public var totals: Totals
    public var areas: [AreaFigures]
    public var priorities: [PriorityFigures]
    public var escalationLevels: [LevelFigures]
    public var measures: [MeasureLine]
    public var needs: NeedsAssessment
    public var sections: [SectionLine]
    /// The year's pledges by the district of the organisation making them, each pledge once
    /// (reach totalled by district). Reports published before it was counted decode without it.
    public var districts: [Breakdown]?

    /// Pledges of the year, counted by how far they got.
    public struct PledgeCounts: Codable, Sendable, Equatable {
        /// Pledges for the year, other than drafts never submitted.
        public var made = 0
        /// Approved and published (including those since reported on).
        public var approved = 0
        public var delivered = 0, partlyDelivered = 0, notDelivered = 0
        /// Children and young people reached, as the year's reports say (none reported: nil;
        /// reports published before reach was counted decode without it).
        public var reached: Int?
        public init() {}
    }

    /// Actions live during the year.
    public struct ActionCounts: Codable, Sendable, Equatable {
        public var total = 0
        public var red = 0, amber = 0, green = 0
        /// Actions with no progress update yet.
        public var noUpdate = 0
        /// Completed during the year.
        public var completed = 0
        /// Open and past their due date at the report's moment.
        public var overdue = 0
        public init() {}
    }

    public struct EscalationCounts: Codable, Sendable, Equatable {
        /// Raised during the year.
        public var raised = 0
        /// Concluded during the year.
        public var resolved = 0
        /// Still open at the report's moment.
        public var stillOpen = 0
        public init(raised: Int = 0, resolved: Int = 0, stillOpen: Int = 0) { self.raised = raised; self.resolved = resolved; self.stillOpen = stillOpen }
    }

    public struct Totals: Codable, Sendable, Equatable {
        public var pledges = PledgeCounts()
        /// Organisations with at least one pledge approved for the year.
        public var pledgingOrganisations = 0
        public var actions = ActionCounts()
        public var measures = 0, redMeasures = 0, amberMeasures = 0, greenMeasures = 0
        public var escalations = EscalationCounts()
    }

    /// Pledge counts for one kind of organisation or one district.
    public struct Breakdown: Codable, Sendable, Equatable {
        public var key: String, name: String
        public var pledges: PledgeCounts
    }

    public struct AreaFigures: Codable, Sendable, Equatable {
        public var key: String, name: String
        public var pledges: PledgeCounts
        public var pledgesByKind: [Breakdown]
        public var pledgesByDistrict: [Breakdown]
        public var actions: ActionCounts
        public var escalations: EscalationCounts
    }

    public struct PriorityFigures: Codable, Sendable, Equatable {
        public var key: String, name: String
        public var actions: ActionCounts
        public var redMeasures: Int
        public var escalations: EscalationCounts
    }

    /// Escalation reviews at one body: a level of the governance graph.
    public struct LevelFigures: Codable, Sendable, Equatable {
        public var body: String, name: String, kind: String
        /// Reviews opened there during the year.
        public var opened: Int
        /// Decided there during the year (resolved, accepted, referred back or escalated onwards).
        public var decided: Int
        /// Still awaiting a decision at the report's moment.
        public var stillOpen: Int
        /// The median working days from a review opening to its decision, over those decided in the year.
        public var medianWorkingDaysToResolve: Double?
    }

    public struct MeasureLine: Codable, Sendable, Equatable {
        public var id: String, name: String, group: String, area: String
        public var priority: String?
        public var unit: String, direction: String
        public var baseline: Double, target: Double
        public var latest: Double?, latestPeriod: String?
        /// "red", "amber", "green", or "no value".
        public var rag: String
        /// "improving", "worsening", "steady", or "not enough values".
        public var trend: String
    }

    /// Where need is greatest: most red measures, then most overdue actions, then fewest pledges.
    public struct NeedsAssessment: Codable, Sendable, Equatable {
        public var areas: [NeedLine]
        public var priorities: [NeedLine]
    }

    public struct NeedLine: Codable, Sendable, Equatable {
        public var key: String, name: String
        public var redMeasures: Int, overdueActions: Int, pledges: Int
    }

    /// A group's own section of the report.
    public struct SectionLine: Codable, Sendable, Equatable {
        public var group: String, name: String
        /// "submitted", "missing" (the deadline passed without it) or "awaited".
        public var status: String
        public var text: String?
        /// A participation group's statement (the youth panel's, in young people's own words),
        /// shown first; absent for the groups' sections.
        public var youthStatement: Bool?
    }
}

extension AnnualReport {
    /// The canonical JSON of the report (sorted keys, no insignificant space): what a published
    /// report's digest is taken over.
    public func canonicalJSON() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    public func prettyJSON() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted]
        return String(decoding: try encoder.encode(self), as: UTF8.self) + "\n"
    }

    public static func decode(_ json: Data) throws -> AnnualReport { try JSONDecoder().decode(AnnualReport.self, from: json) }

    /// The report as CSV rows (section, key, name, figure, value): one figure per row, so a
    /// spreadsheet can pivot it.
    public func csvRows() -> [[String]] {
        var rows: [[String]] = [["section", "key", "name", "figure", "value"]]
        func add(_ section: String, _ key: String, _ name: String, _ figure: String, _ value: String) { rows.append([section, key, name, figure, value]) }
        func pledges(_ section: String, _ key: String, _ name: String, _ p: PledgeCounts) {
            for (f, v) in [("pledges made", p.made), ("pledges approved", p.approved), ("pledges delivered", p.delivered),
                           ("pledges partly delivered", p.partlyDelivered), ("pledges not delivered", p.notDelivered)] { add(section, key, name, f, "\(v)") }
            if let reached = p.reached { add(section, key, name, "children and young people reached", "\(reached)") }
        }
        func actions(_ section: String, _ key: String, _ name: String, _ a: ActionCounts) {
            for (f, v) in [("actions", a.total), ("actions red", a.red), ("actions amber", a.amber), ("actions green", a.green), ("actions with no update", a.noUpdate),
                           ("actions completed", a.completed), ("actions overdue", a.overdue)] { add(section, key, name, f, "\(v)") }
        }
        func escalations(_ section: String, _ key: String, _ name: String, _ e: EscalationCounts) {
            for (f, v) in [("escalations raised", e.raised), ("escalations resolved", e.resolved), ("escalations still open", e.stillOpen)] { add(section, key, name, f, "\(v)") }
        }
        add("report", "\(year)", partnership, "year", "\(yearStarts) to \(yearEnds)")
        add("report", "\(year)", partnership, "as of", asOf)
        pledges("totals", "partnership", partnership, totals.pledges)
        add("totals", "partnership", partnership, "pledging organisations", "\(totals.pledgingOrganisations)")
        actions("totals", "partnership", partnership, totals.actions)
        for (f, v) in [("measures", totals.measures), ("measures red", totals.redMeasures), ("measures amber", totals.amberMeasures), ("measures green", totals.greenMeasures)] {
            add("totals", "partnership", partnership, f, "\(v)")
        }
        escalations("totals", "partnership", partnership, totals.escalations)
        for a in areas {
            pledges("area", a.key, a.name, a.pledges)
            for k in a.pledgesByKind { pledges("area by kind", "\(a.key)/\(k.key)", "\(a.name): \(k.name)", k.pledges) }
            for d in a.pledgesByDistrict { pledges("area by district", "\(a.key)/\(d.key)", "\(a.name): \(d.name)", d.pledges) }
            actions("area", a.key, a.name, a.actions)
            escalations("area", a.key, a.name, a.escalations)
        }
        for d in districts ?? [] { pledges("district", d.key, d.name, d.pledges) }
        for p in priorities {
            actions("priority", p.key, p.name, p.actions)
            add("priority", p.key, p.name, "measures red", "\(p.redMeasures)")
            escalations("priority", p.key, p.name, p.escalations)
        }
        for l in escalationLevels {
            for (f, v) in [("reviews opened", "\(l.opened)"), ("reviews decided", "\(l.decided)"), ("reviews still open", "\(l.stillOpen)"),
                           ("median working days to resolve", l.medianWorkingDaysToResolve.map(Self.number) ?? "")] { add("escalation level", l.body, l.name, f, v) }
        }
        for m in measures {
            for (f, v) in [("baseline", Self.number(m.baseline)), ("target", Self.number(m.target)), ("latest", m.latest.map(Self.number) ?? ""),
                           ("latest period", m.latestPeriod ?? ""), ("rag", m.rag), ("trend", m.trend)] { add("measure", m.id, m.name, f, v) }
        }
        for (rank, n) in needs.areas.enumerated() { add("needs: areas", n.key, n.name, "rank", "\(rank + 1)") }
        for (rank, n) in needs.priorities.enumerated() { add("needs: priorities", n.key, n.name, "rank", "\(rank + 1)") }
        for s in sections { add("group section", s.group, s.name, s.status, s.text ?? "") }
        return rows
    }

    /// A number as people write it: no trailing ".0".
    public static func number(_ value: Double) -> String {
        value.rounded() == value && abs(value) < 1e15 ? String(Int64(value)) : String(format: "%.2f", value).replacingOccurrences(of: #"\.?0+$"#, with: "", options: .regularExpression)
    }
}

/// Works an ``AnnualReport`` out of a snapshot. Every counting rule of the report is here.
public struct AnnualReportBuilder: Sendable {
    public struct Organisation: Sendable { public let kind: String, district: String }

    public let partnershipName: String
    public let framework: Framework
    public let organisationKinds: [NamedKey]
    public let districts: [NamedKey]
    /// The bodies, in graph order (the top first), with their kinds.
    public let bodies: [(key: String, name: String, kind: String)]
    public let time: PartnershipTime

    static let approvedStates: Set<String> = ["approved", "report-due", "report-overdue", "reported", "unreported"]
    static let decidedReviewStates: Set<String> = ["resolved", "accepted", "referred-back", "escalated"]
    static let openReviewStates: Set<String> = ["awaiting", "acknowledged"]

    /// Builds the report for `year`, whose days run from `starts` to `ends`, from `snapshot`
    /// (pledges, actions, measures with their events, escalations, escalation reviews, report sections).
    ///   - neverSubmitted: pledges of the year withdrawn before they were ever submitted, which
    ///     were never "made" (a pledge is made when it is first submitted).
    public func build(year: Int, starts: CalendarDay, ends: CalendarDay, snapshot: EngineSnapshot, organisations: [String: Organisation],
                      neverSubmitted: Set<InstanceID> = []) -> AnnualReport {
        var pledges = PledgeTally()
        for p in snapshot.of("pledge") where p.data["pledgeYear"]?.intValue == year {
            pledges.add(Self.facts(of: p, organisation: organisations[p.data["organisation"]?.stringValue ?? ""], wasSubmitted: !neverSubmitted.contains(p.id)))
        }
        return build(year: year, starts: starts, ends: ends, snapshot: snapshot, pledges: pledges)
    }

    /// What the counting rules read of one pledge of the year: the one place a pledge's state
    /// and data become its part in the figures.
    ///   - wasSubmitted: false for a pledge withdrawn before it was ever submitted.
    public static func facts(of pledge: Instance, organisation: Organisation?, wasSubmitted: Bool) -> PledgeFacts {
        let reported = pledge.state == "reported"
        return PledgeFacts(organisation: pledge.data["organisation"]?.stringValue ?? "", kind: organisation?.kind, district: organisation?.district,
                           areas: Array(Set(pledge.data["areas"]?.arrayValue?.compactMap(\.stringValue) ?? [])).sorted(),
                           priority: pledge.data["priority"]?.stringValue,
                           // Made: submitted at least once (a draft, or a draft withdrawn unsent, was never made).
                           isMade: pledge.state != "draft" && wasSubmitted,
                           isApproved: approvedStates.contains(pledge.state),
                           outcome: reported ? pledge.data["outcome"]?.stringValue : nil,
                           reached: reported ? pledge.data["reached"]?.intValue : nil)
    }

    /// What the counting rules read of an action, an escalation and an escalation review: read
    /// out of each record once (a report kept in step with the log reads again only the records
    /// that changed), so counting is arithmetic over small values.
    public struct ActionFacts: Sendable, Equatable {
        let createdAt: Date, updatedAt: Date
        let isClosed: Bool, isCompleted: Bool
        let areas: [String], priority: String?
        let rag: String?
        let isOverdue: Bool
    }

    public struct EscalationFacts: Sendable, Equatable {
        let createdAt: Date, updatedAt: Date
        let isOpen: Bool, isClosed: Bool
        let areas: [String], priorities: [String]
    }

    public struct ReviewFacts: Sendable, Equatable {
        let body: String
        let createdAt: Date, updatedAt: Date
        let isDecided: Bool, isOpen: Bool
        /// Working days from opening to the decision, for a decided review.
        let workingDaysToDecide: Int?
    }

    static func strings(_ v: JSONValue?) -> [String] { v?.arrayValue?.compactMap(\.stringValue) ?? [] }

    public static func actionFacts(_ a: Instance) -> ActionFacts {
        ActionFacts(createdAt: a.createdAt, updatedAt: a.updatedAt, isClosed: Action.State(rawValue: a.state)?.isFinished ?? false, isCompleted: a.state == "completed",
                    areas: Array(Set(strings(a.data["areas"]))), priority: a.data["priority"]?.stringValue, rag: a.data["rag"]?.stringValue,
                    isOverdue: a.data["overdue"] == .bool(true))
    }

    public static func escalationFacts(_ e: Instance) -> EscalationFacts {
        EscalationFacts(createdAt: e.createdAt, updatedAt: e.updatedAt, isOpen: e.state == "open", isClosed: e.state == "closed",
                        areas: Array(Set(strings(e.data["areas"]))), priorities: Array(Set(strings(e.data["priorities"]))))
    }

    public func reviewFacts(_ r: Instance) -> ReviewFacts {
        let decided = Self.decidedReviewStates.contains(r.state)
        return ReviewFacts(body: r.data["body"]?.stringValue ?? "", createdAt: r.createdAt, updatedAt: r.updatedAt, isDecided: decided,
                           isOpen: Self.openReviewStates.contains(r.state),
                           workingDaysToDecide: decided ? try? time.workingDays.workingDays(from: time.day(of: r.createdAt), to: time.day(of: r.updatedAt)).count : nil)
    }

    /// Builds the report with the year's pledges already counted (``PledgeTally``); the rest
    /// from `snapshot`, whose pledges are not read.
    public func build(year: Int, starts: CalendarDay, ends: CalendarDay, snapshot: EngineSnapshot, pledges tally: PledgeTally) -> AnnualReport {
        build(year: year, starts: starts, ends: ends, snapshot: snapshot, pledges: tally, actions: snapshot.of("action").map(Self.actionFacts),
              escalations: snapshot.of("escalation").map(Self.escalationFacts),
              reviews: (snapshot.of("escalation-review") + snapshot.of("escalation-top-review")).map(reviewFacts))
    }

    /// Builds the report from the year's pledges counted, and the actions, escalations and
    /// reviews as facts; measures and groups' sections from `snapshot`.
    public func build(year: Int, starts: CalendarDay, ends: CalendarDay, snapshot: EngineSnapshot, pledges tally: PledgeTally,
                      actions: [ActionFacts], escalations: [EscalationFacts], reviews: [ReviewFacts]) -> AnnualReport {
        let activity = ActivityTally(window: window(starts: starts, ends: ends, moment: snapshot.moment), actions: actions, escalations: escalations, reviews: reviews)
        return build(year: year, starts: starts, ends: ends, snapshot: snapshot, pledges: tally, activity: activity)
    }

    /// The days of a year from `starts` to `ends` as moments, with the moment figures are as of.
    public func window(starts: CalendarDay, ends: CalendarDay, moment: Date) -> ActivityTally.Window {
        ActivityTally.Window(periodStart: time.moment(starts), periodEnd: time.moment(ends.adding(days: 1)), moment: moment)
    }

    /// Builds the report from the year's pledges, actions, escalations and reviews counted
    /// (``PledgeTally``, ``ActivityTally``); measures and groups' sections from `snapshot`.
    public func build(year: Int, starts: CalendarDay, ends: CalendarDay, snapshot: EngineSnapshot, pledges tally: PledgeTally, activity: ActivityTally) -> AnnualReport {
        let moment = snapshot.moment
        let periodStart = time.moment(starts), periodEnd = time.moment(ends.adding(days: 1))
        let actionTotals = activity.actionTotals, actionsByArea = activity.actionsByArea, actionsByPriority = activity.actionsByPriority

        // Measures not retired before the year began, with their latest value and trend.
        let measures = snapshot.of("measure").filter { !($0.state == "retired" && $0.updatedAt < periodStart) && $0.createdAt < periodEnd }
        let measureLines = measures.map { m -> AnnualReport.MeasureLine in
            // One value a period: a correction stands in for the value it corrected.
            let values = MeasureValue.values(of: snapshot.history(m.id)).map { ($0.period, $0.value) }
            let direction = m.data["direction"]?.stringValue ?? "higher-is-better"
            var trend = "not enough values"
            if values.count >= 2 {
                let last = values[values.count - 1].1, before = values[values.count - 2].1
                let better = direction.hasPrefix("lower") ? last < before : last > before
                trend = last == before ? "steady" : better ? "improving" : "worsening"
            }
            return AnnualReport.MeasureLine(
                id: m.id.rawValue, name: m.data["name"]?.stringValue ?? "", group: m.data["group"]?.stringValue ?? "", area: m.data["area"]?.stringValue ?? "",
                priority: m.data["priority"]?.stringValue, unit: m.data["unit"]?.stringValue ?? "", direction: direction,
                baseline: m.data["baseline"]?.doubleValue ?? 0, target: m.data["target"]?.doubleValue ?? 0,
                latest: values.last?.1, latestPeriod: values.last?.0, rag: values.isEmpty ? "no value" : (m.data["rag"]?.stringValue ?? "no value"), trend: trend)
        }

        let escalationTotals = activity.escalationTotals, escalationsByArea = activity.escalationsByArea, escalationsByPriority = activity.escalationsByPriority

        let allDistricts = districts + [NamedKey(key: "outside", name: "Outside the area")]
        let areas = framework.areas.map { area -> AnnualReport.AreaFigures in
            AnnualReport.AreaFigures(
                key: area.key, name: area.name, pledges: tally.byArea[area.key]?.counts ?? .init(),
                pledgesByKind: organisationKinds.map { k in .init(key: k.key, name: k.name, pledges: tally.byAreaKind[PledgeTally.pair(area.key, k.key)]?.counts ?? .init()) },
                pledgesByDistrict: allDistricts.map { d in .init(key: d.key, name: d.name, pledges: tally.byAreaDistrict[PledgeTally.pair(area.key, d.key)]?.counts ?? .init()) },
                actions: actionsByArea[area.key] ?? .init(), escalations: escalationsByArea[area.key] ?? .init())
        }
        let priorities = framework.priorities.map { p -> AnnualReport.PriorityFigures in
            AnnualReport.PriorityFigures(
                key: p.key, name: p.name,
                actions: actionsByPriority[p.key] ?? .init(),
                redMeasures: measureLines.filter { $0.priority == p.key && $0.rag == "red" }.count,
                escalations: escalationsByPriority[p.key] ?? .init())
        }

        // Escalation reviews at each body.
        // Both kinds: a body that may pass an issue on, and one where escalation stops.
        let levels = bodies.compactMap { body -> AnnualReport.LevelFigures? in
            guard let here = activity.reviewsAt[body.key], here.records > 0 else { return nil }
            return AnnualReport.LevelFigures(body: body.key, name: body.name, kind: body.kind, opened: here.opened, decided: here.decided,
                                             stillOpen: here.stillOpen, medianWorkingDaysToResolve: here.medianDaysToDecide)
        }

        // Needs: most red measures, then most overdue actions, then fewest pledges.
        func rank(_ lines: [AnnualReport.NeedLine]) -> [AnnualReport.NeedLine] {
            lines.sorted { a, b in
                (a.redMeasures, a.overdueActions, -a.pledges, b.key) > (b.redMeasures, b.overdueActions, -b.pledges, a.key)
            }
        }
        let areaNeeds = rank(areas.map { a in
            AnnualReport.NeedLine(key: a.key, name: a.name, redMeasures: measureLines.filter { $0.area == a.key && $0.rag == "red" }.count,
                                  overdueActions: a.actions.overdue, pledges: a.pledges.made)
        })
        let priorityNeeds = rank(priorities.map { p in
            AnnualReport.NeedLine(key: p.key, name: p.name, redMeasures: p.redMeasures, overdueActions: p.actions.overdue,
                                  pledges: tally.madeByPriority[p.key] ?? 0)
        })

        // The groups' sections.
        let sections = snapshot.of("report-section").filter { $0.data["year"]?.intValue == year }.map { s in
            let body = bodies.first { $0.key == s.data["group"]?.stringValue }
            return AnnualReport.SectionLine(group: s.data["group"]?.stringValue ?? "", name: body?.name ?? (s.data["group"]?.stringValue ?? ""),
                                            status: s.state == "submitted" ? "submitted" : s.state == "missed" ? "missing" : "awaited",
                                            text: s.state == "submitted" ? s.data["text"]?.stringValue : nil,
                                            youthStatement: body?.kind == BodyKind.participationGroup.rawValue ? true : nil)
        }.sorted { ($0.youthStatement == true ? 0 : 1, $0.name) < ($1.youthStatement == true ? 0 : 1, $1.name) }

        var totals = AnnualReport.Totals()
        totals.pledges = tally.totals.counts
        totals.pledgingOrganisations = tally.approvedByOrganisation.count
        totals.actions = actionTotals
        totals.measures = measureLines.count
        totals.redMeasures = measureLines.filter { $0.rag == "red" }.count
        totals.amberMeasures = measureLines.filter { $0.rag == "amber" }.count
        totals.greenMeasures = measureLines.filter { $0.rag == "green" }.count
        totals.escalations = escalationTotals

        var report = AnnualReport(partnership: partnershipName, year: year, yearStarts: starts.description, yearEnds: ends.description,
                                  asOf: PartnershipTime.timestamp(moment, withMilliseconds: true), totals: totals, areas: areas, priorities: priorities, escalationLevels: levels,
                                  measures: measureLines.sorted { ($0.area, $0.name) < ($1.area, $1.name) },
                                  needs: AnnualReport.NeedsAssessment(areas: areaNeeds, priorities: priorityNeeds), sections: sections)
        report.districts = allDistricts.map { d in AnnualReport.Breakdown(key: d.key, name: d.name, pledges: tally.byDistrict[d.key]?.counts ?? .init()) }
        return report
    }

    public static func median(_ values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted(), mid = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
    }
}

/// One pledge's part in its year's report (``AnnualReportBuilder/facts(of:organisation:wasSubmitted:)``).
public struct PledgeFacts: Sendable, Equatable {
    public var organisation: String
    /// The organisation's kind and district (nil when it is not a pledging organisation).
    public var kind: String?, district: String?
    /// Its FLOURISH areas, each once.
    public var areas: [String]
    public var priority: String?
    /// Submitted at least once.
    public var isMade: Bool
    /// Approved and published (including since reported on).
    public var isApproved: Bool
    /// When reported: how it went, and how many it reached.
    public var outcome: String?
    public var reached: Int?
}

/// Pledge counts a pledge can be added to and taken from, so figures kept in step with the
/// event log change by what changed rather than being counted again.
public struct PledgeSums: Sendable, Equatable {
    public private(set) var counts = AnnualReport.PledgeCounts()
    /// How many reports said how many they reached: none, and `reached` is nil.
    private var reachedReports = 0, reachedTotal = 0

    public var isEmpty: Bool { counts.made == 0 }

    mutating func add(_ f: PledgeFacts, _ sign: Int) {
        counts.made += sign
        if f.isApproved { counts.approved += sign }
        switch f.outcome {
        case "delivered": counts.delivered += sign
        case "partly-delivered": counts.partlyDelivered += sign
        case "not-delivered": counts.notDelivered += sign
        default: break
        }
        if let n = f.reached {
            reachedReports += sign
            reachedTotal += sign * n
            counts.reached = reachedReports > 0 ? reachedTotal : nil
        }
    }
}

/// A year's pledges counted every way the report shows them: in all, by area, by area and
/// kind of organisation, by area and district, by district, by priority, and which
/// organisations have one approved. Each pledge is added, or taken away, on its own.
public struct PledgeTally: Sendable, Equatable {
    public private(set) var totals = PledgeSums()
    public private(set) var byArea: [String: PledgeSums] = [:]
    public private(set) var byAreaKind: [String: PledgeSums] = [:]
    public private(set) var byAreaDistrict: [String: PledgeSums] = [:]
    public private(set) var byDistrict: [String: PledgeSums] = [:]
    public private(set) var madeByPriority: [String: Int] = [:]
    /// Approved pledges per organisation (only organisations with at least one).
    public private(set) var approvedByOrganisation: [String: Int] = [:]

    public init() {}

    static func pair(_ a: String, _ b: String) -> String { a + "\u{1F}" + b }

    public mutating func add(_ f: PledgeFacts) { apply(f, 1) }
    public mutating func remove(_ f: PledgeFacts) { apply(f, -1) }

    private mutating func apply(_ f: PledgeFacts, _ sign: Int) {
        guard f.isMade else { return }  // never made: in no figure
        func bump(_ sums: inout [String: PledgeSums], _ key: String) {
            sums[key, default: PledgeSums()].add(f, sign)
            if sums[key]?.isEmpty == true { sums[key] = nil }
        }
        totals.add(f, sign)
        for area in f.areas {
            bump(&byArea, area)
            if let kind = f.kind { bump(&byAreaKind, Self.pair(area, kind)) }
            if let district = f.district { bump(&byAreaDistrict, Self.pair(area, district)) }
        }
        if let district = f.district { bump(&byDistrict, district) }
        if let priority = f.priority {
            madeByPriority[priority, default: 0] += sign
            if madeByPriority[priority] == 0 { madeByPriority[priority] = nil }
        }
        if f.isApproved {
            approvedByOrganisation[f.organisation, default: 0] += sign
            if approvedByOrganisation[f.organisation] == 0 { approvedByOrganisation[f.organisation] = nil }
        }
    }
}

/// The year's actions, escalations and escalation reviews counted every way the report shows
/// them (in all, by area, by priority, at each body), by ``AnnualReportBuilder``'s rules for
/// each. A record's facts are added, or taken away when it changes, on their own, so figures
/// kept in step with the event log change by what changed rather than being counted again.
public struct ActivityTally: Sendable, Equatable {
    /// The year's days, and the moment the figures are as of.
    public struct Window: Sendable, Equatable {
        public let periodStart: Date, periodEnd: Date, moment: Date

        /// During the year, and by the figures' moment.
        func inYear(_ d: Date) -> Bool { d >= periodStart && d < periodEnd && d <= moment }
    }

    public let window: Window
    public private(set) var actionTotals = AnnualReport.ActionCounts()
    public private(set) var actionsByArea: [String: AnnualReport.ActionCounts] = [:]
    public private(set) var actionsByPriority: [String: AnnualReport.ActionCounts] = [:]
    public private(set) var escalationTotals = AnnualReport.EscalationCounts()
    public private(set) var escalationsByArea: [String: AnnualReport.EscalationCounts] = [:]
    public private(set) var escalationsByPriority: [String: AnnualReport.EscalationCounts] = [:]
    public private(set) var reviewsAt: [String: ReviewSums] = [:]
    /// The latest moment any fact counted names: figures counted with a moment beyond every
    /// fact's are the same for every such moment (see ``isTheSame(asOf:)``).
    public private(set) var latestFact = Date.distantPast

    /// The reviews at one body: how many there are, opened and decided in the year, awaiting a
    /// decision, and the working days each decision in the year took (as counts of each).
    public struct ReviewSums: Sendable, Equatable {
        public internal(set) var records = 0, opened = 0, decided = 0, stillOpen = 0
        public internal(set) var daysToDecide: [Int: Int] = [:]

        /// The median working days to a decision, over those decided in the year.
        public var medianDaysToDecide: Double? {
            AnnualReportBuilder.median(daysToDecide.keys.sorted().flatMap { days in Array(repeating: Double(days), count: daysToDecide[days] ?? 0) })
        }
    }

    public init(window: Window) { self.window = window }

    /// The tally of `actions`, `escalations` and `reviews` as of `window`.
    public init(window: Window, actions: [AnnualReportBuilder.ActionFacts], escalations: [AnnualReportBuilder.EscalationFacts], reviews: [AnnualReportBuilder.ReviewFacts]) {
        self.window = window
        for a in actions { add(a) }
        for e in escalations { add(e) }
        for r in reviews { add(r) }
    }

    /// Whether these figures, counted as of their window's moment, are those as of `moment`
    /// too: they are when every fact counted is dated before both. A fact dated at or after
    /// the moment (a clock set back, an import dated ahead) is counted by the moment's rules.
    /// Counted with a moment beyond every fact (the distant future), the rules read no moment:
    /// "by the moment" holds of every fact, and an escalation still open at the year's end or
    /// at the moment, whichever is first, is one open now (any closed before now closed before
    /// either).
    public func isTheSame(asOf moment: Date) -> Bool { latestFact < moment && latestFact < window.moment }

    public mutating func add(_ a: AnnualReportBuilder.ActionFacts) { apply(a, 1) }
    public mutating func remove(_ a: AnnualReportBuilder.ActionFacts) { apply(a, -1) }
    public mutating func add(_ e: AnnualReportBuilder.EscalationFacts) { apply(e, 1) }
    public mutating func remove(_ e: AnnualReportBuilder.EscalationFacts) { apply(e, -1) }
    public mutating func add(_ r: AnnualReportBuilder.ReviewFacts) { apply(r, 1) }
    public mutating func remove(_ r: AnnualReportBuilder.ReviewFacts) { apply(r, -1) }

    private mutating func noting(_ dates: Date...) { latestFact = max(latestFact, dates.max() ?? .distantPast) }

    private mutating func apply(_ a: AnnualReportBuilder.ActionFacts, _ sign: Int) {
        noting(a.createdAt, a.updatedAt)
        // Actions live during the year: logged before it ended, and not closed before it began.
        guard a.createdAt < window.periodEnd && !(a.isClosed && a.updatedAt < window.periodStart) else { return }
        func bump(_ c: inout AnnualReport.ActionCounts) {
            c.total += sign
            switch a.rag {
            case "red": c.red += sign
            case "amber": c.amber += sign
            case "green": c.green += sign
            default: c.noUpdate += sign
            }
            if a.isCompleted && window.inYear(a.updatedAt) { c.completed += sign }
            if a.isOverdue && !a.isClosed { c.overdue += sign }
        }
        bump(&actionTotals)
        for area in a.areas { Self.bump(&actionsByArea, area, zero: .init(), bump) }
        if let p = a.priority { Self.bump(&actionsByPriority, p, zero: .init(), bump) }
    }

    private mutating func apply(_ e: AnnualReportBuilder.EscalationFacts, _ sign: Int) {
        noting(e.createdAt, e.updatedAt)
        let window = window
        func bump(_ c: inout AnnualReport.EscalationCounts) {
            if window.inYear(e.createdAt) { c.raised += sign }
            if e.isClosed && window.inYear(e.updatedAt) { c.resolved += sign }
            // Still open: raised by the year's end and not closed by then (or by the report's
            // moment, when that is earlier). A closed escalation's last change is its closing.
            if e.createdAt < window.periodEnd && (e.isOpen || e.updatedAt >= min(window.periodEnd, window.moment)) { c.stillOpen += sign }
        }
        bump(&escalationTotals)
        for area in e.areas { Self.bump(&escalationsByArea, area, zero: .init(), bump) }
        for p in e.priorities { Self.bump(&escalationsByPriority, p, zero: .init(), bump) }
    }

    private mutating func apply(_ r: AnnualReportBuilder.ReviewFacts, _ sign: Int) {
        noting(r.createdAt, r.updatedAt)
        var sums = reviewsAt[r.body] ?? ReviewSums()
        sums.records += sign
        if window.inYear(r.createdAt) { sums.opened += sign }
        if r.isDecided && window.inYear(r.updatedAt) {
            sums.decided += sign
            if let days = r.workingDaysToDecide {
                sums.daysToDecide[days, default: 0] += sign
                if sums.daysToDecide[days] == 0 { sums.daysToDecide[days] = nil }
            }
        }
        if r.isOpen { sums.stillOpen += sign }
        reviewsAt[r.body] = sums.records == 0 ? nil : sums
    }

    /// Changes the counts kept under `key`, dropping them once they are all nought again, so a
    /// tally kept in step equals one counted afresh.
    private static func bump<Counts: Equatable>(_ counts: inout [String: Counts], _ key: String, zero: Counts, _ change: (inout Counts) -> Void) {
        var c = counts[key] ?? zero
        change(&c)
        counts[key] = c == zero ? nil : c
    }
}
