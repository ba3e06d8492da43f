import Foundation
import Testing
@testable import Engine

@Suite struct SHA256Tests {
    // NIST FIPS 180-4 example vectors (CSRC "Examples with Intermediate Values", SHA-256),
    // each through every way of computing the rounds this processor has (the SHA extensions
    // where present, and the portable Swift everywhere).
    static let nist: [(String, String)] = [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        ("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
         "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"),
    ]

    @Test(arguments: SHA256.Rounds.available)
    func nistVectors(rounds: SHA256.Rounds) {
        for (message, digest) in Self.nist {
            #expect(SHA256.hash(Array(message.utf8), rounds: rounds).hexString == digest, "\(rounds): \(message)")
        }
        // The public entry point, on the fastest rounds.
        #expect(SHA256.hex("abc") == Self.nist[1].1)
    }

    @Test(arguments: SHA256.Rounds.available)
    func oneMillionAs(rounds: SHA256.Rounds) {
        var h = SHA256(rounds: rounds)
        let chunk = [UInt8](repeating: UInt8(ascii: "a"), count: 1000)
        for _ in 0..<1000 { h.update(chunk) }
        #expect(h.finalize().hexString == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test(arguments: SHA256.Rounds.available)
    func oneShotAndIncrementalHashingAgreeAtEveryLength(rounds: SHA256.Rounds) {
        // `hash` of contiguous bytes takes a one-shot path; an update at a time takes another;
        // and the portable rounds are the reference for the SHA extensions' at every length
        // from no block to several.
        let bytes = (0..<300).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
        for length in 0...bytes.count {
            let oneShot = SHA256.hash(bytes[..<length], rounds: rounds)
            var incremental = SHA256(rounds: rounds)
            for chunk in stride(from: 0, to: length, by: 7) { incremental.update(bytes[chunk..<min(chunk + 7, length)].map { $0 }.lazy) }
            #expect(oneShot == incremental.finalize(), "\(rounds), length \(length)")
            #expect(oneShot == SHA256.hash(bytes[..<length], rounds: .portable), "\(rounds) against the portable rounds, length \(length)")
        }
    }

    @Test(arguments: SHA256.Rounds.available)
    func paddingBoundaries(rounds: SHA256.Rounds) {
        // Lengths around the 55/56/64-byte padding edges; digests from Python's hashlib.
        #expect(SHA256.hash(Array(repeating: UInt8(ascii: "a"), count: 55), rounds: rounds).hexString == "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318")
        #expect(SHA256.hash(Array(repeating: UInt8(ascii: "a"), count: 56), rounds: rounds).hexString == "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a")
        #expect(SHA256.hash(Array(repeating: UInt8(ascii: "a"), count: 64), rounds: rounds).hexString == "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb")
    }

    @Test func theSHAExtensionsAreUsedWhereTheProcessorHasThem() throws {
        // /proc/cpuinfo's "sha_ni" flag is the kernel's reading of the same CPUID bit.
        let flags = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        guard flags.contains(" sha_ni") else { return }
        #expect(SHA256.Rounds.fastest == .shaExtensions)
        #expect(SHA256.Rounds.available == [.portable, .shaExtensions])
    }
}

@Suite struct HMACTests {
    // RFC 4231 section 4: test cases 1, 2 and 6 (a key longer than the block is hashed first).
    @Test func rfc4231Vectors() {
        #expect(HMACSHA256.authenticationCode(key: [UInt8](repeating: 0x0b, count: 20), message: Array("Hi There".utf8)).hexString
                == "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
        #expect(HMACSHA256.authenticationCode(key: Array("Jefe".utf8), message: Array("what do ya want for nothing?".utf8)).hexString
                == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        #expect(HMACSHA256.authenticationCode(key: [UInt8](repeating: 0xaa, count: 131), message: Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8)).hexString
                == "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
    }
}

@Suite struct JSONTests {
    @Test func parsesAndRemembersWhereEachElementStarts() throws {
        let doc = try JSONDocument.parse("{\n  \"a\": [1, {\"b/c\": \"x\"}],\n  \"d\": true\n}")
        #expect(doc.root["d"] == .bool(true))
        #expect(doc.locations["/a"] == SourceLocation(line: 2, column: 8))
        #expect(doc.locations["/a/1/b~1c"] == SourceLocation(line: 2, column: 20))
        #expect(doc.locations["/d"] == SourceLocation(line: 3, column: 8))
    }

    @Test(arguments: [
        ("{\"a\": 1,}", 1, 9, "expected a quoted member name"),
        ("[1, 2", 1, 6, "unexpected end of the file inside an array"),
        ("{\"a\": 1, \"a\": 2}", 1, 10, "duplicate member name \"a\""),
        ("{\n  \"x\": tru\n}", 2, 8, "invalid literal; expected 'true'"),
        ("[01]", 1, 3, "numbers may not have leading zeros"),
        ("\"a\u{01}\"", 1, 3, "control character in a string; escape it"),
    ])
    func reportsSyntaxErrorsWithLineAndColumn(text: String, line: Int, column: Int, message: String) {
        let error = #expect(throws: JSONSyntaxError.self) { try JSONDocument.parse(text) }
        #expect(error?.location == SourceLocation(line: line, column: column))
        #expect(error?.message == message)
    }

    @Test func canonicalEncodingSortsKeysAndIsStable() throws {
        let value = try JSONValue.parse("{\"b\": [1, 2.5, \"é\\n\"], \"a\": {\"z\": null, \"y\": false}}")
        #expect(value.canonicalString == "{\"a\":{\"y\":false,\"z\":null},\"b\":[1,2.5,\"é\\n\"]}")
        #expect(try JSONValue.parse(value.canonicalString) == value)
    }

    @Test func deepNestingIsRefusedNotACrash() {
        let text = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect(throws: JSONSyntaxError.self) { try JSONDocument.parse(text) }
    }

    @Test func surrogatePairsDecode() throws {
        #expect(try JSONValue.parse("\"\\ud83d\\ude00\"") == .string("😀"))
        #expect(throws: JSONSyntaxError.self) { try JSONValue.parse("\"\\ud83d\"") }
    }
}

@Suite struct TimeTests {
    @Test func isoDurations() {
        #expect(ISODuration("P1Y")?.years == 1)
        #expect(ISODuration("P6M")?.months == 6)
        #expect(ISODuration("P2W")?.weeks == 2)
        #expect(ISODuration("P1DT12H")?.hours == 12)
        #expect(ISODuration("PT30M")?.minutes == 30)
        for bad in ["", "P", "1Y", "PT", "P1H", "P1M1Y", "P-1D", "P1.5D", "PXD"] { #expect(ISODuration(bad) == nil, "\(bad)") }
    }

    @Test func calendarCorrectArithmetic() {
        let leap = testTime.parse("2028-02-29T10:00")!
        #expect(testTime.day(of: testTime.adding(ISODuration("P1Y")!, to: leap)) == CalendarDay("2029-02-28"))
        let endOfJanuary = testTime.parse("2026-01-31T10:00")!
        #expect(testTime.day(of: testTime.adding(ISODuration("P1M")!, to: endOfJanuary)) == CalendarDay("2026-02-28"))
        // Across the clocks going forward (29 March 2026) the local time of day is kept.
        let beforeBST = testTime.parse("2026-03-28T09:00")!
        let after = testTime.adding(ISODuration("P1D")!, to: beforeBST)
        #expect(testTime.display(after) == "2026-03-29 09:00 BST")
    }

    @Test func workingDaysSkipWeekendsAndBankHolidays() throws {
        // Friday 1 May 2026 + 1 working day: Monday 4 May is a bank holiday, so Tuesday 5 May.
        #expect(try testCalendar.adding(WorkingDays(1), to: CalendarDay("2026-05-01")!) == CalendarDay("2026-05-05"))
        // Thursday 2 April 2026 + 2: Good Friday and Easter Monday skipped, then Tue 7, Wed 8.
        #expect(try testCalendar.adding(WorkingDays(2), to: CalendarDay("2026-04-02")!) == CalendarDay("2026-04-08"))
        #expect(try testCalendar.workingDays(from: CalendarDay("2026-04-02")!, to: CalendarDay("2026-04-08")!) == WorkingDays(2))
    }

    @Test func datesBeyondTheCalendarAreRefusedNotGuessed() {
        let error = #expect(throws: CalendarError.self) { try testCalendar.adding(WorkingDays(5), to: CalendarDay("2027-12-29")!) }
        #expect(error?.localizedDescription.contains("outside the bank-holiday calendar, which covers 2026-01-01 to 2027-12-31") == true)
    }

    @Test func calendarDayOrdinalsRoundTrip() {
        for ordinal in stride(from: -800_000, through: 800_000, by: 997) {
            #expect(CalendarDay(ordinal: ordinal).ordinal == ordinal)
        }
        #expect(CalendarDay("2026-11-24")!.isoWeekday == 2)  // a Tuesday
        #expect(CalendarDay("2026-02-29") == nil)
    }
}
