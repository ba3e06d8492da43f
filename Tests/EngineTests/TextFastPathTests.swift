import Foundation
import Testing
@testable import Engine

/// Issue 22: the fast paths an import leans on give exactly what the general code gives.
@Suite struct TextFastPathTests {
    /// ASCII strings built to hit every branch of the email rule, plus random ones.
    static func emailCorpus() -> [String] {
        var corpus = ["a@b.c", "@b.c", "a@", "a@b", "a@.b", "a@b.", "a@@b.c", "a@b@c.d", "a b@c.d", "a@b.c ", "a\t@b.c", "a\r\n@b.c",
                      "<a@b.c>", "a,b@c.d", "a@b..c", ".a@b.c", "a.@b.c", "", "@", ".", "a@b.c.d", "x@y.z\u{0B}", "a@b.c\u{0C}",
                      String(repeating: "a", count: 250) + "@b.c", String(repeating: "a", count: 251) + "@b.c"]
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("ab.@ ,<>\t-_9")
        for _ in 0..<20_000 {
            let length = Int.random(in: 0...12, using: &generator)
            corpus.append(String((0..<length).map { _ in alphabet.randomElement(using: &generator)! }))
        }
        return corpus
    }

    @Test func theEmailRuleOnBytesAgreesWithTheRuleOnCharacters() {
        for text in Self.emailCorpus() {
            #expect(FieldSpec.isEmail(text) == FieldSpec.isEmailByCharacters(text), "\(text.debugDescription)")
        }
        // Non-ASCII goes the general way.
        #expect(FieldSpec.isEmail("zoë@example.org") && !FieldSpec.isEmail("zoë\u{00A0}@example.org"))
    }

    /// The control-character rule on bytes agrees with Unicode's general category Cc (every C0
    /// and C1 control and DEL), less tab and, where allowed, line feed and carriage return.
    @Test func theControlCharacterRuleAgreesWithUnicodesControlCategory() {
        var corpus = Self.mixedCorpus() + ["a\u{0}b", "\u{1B}[31mred", "tab\there", "x\u{7F}", "\u{80}", "\u{9F}x", "\u{A0}", "é\u{85}", "ok", "line\nbreak", "cr\rlf"]
        for scalar in 0..<0x200 { if let s = Unicode.Scalar(scalar) { corpus.append("a" + String(Character(s)) + "b") } }
        for text in corpus {
            for breaks in [false, true] {
                let reference = text.unicodeScalars.contains { s in
                    s.properties.generalCategory == .control && s != "\t" && !(breaks && (s == "\n" || s == "\r"))
                }
                #expect(text.hasControlCharacter(allowingLineBreaks: breaks) == reference, "\(text.debugDescription) breaks: \(breaks)")
            }
        }
    }

    @Test func trimmedIsFoundationsTrimmingWithoutTheCopy() {
        let samples = ["", " ", "a", " a", "a ", " a ", "\ta\n", "\r\n", "\na", "a\n", " a\n", "é", " é ", "\u{00A0}x\u{00A0}", "\u{2003}x", "x\u{2028}", "a b", "~", "!x!", "\u{7F}x"]
        for text in samples {
            #expect(text.trimmed == text.trimmingCharacters(in: .whitespacesAndNewlines), "\(text.debugDescription)")
            #expect(text.trimmedOfSpaces == text.trimmingCharacters(in: .whitespaces), "\(text.debugDescription)")
        }
    }

    /// Random texts over an alphabet with every kind of newline and space, combining marks,
    /// emoji and CR LF (one Character of two scalars).
    static func mixedCorpus() -> [String] {
        var corpus = ["", "a", "\n", "\r\n", "\u{0B}", "\u{0C}", "\u{85}", "\u{2028}", "\u{2029}", "e\u{301}", "👩‍👩‍👧", String(repeating: "a", count: 40)]
        var generator = SystemRandomNumberGenerator()
        let alphabet: [String] = ["a", "Z", " ", "\t", "\n", "\r", "\r\n", "\u{0B}", "\u{0C}", "\u{1C}", "\u{7F}", "\u{85}", "\u{A0}", "é", "e\u{301}",
                                  "\u{2028}", "\u{2029}", "\u{3000}", "👍🏽", "🇬🇧", "中"]
        for _ in 0..<20_000 {
            let length = Int.random(in: 0...10, using: &generator)
            corpus.append((0..<length).map { _ in alphabet.randomElement(using: &generator)! }.joined())
        }
        // ASCII alone, the fast path's own ground.
        let ascii = (0..<128).map { String(UnicodeScalar(UInt8($0))) }
        for _ in 0..<5_000 {
            corpus.append((0..<Int.random(in: 0...8, using: &generator)).map { _ in ascii.randomElement(using: &generator)! }.joined())
        }
        return corpus
    }

    /// Every start's and every imported row's text fields are checked for newlines, length and
    /// blankness; the byte paths agree with the Character ones.
    @Test func newlinesAndLengthsOnBytesAgreeWithCharacters() {
        for text in Self.mixedCorpus() {
            #expect(text.hasNewline == text.hasNewlineByCharacters, "\(text.unicodeScalars.map { String($0.value, radix: 16) })")
            #expect(text.trimmed.isEmpty == text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "\(text.unicodeScalars.map { String($0.value, radix: 16) })")
            for limit in [0, 1, 3, 5, 8] {
                #expect(text.hasMoreCharacters(than: limit) == (text.count > limit), "\(text.debugDescription) \(limit)")
            }
        }
    }

    /// Issue 22: every API response writes its times in local time; the arithmetic agrees with
    /// Foundation's calendar in zones ahead of and behind UTC, on half-hour offsets, across
    /// daylight-saving changes and before 1970.
    @Test func aLocalTimestampIsWhatFoundationsCalendarGives() {
        var generator = SystemRandomNumberGenerator()
        for zone in ["Europe/London", "America/St_Johns", "Asia/Kolkata", "Pacific/Chatham", "UTC"] {
            let time = PartnershipTime(timeZone: TimeZone(identifier: zone)!, workingDays: testCalendar)
            var moments: [Date] = [Date(timeIntervalSince1970: 0), Date(timeIntervalSince1970: -0.5), Date(timeIntervalSince1970: 1_774_746_000 - 1),
                                   Date(timeIntervalSince1970: 1_774_746_000), Date(timeIntervalSince1970: 1_792_890_000.999), Date(timeIntervalSince1970: -2_208_988_800.25)]
            for _ in 0..<3000 { moments.append(Date(timeIntervalSince1970: Double.random(in: -2_500_000_000...4_200_000_000, using: &generator))) }
            for moment in moments {
                for ms in [false, true] {
                    #expect(time.localTimestamp(moment, withMilliseconds: ms) == time.localTimestampByCalendar(moment, withMilliseconds: ms),
                            "\(zone) \(moment.timeIntervalSince1970)")
                }
            }
        }
    }

    /// A day is read only as YYYY-MM-DD of a real date: every day from 1899 to 2101 reads back
    /// as itself, and nothing else reads, whatever the bytes (checked against Foundation's
    /// fixed-format date parser from 1600 on, where its calendar is the same).
    @Test func aDayIsReadOnlyAsARealDateWrittenYYYYMMDD() {
        for ordinal in CalendarDay(year: 1899, month: 1, day: 1).ordinal...CalendarDay(year: 2101, month: 12, day: 31).ordinal {
            let day = CalendarDay(ordinal: ordinal)
            #expect(CalendarDay(day.description) == day)
        }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd"
        formatter.isLenient = false
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("0123456789-+ 0123456789")
        var samples = ["2026-02-29", "2024-02-29", "1900-02-29", "2000-02-29", "2026-13-01", "2026-00-10", "2026-01-00", "2026-01-32", "+026-01-01",
                       " 2026-01-01", "2026-01-01 ", "2026-1-01", "20260-1-01", "2026/01/01", "２０２６-01-01", "2026-01-01\n", ""]
        for _ in 0..<20_000 {
            var text = String((0..<10).map { _ in alphabet.randomElement(using: &generator)! })
            if Bool.random(using: &generator) { text = String(format: "%04d-%02d-%02d", Int.random(in: 0...9999, using: &generator), Int.random(in: 0...14, using: &generator), Int.random(in: 0...33, using: &generator)) }
            samples.append(text)
        }
        for text in samples {
            // Foundation's calendar is Julian before 1583 and has no year 0; a day here is
            // proleptic Gregorian, so earlier years are checked by reading back instead.
            if let year = Int(text.prefix(4)), year < 1600 {
                if let day = CalendarDay(text) { #expect(day.description == text) }
                continue
            }
            let strict = text.utf8.count == 10 && text.allSatisfy { $0.isASCII && ($0.isNumber || $0 == "-") } && formatter.date(from: text).map { formatter.string(from: $0) == text } == true
            #expect((CalendarDay(text) != nil) == strict, "\(text.debugDescription)")
        }
    }

    @Test func aDayIsWrittenAsFoundationsFormatterWritesIt() {
        for (y, m, d) in [(2026, 1, 5), (999, 12, 31), (5, 3, 9), (0, 1, 1), (9999, 10, 10), (2026, 11, 30)] {
            let day = CalendarDay(year: y, month: m, day: d)
            #expect(day.description == String(format: "%04d-%02d-%02d", y, m, d))
        }
    }

    /// Issue 22: a list of escalations reads thousands of timestamps; the arithmetic reads each
    /// as Foundation's ISO 8601 formatter does (UTC and offsets, with and without milliseconds,
    /// local times with no offset), and what it does not read the formatter still does, so no
    /// text reads differently (mangled texts included).
    @Test func aTimestampIsReadAsFoundationsFormatterReadsIt() {
        var generator = SystemRandomNumberGenerator()
        let time = PartnershipTime(timeZone: TimeZone(identifier: "Europe/London")!, workingDays: testCalendar)
        let kolkata = PartnershipTime(timeZone: TimeZone(identifier: "Asia/Kolkata")!, workingDays: testCalendar)
        var texts = ["2026-04-01T09:30:00Z", "2026-04-01T09:30:00.123Z", "2026-04-01T09:30:00+01:00", "2026-04-01T09:30:00.999-05:30", "2026-04-01T09:30",
                     "2026-04-01T09:30:00", "2026-02-29T00:00:00Z", "2024-02-29T23:59:59Z", "2026-04-01T24:00:00Z", "2026-04-01T09:60:00Z", "2026-04-01T09:30:60Z",
                     "2026-04-01T09:30:00.12Z", "2026-04-01T09:30:00.1234Z", "2026-04-01T09:30:00+0100", "2026-04-01T09:30:00+01", "2026-04-01T09:30:00Z ",
                     "2026-04-01 09:30:00Z", "2026-04-01T09:30:00z", "1599-12-31T23:59:59Z", "1600-01-01T00:00:00Z", "9999-12-31T23:59:59.999Z",
                     "2026-04-01T09:30:00+24:00", "2026-04-01T09:30:00+23:59", "2026-04-01T09:30:00-00:00", "2026-04-01", "", "T", "2026-04-01TZ"]
        for _ in 0..<4000 {
            let moment = Date(timeIntervalSince1970: (Double.random(in: -5_000_000_000...8_000_000_000, using: &generator) * 1000).rounded() / 1000)
            texts.append(PartnershipTime.timestampByFormatter(moment, withMilliseconds: Bool.random(using: &generator)))
            texts.append(kolkata.localTimestamp(moment, withMilliseconds: Bool.random(using: &generator)))
            var mangled = Array(texts.last!.utf8)
            mangled[Int.random(in: 0..<mangled.count, using: &generator)] = Array("0123456789:-+.TZ ".utf8).randomElement(using: &generator)!
            texts.append(String(decoding: mangled, as: UTF8.self))
        }
        for text in texts {
            #expect(time.parse(text) == time.parseByFormatter(text), "\(text.debugDescription)")
        }
        // The arithmetic does read the forms the system writes (else this would prove nothing).
        #expect(PartnershipTime.internetMoment("2026-04-01T09:30:00.123+01:00") != nil)
        #expect(PartnershipTime.internetMoment("2026-04-01T09:30:00Z") != nil)
    }

    @Test func aUTCTimestampIsWrittenAsFoundationsFormatterWritesIt() {
        var generator = SystemRandomNumberGenerator()
        var moments = [Date(timeIntervalSince1970: 0), Date(timeIntervalSince1970: -0.001), Date(timeIntervalSince1970: -11_676_096_000), Date(timeIntervalSince1970: 253_402_300_799.999),
                       Date(timeIntervalSince1970: 1_774_746_000.5)]
        for _ in 0..<20_000 { moments.append(Date(timeIntervalSince1970: Double.random(in: -11_000_000_000...250_000_000_000, using: &generator))) }
        for moment in moments {
            for ms in [false, true] {
                #expect(PartnershipTime.timestamp(moment, withMilliseconds: ms) == PartnershipTime.timestampByFormatter(moment, withMilliseconds: ms), "\(moment.timeIntervalSince1970)")
            }
        }
    }
}

/// Issue 22: a message template's placeholders are found byte by byte; what it writes is what
/// Foundation's search for the braces gives, over every shape of brace and text around them.
@Suite struct TemplateRenderTests {
    /// The rendering by Foundation's `range(of:)`: the reference.
    static func reference(_ template: String, values: [String: String]) -> String {
        var out = "", rest = template[...]
        while let open = rest.range(of: "{{") {
            out += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].range(of: "}}") else { out += rest[open.lowerBound...]; rest = ""; break }
            out += values[String(rest[open.upperBound..<close.lowerBound]).trimmingCharacters(in: .whitespaces)] ?? ""
            rest = rest[close.upperBound...]
        }
        return out + rest
    }

    @Test func placeholdersAreFoundAsFoundationsSearchFindsThem() throws {
        let f = try EngineFixture()
        let instance = try f.engine.start("ticket", data: ["title": "Café – ✓ done", "owner": "mo"], actor: Actor("mo")).instance
        let values = ["title": "Café – ✓ done", "owner": "mo", "instance": instance.id.rawValue, "workflow": "ticket"]
        var templates = ["Hello {{ title }} at {{instance}} ({{workflow}})", "{{title}}", "no placeholders at all", "", "{{", "}}", "{{ title", "title }}",
                         "{single} and {{owner}}", "{{{title}}}", "{{}}", "a{{ owner }}b{{owner}}c", "Café {{title}} – ✓ {{ owner }} é", "{{ unknown }} stays empty",
                         "{ {title} }", "{{title}}}}", "👩‍👩‍👧{{owner}}👩‍👩‍👧", "e\u{301}{{owner}}"]
        var generator = SystemRandomNumberGenerator()
        let pieces = ["{", "}", "{{", "}}", "title", "owner", " ", "é", "✓", "x", "{{title}}", "{{ owner }}"]
        for _ in 0..<500 { templates.append((0..<Int.random(in: 0...10, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined()) }
        let rendered = try f.engine.database.read { db in try templates.map { try f.engine.render($0, instance: instance, db: db) } }
        for (template, got) in zip(templates, rendered) {
            #expect(got == Self.reference(template, values: values), "\(template.debugDescription)")
        }
    }
}
