public import Foundation
public import Engine
public import Domain
internal import SQLite

/// Why an evidence file cannot be kept.
public enum EvidenceError: Error, Equatable, Sendable, LocalizedError {
    case empty(String)
    case tooLarge(String, size: Int, limit: Int)
    case organisationFull(String, used: Int, limit: Int)
    case tooManyFiles(limit: Int)
    case kindNotAccepted(String)
    /// The bytes are not what the file's name says (a ".pdf" that is a web page, say).
    case contentDiffers(String, expected: String)
    /// Evidence goes with a pledge's report, an action or a report section, once there is something to show.
    case notAccepted(String)
    case unknownFile(String)
    /// A name with an invisible direction mark, which shows "rlo-\u{202E}gnp.txt" as "rlo-txt.png".
    case disguisedName

    /// Whether a file name holds a control that reorders how it is shown (bidirectional marks,
    /// embeddings, overrides and isolates), which can make one kind of file look like another.
    static func hasDirectionControl(_ name: String) -> Bool {
        name.unicodeScalars.contains { [0x200E, 0x200F, 0x061C].contains($0.value) || (0x202A...0x202E).contains($0.value) || (0x2066...0x2069).contains($0.value) }
    }

    public var errorDescription: String? {
        switch self {
        case .empty(let name): return "\(name) is empty; choose the file again."
        case .tooLarge(let name, let size, let limit):
            return "\(name) is \(EvidenceLimits.inWords(size)); the most a file may be is \(EvidenceLimits.inWords(limit)). Make it smaller (a PDF saved for the web, a smaller photo) and try again."
        case .organisationFull(let name, let used, let limit):
            return "\(name) would take your organisation's evidence past \(EvidenceLimits.inWords(limit)) (\(EvidenceLimits.inWords(used)) kept already); remove files you no longer need, or ask the secretariat."
        case .tooManyFiles(let limit): return "A record may carry at most \(limit) evidence files."
        case .kindNotAccepted(let name):
            return "\(name) is not a kind of file Flourish keeps; send a PDF, an image (PNG, JPEG, GIF, WebP), an office document (Word, Excel, PowerPoint, OpenDocument) or a text or CSV file."
        case .contentDiffers(let name, let expected): return "\(name) does not hold what its name says (\(expected)); save it again in that format and try again."
        case .notAccepted(let why): return why
        case .unknownFile(let id): return "There is no evidence file \(id) you can see."
        case .disguisedName: return "The file's name holds an invisible direction mark, which can make it look like another kind of file; rename it and try again."
        }
    }
}

/// How much evidence Flourish keeps: per file, per organisation and per record.
public struct EvidenceLimits: Sendable, Equatable {
    public var perFile: Int
    public var perOrganisation: Int
    public var filesPerRecord: Int

    /// 10 MB a file, 50 MB an organisation, 20 files a record.
    public static let standard = EvidenceLimits(perFile: 10 << 20, perOrganisation: 50 << 20, filesPerRecord: 20)

    /// A size as people read it: "12.3 MB", "800 KB", "3 bytes".
    public static func inWords(_ bytes: Int) -> String {
        if bytes >= 1 << 20 {
            let mb = Double(bytes) / Double(1 << 20)
            return mb == mb.rounded() ? "\(Int(mb)) MB" : String(format: "%.1f MB", mb)
        }
        if bytes < 1024 { return bytes == 1 ? "1 byte" : "\(bytes) bytes" }
        return "\((bytes + 1023) / 1024) KB"
    }
}

/// One evidence file kept with a record (its bytes are read separately).
public struct EvidenceFile: Sendable, Equatable {
    public let id: Int
    public let record: String
    public let filename: String
    public let contentType: String
    public let size: Int
    /// SHA-256 of the bytes, hex: what was uploaded is what is served.
    public let sha256: String
    public let uploadedBy: String
    public let uploadedAt: Date
}

/// The kinds of file accepted, by extension, with the bytes each must start with (checked, so
/// a file is served as what it is, never as what its name claims).
enum EvidenceKind {
    struct Kind { let contentType: String; let words: String; let check: @Sendable ([UInt8]) -> Bool }

    static func startsWith(_ prefix: [UInt8]) -> @Sendable ([UInt8]) -> Bool { { bytes in bytes.starts(with: prefix) } }
    static let zip = startsWith([0x50, 0x4B, 0x03, 0x04])
    static let ole = startsWith([0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1])
    /// Text: valid UTF-8 without NUL bytes.
    static let text: @Sendable ([UInt8]) -> Bool = { bytes in !bytes.contains(0) && String(validating: bytes, as: UTF8.self) != nil }

    static let byExtension: [String: Kind] = [
        "pdf": Kind(contentType: "application/pdf", words: "a PDF", check: startsWith(Array("%PDF-".utf8))),
        "png": Kind(contentType: "image/png", words: "a PNG image", check: startsWith([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])),
        "jpg": Kind(contentType: "image/jpeg", words: "a JPEG image", check: startsWith([0xFF, 0xD8, 0xFF])),
        "jpeg": Kind(contentType: "image/jpeg", words: "a JPEG image", check: startsWith([0xFF, 0xD8, 0xFF])),
        "gif": Kind(contentType: "image/gif", words: "a GIF image", check: startsWith(Array("GIF8".utf8))),
        "webp": Kind(contentType: "image/webp", words: "a WebP image", check: { b in b.count >= 12 && b.starts(with: Array("RIFF".utf8)) && Array(b[8..<12]) == Array("WEBP".utf8) }),
        "docx": Kind(contentType: "application/vnd.openxmlformats-officedocument.wordprocessingml.document", words: "a Word document", check: zip),
        "xlsx": Kind(contentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", words: "an Excel workbook", check: zip),
        "pptx": Kind(contentType: "application/vnd.openxmlformats-officedocument.presentationml.presentation", words: "a PowerPoint presentation", check: zip),
        "odt": Kind(contentType: "application/vnd.oasis.opendocument.text", words: "an OpenDocument text", check: zip),
        "ods": Kind(contentType: "application/vnd.oasis.opendocument.spreadsheet", words: "an OpenDocument spreadsheet", check: zip),
        "odp": Kind(contentType: "application/vnd.oasis.opendocument.presentation", words: "an OpenDocument presentation", check: zip),
        "doc": Kind(contentType: "application/msword", words: "a Word document", check: ole),
        "xls": Kind(contentType: "application/vnd.ms-excel", words: "an Excel workbook", check: ole),
        "ppt": Kind(contentType: "application/vnd.ms-powerpoint", words: "a PowerPoint presentation", check: ole),
        "txt": Kind(contentType: "text/plain; charset=utf-8", words: "UTF-8 text", check: text),
        "csv": Kind(contentType: "text/csv; charset=utf-8", words: "UTF-8 text", check: text),
    ]

    static func of(_ filename: String) -> Kind? {
        guard let dot = filename.lastIndex(of: "."), dot != filename.startIndex else { return nil }
        return byExtension[filename[filename.index(after: dot)...].lowercased()]
    }
}

extension Flourish {
    /// The most evidence Flourish keeps (settable for tests and for a partnership that wants less).
    public var evidenceLimits: EvidenceLimits { .standard }

    /// Who may add evidence to a record and see its files: a pledge's organisation's contacts
    /// (once approved: evidence of delivery) and the secretariat; an action's or report
    /// section's group's chairs and the secretariat. Evidence is never public, even where the
    /// report's words are: a photo of children is not for the wall.
    func evidenceHolder(_ id: InstanceID, for viewer: Viewer, adding: Bool) throws -> (instance: Instance, organisation: String?) {
        let instance = try engine.instance(id)
        // A record they cannot see is answered as missing; one they see on the wall but may not
        // add to is refused as such ("There is no evidence file pledge-31" was said of both).
        switch try policy.sight(of: instance, for: viewer) {
        case .none: throw WorkflowError.unknownInstance(id)
        case .publicPart:
            guard !adding else { throw WorkflowError.notPermitted(actor: viewer.person ?? "a visitor", event: "add evidence to \(id.rawValue)", allowed: ["those who speak for its organisation or group", "the secretariat"]) }
            throw WorkflowError.unknownInstance(id)
        case .whole: break
        }
        switch instance.workflow {
        case "pledge":
            let pledge = try Pledge(instance)
            if adding {
                guard policy.speaksFor(organisation: pledge.organisation, viewer: viewer) else {
                    throw WorkflowError.notPermitted(actor: viewer.person ?? "a visitor", event: "add evidence to \(id.rawValue)", allowed: ["its organisation's contacts", "the secretariat"])
                }
                guard [.approved, .reportDue, .reportOverdue, .reported].contains(pledge.state) else {
                    throw EvidenceError.notAccepted("Evidence is for what a pledge delivered: add it once the pledge is approved.")
                }
            }
            return (instance, pledge.organisation)
        case "action", "report-section":
            let group = instance.workflow == "action" ? try Action(instance).group : try ReportSection(instance).group
            if adding, !policy.speaksFor(group: group, viewer: viewer) {
                throw WorkflowError.notPermitted(actor: viewer.person ?? "a visitor", event: "add evidence to \(id.rawValue)", allowed: ["the group's chair or vice-chair", "the secretariat"])
            }
            return (instance, nil)
        default:
            throw EvidenceError.notAccepted("Evidence goes with a pledge's report, an action or an annual report section.")
        }
    }

    /// Keeps an evidence file with a record, after checking who is adding it, its kind (by its
    /// name and by its first bytes), its size, the organisation's total and the record's count.
    /// Nothing is kept when any check fails.
    public func attachEvidence(to id: InstanceID, filename: String, bytes: [UInt8], by person: String) throws -> EvidenceFile {
        let viewer = try viewer(for: person)
        let (instance, organisation) = try evidenceHolder(id, for: viewer, adding: true)
        let name = filename.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty, name.count <= 200 else { throw EvidenceError.kindNotAccepted(name.isEmpty ? "The file" : String(name.prefix(60)) + "…") }
        guard !EvidenceError.hasDirectionControl(name) else { throw EvidenceError.disguisedName }
        guard let kind = EvidenceKind.of(name) else { throw EvidenceError.kindNotAccepted(name) }
        guard !bytes.isEmpty else { throw EvidenceError.empty(name) }
        let limits = evidenceLimits
        guard bytes.count <= limits.perFile else { throw EvidenceError.tooLarge(name, size: bytes.count, limit: limits.perFile) }
        guard kind.check(bytes) else { throw EvidenceError.contentDiffers(name, expected: kind.words) }
        let digest = SHA256.hash(bytes).hexString
        let now = clock.now()
        return try database.write { db in
            let count = try db.queryOne("SELECT COUNT(*) AS n FROM evidence_files WHERE record = ?", instance.id.rawValue)?.int("n") ?? 0
            guard count < limits.filesPerRecord else { throw EvidenceError.tooManyFiles(limit: limits.filesPerRecord) }
            if let organisation {
                let used = try db.queryOne("SELECT COALESCE(SUM(size), 0) AS n FROM evidence_files WHERE organisation = ?", organisation)?.int("n") ?? 0
                guard used + bytes.count <= limits.perOrganisation else { throw EvidenceError.organisationFull(name, used: used, limit: limits.perOrganisation) }
            }
            try db.run("INSERT INTO evidence_files (record, organisation, filename, content_type, size, sha256, data, uploaded_by, uploaded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       arguments: [instance.id.rawValue, organisation, name, kind.contentType, bytes.count, digest, bytes, person, now.milliseconds])
            let id = Int(db.lastInsertRowID)
            try GovernanceRegister.log(db, at: now, actor: person, action: "evidence-attached", detail: "evidence \(id) (\(bytes.count) bytes, sha256 \(digest)) to \(instance.id.rawValue)")
            return EvidenceFile(id: id, record: instance.id.rawValue, filename: name, contentType: kind.contentType, size: bytes.count, sha256: digest, uploadedBy: person, uploadedAt: now)
        }
    }

    /// The evidence kept with a record, for those who may see it (else nothing).
    public func evidence(of id: InstanceID, for viewer: Viewer) throws -> [EvidenceFile] {
        guard mayReadEvidence(of: id, viewer: viewer) else { return [] }
        return try database.read { db in
            try db.query("SELECT id, record, filename, content_type, size, sha256, uploaded_by, uploaded_at FROM evidence_files WHERE record = ? ORDER BY id", id.rawValue)
                .map(Self.evidenceFile)
        }
    }

    /// The workflow of a record that may carry evidence (pledge, action, report-section), or nil.
    public func evidenceRecordKind(_ id: InstanceID) -> String? {
        guard let workflow = try? engine.instance(id).workflow, ["pledge", "action", "report-section"].contains(workflow) else { return nil }
        return workflow
    }

    /// Whether the viewer may read the record's evidence (they see the record whole).
    public func mayReadEvidence(of id: InstanceID, viewer: Viewer) -> Bool {
        (try? evidenceHolder(id, for: viewer, adding: false)) != nil
    }

    /// Whether the viewer may add evidence to the record now.
    public func mayAddEvidence(to id: InstanceID, viewer: Viewer) -> Bool {
        (try? evidenceHolder(id, for: viewer, adding: true)) != nil
    }

    /// One file and its bytes, for someone who may see its record (else not found).
    public func evidenceFile(_ fileID: Int, for viewer: Viewer) throws -> (file: EvidenceFile, bytes: [UInt8]) {
        let row = try database.read { db in try db.queryOne("SELECT * FROM evidence_files WHERE id = ?", fileID) }
        guard let row, let record = row.string("record"), (try? evidenceHolder(InstanceID(record), for: viewer, adding: false)) != nil,
              case .blob(let bytes) = row["data"] else { throw EvidenceError.unknownFile(String(fileID)) }
        return (Self.evidenceFile(row), bytes)
    }

    static func evidenceFile(_ r: Row) -> EvidenceFile {
        EvidenceFile(id: r.int("id") ?? 0, record: r.string("record") ?? "", filename: r.string("filename") ?? "", contentType: r.string("content_type") ?? "application/octet-stream",
                     size: r.int("size") ?? 0, sha256: r.string("sha256") ?? "", uploadedBy: r.string("uploaded_by") ?? "", uploadedAt: Date(milliseconds: r.int64("uploaded_at") ?? 0))
    }
}
