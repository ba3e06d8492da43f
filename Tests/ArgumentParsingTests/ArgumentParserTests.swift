import Foundation
import Testing
@testable import ArgumentParsing

/// The options flourish's commands use, as the peer script configures argparse.
let options: [OptionSpec] = [
    OptionSpec("db", takesValue: true, help: ""), OptionSpec("now", takesValue: true, help: ""),
    OptionSpec("format", takesValue: true, help: ""), OptionSpec("expect-version", takesValue: true, help: ""),
    OptionSpec("field", takesValue: true, repeatable: true, help: ""),
    OptionSpec("json", help: ""), OptionSpec("help", short: "h", help: ""),
]

struct PeerCase: Decodable, CustomTestStringConvertible {
    struct Expected: Decodable {
        let error: Bool?
        let positionals: [String]?
        let values: [String: [String]]?
        let flags: [String]?
    }
    let argv: [String]
    let expected: Expected
    var testDescription: String { argv.joined(separator: " ") }
}

let peerCases: [PeerCase] = {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/argv-cases.json")
    return (try? JSONDecoder().decode([PeerCase].self, from: Data(contentsOf: url))) ?? []
}()

@Suite struct ArgumentParserTests {
    @Test func thePeerFixtureIsThere() { #expect(peerCases.count >= 15) }

    /// The fixture holds what Python's argparse decided for each line (Tests/proof/check_argv_peer.py).
    @Test(arguments: peerCases)
    func agreesWithArgparse(_ c: PeerCase) {
        do {
            let parsed = try ArgumentParser.parse(c.argv, options: options)
            #expect(c.expected.error != true, "argparse refused this line but flourish accepted it")
            #expect(parsed.positionals == c.expected.positionals ?? [])
            #expect(parsed.values == c.expected.values ?? [:])
            #expect(parsed.flags == Set(c.expected.flags ?? []))
        } catch {
            #expect(c.expected.error == true, "flourish refused a line argparse accepted: \(error)")
        }
    }

    @Test func messagesSayWhatIsWrong() {
        #expect(throws: ArgumentError("unknown option '--stat'; did you mean --state?")) {
            try ArgumentParser.parse(["--stat"], options: [OptionSpec("state", takesValue: true, help: "")])
        }
        #expect(throws: ArgumentError("the option '--db' needs a value (FILE)")) {
            try ArgumentParser.parse(["--db"], options: [OptionSpec("db", takesValue: true, valueName: "FILE", help: "")])
        }
        #expect(throws: ArgumentError("the option '--json' does not take a value")) {
            try ArgumentParser.parse(["--json=1"], options: options)
        }
        #expect(throws: ArgumentError("the option '--now' was given more than once")) {
            try ArgumentParser.parse(["--now", "a", "--now", "b"], options: options)
        }
        // `org register --name --kind business` registered an organisation called "--kind".
        #expect(throws: ArgumentError("the option '--db' needs a value (FILE), but '--json' is an option; to give a value that starts with '-', write --db=--json")) {
            try ArgumentParser.parse(["--db", "--json", "tick"], options: [OptionSpec("db", takesValue: true, valueName: "FILE", help: ""), OptionSpec("json", help: "")])
        }
    }

    @Test func negativeNumbersAreValuesNotOptions() throws {
        let parsed = try ArgumentParser.parse(["measure", "-3.5"], options: options)
        #expect(parsed.positionals == ["measure", "-3.5"])
    }
}
