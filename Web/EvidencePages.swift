import Foundation
import HTTPServer
import Services
import Engine
import Domain

/// Evidence files with a pledge's report, an action or a report section: uploaded through a
/// multipart form, kept in the database, served back only as attachments to those who may see
/// the record.
extension WebApp {
    /// Paths that take an upload's larger body (the server refuses it anywhere else).
    public static let uploadPathSuffixes = ["/evidence"]
    /// The most an upload may send: one file at the evidence limit, and the form around it.
    public static let uploadBodyLimit = EvidenceLimits.standard.perFile + (256 << 10)

    static let evidenceRoutes: [Route] = [
        Route("POST", "/records/{id}/evidence", .signedIn, "Add an evidence file to a pledge's report, an action or a report section") { c in
            let id = InstanceID(c.param("id"))
            guard let back = evidenceHome(c, id), c.app.mayReadEvidence(of: id, viewer: c.viewer) else { return notFound(c) }
            guard c.app.mayAddEvidence(to: id, viewer: c.viewer) else {
                return c.web.errorPage(.forbidden, "You cannot add evidence here", "Evidence is added by a pledge’s organisation once it is approved, or by a group’s chair, or by the secretariat.", request: c.request, context: c)
            }
            guard let file = c.files.first(where: { $0.name == "file" }), !(file.filename ?? "").isEmpty else {
                return c.redirect(back, confirming: "Choose a file to add, then press “Add the file”.")
            }
            do {
                let kept = try c.app.attachEvidence(to: id, filename: file.filename ?? "", bytes: file.body, by: c.person)
                return c.redirect(back, confirming: "\(kept.filename) (\(EvidenceLimits.inWords(kept.size))) is kept with the record.")
            } catch {
                guard let message = formError(error) else { throw error }
                return c.web.errorPage(.unprocessableContent, "The file was not added", message, request: c.request, context: c)
            }
        },
        Route("GET", "/evidence/{file}", .signedIn, "An evidence file, as an attachment, for those who may see its record") { c in
            guard let number = Int(c.param("file")), let (file, bytes) = try? c.app.evidenceFile(number, for: c.viewer) else { return notFound(c) }
            var response = HTTPResponse(.ok, body: bytes)
            response.headers.set("Content-Type", file.contentType)
            response.headers.set("Content-Disposition", contentDisposition(file.filename))
            response.headers.set("Cache-Control", "private, no-store")
            return response
        },
    ]

    /// Where a record's evidence panel is, to return to after an upload; nil for records that take none.
    static func evidenceHome(_ c: Context, _ id: InstanceID) -> String? {
        switch c.app.evidenceRecordKind(id) {
        case "pledge": return "/pledges/\(id.rawValue)"
        case "action": return "/actions/\(id.rawValue)"
        case "report-section": return "/annual-report"
        default: return nil
        }
    }

    /// `attachment`, with the name as plain ASCII and, when it has more, as UTF-8 (RFC 6266).
    static func contentDisposition(_ filename: String) -> String {
        let ascii = String(filename.unicodeScalars.map { $0.isASCII && $0.value >= 0x20 && $0 != "\"" && $0 != "\\" ? Character($0) : "_" })
        let encoded = filename.utf8.map { b -> String in
            let c = Character(Unicode.Scalar(b))
            return (b < 0x80 && (c.isLetter || c.isNumber || "-._~".contains(c))) ? String(c) : String(format: "%%%02X", b)
        }.joined()
        return "attachment; filename=\"\(ascii)\"; filename*=UTF-8''\(encoded)"
    }

    /// The evidence kept with a record, each a download, and for those who may add one, the
    /// upload form (a multipart form: the one place a file is sent).
    static func evidencePanel(_ c: Context, _ id: InstanceID, heading: String = "Evidence") throws -> HTML {
        let files = try c.app.evidence(of: id, for: c.viewer)
        let mayAdd = c.app.mayAddEvidence(to: id, viewer: c.viewer)
        guard !files.isEmpty || mayAdd else { return "" }
        let rows = files.map { f -> HTML in
            "<li><a class=\"govuk-link\" href=\"/evidence/\(f.id)\" download>\(f.filename)</a> (\(EvidenceLimits.inWords(f.size)), added \(c.app.time.day(of: f.uploadedAt).inWords))</li>"
        }
        let limits = c.app.evidenceLimits
        let form: HTML = mayAdd ? """
            <form method="post" action="/records/\(id.rawValue)/evidence" enctype="multipart/form-data" novalidate>\(c.csrfField)
            <div class="govuk-form-group"><label class="govuk-label" for="file-\(id.rawValue)">Add a file</label>
            <div id="file-\(id.rawValue)-hint" class="govuk-hint">A PDF, image, office document or text file, up to \(EvidenceLimits.inWords(limits.perFile)). Only the partnership sees evidence; it is never on the public wall, so photos of children are safe here.</div>
            <input class="govuk-file-upload" id="file-\(id.rawValue)" name="file" type="file" aria-describedby="file-\(id.rawValue)-hint"></div>
            \(Components.button("Add the file", kind: "secondary"))</form>
            """ : ""
        return """
        <h2 class="govuk-heading-m">\(heading)</h2>
        \(rows.isEmpty ? "<p class=\"govuk-body\">No files yet.</p>" as HTML : "<ul class=\"govuk-list\">\(rows)</ul>" as HTML)\(form)
        """
    }
}
