import Foundation
import Testing
@testable import WebApp
@_spi(Harness) import Services
import HTTPServer
import Engine
import Domain

extension WebFixture.Browser {
    /// Sends a multipart/form-data form as a browser does: the CSRF token and fields as parts,
    /// then one file.
    func upload(_ target: String, fields: [(String, String)] = [], file: (name: String, filename: String, type: String, bytes: [UInt8])?, csrf: Bool = true) throws -> HTTPResponse {
        let boundary = "----FlourishTestBoundary7MA4YWxkTrZu0gW"
        var body: [UInt8] = []
        func add(_ s: String) { body += Array(s.utf8) }
        for (name, value) in (csrf ? [("csrf", csrfToken ?? "")] : []) + fields {
            add("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n")
        }
        if let file {
            add("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(file.name)\"; filename=\"\(file.filename)\"\r\nContent-Type: \(file.type)\r\n\r\n")
            body += file.bytes
            add("\r\n")
        }
        add("--\(boundary)--\r\n")
        return try send("POST", target, headers: [("Content-Type", "multipart/form-data; boundary=\(boundary)")], body: body)
    }
}

/// Evidence through the pages: a contact adds a file to a pledge's report with a multipart
/// form, downloads it as an attachment, and nobody outside the organisation and the
/// secretariat can (the defect: a year-end report took no evidence at all).
@Suite(.serialized) struct EvidencePagesTests {
    static let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52, 0x0D, 0x0A, 0x2D, 0x2D]

    @Test func aContactAddsEvidenceToAReportItIsServedAsAnAttachmentToThemAlone() throws {
        let f = try WebFixture()
        // The demo's Youth Trust reported last year's pledge, with a PDF.
        let reported = try #require(try Pledge.records(try f.app.engine.instances(workflow: "pledge", state: "reported", limit: 10))
            .first { !(try f.app.evidence(of: $0.id.instance, for: try f.app.viewer(for: "sam")).isEmpty) })
        let contact = try #require(try f.app.organisation(reported.organisation).organisation.contacts.first)
        let browser = WebFixture.Browser(f.web)
        try browser.signIn(contact)
        let path = "/pledges/\(reported.id.rawValue)"
        var page = try browser.get(path).text
        #expect(page.contains("Evidence of what was delivered") && page.contains("what-we-delivered.pdf") && page.contains("enctype=\"multipart/form-data\""))
        #expect(try f.app.annualReport(year: reported.pledgeYear ?? 0).totals.pledges.reached != nil, "the demo's reports say how many they reached")

        // A photo, sent as a browser sends it, with a name that tries to climb out of its folder.
        let before = try f.app.evidence(of: reported.id.instance, for: try f.app.viewer(for: "sam")).count
        let added = try browser.upload("/records/\(reported.id.rawValue)/evidence", file: ("file", "..\\..\\club photo.png", "image/png", Self.png))
        #expect(added.status.code == 303 && added.headers["Location"] == path)
        page = try browser.get(path).text
        #expect(page.contains("club photo.png (20 bytes) is kept with the record."))
        let files = try f.app.evidence(of: reported.id.instance, for: try f.app.viewer(for: "sam"))
        #expect(files.count == before + 1 && files.last?.filename == "club photo.png")
        let photo = try #require(files.last)

        // Refused with the reason, nothing kept: a web page dressed as a PDF; no file chosen; a broken body.
        let disguised = try browser.upload("/records/\(reported.id.rawValue)/evidence", file: ("file", "report.pdf", "application/pdf", Array("<html><script>alert(1)</script>".utf8)))
        #expect(disguised.status.code == 422 && disguised.text.contains("report.pdf does not hold what its name says (a PDF)"))
        let none = try browser.upload("/records/\(reported.id.rawValue)/evidence", file: nil)
        #expect(none.status.code == 303)
        #expect(try browser.get(path).text.contains("Choose a file to add"))
        let broken = try browser.send("POST", "/records/\(reported.id.rawValue)/evidence", headers: [("Content-Type", "multipart/form-data; boundary=abc")],
                                      body: Array("--abc\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nno end".utf8))
        #expect(broken.status.code == 400 && broken.text.contains("The form could not be read"))
        let forged = try browser.upload("/records/\(reported.id.rawValue)/evidence", file: ("file", "x.png", "image/png", Self.png), csrf: false)
        #expect(forged.status.code == 403, "an upload carries the CSRF token like any form")
        #expect(try f.app.evidence(of: reported.id.instance, for: try f.app.viewer(for: "sam")).count == before + 1)

        // Downloaded as an attachment, as what it is; to nobody else.
        let download = try browser.get("/evidence/\(photo.id)")
        #expect(download.status.code == 200 && download.body == Self.png)
        #expect(download.headers["Content-Type"] == "image/png" && download.headers["X-Content-Type-Options"] == "nosniff")
        #expect(download.headers["Content-Disposition"] == "attachment; filename=\"club photo.png\"; filename*=UTF-8''club%20photo.png")
        #expect(download.headers["Cache-Control"] == "private, no-store")
        for other in ["contact-1", "erin", "bea"] where other != contact {
            let b = WebFixture.Browser(f.web)
            try b.signIn(other)
            #expect(try b.get("/evidence/\(photo.id)").status.code == 404, "\(other) may not have it")
            #expect(!(try b.get(path).text.contains("club photo.png")))
        }
        #expect(try WebFixture.Browser(f.web).get("/evidence/\(photo.id)").status.code != 200, "a visitor may not have it")
        #expect(WebApp.contentDisposition("résumé \"final\".pdf") == "attachment; filename=\"r_sum_ _final_.pdf\"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%22final%22.pdf")
    }

    @Test func aChairAddsEvidenceToAnAction() throws {
        let f = try WebFixture()
        let erin = WebFixture.Browser(f.web)
        try erin.signIn("erin")
        let action = try #require(try f.app.actions(ActionFilter(group: "early-prevention-board"), for: try f.app.viewer(for: "erin")).first?.action)
        let path = "/actions/\(action.id.rawValue)"
        #expect(try erin.get(path).text.contains("Add a file"))
        let added = try erin.upload("/records/\(action.id.rawValue)/evidence", file: ("file", "minutes.txt", "text/plain", Array("Agreed the venue.\n".utf8)))
        #expect(added.status.code == 303 && added.headers["Location"] == path)
        #expect(try erin.get(path).text.contains("minutes.txt"))
        let maya = WebFixture.Browser(f.web)
        try maya.signIn("maya")
        #expect(!(try maya.get(path).text.contains("Add a file")), "another group's chair reads it but adds nothing")
        let refused = try maya.upload("/records/\(action.id.rawValue)/evidence", file: ("file", "x.txt", "text/plain", Array("x".utf8)))
        #expect(refused.status.code == 403)
    }
}
