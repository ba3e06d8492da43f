import Foundation
import Testing
@testable import Engine

/// Issue 23: what the engine measures for an operator's metrics.
@Suite struct ObservationsTests {
    @Test func aHistogramCountsEachValueInTheFirstBucketThatHoldsItAndReportsThemCumulatively() {
        let h = Histogram(upperBounds: [0.01, 0.1, 1])
        for v in [0.001, 0.01, 0.02, 0.1, 3] { h.observe(v) }
        let s = h.snapshot()
        // Prometheus's `le` is "less than or equal": a value on a bound belongs to that bucket.
        #expect(s.cumulativeCounts == [2, 4, 4])
        #expect(s.count == 5)
        #expect(abs(s.sum - 3.131) < 1e-9)
    }

    @Test func aHistogramAndACounterLoseNothingUnderConcurrentUse() {
        let h = Histogram(upperBounds: [1, 2])
        let c = Counter()
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            for i in 0..<1000 { h.observe(Double(i % 3)); c.increment() }
        }
        #expect(h.snapshot().count == 8000 && c.value == 8000)
        #expect(h.snapshot().cumulativeCounts == [5336, 8000])
    }

    @Test func everyGroupCommitIsTimedAndItsBatchCountedSoTheBatchesAddUpToTheWrites() throws {
        let f = try EngineFixture()
        for _ in 0..<8 { try f.engine.start("ticket", data: ["title": "T"], actor: Actor("mo")) }
        let before = f.engine.observations.commitBatchSize.snapshot()
        #expect(before.count == 8 && before.sum == 8, "alone, each start is a commit of one")
        DispatchQueue.concurrentPerform(iterations: 8) { i in
            let id = InstanceID("ticket-\(i + 1)")
            _ = try? f.engine.fire("take", on: id, actor: Actor("mo"), expectedVersion: 1)
            for n in 0..<10 { _ = try? f.engine.fire("note", on: id, payload: ["comment": .string("n\(n)")], actor: Actor("mo"), expectedVersion: n + 2) }
        }
        let after = f.engine.observations.commitBatchSize.snapshot()
        #expect(after.sum - before.sum == 88, "every write is in exactly one observed batch")
        #expect(f.engine.observations.commitSeconds.snapshot().count == after.count, "one duration per commit")
    }

    @Test func aTimerFiredLateIsObservedWithHowLateItWas() throws {
        let f = try EngineFixture(start: "2026-04-02T10:00")
        try f.engine.start("ticket", data: ["title": "T"], actor: Actor("mo"))
        // Due Wednesday 8 April at 10:00; the tick comes two hours late.
        f.clock.set(testTime.parse("2026-04-08T12:00")!)
        #expect(try f.engine.tick().count == 1)
        let lateness = f.engine.observations.timerLatenessSeconds.snapshot()
        #expect(lateness.count == 1 && lateness.sum == 7200)
        #expect(lateness.cumulativeCounts[lateness.upperBounds.firstIndex(of: 3600)!] == 0)
        #expect(lateness.cumulativeCounts[lateness.upperBounds.firstIndex(of: 21_600)!] == 1)
    }
}
