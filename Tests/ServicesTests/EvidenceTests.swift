import Foundation
import Testing
@_spi(Harness) @testable import Services
import Engine
import Domain
import SQLite

/// Evidence and reach (the defect: a pledge's year-end report was free text with one link: no
/// evidence, and no count of children and young people reached for the annual report to total).
@Suite(.serialized) struct EvidenceTests {
    static let pdf = Array("%PDF-1.4\n1 0 obj <</Type /Catalog>> endobj\n%%EOF\n".utf8)

    struct World {
        let f: NorfolkFixture
        let acme: OrganisationView, beacon: OrganisationView
        let pledge: InstanceID
        var contact: String { acme.organisation.contacts[0] }
    }

    func world() throws -> World {
        let f = try NorfolkFixture(start: "2026-03-02T09:00")
        try f.person("sec", alliance, "secretariat")
        try f.person("erin", "early-prevention-board", "chair")
        try f.person("maya", "cyp-mental-health-alliance-executive-management-group", "chair")
        let acme = try f.app.registerOrganisation(.init(name: "Acme Ltd", kind: "business", district: "norwich", sizeBand: "small", contactName: "A", contactEmail: "a@acme.example"), by: "sec")
        let beacon = try f.app.registerOrganisation(.init(name: "Beacon Trust", kind: "voluntary-or-community-organisation", district: "breckland", sizeBand: "micro",
                                                          contactName: "B", contactEmail: "b@beacon.example"), by: "sec")
        let contact = acme.organisation.contacts[0]
        let p = try f.app.createPledge(PledgeRequest(organisation: acme.organisation.key, text: "Work experience weeks", areas: ["learning", "opportunity"]), by: contact)
        return World(f: f, acme: acme, beacon: beacon, pledge: p.id)
    }

    @Test func evidenceIsCheckedByNameBytesAndSizeAndOnlyThoseWhoSeeTheReportReadIt() throws {
        let w = try world()
        let app = w.f.app
        #expect(throws: EvidenceError.self, "not before the pledge is approved") {
            try app.attachEvidence(to: w.pledge, filename: "plan.pdf", bytes: Self.pdf, by: w.contact)
        }
        _ = try app.firePledge(RecordID(w.pledge), event: "submit", fields: [:], expectedVersion: nil, by: w.contact)
        _ = try app.approvePledge(RecordID(w.pledge), comment: nil, expectedVersion: nil, by: "sec")
        let otherContact = w.beacon.organisation.contacts[0]
        // Another organisation's contact sees the pledge on the wall, so is refused as one who may not add.
        #expect(throws: WorkflowError.notPermitted(actor: otherContact, event: "add evidence to \(w.pledge.rawValue)", allowed: ["those who speak for its organisation or group", "the secretariat"])) {
            try app.attachEvidence(to: w.pledge, filename: "x.pdf", bytes: Self.pdf, by: otherContact)
        }
        #expect(throws: EvidenceError.kindNotAccepted("run.exe")) { try app.attachEvidence(to: w.pledge, filename: "run.exe", bytes: Self.pdf, by: w.contact) }
        // A right-to-left override shows "rlo-\u{202E}fdp.txt" as "rlo-txt.pdf".
        #expect(throws: EvidenceError.disguisedName) { try app.attachEvidence(to: w.pledge, filename: "rlo-\u{202E}fdp.txt", bytes: Array("plain".utf8), by: w.contact) }
        #expect(throws: EvidenceError.kindNotAccepted("noextension")) { try app.attachEvidence(to: w.pledge, filename: "noextension", bytes: Self.pdf, by: w.contact) }
        #expect(throws: EvidenceError.contentDiffers("report.pdf", expected: "a PDF"), "a web page named .pdf") {
            try app.attachEvidence(to: w.pledge, filename: "report.pdf", bytes: Array("<html><script>alert(1)</script>".utf8), by: w.contact)
        }
        #expect(throws: EvidenceError.contentDiffers("photo.png", expected: "a PNG image")) { try app.attachEvidence(to: w.pledge, filename: "photo.png", bytes: Self.pdf, by: w.contact) }
        #expect(throws: EvidenceError.empty("empty.pdf")) { try app.attachEvidence(to: w.pledge, filename: "empty.pdf", bytes: [], by: w.contact) }
        let big = Array("%PDF-".utf8) + [UInt8](repeating: 0x20, count: app.evidenceLimits.perFile)
        #expect(throws: EvidenceError.tooLarge("big.pdf", size: big.count, limit: app.evidenceLimits.perFile)) {
            try app.attachEvidence(to: w.pledge, filename: "big.pdf", bytes: big, by: w.contact)
        }
        #expect(EvidenceError.tooLarge("big.pdf", size: 12_900_000, limit: 10 << 20).errorDescription == "big.pdf is 12.3 MB; the most a file may be is 10 MB. Make it smaller (a PDF saved for the web, a smaller photo) and try again.")
        #expect(throws: EvidenceError.self, "text must be UTF-8 without NUL") { try app.attachEvidence(to: w.pledge, filename: "notes.txt", bytes: [0x61, 0x00, 0x62], by: w.contact) }
        #expect(try app.evidence(of: w.pledge, for: try app.viewer(for: w.contact)).isEmpty, "nothing kept by the refusals")

        let kept = try app.attachEvidence(to: w.pledge, filename: "  what we did.pdf ", bytes: Self.pdf, by: w.contact)
        #expect(kept.filename == "what we did.pdf" && kept.contentType == "application/pdf" && kept.size == Self.pdf.count)
        #expect(kept.sha256 == SHA256.hash(Self.pdf).hexString)
        let photo = try app.attachEvidence(to: w.pledge, filename: "Club.JPG", bytes: [0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10], by: w.contact)
        #expect(photo.contentType == "image/jpeg")
        // Read back by the organisation and the secretariat; nobody else, not even the public who read the report's words.
        #expect(try app.evidenceFile(kept.id, for: try app.viewer(for: w.contact)).bytes == Self.pdf)
        #expect(try app.evidenceFile(kept.id, for: try app.viewer(for: "sec")).file == kept)
        for stranger in [Viewer.anonymous, try app.viewer(for: otherContact), try app.viewer(for: "erin")] {
            #expect(throws: EvidenceError.unknownFile(String(kept.id))) { try app.evidenceFile(kept.id, for: stranger) }
            #expect(try app.evidence(of: w.pledge, for: stranger).isEmpty)
        }
        #expect(try app.governance.changes().contains { $0.action == "evidence-attached" && $0.detail.contains(kept.sha256) })
    }

    @Test func anOrganisationsEvidenceAndARecordsFilesAreCapped() throws {
        let w = try world()
        let app = w.f.app
        _ = try app.firePledge(RecordID(w.pledge), event: "submit", fields: [:], expectedVersion: nil, by: w.contact)
        _ = try app.approvePledge(RecordID(w.pledge), comment: nil, expectedVersion: nil, by: "sec")
        // Fill the organisation's allowance with files just under the per-file limit, across two pledges' worth of records.
        let chunk = Array("%PDF-".utf8) + [UInt8](repeating: 0x20, count: app.evidenceLimits.perFile - 10)
        var stored = 0
        while stored + chunk.count <= app.evidenceLimits.perOrganisation {
            _ = try app.attachEvidence(to: w.pledge, filename: "part-\(stored).pdf", bytes: chunk, by: w.contact)
            stored += chunk.count
        }
        #expect(throws: EvidenceError.organisationFull("one-more.pdf", used: stored, limit: app.evidenceLimits.perOrganisation)) {
            try app.attachEvidence(to: w.pledge, filename: "one-more.pdf", bytes: chunk, by: w.contact)
        }
        // A group's action: its chair adds files, up to the count per record.
        let action = try app.logAction(ActionRequest(group: "early-prevention-board", title: "Family hubs", areas: ["family-and-friends"], owner: "erin", dueDate: "2026-06-30"), by: "erin")
        #expect(throws: WorkflowError.self, "another group's chair") { try app.attachEvidence(to: action.action.id.instance, filename: "a.txt", bytes: Array("a".utf8), by: "maya") }
        for i in 0..<app.evidenceLimits.filesPerRecord { _ = try app.attachEvidence(to: action.action.id.instance, filename: "note-\(i).txt", bytes: Array("note \(i)".utf8), by: "erin") }
        #expect(throws: EvidenceError.tooManyFiles(limit: app.evidenceLimits.filesPerRecord)) {
            try app.attachEvidence(to: action.action.id.instance, filename: "one-more.txt", bytes: Array("x".utf8), by: "erin")
        }
        #expect(try app.evidence(of: action.action.id.instance, for: try app.viewer(for: "maya")).count == app.evidenceLimits.filesPerRecord, "partnership members read an action's evidence")
    }

    @Test func theAnnualReportTotalsReachByAreaAndDistrictAndRefusesANonsenseCount() throws {
        let w = try world()
        let app = w.f.app
        func approve(_ org: OrganisationView, _ text: String, _ areas: [String]) throws -> InstanceID {
            let contact = org.organisation.contacts[0]
            let p = try app.createPledge(PledgeRequest(organisation: org.organisation.key, text: text, areas: areas), by: contact)
            _ = try app.firePledge(RecordID(p.id), event: "submit", fields: [:], expectedVersion: nil, by: contact)
            _ = try app.approvePledge(RecordID(p.id), comment: nil, expectedVersion: nil, by: "sec")
            return p.id
        }
        _ = try app.firePledge(RecordID(w.pledge), event: "submit", fields: [:], expectedVersion: nil, by: w.contact)
        _ = try app.approvePledge(RecordID(w.pledge), comment: nil, expectedVersion: nil, by: "sec")
        let club = try approve(w.beacon, "Homework club", ["learning"])
        w.f.at("2027-03-05T09:00")
        _ = try app.engine.tick()
        for bad: JSONValue in [.integer(-1), .integer(2_000_000), .string("lots"), .double(2.5)] {
            #expect(throws: WorkflowError.self, "reached \(bad)") {
                try app.firePledge(RecordID(w.pledge), event: "report", fields: ["outcome": "delivered", "evidence": "x", "reached": bad], expectedVersion: nil, by: w.contact)
            }
            #expect(throws: WorkflowError.self, "the generic door checks it too") {
                try app.fire("report", on: w.pledge, fields: ["outcome": "delivered", "evidence": "x", "reached": bad], for: try app.viewer(for: w.contact), expectedVersion: nil, idempotencyKey: nil)
            }
        }
        _ = try app.firePledge(RecordID(w.pledge), event: "report", fields: ["outcome": "delivered", "evidence": "Ten weeks", "reached": .integer(40)], expectedVersion: nil, by: w.contact)
        _ = try app.firePledge(RecordID(club), event: "report", fields: ["outcome": "partly-delivered", "evidence": "Term time", "reached": .integer(12)],
                               expectedVersion: nil, by: w.beacon.organisation.contacts[0])
        let report = try app.annualReport(year: 2026)
        #expect(report.totals.pledges.reached == 52)
        #expect(report.areas.first { $0.key == "learning" }?.pledges.reached == 52)
        #expect(report.areas.first { $0.key == "opportunity" }?.pledges.reached == 40)
        #expect(report.areas.first { $0.key == "healthy" }?.pledges.reached == nil)
        #expect(report.districts?.first { $0.key == "norwich" }?.pledges.reached == 40)
        #expect(report.districts?.first { $0.key == "breckland" }?.pledges.reached == 12)
        #expect(report.areas.first { $0.key == "learning" }?.pledgesByDistrict.first { $0.key == "breckland" }?.pledges.reached == 12)
        #expect(report.csvRows().contains(["district", "norwich", "Norwich", "children and young people reached", "40"]))
        // A report published before reach was counted still reads.
        var old = try JSONSerialization.jsonObject(with: try report.canonicalJSON()) as! [String: Any]
        old["districts"] = nil
        var totals = old["totals"] as! [String: Any], pledges = totals["pledges"] as! [String: Any]
        pledges["reached"] = nil; totals["pledges"] = pledges; old["totals"] = totals
        let decoded = try AnnualReport.decode(try JSONSerialization.data(withJSONObject: old))
        #expect(decoded.totals.pledges.reached == nil && decoded.districts == nil)
    }
}
