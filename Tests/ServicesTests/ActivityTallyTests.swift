import Foundation
import Testing
@testable import Services
import Engine

/// Issue 22: the year's actions, escalations and escalation reviews counted once and kept in
/// step (``ActivityTally``): a tally changed record by record equals one counted afresh, and
/// counted as of the distant future equals one counted as of any moment after every fact.
struct ActivityTallyTests {
    static let start = Date(timeIntervalSince1970: 1_775_000_000)  // 2026-03-31
    static let window = ActivityTally.Window(periodStart: start, periodEnd: start.addingTimeInterval(365 * 86_400), moment: .distantFuture)
    static let areas = ["learning", "health", "safety"], priorities = ["early-help", "send"], bodies = ["alliance", "epb"]

    static func date(_ rng: inout MaintainedFiguresTests.Seeded) -> Date {
        // From half a year before the year to half a year into the next.
        start.addingTimeInterval(Double(Int.random(in: -180...540, using: &rng)) * 86_400 + Double(Int.random(in: 0..<86_400, using: &rng)))
    }

    static func dates(_ rng: inout MaintainedFiguresTests.Seeded) -> (Date, Date) {
        let a = date(&rng), b = date(&rng)
        return (min(a, b), max(a, b))
    }

    static func action(_ rng: inout MaintainedFiguresTests.Seeded) -> AnnualReportBuilder.ActionFacts {
        let (created, updated) = dates(&rng), closed = Bool.random(using: &rng)
        return .init(createdAt: created, updatedAt: updated, isClosed: closed, isCompleted: closed && Bool.random(using: &rng),
                     areas: Array(Set((0..<Int.random(in: 0...2, using: &rng)).map { _ in areas.randomElement(using: &rng)! })),
                     priority: [nil, "early-help", "send"].randomElement(using: &rng)!, rag: [nil, "red", "amber", "green"].randomElement(using: &rng)!,
                     isOverdue: Bool.random(using: &rng))
    }

    static func escalation(_ rng: inout MaintainedFiguresTests.Seeded) -> AnnualReportBuilder.EscalationFacts {
        let (created, updated) = dates(&rng), state = Int.random(in: 0...2, using: &rng)
        return .init(createdAt: created, updatedAt: updated, isOpen: state == 0, isClosed: state == 1,
                     areas: Array(Set([areas.randomElement(using: &rng)!])), priorities: Array(Set([priorities.randomElement(using: &rng)!])))
    }

    static func review(_ rng: inout MaintainedFiguresTests.Seeded) -> AnnualReportBuilder.ReviewFacts {
        let (created, updated) = dates(&rng), decided = Bool.random(using: &rng)
        return .init(body: bodies.randomElement(using: &rng)!, createdAt: created, updatedAt: updated, isDecided: decided, isOpen: !decided && Bool.random(using: &rng),
                     workingDaysToDecide: decided ? Int.random(in: 0...12, using: &rng) : nil)
    }

    /// The figures alone, without the window and latest fact they were counted with.
    static func figures(_ t: ActivityTally) -> String {
        "\(t.actionTotals) \(t.actionsByArea.sorted { $0.key < $1.key }) \(t.actionsByPriority.sorted { $0.key < $1.key }) \(t.escalationTotals) "
            + "\(t.escalationsByArea.sorted { $0.key < $1.key }) \(t.escalationsByPriority.sorted { $0.key < $1.key }) "
            + "\(t.reviewsAt.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value.records) \($0.value.opened) \($0.value.decided) \($0.value.stillOpen) \(String(describing: $0.value.medianDaysToDecide))" })"
    }

    @Test(arguments: [11, 12, 13] as [UInt64])
    func aTallyKeptRecordByRecordEqualsOneCountedAfresh(seed: UInt64) {
        var rng = MaintainedFiguresTests.Seeded(state: seed)
        var kept = ActivityTally(window: Self.window)
        var actions: [Int: AnnualReportBuilder.ActionFacts] = [:], escalations: [Int: AnnualReportBuilder.EscalationFacts] = [:]
        var reviews: [Int: AnnualReportBuilder.ReviewFacts] = [:]
        for step in 0..<400 {
            // A new record, or one of the first twenty changing (its facts then replace its old ones).
            let id = Int.random(in: 0..<30, using: &rng)
            switch Int.random(in: 0...2, using: &rng) {
            case 0:
                let now = Self.action(&rng)
                if let old = actions.updateValue(now, forKey: id) { kept.remove(old) }
                kept.add(now)
            case 1:
                let now = Self.escalation(&rng)
                if let old = escalations.updateValue(now, forKey: id) { kept.remove(old) }
                kept.add(now)
            default:
                let now = Self.review(&rng)
                if let old = reviews.updateValue(now, forKey: id) { kept.remove(old) }
                kept.add(now)
            }
            let fresh = ActivityTally(window: Self.window, actions: Array(actions.values), escalations: Array(escalations.values), reviews: Array(reviews.values))
            #expect(Self.figures(kept) == Self.figures(fresh), "seed \(seed), step \(step)")
            #expect(kept.latestFact >= fresh.latestFact, "the latest fact counted is never forgotten")
        }
        #expect(kept.actionTotals.total > 0 && kept.escalationTotals.raised > 0 && !kept.reviewsAt.isEmpty, "the sequence counted something of each")
    }

    /// Counted as of the distant future, the figures are those as of any moment after every
    /// fact, during the year or after it: the kept tally is used only then.
    @Test(arguments: [21, 22, 23] as [UInt64])
    func figuresAsOfTheDistantFutureAreThoseAsOfAnyMomentAfterEveryFact(seed: UInt64) {
        var rng = MaintainedFiguresTests.Seeded(state: seed)
        let actions = (0..<60).map { _ in Self.action(&rng) }, escalations = (0..<60).map { _ in Self.escalation(&rng) }, reviews = (0..<60).map { _ in Self.review(&rng) }
        let future = ActivityTally(window: Self.window, actions: actions, escalations: escalations, reviews: reviews)
        for later: TimeInterval in [1, 3600, 86_400 * 40, 86_400 * 400] {
            let moment = future.latestFact.addingTimeInterval(later)
            #expect(future.isTheSame(asOf: moment))
            let asOf = ActivityTally(window: .init(periodStart: Self.window.periodStart, periodEnd: Self.window.periodEnd, moment: moment),
                                     actions: actions, escalations: escalations, reviews: reviews)
            #expect(Self.figures(asOf) == Self.figures(future), "seed \(seed), \(later) s after the last fact")
        }
        // A moment before some fact: not the same, and the counts as of it do differ.
        let earlier = future.latestFact.addingTimeInterval(-200 * 86_400)
        #expect(!future.isTheSame(asOf: earlier))
        #expect(!future.isTheSame(asOf: future.latestFact), "a fact at the moment itself is not before it")
        let asOfEarlier = ActivityTally(window: .init(periodStart: Self.window.periodStart, periodEnd: Self.window.periodEnd, moment: earlier),
                                        actions: actions, escalations: escalations, reviews: reviews)
        #expect(Self.figures(asOfEarlier) != Self.figures(future))
    }

    @Test func theMedianOfDaysToDecideCountsEachDecision() {
        var t = ActivityTally(window: Self.window)
        let at = Self.start.addingTimeInterval(86_400 * 10)
        for days in [2, 2, 9, 4] {
            t.add(AnnualReportBuilder.ReviewFacts(body: "epb", createdAt: at, updatedAt: at, isDecided: true, isOpen: false, workingDaysToDecide: days))
        }
        #expect(t.reviewsAt["epb"]?.medianDaysToDecide == 3)
        t.remove(AnnualReportBuilder.ReviewFacts(body: "epb", createdAt: at, updatedAt: at, isDecided: true, isOpen: false, workingDaysToDecide: 9))
        #expect(t.reviewsAt["epb"]?.medianDaysToDecide == 2)
        #expect(t.reviewsAt["epb"]?.decided == 3 && t.reviewsAt["epb"]?.records == 3)
    }
}
