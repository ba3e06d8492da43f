import Foundation
@_spi(Harness) import Services
import Engine

/// A large partnership for the benchmarks: the demo partnership, then thousands of
/// organisations pledging over several years, actions, measures and escalations, all written
/// through the same imports and services a real partnership uses (so the data is what the
/// engine would have made), with SQLite's fsync turned off while generating a scratch file.
struct LargePartnership {
    var organisations = 20_000
    var years = 5
    var actions = 2_000
    var measures = 50
    var escalations = 500
    var seed: UInt64 = 20_261_125

    struct Generated {
        let seconds: Double
        let organisations: Int, pledges: Int, actions: Int, measures: Int, escalations: Int, events: Int
    }

    /// The groups whose demo chairs log actions, record measures and raise escalations.
    static let chairs: [(group: String, chair: String, priority: String?)] = [
        ("early-prevention-board", "erin", nil),
        ("cyp-mental-health-alliance-executive-management-group", "maya", nil),
        ("norfolk-area-send-multi-agency-steering-group", "sian", nil),
        ("norfolk-learning-board", "leo", nil),
        ("data-and-system-performance-group", "dee", "send"),
    ]

    /// Fills an empty database; `year` is the latest pledge year (the clock sits late in it).
    func generate(into app: Flourish, clock: TestClock, year: Int) throws -> Generated {
        let started = Date()
        var random = SplitMix64(seed: seed)
        try app.database.withWriter { try $0.execute("PRAGMA synchronous = OFF") }
        defer { try? app.database.withWriter { try $0.execute("PRAGMA synchronous = FULL") } }
        let now = clock.now()
        _ = try app.loadDemo()

        let areas = app.framework.areas.map(\.key)
        let kinds = app.partnership.organisationKinds.map(\.key), districts = app.partnership.districts.map(\.key)
        let sizes = app.partnership.sizeBands.map(\.key), themes = app.partnership.pledges.themes.map(\.key)
        let first = year - years + 1

        var rows = [["name", "kind", "district", "size_band", "postcode", "company_number", "contact_name", "contact_email", "registered_on"]]
        for i in 1...organisations {
            let n = String(format: "%05d", i)
            rows.append(["Bench Organisation \(n)", kinds[random.below(kinds.count)], districts[random.below(districts.count)], sizes[random.below(sizes.count)],
                         "NR\(1 + random.below(30)) \(random.below(10))AB", "", "Contact \(n)", "contact\(n)@bench.example",
                         "\(first)-01-\(String(format: "%02d", 1 + random.below(28)))"])
        }
        _ = try app.importOrganisations(csv: CSV.write(rows), dryRun: false, by: "sam")
        let keys = try app.database.read { db in
            try db.query("SELECT key FROM organisations WHERE key LIKE 'bench-organisation-%' ORDER BY key").compactMap { $0.string("key") }
        }

        // Pledges: most organisations pledge most years; earlier years are reported on.
        let outcomes = ["delivered", "delivered", "delivered", "partly-delivered", "not-delivered"]
        var pledges = 0
        var batch = [["organisation", "pledge_year", "text", "areas", "theme", "priority", "submitted_on", "approved_on", "outcome", "evidence", "reported_on"]]
        func flush() throws {
            guard batch.count > 1 else { return }
            _ = try app.importPledges(csv: CSV.write(batch), dryRun: false, by: "sam")
            batch.removeLast(batch.count - 1)
        }
        for y in first...year {
            for (index, key) in keys.enumerated() where random.below(100) < 85 {
                let month = 1 + random.below(9), day = 1 + random.below(18)
                let submitted = String(format: "%04d-%02d-%02d", y, month, day)
                let approved = y == year && random.below(10) == 0 ? "" : String(format: "%04d-%02d-%02d", y, month, day + 10)
                var outcome = "", evidence = "", reported = ""
                if y <= year - 2 && !approved.isEmpty {
                    outcome = outcomes[random.below(outcomes.count)]
                    evidence = "What organisation \(index + 1) did in \(y)"
                    reported = String(format: "%04d-%02d-%02d", y + 1, month + 1, 1 + random.below(28))
                }
                let areaCount = 1 + random.below(2)
                let chosen = (0..<areaCount).map { _ in areas[random.below(areas.count)] }
                batch.append([key, "\(y)", "Pledge \(y) number \(index + 1): a new thing for children and young people", Array(Set(chosen)).sorted().joined(separator: ";"),
                              random.below(3) == 0 ? themes[random.below(themes.count)] : "", "", submitted, approved, outcome, evidence, reported])
                pledges += 1
                if batch.count > 10_000 { try flush() }
            }
        }
        try flush()

        // Actions across the chairs' groups, in every state.
        let statuses: [(String, String, String)] = [("planned", "", ""), ("in-progress", "", "green"), ("in-progress", "", "amber"), ("in-progress", "", "red"),
                                                     ("completed", "Done as planned.", "green"), ("blocked", "Waiting for funding.", "amber"), ("cancelled", "Overtaken by events.", "")]
        var actionRows = [["group", "title", "description", "priority", "areas", "owner", "due_date", "item", "logged_on", "status", "status_note", "rag", "commentary", "updated_on"]]
        for i in 1...max(actions, 1) where actions > 0 {
            let (group, chair, priority) = Self.chairs[i % Self.chairs.count]
            let (status, note, rag) = statuses[random.below(statuses.count)]
            let due = String(format: "%04d-%02d-%02d", year + random.below(2), 1 + random.below(12), 1 + random.below(28))
            let logged = String(format: "%04d-%02d-%02d", year - 1, 1 + random.below(12), 1 + random.below(28))
            let updated = status == "planned" || status == "cancelled" ? "" : String(format: "%04d-%02d-%02d", year, 1 + random.below(10), 1 + random.below(28))
            actionRows.append([group, "Action \(i): make something better for children", "", priority ?? "", areas[random.below(areas.count)], chair, due, "",
                               logged, status, note, status == "cancelled" || status == "planned" ? "" : rag, rag.isEmpty ? "" : "Progress noted.", updated])
        }
        if actions > 0 { _ = try app.importActions(csv: CSV.write(actionRows), dryRun: false, by: "sam") }

        var measureRows = [["group", "name", "unit", "direction", "baseline", "target", "tolerance", "frequency", "area", "priority", "success_measure", "values"]]
        let priorities = app.framework.priorities.map(\.key)
        for i in 1...max(measures, 1) where measures > 0 {
            let (group, _, _) = Self.chairs[i % Self.chairs.count]
            let baseline = 40 + random.below(30)
            let values = (1...4).map { q in "\(q == 4 ? year : year - 1)-Q\(q == 4 ? 1 : q + 1)=\(baseline + random.below(20))" }.joined(separator: ";")
            measureRows.append([group, "Measure \(i) of how children are doing", "%", "higher-is-better", "\(baseline)", "\(baseline + 20)", "5", "quarterly",
                                areas[random.below(areas.count)], priorities[random.below(priorities.count)], "", values])
        }
        if measures > 0 { _ = try app.importMeasures(csv: CSV.write(measureRows), dryRun: false, by: "sam") }

        // Escalations through the year; half are resolved by the group that raised them.
        let yearStart = app.time.parse("\(year)-01-05T10:00")!
        let span = now.timeIntervalSince(yearStart)
        for i in 0..<escalations {
            let (group, chair, _) = Self.chairs[i % Self.chairs.count]
            clock.set(yearStart.addingTimeInterval(span * Double(i) / Double(max(escalations, 1))))
            let raised = try app.raiseEscalation(EscalationRequest(group: group, title: "Escalation \(i + 1): a risk to a priority", description: "Raised by the benchmark.",
                                                                   severity: ["low", "medium", "high"][random.below(3)], areas: [areas[random.below(areas.count)]]), by: chair)
            // Half are resolved where the escalation principles sent them (the group itself, or the Alliance).
            if i % 2 == 0, let body = raised.open.first?.body, body == group || body == app.partnership.allianceBody {
                clock.advance(bySeconds: 86_400 * Double(1 + random.below(10)))
                _ = try app.decideEscalation(raised.escalation.id, at: body, outcome: "resolved", fields: ["rationale": .string("Dealt with.")],
                                             by: body == group ? chair : "ann")
            }
        }
        clock.set(now)
        let events = try app.database.read { try $0.queryOne("SELECT count(*) AS n FROM events")?.int("n") ?? 0 }
        try app.database.checkpoint()
        return Generated(seconds: Date().timeIntervalSince(started), organisations: keys.count, pledges: pledges, actions: actions, measures: measures,
                         escalations: escalations, events: events)
    }
}

/// A small, fast, seedable generator (SplitMix64), so a benchmark's data is the same each run.
struct SplitMix64 {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// A number in 0..<n.
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}
