import Foundation
import Testing

/// The front doors reach the records only through the services: nothing in Web/ or CLI/
/// touches the engine or the database, or imports the services' Harness SPI that would let it.
@Suite struct LayeringTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func theFrontDoorsReachNeitherTheEngineNorTheDatabase() throws {
        var offences: [String] = []
        let pattern = try Regex(#"@_spi\(|\.engine\b|\.database\b|import SQLite\b"#)
        for folder in ["Web", "CLI"] {
            let files = try FileManager.default.subpathsOfDirectory(atPath: Self.root.appendingPathComponent(folder).path).filter { $0.hasSuffix(".swift") }
            #expect(!files.isEmpty, "\(folder) has Swift files")
            for file in files {
                let text = try String(contentsOf: Self.root.appendingPathComponent(folder).appendingPathComponent(file), encoding: .utf8)
                for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() where line.contains(pattern) {
                    offences.append("\(folder)/\(file):\(n + 1): \(line.trimmingCharacters(in: .whitespaces))")
                }
            }
        }
        #expect(offences == [], Comment(rawValue: offences.joined(separator: "\n")))
    }
}
