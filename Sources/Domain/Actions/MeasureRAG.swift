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

/// The period a measure's value is for: a quarter (`2026-Q3`, `2026 Q3`, `Q3 2026`), a month
/// (`2026-10`, `October 2026`, `Oct 2026`), a year (`2026`) or a financial or school year
/// (`2026-27`, `2026/27`). Kept as written. Text that names no period ("banana"), or one that
/// cannot be (`2027-Q5`, `2027-13`, the year 99999), was recorded, and escalated, as if it
/// were one.
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

    private static let months = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"]

    /// Whether `text` names a period.
    public static func isValid(_ text: String) -> Bool {
        let words = text.lowercased().split(whereSeparator: { $0 == "-" || $0 == " " || $0 == "/" }).map(String.init)
        func year(_ w: String) -> Int? {
            guard w.count == 4, w.allSatisfy({ $0.isASCII && $0.isNumber }), let y = Int(w), years.contains(y) else { return nil }
            return y
        }
        func quarter(_ w: String) -> Bool { ["q1", "q2", "q3", "q4"].contains(w) }
        func month(_ w: String) -> Bool {
            if w.allSatisfy({ $0.isASCII && $0.isNumber }), (1...2).contains(w.count), let m = Int(w) { return (1...12).contains(m) }
            return w.count >= 3 && months.contains { $0 == w || ($0.hasPrefix(w) && w.count == 3) }
        }
        switch words.count {
        case 1:
            return year(words[0]) != nil
        case 2:
            if let y = year(words[0]) {
                let second = words[1]
                if second.count == 2, second.allSatisfy({ $0.isASCII && $0.isNumber }), Int(second) == (y + 1) % 100 { return true }  // 2026-27
                return quarter(second) || month(second)
            }
            return year(words[1]) != nil && (quarter(words[0]) || (month(words[0]) && !words[0].allSatisfy(\.isNumber)))
        default:
            return false
        }
    }
}
