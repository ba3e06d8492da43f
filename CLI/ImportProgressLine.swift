import Foundation
import Services

/// An import's progress on a terminal: one line on stderr, redrawn at most ten times a second,
/// saying the rows checked (then written), the rate and the time left. Off when stderr is not
/// a terminal (a script, a pipe, CI) or the output is JSON.
final class ImportProgressLine: @unchecked Sendable {
    private let enabled: Bool
    private var lastDrawn = Date.distantPast
    private var lastStage: ImportProgress.Stage?
    private var drawn = false

    init(enabled: Bool) { self.enabled = enabled && isatty(2) == 1 }

    var handler: ImportProgressHandler? {
        guard enabled else { return nil }
        return { [self] progress in draw(progress) }
    }

    /// The line for one moment of progress: "Checked 120,000 rows (60%), 41,000 rows a second, about 3 s left".
    static func text(_ p: ImportProgress) -> String {
        let rate = p.elapsed > 0 ? Double(p.rows) / p.elapsed : 0
        let verb = p.stage == .checking ? "Checked" : "Written"
        let of = p.totalRows.map { " of \(grouped($0))" } ?? ""
        var line = "\(verb) \(grouped(p.rows))\(of) rows (\(Int((p.fraction * 100).rounded(.down)))%)"
        if rate > 0 { line += ", \(grouped(Int(rate))) rows a second" }
        if p.fraction > 0.01, p.fraction < 1 {
            let left = p.elapsed * (1 - p.fraction) / p.fraction
            line += ", about \(left < 60 ? "\(Int(left.rounded(.up))) s" : "\(Int((left / 60).rounded(.up))) min") left"
        }
        return line
    }

    static func grouped(_ n: Int) -> String {
        let digits = String(n)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0, (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return out
    }

    private func draw(_ p: ImportProgress) {
        let now = Date()
        let newStage = lastStage != p.stage
        if newStage, drawn { FileHandle.standardError.write(Data("\n".utf8)) }
        guard newStage || p.fraction >= 1 || now.timeIntervalSince(lastDrawn) >= 0.1 else { return }
        lastStage = p.stage
        lastDrawn = now
        drawn = true
        FileHandle.standardError.write(Data(("\r\u{1B}[K" + Self.text(p)).utf8))
    }

    /// Ends the line, so what the command prints next starts on its own.
    func finish() {
        if drawn { FileHandle.standardError.write(Data("\n".utf8)); drawn = false }
    }
}
