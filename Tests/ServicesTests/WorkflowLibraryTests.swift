import Foundation
import Testing
@_spi(Harness) @testable import Services
import Engine

let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

@Suite struct WorkflowLibraryTests {
    @Test func theShippedFolderLoadsWithEveryDefinitionChecked() throws {
        let library = try WorkflowLibrary(directory: repositoryRoot.appendingPathComponent("Workflows"))
        #expect(library.workflowNames.contains("pledge"))
        #expect(library.catalog.roles["secretariat"] != nil)
    }

    @Test func locateUsesTheExplicitFolderThenTheEnvironment() throws {
        let workflows = repositoryRoot.appendingPathComponent("Workflows").path
        #expect(try WorkflowLibrary.locate(explicit: workflows, environment: [:]).path == workflows)
        #expect(try WorkflowLibrary.locate(explicit: nil, environment: ["FLOURISH_WORKFLOWS": workflows]).path == workflows)
        let error = #expect(throws: LibraryError.self) { try WorkflowLibrary.locate(explicit: "/nonexistent/Workflows", environment: [:]) }
        #expect(error?.localizedDescription == "The Workflows folder was not found (looked in /nonexistent/Workflows). Pass --workflows DIR or set FLOURISH_WORKFLOWS.")
    }

    @Test func aBrokenDefinitionInTheFolderIsRefusedWithItsProblems() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("flourish-lib-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("schema"), withIntermediateDirectories: true)
        let source = repositoryRoot.appendingPathComponent("Workflows")
        try FileManager.default.copyItem(at: source.appendingPathComponent("schema/workflow.schema.json"), to: dir.appendingPathComponent("schema/workflow.schema.json"))
        try FileManager.default.copyItem(at: source.appendingPathComponent("roles.json"), to: dir.appendingPathComponent("roles.json"))
        try "{\"formatVersion\": 1}".write(to: dir.appendingPathComponent("bad.workflow.json"), atomically: true, encoding: .utf8)
        let error = #expect(throws: LibraryError.self) { try WorkflowLibrary(directory: dir) }
        #expect(error?.code == "invalid-definition")
        #expect(error?.localizedDescription.contains("Workflows/bad.workflow.json:1:1: error[schema] at /: The element is missing the required member \"name\".") == true)
    }
}

@Suite struct FlourishTests {
    func app() throws -> Flourish {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("flourish-app-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let library = try WorkflowLibrary(directory: repositoryRoot.appendingPathComponent("Workflows"))
        return try Flourish(databasePath: dir.appendingPathComponent("f.sqlite").path, library: library,
                            clock: FixedClock(Date(timeIntervalSince1970: 1_780_000_000)))
    }

    @Test func typedTextBecomesTypedValues() throws {
        let app = try app()
        let fields = try app.engine.definition("pledge").startFields
        let payload = try app.payload(fromTexts: [("pledgeYear", "2026"), ("areas", "learning, healthy"), ("text", "Mentoring")], fields: fields, event: "start")
        #expect(payload == ["pledgeYear": 2026, "areas": ["learning", "healthy"], "text": "Mentoring"])
        #expect(throws: WorkflowError.unexpectedField(event: "start", field: "colour", accepted: fields.map(\.name))) {
            try app.payload(fromTexts: [("colour", "red")], fields: fields, event: "start")
        }
        // A number that is not one reaches the engine's check and gets its message there.
        let bad = try app.payload(fromTexts: [("pledgeYear", "next year")], fields: fields, event: "start")
        #expect(bad["pledgeYear"] == "next year")
    }

    @Test func reopeningTheDatabaseKeepsEverything() throws {
        let first = try app()
        let path = first.database.path
        _ = try first.directory.addPerson(id: "olu", name: "Olu", email: nil, at: Date())
        _ = try first.directory.addMembership(person: "olu", body: alliance, role: "secretariat", at: Date())
        try first.engine.start("pledge", data: ["organisation": "acme", "pledgeYear": 2026, "text": "x", "areas": ["learning"]], computed: ["contacts": ["olu"]], actor: Actor("olu"))
        let library = try WorkflowLibrary(directory: repositoryRoot.appendingPathComponent("Workflows"))
        let second = try Flourish(databasePath: path, library: library, clock: SystemClock())
        #expect(try second.engine.instance("pledge-1").state == "draft")
    }
}
