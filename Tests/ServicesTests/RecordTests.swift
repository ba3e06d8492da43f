import Foundation
import Testing
@_spi(Harness) @testable import Services
import Engine
import Domain

/// The typed records: each reads its instance's data as properties, refuses another workflow's
/// instance or a state it does not know, and the application refuses to start when a workflow
/// file's states no longer match its record.
@Suite struct RecordTests {
    static func instance(_ workflow: String, state: String, data: [String: JSONValue]) -> Instance {
        Instance(id: InstanceID("\(workflow)-1"), workflow: workflow, workflowVersion: 1, state: state, data: data, version: 3,
                 createdAt: Date(timeIntervalSince1970: 0), updatedAt: Date(timeIntervalSince1970: 60), parentID: nil)
    }

    @Test func aPledgeReadsItsFieldsAsProperties() throws {
        let pledge = try Pledge(Self.instance("pledge", state: "changes-requested", data: [
            "organisation": "acme", "contacts": ["olu", "ade"], "pledgeYear": 2026, "text": "Mentoring", "areas": ["learning"],
            "repeatsLastYear": true, "reviewComment": "Say who it is for", "reportDueOn": "2027-04-30",
        ]))
        #expect(pledge.state == .changesRequested && "\(pledge.state)" == "changes-requested")
        #expect(pledge.organisation == "acme" && pledge.contacts == ["olu", "ade"] && pledge.pledgeYear == 2026)
        #expect(pledge.areas == ["learning"] && pledge.theme == nil && pledge.repeatsLastYear && pledge.reviewComment == "Say who it is for")
        #expect(pledge.reportDueOn == CalendarDay("2027-04-30") && pledge.version == 3)
        #expect(pledge.id == RecordID<Pledge>("pledge-1"))
    }

    @Test func anotherWorkflowsInstanceOrAnUnknownStateIsRefused() throws {
        let wrong = #expect(throws: RecordError.self) { try Pledge(Self.instance("action", state: "planned", data: [:])) }
        #expect(wrong?.localizedDescription == "action-1 is a action, not a pledge.")
        let unknown = #expect(throws: RecordError.self) { try Action(Self.instance("action", state: "paused", data: [:])) }
        #expect(unknown == .unknownState(workflow: "action", state: "paused", known: ["planned", "in-progress", "blocked", "completed", "cancelled"]))
        // Both review workflows read as one record; the top body's "overdue" is one of its states.
        #expect(try EscalationReview(Self.instance("escalation-top-review", state: "overdue", data: ["body": "hwb"])).body == "hwb")
    }

    @Test func everyRecordMatchesTheShippedWorkflows() throws {
        let library = try WorkflowLibrary(directory: repositoryRoot.appendingPathComponent("Workflows"))
        try WorkflowRecords.check(library.definitions)
    }

    @Test func aStateRenamedInAWorkflowFileStopsTheApplicationAtStartUp() throws {
        // A copy of the Workflows folder whose pledge workflow calls "report-due" "report-wanted".
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("flourish-renamed-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: repositoryRoot.appendingPathComponent("Workflows"), to: dir.appendingPathComponent("Workflows"))
        let file = dir.appendingPathComponent("Workflows/pledge.workflow.json")
        try String(contentsOf: file, encoding: .utf8).replacingOccurrences(of: "\"report-due\"", with: "\"report-wanted\"").write(to: file, atomically: true, encoding: .utf8)
        let library = try WorkflowLibrary(directory: dir.appendingPathComponent("Workflows"))
        let error = #expect(throws: RecordError.self) {
            try Flourish(databasePath: dir.appendingPathComponent("f.sqlite").path, library: library, clock: FixedClock(Date(timeIntervalSince1970: 1_780_000_000)))
        }
        #expect(error == .statesDiffer(workflows: ["pledge"], unknownToRecord: ["report-wanted"], missingFromDefinitions: ["report-due"]))
        #expect(error?.localizedDescription == "The pledge workflow does not match Flourish: the definition has states Flourish does not know: report-wanted; Flourish expects states the definition lacks: report-due. Rename them back, or change Flourish with them.")
    }
}
