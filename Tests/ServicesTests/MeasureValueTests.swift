import Foundation
import Testing
@_spi(Harness) @testable import Services
import Domain
import Engine

/// A measure has one value a period. The defect: a chair who recorded a quarter's value twice
/// (a slip, or a second try after a wrong figure) got both, so the trend listed "2026 Q1"
/// twice, its "Change" compared the two, and the annual report called the measure improving
/// or worsening between a figure and its own correction.
@Suite(.serialized) struct MeasureValueTests {
    let epb = "early-prevention-board"

    func fixture() throws -> (NorfolkFixture, RecordID<Measure>) {
        let f = try NorfolkFixture(start: "2026-03-02T09:00")
        try f.person("erin", epb, "chair")
        try f.person("dee", "norfolk-learning-board", "chair")
        let m = try f.app.defineMeasure(MeasureRequest(group: epb, name: "Early help assessments", unit: "assessments", direction: "higher-is-better",
                                                       baseline: 100, target: 150, tolerance: 20, frequency: "quarterly", area: "family-and-friends"), by: "erin")
        return (f, m.measure.id)
    }

    @Test func aSecondValueForAPeriodIsRefusedNamingTheFirstAndNothingIsWritten() throws {
        let (f, m) = try fixture()
        _ = try f.app.recordMeasure(m, period: "2026 Q1", value: 140, note: nil, by: "erin")
        f.at("2026-04-10T10:00")
        let events = try f.app.eventCount()
        // The same quarter written another way is the same quarter.
        let refused = #expect(throws: WorkflowError.self) { try f.app.recordMeasure(m, period: "2026-q1", value: 160, note: nil, by: "erin") }
        #expect(refused?.localizedDescription == "The field \"period\" of \"record\" already has a value, 140 assessments (amber), recorded on 2 March 2026; "
                + "a measure has one value a period, so if that value is wrong, record this one as a correction of it.")
        #expect(try f.app.eventCount() == events, "nothing is written")
        #expect(try f.app.measure(m).values.map(\.value) == [140])
    }

    @Test func aCorrectionReplacesTheLatestValueInPlaceAndKeepsWhenTheNextIsDue() throws {
        let (f, m) = try fixture()
        _ = try f.app.recordMeasure(m, period: "2026-Q1", value: 140, note: nil, by: "erin")
        f.at("2026-06-20T10:00")
        _ = try f.app.recordMeasure(m, period: "2026-Q2", value: 100, note: nil, by: "erin")  // red: escalated
        let due = try f.app.measure(m).measure.valueDueOn
        f.at("2026-06-22T10:00")
        let corrected = try f.app.recordMeasure(m, period: "2026 Q2", value: 155, note: "The first figure left out Breckland", corrects: true, by: "erin")
        #expect(corrected.values.map(\.period) == ["2026-Q1", "2026 Q2"])
        #expect(corrected.values.map(\.value) == [140, 155])
        #expect(corrected.values.map(\.rag) == [.amber, .green])
        #expect(corrected.values.map(\.replaced) == [nil, 100])
        #expect(corrected.measure.valueDueOn == due, "a correction does not move the next value's due date")
        #expect(corrected.escalations.count == 1, "the escalation the red value raised stays for its body to close")
        // The kept list of measures (a group page's) folds the same way as the measure's own history.
        let kept = try #require(try f.app.measures(group: epb).first { $0.measure.id == m })
        #expect(kept.values.map(\.value) == [140, 155] && kept.values.last?.replaced == 100)
        // The annual report's trend compares the quarters, not a figure with its correction.
        let line = try #require(try f.app.annualReport(year: 2026).measures.first { $0.id == m.rawValue })
        #expect(line.latest == 155 && line.trend == "improving")
        // The history keeps both events: the correction is recorded, not overwritten.
        #expect(try f.app.engine.history(of: m.instance).filter { ["record", "correct"].contains($0.event) }.map(\.event) == ["record", "record", "correct"])
    }

    /// A correction is about the value it replaces, not the next one. The defect: correcting
    /// the latest value while the next was overdue cleared the missing-value flag, and the
    /// deadline it restarted had already passed, so the next tick flagged it again and sent
    /// the chair a second "A value is missing" for the same value.
    @Test func aCorrectionWhileTheNextValueIsOverdueKeepsItMissingAndSendsNoSecondNotice() throws {
        let (f, m) = try fixture()
        _ = try f.app.recordMeasure(m, period: "2026 Q1", value: 140, note: nil, by: "erin")
        let due = try #require(try f.app.measure(m).measure.valueDueOn)
        #expect(due.description == "2026-06-02")
        f.at("2026-06-03T09:00")
        #expect(try f.app.engine.tick().map(\.event) == ["value-missing"])
        #expect(try f.app.measure(m).isMissingValue)
        let notices = { try f.app.outboxPage().items.filter { $0.template == "measure-value-missing" }.count }
        #expect(try notices() == 1)
        f.at("2026-06-04T10:00")
        let corrected = try f.app.recordMeasure(m, period: "2026 Q1", value: 145, note: "Breckland's figure came late", corrects: true, by: "erin")
        #expect(corrected.values.map(\.value) == [145] && corrected.values.last?.replaced == 140)
        #expect(corrected.isMissingValue, "the 2026 Q2 value is still missing")
        #expect(corrected.measure.valueDueOn == due)
        f.at("2026-06-04T10:05")
        #expect(try f.app.engine.tick().isEmpty, "no deadline of the correction's own to pass")
        #expect(try notices() == 1, "the chair is not told again about the value already asked for")
        // Recording the missing value clears the flag and sets the next deadline, as ever.
        let recorded = try f.app.recordMeasure(m, period: "2026 Q2", value: 150, note: nil, by: "erin")
        #expect(!recorded.isMissingValue && recorded.measure.valueDueOn?.description == "2026-09-04")
    }

    @Test func onlyTheLatestValueMayBeCorrectedAndOnlyWhenThereIsOne() throws {
        let (f, m) = try fixture()
        let nothing = #expect(throws: WorkflowError.self) { try f.app.recordMeasure(m, period: "2026-Q1", value: 140, note: nil, corrects: true, by: "erin") }
        #expect(nothing?.localizedDescription == "The field \"period\" of \"correct\" has no value yet, so there is none to correct: record it as a new value.")
        _ = try f.app.recordMeasure(m, period: "2026-Q1", value: 140, note: nil, by: "erin")
        _ = try f.app.recordMeasure(m, period: "2026-Q2", value: 150, note: nil, by: "erin")
        let earlier = #expect(throws: WorkflowError.self) { try f.app.recordMeasure(m, period: "2026-Q1", value: 141, note: nil, corrects: true, by: "erin") }
        #expect(earlier?.localizedDescription == "The field \"period\" of \"correct\" already has a value, 140 assessments (amber), recorded on 2 March 2026, "
                + "and only the latest value (for 2026-Q2) can be corrected.")
        let none = #expect(throws: WorkflowError.self) { try f.app.recordMeasure(m, period: "2026-Q3", value: 141, note: nil, corrects: true, by: "erin") }
        #expect(none?.localizedDescription.contains("has no value yet, so there is none to correct: record it as a new value (the latest value is for 2026-Q2)") == true)
        #expect(try f.app.measure(m).values.map(\.value) == [140, 150])
    }

    /// Who may record is asked first: another group's chair is refused as before, not told the
    /// value a period holds.
    @Test func someoneWhoMayNotRecordLearnsNoValueFromTheRefusal() throws {
        let (f, m) = try fixture()
        _ = try f.app.recordMeasure(m, period: "2026-Q1", value: 140, note: nil, by: "erin")
        let refused = #expect(throws: WorkflowError.self) { try f.app.recordMeasure(m, period: "2026-Q1", value: 1, note: nil, by: "dee") }
        if case .notPermitted? = refused {} else { Issue.record("refused as \(String(describing: refused)), not as someone who may not record") }
        #expect(refused?.localizedDescription.contains("140") == false)
    }

    /// A retry of a request carried out (the same idempotency key) is answered as the first time, not refused as a second value.
    @Test func aRetryWithTheSameKeyIsNotASecondValue() throws {
        let (f, m) = try fixture()
        let first = try f.app.recordMeasure(m, period: "2026-Q1", value: 140, note: nil, by: "erin", idempotencyKey: "q1-once")
        let retry = try f.app.recordMeasure(m, period: "2026-Q1", value: 140, note: nil, by: "erin", idempotencyKey: "q1-once")
        #expect(retry.values.map(\.value) == first.values.map(\.value))
        #expect(try f.app.engine.history(of: m.instance).filter { $0.event == "record" }.count == 1)
    }

    /// The generic door (`POST /api/v1/instances/{id}/events/record`, `flourish instance fire`)
    /// keeps the same rule: it was a way round it.
    @Test func theGenericDoorKeepsOneValueAPeriodToo() throws {
        let (f, m) = try fixture()
        let erin = try f.app.viewer(for: "erin")
        _ = try f.app.fire("record", on: m.instance, fields: ["period": "2026-Q1", "value": 140], for: erin, expectedVersion: nil, idempotencyKey: nil)
        let events = try f.app.eventCount()
        let refused = #expect(throws: WorkflowError.self) {
            try f.app.fire("record", on: m.instance, fields: ["period": "2026 Q1", "value": 150], for: erin, expectedVersion: nil, idempotencyKey: nil)
        }
        #expect(refused?.localizedDescription.contains("already has a value, 140 assessments (amber)") == true, "\(String(describing: refused))")
        #expect(try f.app.eventCount() == events)
    }

    /// The generic door can correct too (`POST /api/v1/instances/{id}/events/correct`, `flourish
    /// instance fire correct`), under the same rule: the latest value only, its RAG worked out
    /// by Flourish, the next value's due date left alone.
    @Test func theGenericDoorCorrectsTheLatestValueOnly() throws {
        let (f, m) = try fixture()
        let erin = try f.app.viewer(for: "erin")
        _ = try f.app.fire("record", on: m.instance, fields: ["period": "2026-Q1", "value": 140], for: erin, expectedVersion: nil, idempotencyKey: nil)
        _ = try f.app.fire("record", on: m.instance, fields: ["period": "2026-Q2", "value": 150], for: erin, expectedVersion: nil, idempotencyKey: nil)
        let due = try f.app.measure(m).measure.valueDueOn
        let events = try f.app.eventCount()
        let earlier = #expect(throws: WorkflowError.self) {
            try f.app.fire("correct", on: m.instance, fields: ["period": "2026-Q1", "value": 141], for: erin, expectedVersion: nil, idempotencyKey: nil)
        }
        #expect(earlier?.localizedDescription.contains("only the latest value (for 2026-Q2) can be corrected") == true, "\(String(describing: earlier))")
        let set = #expect(throws: WorkflowError.self) {
            try f.app.fire("correct", on: m.instance, fields: ["period": "2026-Q2", "value": 1, "rag": "green"], for: erin, expectedVersion: nil, idempotencyKey: nil)
        }
        if case .computedField(_, "rag")? = set {} else { Issue.record("a RAG given by the caller was not refused as Flourish's to set: \(String(describing: set))") }
        #expect(try f.app.eventCount() == events, "nothing is written")
        _ = try f.app.fire("correct", on: m.instance, fields: ["period": "2026 Q2", "value": 90], for: erin, expectedVersion: nil, idempotencyKey: nil)
        let view = try f.app.measure(m)
        #expect(view.values.map(\.value) == [140, 90] && view.values.map(\.rag) == [.amber, .red] && view.values.last?.replaced == 150)
        #expect(view.measure.valueDueOn == due)
        #expect(view.escalations.count == 1, "a correction to red escalates as a red value does")
    }

    /// A database made before "correct" keeps its measures on version 3 until `flourish workflow
    /// migrate measure`: they are corrected as before (a "record" keeping the next value's due
    /// date), and after the migration by "correct".
    @Test func aMeasureOnAnEarlierVersionIsCorrectedAsBeforeUntilItIsMigrated() throws {
        let (f, m) = try fixture()
        _ = try f.app.recordMeasure(m, period: "2026 Q1", value: 140, note: nil, by: "erin")
        let due = try f.app.measure(m).measure.valueDueOn
        try f.app.database.write { db in
            let body = try db.queryOne("SELECT body FROM workflow_definitions WHERE name = 'measure' AND version = 4")?.string("body") ?? ""
            guard case .object(var definition) = try JSONValue.parse(body), case .array(let transitions)? = definition["transitions"] else {
                Issue.record("the stored measure workflow is not an object with transitions"); return
            }
            definition["version"] = 3
            definition["transitions"] = .array(transitions.filter { $0["event"]?.stringValue != "correct" })
            try db.run("INSERT INTO workflow_definitions (name, version, digest, body, installed_at) VALUES ('measure', 3, 'before', ?, 0)",
                       JSONValue.object(definition).canonicalString)
            try db.run("UPDATE instances SET workflow_version = 3 WHERE id = ?", m.rawValue)
        }
        let app = try Flourish(databasePath: f.app.database.path, library: f.app.library, clock: f.clock, partnershipKey: "norfolk")
        f.at("2026-04-01T10:00")
        let before = try app.recordMeasure(m, period: "2026 Q1", value: 145, note: nil, corrects: true, by: "erin")
        #expect(before.values.map(\.value) == [145] && before.values.last?.replaced == 140 && before.measure.valueDueOn == due)
        #expect(try app.engine.history(of: m.instance).last?.event == "record")
        _ = try app.engine.migrate("measure", actor: Actor("sec"))
        let after = try app.recordMeasure(m, period: "2026 Q1", value: 146, note: nil, corrects: true, by: "erin")
        #expect(after.values.map(\.value) == [146] && after.values.last?.replaced == 145 && after.measure.valueDueOn == due)
        #expect(try app.engine.history(of: m.instance).last?.event == "correct")
    }

    @Test func periodsAreTheSameWhateverTheirCaseAndSeparators() {
        #expect(MeasurePeriod.same("2026 Q3", "2026-q3") && MeasurePeriod.same("2026/Q3", "2026 q3") && MeasurePeriod.same("October 2026", "october-2026"))
        #expect(!MeasurePeriod.same("2026 Q3", "2026 Q4") && !MeasurePeriod.same("2026-27", "2026-28") && !MeasurePeriod.same("2026", "2026 Q1"))
    }
}
