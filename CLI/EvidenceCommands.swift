import Foundation
import ArgumentParsing
import Services
import Domain
import Engine

/// `flourish evidence attach|list|get`: files kept with a pledge's report, an action or a
/// report section, in the database.
enum EvidenceCommands {
    static let all: [Command] = [attach, list, get]

    static let attach = Command(
        ["evidence", "attach"], "Keep an evidence file with a pledge (once approved), an action or a report section.", arguments: "RECORD FILE",
        discussion: "A PDF, image (PNG, JPEG, GIF, WebP), office document or text/CSV file, checked by its name and its first bytes; at most 10 MB a file, 50 MB an organisation, 20 files a record.\nOnly the record's organisation or group and the secretariat may read it back; evidence is never public."
    ) { inv in
        try inv.expectPositionals(atMost: 2)
        guard inv.positionals.count == 2 else { throw UsageError("give the record and the file, e.g. flourish evidence attach pledge-12 report.pdf") }
        let record = inv.positionals[0], path = inv.positionals[1]
        let url = URL(fileURLWithPath: path)
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path) else { throw UsageError("there is no file \(path)") }
        // A directory, a device (/dev/null) or a pipe is not a file to keep.
        guard attributes[.type] as? FileAttributeType == .typeRegular else { throw UsageError("\(path) is not a file (a folder or a device); give the path of the file to keep") }
        let size = attributes[.size] as? Int ?? 0
        let app = try inv.app
        // Not read into memory when it is plainly too large.
        guard size <= app.evidenceLimits.perFile else {
            throw EvidenceError.tooLarge(url.lastPathComponent, size: size, limit: app.evidenceLimits.perFile)
        }
        let bytes: [UInt8]
        do { bytes = [UInt8](try Data(contentsOf: url)) } catch {
            let why = ((error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError)?.localizedDescription ?? "it could not be opened"
            throw UsageError("\(path) could not be read (\(why)); check that it is there and yours to read")
        }
        let kept = try app.attachEvidence(to: InstanceID(record), filename: url.lastPathComponent, bytes: bytes, by: inv.actor.id)
        inv.output(json(kept)) { "Kept \(kept.filename) (\(EvidenceLimits.inWords(kept.size))) with \(record) as evidence \(kept.id); SHA-256 \(kept.sha256)." }
    }

    static let list = Command(["evidence", "list"], "List the evidence files kept with a record.", arguments: "RECORD") { inv in
        let record = try inv.onlyRecord("RECORD: e.g. pledge-12")
        let files = try inv.app.evidence(of: record, for: try inv.viewer)
        inv.output(.array(files.map(json))) {
            files.isEmpty ? "No evidence you can see." : files.map { "\($0.id)  \($0.filename)  \(EvidenceLimits.inWords($0.size))  \($0.contentType)" }.joined(separator: "\n")
        }
    }

    static let get = Command(
        ["evidence", "get"], "Write an evidence file's bytes to a file (or standard output with --out -).", arguments: "ID",
        options: [OptionSpec("out", takesValue: true, valueName: "PATH", help: "Where to write it (default: its own name, here; never over an existing file).")]
    ) { inv in
        try inv.expectPositionals(atMost: 1)
        guard let text = inv.positionals.first, let number = Int(text) else { throw UsageError("give the evidence file's number, from 'flourish evidence list RECORD'") }
        let (file, bytes) = try inv.app.evidenceFile(number, for: try inv.viewer)
        let out = inv.arguments.value("out") ?? file.filename
        if out == "-" {
            FileHandle.standardOutput.write(Data(bytes))
            return
        }
        guard !FileManager.default.fileExists(atPath: out) else { throw UsageError("\(out) already exists; choose another with --out") }
        try Data(bytes).write(to: URL(fileURLWithPath: out))
        inv.output(json(file)) { "Wrote \(file.filename) (\(EvidenceLimits.inWords(file.size))) to \(out)." }
    }

    static func json(_ f: EvidenceFile) -> JSONValue {
        .object(["id": .integer(Int64(f.id)), "record": .string(f.record), "filename": .string(f.filename), "contentType": .string(f.contentType),
                 "size": .integer(Int64(f.size)), "sha256": .string(f.sha256)])
    }
}
