import Testing
@testable import Services

/// Figures as people type them into a measure's form or the CLI.
@Suite struct MeasureFigureTests {
    @Test(arguments: [("85", 85.0), ("-3.5", -3.5), ("+2", 2.0), (".5", 0.5), ("5.", 5.0), ("1,250", 1250.0),
                      ("12,345,678.25", 12_345_678.25), (" 42 ", 42.0), ("0", 0.0), ("-0.75", -0.75)])
    func plainDecimalsAreRead(_ text: String, _ expected: Double) {
        #expect(MeasureFigure.parse(text) == expected)
    }

    /// Swift's Double(_:) took every one of these: "0x10" as 16, "inf", "nan" and "1e309" as infinity.
    @Test(arguments: ["0x10", "inf", "-inf", "nan", "infinity", "1e3", "1e309", "", "-", ".", ",5", "5,", "1,,2", "1.2.3", "1.2,5",
                      "12abc", "٣", "1 000", "--5", String(repeating: "9", count: 400)])
    func anythingElseIsRefused(_ text: String) {
        #expect(MeasureFigure.parse(text) == nil, "\(text)")
    }
}
