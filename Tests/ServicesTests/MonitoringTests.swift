import Foundation
import Testing
@testable import Services
import Engine
import Domain

/// The monitoring framework (the defect: areas had no owner, no core set or coverage check, a
/// measure's target could not be revised, and nothing said where its data came from).
@Suite(.serialized) struct MonitoringTests {
    @Test func areasHaveOwnersCoreMeasuresAndTargetsRevisedAtTheAnnualReviewKeepTheirTime() throws {
        let f = try NorfolkFixture(start: "2026-03-02T09:00")
        try f.person("erin", "early-prevention-board", "chair")
        try f.person("sec", alliance, "secretariat")
        let sam = try f.app.viewer(for: "sec")
        // At first every area has gaps: no owner, no core measure.
        #expect(try f.app.monitoringCoverage(for: sam).allSatisfy { $0.gaps.contains("no owner") && $0.gaps.contains("no core measure") })
        var request = MeasureRequest(group: "early-prevention-board", name: "Good level of development at five", unit: "%", direction: "higher-is-better",
                                     baseline: 60, target: 70, tolerance: 5, frequency: "quarterly", area: "learning")
        request.core = true
        request.dataSource = "Norfolk County Council"; request.dataset = "Early years foundation stage profile"; request.sharingAgreement = "DSA-2025-014"; request.arrives = "each autumn"
        let measure = try f.app.defineMeasure(request, by: "erin").measure
        #expect(measure.isCore && measure.sharingAgreement == "DSA-2025-014" && measure.arrives == "each autumn")
        #expect(throws: WorkflowError.self) { try f.app.setAreaOwner("learning", body: "early-prevention-board", by: "erin") }
        #expect(throws: GovernanceError.self) { try f.app.setAreaOwner("learning", body: "norfolk-health-and-wellbeing-board", by: "sec") }
        _ = try f.app.setAreaOwner("learning", body: "early-prevention-board", by: "sec")
        let learning = try #require(try f.app.monitoringCoverage(for: sam).first { $0.area.key == "learning" })
        #expect(learning.owner?.key == "early-prevention-board" && learning.core.count == 1 && learning.gaps.isEmpty)
        #expect(try f.app.governance.changes().contains { $0.action == "area-owner" && $0.actor == "sec" })

        // A value in the spring, then the annual review raises the target.
        f.at("2026-04-01T09:00")
        _ = try f.app.recordMeasure(measure.id, period: "2026-Q1", value: 68, note: nil, by: "erin")
        f.at("2026-09-01T09:00")
        #expect(throws: WorkflowError.self) {
            try f.app.reviseMeasure(measure.id, MeasureRevision(target: 75, tolerance: 5, core: true, reason: "x"), by: "sec2")
        }
        let revised = try f.app.reviseMeasure(measure.id, MeasureRevision(target: 75, tolerance: 4, core: true, reason: "The annual review: last year's target was met"), by: "erin")
        #expect(revised.measure.target == 75 && revised.measure.tolerance == 4)
        #expect(revised.values.first?.rag == .amber, "a value recorded before keeps the RAG of its time")
        #expect(try f.app.measureRevisions(measure.id).map { $0.payload["reason"]?.stringValue } == ["The annual review: last year's target was met"])
        // The report as it stood in the summer keeps the target of its time; today's has the new one.
        let before = try f.app.annualReport(year: 2026, asOf: f.app.time.parse("2026-08-01T09:00")!)
        let now = try f.app.annualReport(year: 2026)
        #expect(before.measures.first { $0.name == measure.name }?.target == 70)
        #expect(now.measures.first { $0.name == measure.name }?.target == 75)
        #expect(throws: WorkflowError.self) {
            try f.app.reviseMeasure(measure.id, MeasureRevision(target: .infinity, tolerance: 4, core: true, reason: "x"), by: "erin")
        }
    }
}
