import Foundation
import Testing
@testable import Domain
import Engine

let workflowsFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Workflows")

func problems(_ text: String) -> [DefinitionProblem] {
    do { _ = try PartnershipLoader.load(text, file: "p.json"); return [] } catch let e as DefinitionError { return e.problems } catch { return [] }
}

/// A partnership with one body per line, so locations are easy to read.
func partnership(_ bodies: [String], top: String = "top") -> String {
    "{\n\"key\": \"t\",\n\"name\": \"Test\",\n\"topBody\": \"\(top)\",\n\"bodies\": [\n" + bodies.joined(separator: ",\n") + "\n]\n}"
}

@Suite struct PartnershipLoaderTests {
    @Test func bothShippedPartnershipsLoadWithTheSameCode() throws {
        let framework = Framework(json: try JSONValue.parse(String(contentsOf: workflowsFolder.appendingPathComponent("framework/flourish.json"), encoding: .utf8)))
        for name in ["norfolk", "portsmouth"] {
            let text = try String(contentsOf: workflowsFolder.appendingPathComponent("partnerships/\(name).json"), encoding: .utf8)
            let p = try PartnershipLoader.load(text, file: name, knownPriorities: Set(framework.priorityKeys))
            #expect(p.body(p.topBody)?.reportsTo == [])
            #expect(!p.bodies.isEmpty)
        }
        let norfolk = try PartnershipLoader.load(String(contentsOf: workflowsFolder.appendingPathComponent("partnerships/norfolk.json"), encoding: .utf8), file: "n")
        #expect(norfolk.bodies.count == 18, "14 in the reporting lines and with partners, and the four participation groups the strategy names")
        #expect(norfolk.participationGroups.count == 4)
        #expect(norfolk.districts.count == 7)
        #expect(norfolk.body("workforce-development-group")?.reportsTo == ["children-and-young-people-strategic-alliance", "norfolk-safeguarding-children-partnership"])
        #expect(norfolk.body("children-and-young-people-strategic-alliance")?.functions.first?.restrictedToRole == "commissioner")
        #expect(norfolk.bodies.filter { $0.priority != nil }.count == 4)
    }

    @Test func aReportingCycleIsNamed() {
        let p = problems(partnership([
            #"{"key": "top", "name": "Top", "kind": "board"}"#,
            #"{"key": "a", "name": "A", "kind": "subgroup", "reportsTo": ["b"]}"#,
            #"{"key": "b", "name": "B", "kind": "subgroup", "reportsTo": ["a"]}"#,
        ]))
        let cycle = p.first { $0.code == "reporting-cycle" }
        #expect(cycle?.message == "The reporting lines go round in a circle: a -> b -> a.")
        #expect(cycle?.location.line == 7)
        #expect(p.filter { $0.code == "no-way-up" }.count == 2)
    }

    @Test func unknownBodiesAndDuplicateNamesAreReportedWhereTheyAre() {
        let p = problems(partnership([
            #"{"key": "top", "name": "Top", "kind": "board"}"#,
            #"{"key": "a", "name": "Top", "kind": "subgroup", "reportsTo": ["nowhere"]}"#,
        ]))
        #expect(p.map(\.code).sorted() == ["duplicate-name", "no-way-up", "unknown-body"])
        let unknown = p.first { $0.code == "unknown-body" }
        #expect(unknown?.pointer == "/bodies/1/reportsTo/0")
        #expect(unknown?.location == SourceLocation(line: 7, column: 63))
        #expect(unknown?.hint == "Use one of: top, a.")
    }

    @Test func aBodyWithNoWayUpUnlessItKeepsItsOwnGovernance() {
        let lonely = problems(partnership([#"{"key": "top", "name": "Top", "kind": "board"}"#, #"{"key": "x", "name": "X", "kind": "board"}"#]))
        #expect(lonely.map(\.code) == ["no-way-up"])
        #expect(problems(partnership([#"{"key": "top", "name": "Top", "kind": "board"}"#, #"{"key": "x", "name": "X", "kind": "board", "independentGovernance": true}"#])).isEmpty)
    }

    /// Where escalation stops, what severities change and where each rule comes from are data,
    /// each mistake named where it is.
    @Test func whereEscalationStopsAndWhereEachRuleComesFromAreChecked() throws {
        func withEscalation(_ escalation: String) -> String {
            "{\n\"key\": \"t\",\n\"name\": \"Test\",\n\"topBody\": \"top\",\n\"escalation\": \(escalation),\n\"bodies\": [\n"
                + [#"{"key": "top", "name": "Top", "kind": "board"}"#, #"{"key": "alliance", "name": "Alliance", "kind": "board", "reportsTo": ["top"]}"#,
                   #"{"key": "group", "name": "Group", "kind": "subgroup", "reportsTo": ["alliance"]}"#].joined(separator: ",\n") + "\n]\n}"
        }
        let good = try PartnershipLoader.load(withEscalation(#"{"stopsAt": "alliance", "crossCutting": {"goesTo": "alliance"}, "severities": [{"key": "medium", "name": "Medium"}, {"key": "high", "name": "High", "responseWorkingDays": 3, "startsAt": "alliance"}], "provenance": {"stopsAt": {"source": "strategy", "document": "D", "section": "S", "quote": "Q"}}}"#), file: "p.json")
        #expect(good.escalation.stopsAt == "alliance")
        #expect(good.escalation.severityRules["high"] == SeverityRule(severity: NamedKey(key: "high", name: "High"), responseWorkingDays: WorkingDays(3), startsAt: "alliance"))
        #expect(good.escalation.provenance(of: "stopsAt") == .strategy(document: "D", section: "S", quote: "Q"))
        #expect(good.escalation.provenance(of: "deciders") == .defaultToBeAgreed(note: nil), "a rule the file does not source is a default, to be agreed")
        let routing = EscalationRouting(principles: good.escalation, bodies: good.bodies)
        #expect(routing.aboveStop == ["top"])
        #expect(routing.nextBodies(after: "alliance").isEmpty, "unanswered at the stop, it stays there")
        let bad = problems(withEscalation(#"{"stopsAt": "alliance", "crossCutting": {"goesTo": "top"}, "severities": [{"key": "medium", "name": "Medium"}, {"key": "high", "name": "High", "startsAt": "top"}], "provenance": {"whims": {"source": "default"}, "deciders": {"source": "strategy"}}}"#))
        #expect(bad.map(\.code).sorted() == ["above-the-stop", "above-the-stop", "incomplete-provenance", "unknown-rule"])
        #expect(bad.first { $0.code == "above-the-stop" }?.pointer == "/escalation/crossCutting/goesTo")
        #expect(problems(withEscalation(#"{"stopsAt": "nowhere"}"#)).map(\.code) == ["unknown-body"])
    }

    @Test func theTopMayNotReportUp() {
        let p = problems(partnership([#"{"key": "top", "name": "Top", "kind": "board", "reportsTo": ["a"]}"#, #"{"key": "a", "name": "A", "kind": "board", "reportsTo": ["top"]}"#]))
        #expect(p.contains { $0.code == "top-reports-up" })
    }
}

@Suite struct FrameworkTests {
    @Test func theStrategysFrameworkIsThereWithStableKeys() throws {
        let f = Framework(json: try JSONValue.parse(String(contentsOf: workflowsFolder.appendingPathComponent("framework/flourish.json"), encoding: .utf8)))
        #expect(f.areas.map(\.letter).joined() == "FLOURISH")
        #expect(f.areas.allSatisfy { !$0.outcomes.isEmpty && !$0.determinants.isEmpty && !$0.impactStatement.isEmpty })
        #expect(f.universalDeterminants.count == 9)
        #expect(f.priorityKeys == ["prevention-and-early-help", "mental-health-and-wellbeing", "send", "learning-gaps"])
        #expect(f.priorities.allSatisfy { !$0.whatNeedsToHappen.isEmpty && !$0.successMeasures.isEmpty })
        #expect(f.areas[0].impactStatement == "Children and young people are safe, connected and supported through positive relationships and networks")
    }

    @Test func anUnknownKeyIsRefusedWithTheValidOnes() throws {
        let f = Framework(json: try JSONValue.parse(String(contentsOf: workflowsFolder.appendingPathComponent("framework/flourish.json"), encoding: .utf8)))
        #expect(throws: FrameworkError.unknownArea("happiness", valid: f.areaKeys)) { try f.checkAreas(["learning", "happiness"]) }
        #expect(FrameworkError.unknownArea("happiness", valid: f.areaKeys).localizedDescription
                == "\"happiness\" is not a FLOURISH area. Use one of: family-and-friends, learning, opportunity, understood, resilience, individual, safe-and-secure, healthy.")
        #expect(throws: FrameworkError.noAreas) { try f.checkAreas([]) }
        #expect(throws: FrameworkError.self) { try f.checkPriority("wellbeing") }
        try f.checkItem("send.1", of: "send")
    }
}

@Suite struct GovernanceTreeTests {
    @Test func aBodyWithTwoParentsIsShownUnderBothAndMarked() throws {
        let p = try PartnershipLoader.load(String(contentsOf: workflowsFolder.appendingPathComponent("partnerships/norfolk.json"), encoding: .utf8), file: "n")
        let tree = GovernanceTree.render(p.bodies, top: p.topBody)
        let lines = tree.split(separator: "\n").map(String.init)
        #expect(lines[0] == "Health Overview and Scrutiny Committee [board]")
        #expect(lines.filter { $0.contains("Workforce Development Group") }.count == 2)
        #expect(lines.contains("      - Workforce Development Group [enabling-group]  (also reports to Norfolk Safeguarding Children Partnership)"))
        #expect(lines.contains("    - Workforce Development Group [enabling-group]  (also reports to Children and Young People Strategic Alliance)"))
        #expect(tree.contains("Works with (no reporting line):\n  - Integrated Care System for Norfolk and Waveney"))
    }
}
