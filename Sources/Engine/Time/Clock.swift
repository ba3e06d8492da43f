public import Foundation

/// Where "now" comes from. Engine, domain and services never call `Date()` themselves.
public protocol WorkflowClock: Sendable {
    /// The current moment.
    func now() -> Date
}

/// The machine's clock.
public struct SystemClock: WorkflowClock {
    public init() {}
    public func now() -> Date { Date() }
}

/// A clock that stands still at one moment (the CLI's `--now`).
public struct FixedClock: WorkflowClock {
    public let moment: Date
    public init(_ moment: Date) { self.moment = moment }
    public func now() -> Date { moment }
}

/// A clock that moves only when told: tests and simulations run a year in seconds.
public final class TestClock: WorkflowClock, @unchecked Sendable {  // `current` guarded by `lock`
    private let lock = NSLock()
    private var current: Date

    public init(_ start: Date) { current = start }

    public func now() -> Date { lock.withLock { current } }

    /// Moves the clock to `moment`.
    public func set(_ moment: Date) { lock.withLock { current = moment } }

    /// Moves the clock forward by `seconds`.
    public func advance(bySeconds seconds: TimeInterval) { lock.withLock { current = current.addingTimeInterval(seconds) } }

    /// Moves the clock forward by an ISO 8601 duration, calendar-correct in `time`'s zone.
    public func advance(by duration: ISODuration, in time: PartnershipTime) {
        lock.withLock { current = time.adding(duration, to: current) }
    }

    /// Moves the clock forward by working days, skipping weekends and bank holidays.
    public func advance(by days: WorkingDays, in time: PartnershipTime) throws {
        try lock.withLock { current = try time.adding(days, to: current) }
    }
}
