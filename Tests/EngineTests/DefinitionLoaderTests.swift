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
