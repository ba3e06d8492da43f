import Foundation
import Testing
@_spi(Harness) @testable import Services
import Engine

struct CSVCase: CustomTestStringConvertible, Sendable {
    let text: String
    let records: [[String]]?
    var testDescription: String { String(text.prefix(40)) }
}

/// What Python's csv module made of each text (Tests/proof/check_csv_peer.py).
let csvFixture: JSONValue = (try? JSONValue.parse(String(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("Fixtures/csv-cases.json"), encoding: .utf8))) ?? .null
let csvCases: [CSVCase] = (csvFixture["read"]?.arrayValue ?? []).map { c in
    CSVCase(text: c["text"]?.stringValue ?? "",
            records: c["expected"]?["records"]?.arrayValue?.map { $0.arrayValue?.compactMap(\.stringValue) ?? [] })
}

@Suite struct CSVTests {
    @Test func theFixtureIsThere() { #expect(csvCases.count >= 15) }

    @Test(arguments: csvCases)
    func readsAsPythonsCSVModuleDoes(_ c: CSVCase) {
        do {
            let records = try CSV.parse(c.text).map(\.fields)
            #expect(c.records != nil, "Python refused this text; Flourish accepted it")
            #expect(records == c.records ?? [])
        } catch {
            #expect(c.records == nil, "Flourish refused a text Python accepted: \(error)")
        }
    }

    @Test func writtenRowsReadBackAsPythonReadsThem() throws {
        for item in csvFixture["write"]?.arrayValue ?? [] {
            let row = item["row"]?.arrayValue?.compactMap(\.stringValue) ?? []
            let back = item["readBack"]?.arrayValue?.compactMap(\.stringValue) ?? []
            #expect(try CSV.parse(CSV.write([row])).first?.fields == back)
        }
    }

    @Test func errorsNameTheLine() throws {
        let error = #expect(throws: CSVError.self) { try CSV.parse("a,b\n1,2\n\"open,3\n4,5\n") }
        #expect(error == CSVError(line: 3, message: "a double quote opened on this line is never closed"))
        #expect(try CSV.parse("a\n\"x\ny\",z\nq\n").map(\.line) == [1, 2, 4])
    }

    @Test func cellsASpreadsheetWouldRunAsFormulasGoOutAsText() throws {
        let written = CSV.write([["=HYPERLINK(\"http://evil.example\")", "+SUM(A1)", "-2+3", "@cmd", "\tx", "-3", "+1.5", "Acme = good"]])
        let back = try CSV.parse(written).first?.fields ?? []
        #expect(back == ["'=HYPERLINK(\"http://evil.example\")", "'+SUM(A1)", "'-2+3", "'@cmd", "'\tx", "-3", "+1.5", "Acme = good"])
    }
}
