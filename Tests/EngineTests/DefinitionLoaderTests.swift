import Foundation
import Testing
@testable import Engine

@Suite struct DefinitionLoaderTests {
    let loader: DefinitionLoader
    init() throws { loader = try makeLoader() }

    func problems(_ text: String) -> [DefinitionProblem] {
        do {
            _ = try loader.load(text, file: "x.workflow.json", knownWorkflows: ["ticket", "pledge"])
            return []
        } catch let error as DefinitionError {
            return error.problems
        } catch {
            Issue.record("unexpected \(error)")
            return []
        }
    }

    @Test func everyShippedDefinitionIsValid() throws {
        let dir = repositoryRoot.appendingPathComponent("Workflows")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".workflow.json") }
        #expect(!files.isEmpty)
        for file in files {
            let d = try loader.load(String(contentsOf: dir.appendingPathComponent(file), encoding: .utf8), file: file)
            #expect(!d.transitions.isEmpty)
        }
    }

    @Test func theTicketFixtureIsValid() throws {
        let d = try loader.load(ticketDefinitionText, file: "ticket")
        #expect(d.initial == "open")
        #expect(d.events == ["take", "note", "pause", "nudge", "finish", "drop"])
    }

    @Test func malformedJSONIsReportedWithLineAndColumn() {
        let p = problems("{\n  \"name\": \"x\",\n  \"version\": 1,,\n}")
        #expect(p.count == 1)
        #expect(p.first?.code == "malformed-json")
        #expect(p.first?.location == SourceLocation(line: 3, column: 16))
        #expect(p.first?.description.hasPrefix("x.workflow.json:3:16: error[malformed-json] at /: The file is not valid JSON") == true)
    }

    /// Builds a definition with its parts replaced, keeping each key on its own line so locations are predictable.
    func definition(states: String = #"{"a": {"title": "A"}, "b": {"title": "B"}}"#, final: String = #"["b"]"#,
                    transitions: String = #"[{"event": "go", "from": ["a"], "to": "b", "by": [{"role": "member"}]}]"#) -> String {
        """
        {
          "formatVersion": 1,
          "name": "demo",
          "version": 1,
          "title": "Demo",
          "states": \(states),
          "initial": "a",
          "final": \(final),
          "transitions": \(transitions)
        }
        """
    }

    @Test func aMinimalDefinitionPasses() { #expect(problems(definition()).isEmpty) }

    @Test func aListFieldMustSayHowManyValuesAndHowLong() throws {
        let unbounded = definition(transitions: #"[{"event": "go", "from": ["a"], "to": "b", "by": [{"role": "member"}], "fields": {"tags": {"type": "string-list"}}}]"#)
        #expect(problems(unbounded).map(\.code) == ["unbounded-list"])
        #expect(problems(unbounded).first?.pointer == "/transitions/0/fields/tags")
        let misplaced = definition(transitions: #"[{"event": "go", "from": ["a"], "to": "b", "by": [{"role": "member"}], "fields": {"note": {"type": "text", "maxItems": 3}}}]"#)
        #expect(problems(misplaced).map(\.code) == ["bad-field"])

        let bounded = try loader.load(definition(transitions: #"[{"event": "go", "from": ["a"], "to": "b", "by": [{"role": "member"}], "fields": {"tags": {"type": "string-list", "maxItems": 3, "maxItemLength": 5}}}]"#), file: "x")
        let tags = try #require(bounded.transitions.first?.fields.first)
        #expect(tags.problem(with: ["a", "b", "c"]) == nil)
        #expect(tags.problem(with: ["a", "b", "c", "d"]) == "should have at most 3 values (it has 4)")
        #expect(tags.problem(with: ["abcdef"])?.hasPrefix("should have values of at most 5 characters each") == true)
        #expect(tags.problem(with: ["a\nb"]) == "should have values of a single line each")
    }

    @Test func listLimitsAreRulesForCallersAndLeaveTheDigestAlone() throws {
        // Databases record each version's digest and refuse a changed definition; a list's
        // limits (like which fields only Flourish sets) may change without a new version.
        let text = try String(contentsOf: repositoryRoot.appendingPathComponent("Workflows/pledge.workflow.json"), encoding: .utf8)
        let shipped = try loader.load(text, file: "pledge.workflow.json")
        let relaxed = try loader.load(text.replacingOccurrences(of: "\"maxItems\": 20", with: "\"maxItems\": 99"), file: "pledge.workflow.json")
        #expect(relaxed.digest == shipped.digest)
        let lengthened = try loader.load(text.replacingOccurrences(of: "\"maxLength\": 20000", with: "\"maxLength\": 20001"), file: "pledge.workflow.json")
        #expect(text.contains("\"maxLength\": 20000") && lengthened.digest != shipped.digest, "maxLength stays part of the digest, as databases recorded it")
    }

    @Test func unknownStateIsNamedWithItsPointer() {
        let p = problems(definition(transitions: #"[{"event": "go", "from": ["a"], "to": "c", "by": [{"role": "member"}]}]"#))
        let unknown = p.first { $0.code == "unknown-state" }
        #expect(unknown?.pointer == "/transitions/0/to")
        #expect(unknown?.location == SourceLocation(line: 9, column: 56))
        #expect(unknown?.message == "The state \"c\" is not declared in \"states\".")
        #expect(unknown?.hint == "Declare it under \"states\", or use one of: a, b.")
    }

    @Test func unreachableAndDeadEndStates() {
        let p = problems(definition(states: #"{"a": {"title": "A"}, "b": {"title": "B"}, "island": {"title": "I"}}"#))
        #expect(p.map(\.code).sorted() == ["dead-end-state", "unreachable-state"])
        #expect(p.allSatisfy { $0.pointer == "/states/island" })
        #expect(p.first?.location == SourceLocation(line: 6, column: 66))
    }

    @Test func aNonFinalStateWithNoWayOut() {
        let p = problems(definition(final: "[]"))
        #expect(p.map(\.code) == ["dead-end-state"])
        #expect(p.first?.message.contains("\"b\" is not final and has no transition out") == true)
    }

    @Test func duplicateTransitionsOnOneEventFromOneState() {
        let p = problems(definition(transitions: #"[{"event": "go", "from": ["a"], "to": "b", "by": [{"role": "member"}]}, {"event": "go", "from": ["a"], "to": "a", "by": [{"role": "member"}]}]"#))
        #expect(p.map(\.code) == ["duplicate-transition"])
        #expect(p.first?.pointer == "/transitions/1/event")
    }

    @Test func unknownRolesAndRelations() {
        let p = problems(definition(transitions: #"[{"event": "go", "from": ["a"], "to": "b", "by": [{"role": "wizard"}, {"relation": "cousin"}]}]"#))
        #expect(p.map(\.code) == ["unknown-role", "unknown-relation"])
        #expect(p.map(\.pointer) == ["/transitions/0/by/0/role", "/transitions/0/by/1/relation"])
        #expect(p.first?.hint.contains("secretariat") == true)
    }

    @Test func badDurationsAndTimers() {
        let p = problems(definition(transitions: #"[{"event": "go", "from": ["a"], "to": "b", "by": [{"role": "member"}], "effects": [{"startTimer": {"name": "t", "event": "go", "after": "6 months"}}, {"cancelTimer": "never"}]}]"#))
        #expect(Set(p.map(\.code)) == ["bad-duration", "unknown-timer", "timer-event-unhandled"])
        let duration = p.first { $0.code == "bad-duration" }
        #expect(duration?.pointer == "/transitions/0/effects/0/startTimer/after")
        #expect(duration?.message == "\"6 months\" is not an ISO 8601 duration.")
    }

    @Test func schemaProblemsNameTheElement() {
        let p = problems(definition(transitions: #"[{"event": "Go Now", "from": "a", "to": "b", "by": [{"role": "member"}], "colour": "red"}]"#))
        #expect(p.allSatisfy { $0.code == "schema" })
        let pointers = Set(p.map(\.pointer))
        #expect(pointers.contains("/transitions/0/event"))
        #expect(pointers.contains("/transitions/0/from"))
        #expect(pointers.contains("/transitions/0/colour"))
    }

    @Test func reservedEventNamesAreRefused() {
        let p = problems(definition(transitions: #"[{"event": "start", "from": ["a"], "to": "b", "by": [{"role": "member"}]}]"#))
        #expect(p.map(\.pointer) == ["/transitions/0/event"])
    }

    @Test func openingAnUnknownWorkflow() {
        let p = problems(definition(transitions: #"[{"event": "go", "from": ["a"], "to": "b", "by": [{"role": "member"}], "effects": [{"open": {"workflow": "nothing"}}]}]"#))
        #expect(p.map(\.code) == ["unknown-workflow"])
    }
}
