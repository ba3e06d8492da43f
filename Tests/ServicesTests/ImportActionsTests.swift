import Foundation
import Testing
@_spi(Harness) @testable import Services
import Domain
import Engine

@Suite(.serialized) struct ImportActionsTests {
    func sample(_ name: String) throws -> String {
        try String(contentsOf: repositoryRoot.appendingPathComponent("Workflows/samples/\(name).csv"), encoding: .utf8)
    }

    /// The chairs the sample files name, and the secretariat.
    func fixture() throws -> NorfolkFixture {
        let f = try NorfolkFixture(start: "2026-11-24T09:00")
        try f.person("sec", alliance, "secretariat")
        for (person, group) in [("erin", "early-prevention-board"), ("maya", "cyp-mental-health-alliance-executive-management-group"),
                                ("sian", "norfolk-area-send-multi-agency-steering-group"), ("leo", "norfolk-learning-board"),
                                ("dee", "data-and-system-performance-group")] {
            try f.person(person, group, "chair")
        }
        return f
    }

    @Test func theSampleActionLogImportsWithItsStatusesAndRAGDatedFromTheFile() throws {
        let f = try fixture()
        let dry = try f.app.importActions(csv: sample("actions"), dryRun: true, by: "sec")
        #expect(dry.dryRun && dry.rows == 7 && dry.created.isEmpty, "a dry run checks; it writes nothing and makes no ids")
        #expect(try f.app.actions().isEmpty)

        let report = try f.app.importActions(csv: sample("actions"), dryRun: false, by: "sec")
        let views = try report.created.map { try f.app.action(RecordID(InstanceID($0))) }
        #expect(views.map(\.action.state.rawValue) == ["completed", "in-progress", "in-progress", "planned", "blocked", "in-progress", "cancelled"])
        #expect(views.map { $0.latestRAG?.rawValue ?? "-" } == ["green", "amber", "red", "-", "amber", "green", "-"])
        let directory = try f.app.engine.history(of: views[0].action.id.instance)
        #expect(directory.map(\.event) == ["start", "update", "complete"])
        #expect(f.app.time.day(of: directory[0].occurredAt).description == "2025-10-01")
        #expect(f.app.time.day(of: directory[2].occurredAt).description == "2026-03-20")
        #expect(directory.allSatisfy { $0.actor == "sec" && $0.onBehalfOf == "early-prevention-board" })
        // The data group's action names the priority it serves, since the group has none of its own.
        #expect(views[6].action.instance.data["priority"] == "prevention-and-early-help")

        // The open actions past their due dates go overdue at the next tick, and those more than
        // 20 working days overdue escalate at once, each to its group's parent.
        _ = try f.app.engine.tick()
        let overdue = try f.app.actions(ActionFilter(overdueOnly: true)).map(\.action.id.rawValue)
        #expect(Set(overdue) == [report.created[1], report.created[2], report.created[5]])
        #expect(try f.app.action(RecordID(InstanceID(report.created[2]))).escalations.count == 1)
        // Completed and cancelled actions never go overdue.
        #expect(try !f.app.action(RecordID(InstanceID(report.created[0]))).isOverdue)
        #expect(try f.app.engine.verifyAuditLog().isIntact)
    }

    @Test func everyActionRowProblemIsReportedByLineAndColumnAndNothingIsWritten() throws {
        let f = try fixture()
        let csv = """
        group,title,areas,owner,due_date,status,status_note,rag,commentary,logged_on,updated_on
        early-prevention-board,Good row,learning,erin,2027-01-29,,,,,,
        no-such-group,Bad group,learning,erin,2027-01-29,,,,,,
        early-prevention-board,Bad area,cooking,erin,2027-01-29,,,,,,
        early-prevention-board,Bad owner,learning,nobody,2027-01-29,,,,,,
        early-prevention-board,Bad date,learning,erin,29/01/2027,,,,,,
        early-prevention-board,No note,learning,erin,2027-01-29,completed,,,,,
        early-prevention-board,Bad status,learning,erin,2027-01-29,finished,,,,,
        early-prevention-board,RAG without commentary,learning,erin,2027-01-29,,,red,,,
        early-prevention-board,Backwards,learning,erin,2027-01-29,,,,,2026-05-01,2026-04-01
        data-and-system-performance-group,No priority,learning,dee,2027-01-29,,,,,,
        """
        let error = #expect(throws: ImportError.self) { try f.app.importActions(csv: csv, dryRun: false, by: "sec") }
        #expect(error?.problems.map(\.line) == [3, 4, 5, 6, 7, 8, 9, 10, 11])
        #expect(error?.problems.map { $0.column ?? "-" } == ["group", "areas", "owner", "due_date", "status_note", "status", "commentary", "updated_on", "priority"])
        #expect(error?.problems[1].message.contains("\"cooking\" is not a FLOURISH area") == true)
        #expect(try f.app.actions().isEmpty)
        #expect(try f.app.engine.instances().isEmpty)
    }

    @Test func onlyTheGroupsChairOrTheSecretariatMayImportItsActions() throws {
        let f = try fixture()
        let csv = """
        group,title,areas,owner,due_date
        early-prevention-board,Mine,learning,erin,2027-01-29
        norfolk-learning-board,Not mine,learning,leo,2027-01-29
        """
        let error = #expect(throws: ImportError.self) { try f.app.importActions(csv: csv, dryRun: false, by: "erin") }
        #expect(error?.problems.map(\.line) == [3])
        #expect(error?.problems.first?.message.contains("only the group's chair or vice-chair") == true)
        #expect(try f.app.actions().isEmpty)
    }

    @Test func theSampleMeasuresImportWithTheirValuesAndARedValueEscalates() throws {
        let f = try fixture()
        let report = try f.app.importMeasures(csv: sample("measures"), dryRun: false, by: "sec")
        let views = try report.created.map { try f.app.measure(RecordID(InstanceID($0))) }
        #expect(views.map(\.values.count) == [3, 2, 2, 2, 1])
        #expect(views.map { $0.values.last!.rag } == [.amber, .amber, .red, .red, .amber])
        // A red value is a breach: one escalation each, linked back to its measure.
        #expect(views.map(\.escalations.count) == [0, 0, 1, 1, 0])
        #expect(views[0].measure.instance.data["successMeasure"] == "prevention-and-early-help.m4")
        #expect(views[4].measure.instance.data["direction"] == "lower-is-better")
    }

    @Test func everyMeasureRowProblemIsReportedAndNothingIsWritten() throws {
        let f = try fixture()
        let csv = """
        group,name,unit,direction,baseline,target,tolerance,frequency,area,priority,success_measure,values
        early-prevention-board,Fine,%,higher-is-better,1,2,1,quarterly,learning,,,2026-Q1=1.5
        early-prevention-board,Words,%,higher-is-better,one,2,1,quarterly,learning,,,
        early-prevention-board,Sideways,%,sideways,1,2,1,quarterly,learning,,,
        early-prevention-board,Weekly,%,higher-is-better,1,2,1,weekly,learning,,,
        early-prevention-board,Bad value,%,higher-is-better,1,2,1,quarterly,learning,,,2026-Q1:1.5
        early-prevention-board,Bad measure,%,higher-is-better,1,2,1,quarterly,learning,,send.m7,
        early-prevention-board,fine,%,higher-is-better,1,2,1,quarterly,learning,,,
        early-prevention-board,Twice,%,higher-is-better,1,2,1,quarterly,learning,,,2026-Q1=1.5;2026 q1=1.6
        """
        let error = #expect(throws: ImportError.self) { try f.app.importMeasures(csv: csv, dryRun: false, by: "sec") }
        #expect(error?.problems.map(\.line) == [3, 4, 5, 6, 7, 8, 9])
        #expect(error?.problems.map { $0.column ?? "-" } == ["baseline", "direction", "frequency", "values", "success_measure", "name", "values"])
        #expect(error?.problems.last?.message.contains("2026 q1 is given more than once; a measure has one value a period") == true, "\(String(describing: error?.problems.last))")
        #expect(try f.app.measures().isEmpty)
    }
}
