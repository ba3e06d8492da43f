/// Red, amber or green.
public enum RAGStatus: String, Sendable, CaseIterable, Equatable, Comparable {
    case red, amber, green

    public static func < (a: RAGStatus, b: RAGStatus) -> Bool {
        let order: [RAGStatus] = [.red, .amber, .green]
        return order.firstIndex(of: a)! < order.firstIndex(of: b)!
    }

    /// How a run of statuses moved, from the one before the latest to the latest.
    public static func trend(_ history: [RAGStatus]) -> String {
        guard history.count >= 2 else { return history.isEmpty ? "no updates yet" : "first update" }
        let last = history[history.count - 1], before = history[history.count - 2]
        return last > before ? "improving" : last < before ? "worsening" : "steady"
    }
}

/// Which way is better for a measure.
public enum MeasureDirection: String, Sendable, CaseIterable {
    case higherIsBetter = "higher-is-better"
    case lowerIsBetter = "lower-is-better"
}

/// A measure value against its target and tolerance: green at or better than target, amber
/// worse than target but within tolerance, red beyond tolerance (a breach).
public enum MeasureRAG {
    public static func status(value: Double, target: Double, tolerance: Double, direction: MeasureDirection) -> RAGStatus {
        let shortfall = direction == .higherIsBetter ? target - value : value - target
        if shortfall <= 0 { return .green }
        return shortfall <= abs(tolerance) ? .amber : .red
    }
}
