import Foundation
import Testing
@_spi(Harness) @testable import Services
import Domain
import Engine

/// Issue 22: the figures kept in step with the event log (this year's report, the pledge wall)
/// equal a full rebuild from the records after every step of random sequences of what the
/// partnership does: registering, pledging, deciding, reporting, withdrawing, logging and
/// updating actions, raising and deciding escalations, and time passing with its deadlines.
@Suite(.serialized) struct MaintainedFiguresTests {
    static let epb = "early-prevention-board"

    /// SplitMix64: a seeded generator, so a failing sequence can be run again from its seed.
    struct Seeded: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E3779B97F4A7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
            z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
            return z ^ (z >> 31)
        }
    }

    /// The report with its moment set aside: a rebuild a moment later is otherwise the same.
    static func comparable(_ r: AnnualReport) -> AnnualReport { var r = r; r.asOf = ""; return r }

    @Test(arguments: [1, 2, 3, 4, 5] as [UInt64])
    func keptFiguresEqualAFullRebuildAfterEveryStep(seed: UInt64) throws {
        let f = try NorfolkFixture(start: "2026-03-02T09:00")
        try f.person("sec", alliance, "secretariat")
        try f.person("ann", alliance, "chair")
        try f.person("erin", Self.epb, "chair")
        var rng = Seeded(state: seed)
        let kinds = f.app.partnership.organisationKinds.map(\.key), districts = f.app.partnership.districts.map(\.key) + ["outside"]
        let areas = f.app.framework.areas.map(\.key), priorities = f.app.framework.priorities.map(\.key)
        var organisations: [OrganisationView] = [], pledges: [(id: InstanceID, contact: String)] = []
        var actions: [RecordID<Action>] = [], escalations: [RecordID<Escalation>] = [], measures: [RecordID<Measure>] = []
        var steps: [String] = []
        var wallSizes: [Int] = [], wallShrank = false
        // Two asks the partnership publishes, for pledges to answer.
        let asks = try ["Short breaks", "Work placements"].map { title in
            try f.app.publishAsk(title: title, description: "", priority: nil, item: nil, areas: [areas[0]], districts: [], by: "sec").id.rawValue
        }
        // A start with something on the wall: four organisations, each with two approved pledges.
        for n in 1...4 {
            let org = try f.app.registerOrganisation(.init(name: "Founding \(n)", kind: kinds[n % kinds.count], district: districts[n % districts.count],
                                                           sizeBand: "small", contactName: "F\(n)", contactEmail: "f\(n)@founding\(n).example"), by: "sec")
            organisations.append(org)
            for k in 1...2 {
                let contact = org.organisation.contacts[0]
                let p = try f.app.createPledge(PledgeRequest(organisation: org.organisation.key, text: "Founding pledge \(n).\(k)", areas: [areas[(n + k) % areas.count]]), by: contact)
                _ = try f.app.firePledge(RecordID(p.id), event: "submit", fields: [:], expectedVersion: nil, by: contact)
                _ = try f.app.approvePledge(RecordID(p.id), comment: nil, expectedVersion: nil, by: "sec")
                pledges.append((p.id, contact))
            }
        }
        for step in 0..<120 {
            let choice = Int.random(in: 0..<21, using: &rng)
            var did = ""
            do {
                switch choice {
                case 0 where organisations.count < 9:
                    let n = organisations.count + 1
                    organisations.append(try f.app.registerOrganisation(.init(name: "Org \(n)", kind: kinds.randomElement(using: &rng)!, district: districts.randomElement(using: &rng)!,
                                                                                sizeBand: "small", contactName: "C\(n)", contactEmail: "c\(n)@org\(n).example"), by: "sec"))
                    did = "register"
                case 1, 2:
                    guard let org = organisations.randomElement(using: &rng) else { break }
                    let chosen = Array(areas.shuffled(using: &rng).prefix(Int.random(in: 1...3, using: &rng)))
                    let priority = Bool.random(using: &rng) ? priorities.randomElement(using: &rng) : nil
                    var request = PledgeRequest(organisation: org.organisation.key, text: "Pledge \(step)", areas: chosen, priority: priority)
                    request.ask = Int.random(in: 0..<3, using: &rng) == 0 ? asks.randomElement(using: &rng) : nil
                    let p = try f.app.createPledge(request, by: org.organisation.contacts[0])
                    pledges.append((p.id, org.organisation.contacts[0]))
                    did = "pledge"
                case 3...8:
                    guard let p = pledges.randomElement(using: &rng) else { break }
                    // Mostly what the pledge's state allows next, sometimes anything (a refused move changes nothing).
                    let next: [String: [String]] = ["draft": ["submit", "submit", "withdraw"], "changes-requested": ["submit", "withdraw"],
                                                    "submitted": ["approve", "approve", "approve", "request-changes", "reject", "withdraw"],
                                                    "approved": ["withdraw", "none", "none", "none"], "report-due": ["report", "report", "withdraw"], "report-overdue": ["report", "withdraw"]]
                    let state = try f.app.engine.instance(p.id).state
                    let event = (Int.random(in: 0..<10, using: &rng) == 0 ? nil : next[state]?.randomElement(using: &rng))
                        ?? ["submit", "approve", "request-changes", "reject", "withdraw", "report"].randomElement(using: &rng)!
                    did = event
                    switch event {
                    case "none": break
                    case "approve": _ = try f.app.approvePledge(RecordID(p.id), comment: nil, expectedVersion: nil, by: "sec")
                    case "request-changes": _ = try f.app.firePledge(RecordID(p.id), event: event, fields: ["reviewComment": "More detail"], expectedVersion: nil, by: "sec")
                    case "reject": _ = try f.app.firePledge(RecordID(p.id), event: event, fields: ["reason": "Not new"], expectedVersion: nil, by: "sec")
                    case "withdraw": _ = try f.app.firePledge(RecordID(p.id), event: event, fields: ["reason": "Changed plans"], expectedVersion: nil, by: p.contact)
                    case "report":
                        _ = try f.app.firePledge(RecordID(p.id), event: event, fields: ["outcome": .string(["delivered", "partly-delivered", "not-delivered"].randomElement(using: &rng)!),
                                                                                      "evidence": "It ran", "reached": .integer(Int64.random(in: 0...50, using: &rng))],
                                                 expectedVersion: nil, by: p.contact)
                    default: _ = try f.app.firePledge(RecordID(p.id), event: event, fields: [:], expectedVersion: nil, by: p.contact)
                    }
                case 9:
                    // Most at the board, some at the alliance: a group's actions are its own.
                    let chosen = Array(areas.shuffled(using: &rng).prefix(2))
                    let (group, chair) = Int.random(in: 0..<3, using: &rng) == 0 ? (alliance, "ann") : (Self.epb, "erin")
                    actions.append(try f.app.logAction(ActionRequest(group: group, title: "Action \(step)", priority: priorities.randomElement(using: &rng), areas: chosen,
                                                                     owner: chair, dueDate: f.app.time.day(of: f.clock.now()).adding(days: Int.random(in: 5...40, using: &rng)).description),
                                                       by: chair).action.id)
                    did = "log action"
                case 10:
                    guard let a = actions.randomElement(using: &rng) else { break }
                    let chair = try f.app.action(a).action.group == alliance ? "ann" : "erin"
                    if Bool.random(using: &rng) {
                        _ = try f.app.fireAction(a, event: "update", fields: ["rag": .string(["red", "amber", "green"].randomElement(using: &rng)!), "commentary": "Progress"], by: chair)
                        did = "update action"
                    } else {
                        _ = try f.app.fireAction(a, event: "complete", fields: ["outcomeNote": "Done"], by: chair)
                        did = "complete action"
                    }
                case 11:
                    escalations.append(try f.app.raiseEscalation(EscalationRequest(group: Self.epb, title: "Issue \(step)", severity: "high", priorities: [priorities.randomElement(using: &rng)!],
                                                                                   areas: [areas.randomElement(using: &rng)!]), by: "erin").escalation.id)
                    did = "raise escalation"
                case 12:
                    guard let e = escalations.randomElement(using: &rng) else { break }
                    if Bool.random(using: &rng) {
                        _ = try f.app.decideEscalation(e, at: alliance, outcome: "resolved", fields: ["rationale": "Agreed"], by: "ann")
                        did = "decide escalation"
                    } else {
                        let due = f.app.time.day(of: f.clock.now()).adding(days: Int.random(in: 5...60, using: &rng)).description
                        _ = try f.app.decideEscalation(e, at: alliance, outcome: "accepted", fields: ["plan": "A plan"],
                                                       plan: [PlannedAction(title: "Plan step \(step)", group: Self.epb, owner: "erin", dueDate: due)], by: "ann")
                        did = "accept escalation into a plan"
                    }
                case 13, 14:
                    // A membership withdrawn or reinstated: its organisation's pledges leave the wall or come back, unchanged themselves.
                    guard let org = organisations.randomElement(using: &rng) else { break }
                    if try f.app.organisation(org.organisation.key).membership?.state == .active {
                        _ = try f.app.withdrawOrganisation(org.organisation.key, reason: "Leaving", by: "sec")
                        did = "withdraw organisation"
                    } else {
                        _ = try f.app.reinstateOrganisation(org.organisation.key, reason: "Back", by: "sec")
                        did = "reinstate organisation"
                    }
                case 15:
                    // A membership lapsing while its pledges stay approved (its deadlines fired early, as the tick would fire them).
                    guard let org = organisations.randomElement(using: &rng), let m = try f.app.organisation(org.organisation.key).membership else { break }
                    _ = try f.app.engine.fire("renewal-due-reached", on: m.id.instance, actor: .system, expectedVersion: nil)
                    _ = try f.app.engine.fire("grace-ended", on: m.id.instance, actor: .system, expectedVersion: nil)
                    did = "membership lapses"
                case 16:
                    let n = measures.count + 1
                    measures.append(try f.app.defineMeasure(MeasureRequest(group: Self.epb, name: "Measure \(n)", unit: "count", direction: "higher-is-better", baseline: 100,
                                                                           target: 150, tolerance: 20, frequency: ["monthly", "quarterly"].randomElement(using: &rng)!,
                                                                           area: areas.randomElement(using: &rng)!), by: "erin").measure.id)
                    did = "define measure"
                case 17:
                    // A value well below target is red and raises an escalation from the measure.
                    guard let m = measures.randomElement(using: &rng) else { break }
                    // A period of its own for each step, or now and then a correction of the latest value.
                    let view = try f.app.measure(m), monthly = view.measure.frequency == "monthly"
                    let fresh = monthly ? "\(2026 + step / 12)-\(String(format: "%02d", step % 12 + 1))" : "\(2026 + step / 4)-Q\(step % 4 + 1)"
                    let correcting = Bool.random(using: &rng) ? view.values.last : nil
                    _ = try f.app.recordMeasure(m, period: correcting?.period ?? fresh, value: Double(Int.random(in: 60...180, using: &rng)), note: nil,
                                                corrects: correcting != nil, by: "erin")
                    did = correcting == nil ? "record measure" : "correct measure"
                case 18:
                    // An erasure rewrites earlier events' payloads: an action's ratings, a measure's periods.
                    if Bool.random(using: &rng), let a = actions.randomElement(using: &rng) {
                        _ = try f.app.engine.redact(fields: ["rag", "commentary"], in: a.instance, actor: .system, reason: "Erasure request")
                        did = "redact action"
                    } else if let m = measures.randomElement(using: &rng) {
                        _ = try f.app.engine.redact(fields: ["period"], in: m.instance, actor: .system, reason: "Erasure request")
                        did = "redact measure"
                    }
                default:
                    f.clock.advance(bySeconds: Double(Int.random(in: 1...25, using: &rng)) * 86_400)
                    _ = try f.app.engine.tick()
                    did = "time passes"
                }
            } catch {
                did += " (refused)"
            }
            steps.append(did)
            let year = f.app.currentPledgeYear()
            for y in Set([2026, year]) {
                let kept = try f.app.annualReport(year: y)
                let rebuilt = try f.app.buildAnnualReport(year: y, asOf: nil)
                #expect(Self.comparable(kept) == Self.comparable(rebuilt), "seed \(seed), step \(step), \(y) report, after: \(steps.suffix(5))")
            }
            let wall = try f.app.wallIndex()
            if wall.entries.count < wallSizes.last ?? 0 { wallShrank = true }
            wallSizes.append(wall.entries.count)
            #expect(wall == (try WallLedger().index(app: f.app, version: (0, 0))), "seed \(seed), step \(step), the wall kept differs from one read afresh, after: \(steps.suffix(5))")
            #expect(wall.entries.map(\.pledge) == (try Self.wallByHand(f.app)), "seed \(seed), step \(step), the wall differs from its rule, after: \(steps.suffix(5))")
            // The escalations kept with their reviews and plans are each what its own page reads.
            let listed = try f.app.escalations()
            let each = try f.app.engine.instances(workflow: "escalation", limit: 10_000).map { try f.app.escalation(RecordID($0.id)) }
            #expect(listed.map(\.escalation.id) == each.map(\.escalation.id) && listed.map { $0.escalation.version } == each.map { $0.escalation.version },
                    "seed \(seed), step \(step), escalations, after: \(steps.suffix(5))")
            #expect(listed.map { $0.reviews.map(\.id) + $0.open.map(\.id) + $0.overdue.map(\.id) } == each.map { $0.reviews.map(\.id) + $0.open.map(\.id) + $0.overdue.map(\.id) }
                    && listed.map { $0.reviews.map(\.version) } == each.map { $0.reviews.map(\.version) },
                    "seed \(seed), step \(step), escalation reviews, after: \(steps.suffix(5))")
            #expect(listed.map { $0.plan.map(\.id) + $0.followUps.map(\.id) } == each.map { $0.plan.map(\.id) + $0.followUps.map(\.id) }
                    && listed.map { $0.plan.map(\.version) } == each.map { $0.plan.map(\.version) },
                    "seed \(seed), step \(step), escalation plans, after: \(steps.suffix(5))")
            // Each escalation's path kept (who may see it in a list) is the one read afresh from its reviews.
            let paths = try f.app.escalationRecords().paths
            #expect(try paths.count == each.count && each.allSatisfy { try paths[$0.escalation.id.rawValue] == f.app.policy.escalationPath($0.escalation.instance) },
                    "seed \(seed), step \(step), escalation paths, after: \(steps.suffix(5))")
            // The actions kept with their ratings are each what its own page reads.
            let kept = try f.app.actions()
            let read = try f.app.engine.instances(workflow: "action", limit: 10_000).map { try f.app.action(RecordID($0.id)) }
            #expect(kept.map { "\($0.action.id.rawValue) \($0.action.version) \($0.rags) \($0.escalations.map(\.id.rawValue))" }
                    == read.map { "\($0.action.id.rawValue) \($0.action.version) \($0.rags) \($0.escalations.map(\.id.rawValue))" },
                    "seed \(seed), step \(step), actions, after: \(steps.suffix(5))")
            // Each group's actions kept are its own, in the order its chair chases them.
            let secretariat = try f.app.viewer(for: "sec")
            for group in [Self.epb, alliance] {
                let mine = try f.app.actions(ActionFilter(group: group))
                #expect(mine.map(\.action.id) == kept.filter { $0.action.group == group }.map(\.action.id), "seed \(seed), step \(step), \(group)'s actions")
                let chased = try f.app.actionsToChase(group: group, for: secretariat)
                let open = mine.filter { !$0.action.state.isFinished }, finished = mine.filter(\.action.state.isFinished)
                let openByHand = open.sorted { a, b in
                    let (ka, kb) = ((a.isOverdue ? 0 : 1, a.action.dueDate?.ordinal ?? .min), (b.isOverdue ? 0 : 1, b.action.dueDate?.ordinal ?? .min))
                    return ka != kb ? ka < kb : open.firstIndex { $0.action.id == a.action.id }! < open.firstIndex { $0.action.id == b.action.id }!
                }
                let finishedByHand = finished.sorted { a, b in
                    let (ka, kb) = (a.action.dueDate?.ordinal ?? .min, b.action.dueDate?.ordinal ?? .min)
                    return ka != kb ? ka > kb : finished.firstIndex { $0.action.id == a.action.id }! < finished.firstIndex { $0.action.id == b.action.id }!
                }
                #expect(chased.open.map(\.action.id) == openByHand.map(\.action.id) && chased.finished.map(\.action.id) == finishedByHand.map(\.action.id),
                        "seed \(seed), step \(step), \(group)'s actions to chase")
            }
            // The measures kept with their values and escalations are each what its own page reads.
            let keptMeasures = try f.app.measures()
            let readMeasures = try f.app.engine.instances(workflow: "measure", limit: 10_000).map { try f.app.measure(RecordID($0.id)) }
            func described(_ m: MeasureView) -> String {
                "\(m.measure.id.rawValue) \(m.measure.version) \(m.values.map { "\($0.period) \($0.value) \($0.rag) \($0.recordedAt)" }) \(m.escalations.map(\.id.rawValue))"
            }
            #expect(keptMeasures.map(described) == readMeasures.map(described), "seed \(seed), step \(step), measures, after: \(steps.suffix(5))")
            #expect(try f.app.measures(group: Self.epb, area: areas[0]).map(described) == readMeasures.filter { $0.measure.area == areas[0] }.map(described),
                    "seed \(seed), step \(step), one area's measures")
            let askCounts = Dictionary(uniqueKeysWithValues: try f.app.asks().map { ($0.ask.id.rawValue, $0.pledges) })
            let byHand = try f.app.engine.instances(workflow: "pledge", limit: 10_000).filter { !["rejected", "withdrawn"].contains($0.state) }
            #expect(asks.allSatisfy { a in askCounts[a] == byHand.filter { $0.data["ask"]?.stringValue == a }.count }, "seed \(seed), step \(step), pledges per ask")
            let onWall = Dictionary(uniqueKeysWithValues: try f.app.asks().map { ($0.ask.id.rawValue, $0.published) })
            #expect(asks.allSatisfy { a in onWall[a] == wall.entries.filter { $0.ask == a }.count }, "seed \(seed), step \(step), pledges on the wall per ask")
            if Self.comparable(try f.app.annualReport(year: 2026)) != Self.comparable(try f.app.buildAnnualReport(year: 2026, asOf: nil)) { return }
        }
        #expect((wallSizes.max() ?? 0) >= 2 && wallShrank, "the wall grew and shrank: \(wallSizes)")
        #expect(Set(steps.map { $0.replacingOccurrences(of: " (refused)", with: "") }).count >= 10, "the sequence exercised most moves: \(Set(steps))")
        #expect(steps.contains("record measure") && steps.contains("log action"), "values were recorded and actions logged: \(Set(steps))")
    }

    /// The wall by its rule, worked out plainly from the records: approved pledges of
    /// organisations with an active (or renewal-due) membership, newest approval first.
    static func wallByHand(_ app: Flourish) throws -> [InstanceID] {
        let active = Set(try app.engine.instances(workflow: "scheme-membership", limit: 10_000)
            .filter { ["active", "renewal-due"].contains($0.state) }.compactMap { $0.data["organisation"]?.stringValue })
        let shown = try app.engine.instances(workflow: "pledge", state: "approved", limit: 10_000).filter { active.contains($0.data["organisation"]?.stringValue ?? "") }
        let approved = try shown.map { p in (p.id, try app.engine.history(of: p.id).first { $0.event == "approve" }?.occurredAt ?? .distantPast,
                                             Int(p.id.rawValue.split(separator: "-").last ?? "") ?? 0) }
        return approved.sorted { ($0.1, $0.2) > ($1.1, $1.2) }.map(\.0)
    }

    /// A rebuild request makes the kept figures be worked out again from the records.
    /// Issue 22: the first dashboard of a server (nothing kept) builds the wall's figures beside
    /// the report's, on another thread; it is the same report, and the wall is built and right.
    @Test func theFirstDashboardBuildsTheWallBesideTheReportAndShowsTheSameFigures() throws {
        let (f, _, _) = try AnnualReportTests.dataset()
        let expected = try f.app.annualReport(year: 2026), expectedWall = try f.app.wall()
        let fresh = try Flourish(databasePath: f.app.database.path, library: f.app.library, clock: f.clock)
        #expect(!fresh.wallLedger.isBuilt)
        #expect(Self.comparable(try fresh.dashboardReport(year: 2026)) == Self.comparable(expected))
        #expect(fresh.wallLedger.isBuilt, "built alongside the report")
        #expect(try fresh.wall() == expectedWall)
        // Once built, a dashboard reads the kept figures as before.
        #expect(Self.comparable(try fresh.dashboardReport(year: 2026)) == Self.comparable(expected))
    }

    @Test func aRebuildRequestStartsTheFiguresAgainFromTheRecords() throws {
        let (f, _, _) = try AnnualReportTests.dataset()
        let before = try f.app.annualReport(year: 2026)
        let ledger = f.app.reportLedgers.ledger(2026)
        let tally = try ledger.pledgeTally(app: f.app)
        #expect(tally.totals.counts.made == before.totals.pledges.made)
        #expect(throws: WorkflowError.self) { try f.app.requestFiguresRebuild(by: try f.app.viewer(for: "erin")) }
        try f.app.requestFiguresRebuild(by: try f.app.viewer(for: "sec"))
        #expect(try f.app.figuresVersion().rebuilds == 1)
        #expect(Self.comparable(try f.app.annualReport(year: 2026)) == Self.comparable(before))
    }

    /// Issue 22: the actions', escalations' and reviews' figures are kept counted, not counted
    /// again at every view; with the clock set back before records last changed (their facts
    /// then lie after "now"), the kept figures are counted as of now, as a rebuild counts them.
    @Test func keptActivityFiguresFollowAClockSetBack() throws {
        let (f, _, _) = try AnnualReportTests.dataset()
        let before = try f.app.annualReport(year: 2026)
        #expect(before.totals.actions.total > 0 && before.totals.escalations.raised > 0 && !before.escalationLevels.isEmpty)
        let now = f.clock.now()
        let events = try f.app.database.read { db in try db.query("SELECT occurred_at FROM events ORDER BY seq").compactMap { $0.int64("occurred_at") } }
        var differed = false
        // Back to a moment before each of the last events in turn: those after it are "not yet".
        for at in Set(events.suffix(40)).sorted(by: >).map({ Date(milliseconds: $0 - 1) }) {
            f.clock.set(at)
            // The actions', escalations' and reviews' figures (a rebuild as of a moment before an
            // organisation joined counts its pledges differently, and the kept figures do not).
            let kept = Self.activity(try f.app.annualReport(year: 2026)), rebuilt = Self.activity(try f.app.buildAnnualReport(year: 2026, asOf: nil))
            #expect(kept == rebuilt, "as of \(at)")
            if rebuilt != Self.activity(before) { differed = true }
        }
        f.clock.set(now)
        #expect(differed, "setting the clock back changed some figure, so the check can tell")
        #expect(Self.comparable(try f.app.annualReport(year: 2026)) == Self.comparable(before))
    }

    static func activity(_ r: AnnualReport) -> String {
        "\(r.totals.actions) \(r.totals.escalations) \(r.areas.map { "\($0.actions) \($0.escalations)" }) \(r.priorities.map { "\($0.actions) \($0.escalations)" }) \(r.escalationLevels)"
    }
}
