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

/// The period a measure's value is for. Periods are labels a group chooses ("2026-Q3",
/// "2026 Q3", "October 2026", "Autumn term"), kept as written; but a label written the way a
/// quarter, a month or a year is written must be one that can be: `2026-Q5`, `2026-13` and
/// `99999-Q1` were recorded, and escalated, as if they were periods.
public enum MeasurePeriod {
    /// The years a period may name.
    public static let years = 2000...2100

    /// How periods are written, for messages, beginning with the form for `frequency`.
    public static func examples(for frequency: String) -> String {
        switch frequency {
        case "monthly": return "a month such as 2026-10 or October 2026"
        case "annually": return "a year such as 2026, or a financial or school year such as 2026-27"
        default: return "a quarter such as 2026-Q3 or 2026 Q3"
        }
    }

    /// What is wrong with `text` as a period of a measure recorded `frequency` (a reason to
    /// follow "The period"), or nil when it can be one.
    public static func problem(with text: String, frequency: String) -> String? {
        isPossible(text) ? nil : "should name the period the value is for, such as \(examples(for: frequency)); “\(text)” is no such period"
    }

    /// Whether two labels name the same period: the same words, whatever their case and
    /// separators ("2026 Q3", "2026-q3" and "2026/Q3" are one quarter), so a measure keeps one
    /// value a period.
    public static func same(_ a: String, _ b: String) -> Bool { words(a) == words(b) }

    private static func words(_ text: String) -> [Substring] {
        text.lowercased().split(whereSeparator: { $0 == "-" || $0 == " " || $0 == "/" })
    }

    /// Whether `text` can be a period: any label, except one shaped like a quarter, month or
    /// year (digits, then a separator, then Q and a digit or a number) that names none.
    public static func isPossible(_ text: String) -> Bool {
        let words = text.lowercased().split(whereSeparator: { $0 == "-" || $0 == " " || $0 == "/" }).map(String.init)
        func digits(_ w: String) -> Bool { !w.isEmpty && w.allSatisfy { $0.isASCII && $0.isNumber } }
        func quarterShaped(_ w: String) -> Bool { w.count >= 2 && w.first == "q" && digits(String(w.dropFirst())) }
        // A year alone, or a year with a quarter or a number: shaped as a period, so it must be one.
        guard let first = words.first, digits(first), first.count >= 4 else {
            // "Q5 2026": a quarter first.
            if words.count == 2, quarterShaped(words[0]), digits(words[1]), words[1].count >= 4 {
                return ["q1", "q2", "q3", "q4"].contains(words[0]) && Int(words[1]).map(years.contains) == true
            }
            return true
        }
        guard let year = Int(first), years.contains(year) else { return false }
        guard words.count == 2 else { return words.count == 1 || !words.dropFirst().allSatisfy { digits($0) || quarterShaped($0) } }
        let second = words[1]
        if quarterShaped(second) { return ["q1", "q2", "q3", "q4"].contains(second) }
        if digits(second) {
            guard let n = Int(second), second.count <= 2 else { return false }
            return (1...12).contains(n) || (second.count == 2 && n == (year + 1) % 100)  // a month, or 2026-27
        }
        return true
    }
}
