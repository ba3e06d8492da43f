import Foundation
import Testing
@_spi(Harness) @testable import Services
import Domain
import Engine

@Suite(.serialized) struct OpenDataTests {
    @Test func icsTextIsEscapedAndLongLinesFoldAt75OctetsWithoutSplittingACharacter() {
        #expect(ICS.escape("Walk, talk; learn\\grow\nagain") == "Walk\\, talk\\; learn\\\\grow\\nagain")
        let long = "SUMMARY:" + String(repeating: "é", count: 60)  // 8 + 120 octets
        let folded = ICS.fold(long)
        let lines = folded.components(separatedBy: "\r\n")
        #expect(lines.count == 2)
        #expect(lines.allSatisfy { $0.utf8.count <= 75 })
        #expect(lines[1].hasPrefix(" "))
        #expect(lines[0] + lines[1].dropFirst() == long, "unfolding gives the line back")
    }

    @Test func exportsAndFeedsCoverThePublicWallAndADeadlineCalendar() throws {
        let (f, _, _) = try AnnualReportTests.dataset()
        let pledges = try f.app.export("pledges")
        #expect(pledges.rows.count == 2, "only approved pledges of organisations on the wall")
        let csv = try CSV.parse(pledges.csv)
        #expect(csv.first?.fields.last == "generated_at")
        #expect(csv.dropFirst().allSatisfy { $0.fields.last == "2026-07-02T08:00:00.000Z" })
        let json = pledges.json
        #expect(json["pledges"]?.arrayValue?.first?["areas"] == ["learning", "healthy"] || json["pledges"]?.arrayValue?.last?["areas"] == ["learning", "healthy"])
        #expect(json["generatedAt"] == "2026-07-02T08:00:00.000Z")
        #expect(try f.app.export("actions").rows.map { $0[9] }.sorted() == ["no", "yes"])
        #expect(throws: ExportError.unknownKind("people")) { try f.app.export("people") }

        let atom = try f.app.pledgeFeed(siteURL: "http://localhost:8080")
        #expect(atom.hasPrefix("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">"))
        #expect(atom.components(separatedBy: "<entry>").count - 1 == 2)

        let secretariat = try f.app.viewer(for: "sec")
        let calendar = try f.app.groupCalendar(AnnualReportTests.epb, for: secretariat)
        #expect(calendar.hasPrefix("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"))
        #expect(calendar.contains("SUMMARY:Action due: Family hubs\r\n"))
        #expect(calendar.contains("DTSTART;VALUE=DATE:20260630\r\n"))
        #expect(!calendar.contains("Reading mentors"), "completed actions have no deadline left")
        let organisation = try f.app.organisationCalendar("acme-ltd", for: secretariat)
        #expect(organisation.contains("SUMMARY:Pledge check-in: Work experience weeks\r\n"))
        #expect(organisation.contains("SUMMARY:FLOURISH Pledge renewal due\r\n"))

        // A visitor's feeds carry only what the public pages show: no action titles, and no
        // renewal dates of the organisation's membership.
        let publicGroup = try f.app.groupCalendar(AnnualReportTests.epb, for: .anonymous)
        #expect(publicGroup.hasPrefix("BEGIN:VCALENDAR\r\n") && !publicGroup.contains("Family hubs") && !publicGroup.contains("BEGIN:VEVENT"))
        let publicOrganisation = try f.app.organisationCalendar("acme-ltd", for: .anonymous)
        #expect(!publicOrganisation.contains("renewal due"))
    }
}
