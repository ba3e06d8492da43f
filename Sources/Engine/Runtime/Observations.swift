public import Foundation

/// A distribution kept in memory the way Prometheus reads one: a count per bucket (each
/// bucket counts observations at or below its upper bound), their sum and their number.
/// Safe to observe from any thread; observing costs a lock and a short scan.
///
/// Related documentation: <https://prometheus.io/docs/concepts/metric_types/#histogram>
public final class Histogram: @unchecked Sendable {  // counts, sum and count guarded by lock
    /// The buckets' upper bounds, ascending; +Inf is implied after the last.
    public let upperBounds: [Double]
    private let lock = NSLock()
    private var counts: [Int]
    private var sum = 0.0
    private var count = 0

    public init(upperBounds: [Double]) {
        precondition(upperBounds == upperBounds.sorted() && Set(upperBounds).count == upperBounds.count, "bucket bounds must ascend")
        self.upperBounds = upperBounds
        counts = [Int](repeating: 0, count: upperBounds.count)
    }

    public func observe(_ value: Double) {
        lock.lock(); defer { lock.unlock() }
        // Counted in the first bucket that holds it; the snapshot makes the counts cumulative.
        if let i = upperBounds.firstIndex(where: { value <= $0 }) { counts[i] += 1 }
        sum += value
        count += 1
    }

    /// What has been observed so far.
    public struct Snapshot: Sendable, Equatable {
        public let upperBounds: [Double]
        /// Observations at or below each bound (cumulative, as Prometheus's `le` buckets are).
        public let cumulativeCounts: [Int]
        public let sum: Double
        public let count: Int
    }

    public func snapshot() -> Snapshot {
        lock.lock(); defer { lock.unlock() }
        var running = 0
        let cumulative = counts.map { running += $0; return running }
        return Snapshot(upperBounds: upperBounds, cumulativeCounts: cumulative, sum: sum, count: count)
    }
}

/// A number that only goes up (requests refused, sign-ins failed), safe from any thread.
public final class Counter: @unchecked Sendable {  // value guarded by lock
    private let lock = NSLock()
    private var count = 0

    public init() {}

    public func increment(by n: Int = 1) {
        lock.lock(); count += n; lock.unlock()
    }

    public var value: Int {
        lock.lock(); defer { lock.unlock() }
        return count
    }
}

/// What the engine measures about itself while it runs, for an operator's metrics: how long
/// each group commit takes and how many writes share it, and how late timers fire.
public struct EngineObservations: Sendable {
    /// Seconds from a group commit's `BEGIN` to its durable `COMMIT`.
    public let commitSeconds = Histogram(upperBounds: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5])
    /// How many callers' writes one group commit carried.
    public let commitBatchSize = Histogram(upperBounds: [1, 2, 4, 8, 16, 32, 64, 128, 256])
    /// Seconds between a timer falling due and the tick that fired it.
    public let timerLatenessSeconds = Histogram(upperBounds: [1, 5, 15, 60, 300, 900, 3600, 21_600, 86_400, 604_800])

    public init() {}
}
