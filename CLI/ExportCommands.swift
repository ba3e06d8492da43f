import Foundation
import ArgumentParsing
import Services
import Engine

/// `flourish export …`: the open data, as the web serves it.
enum ExportCommands {
    static let all: [Command] = Flourish.exportKinds.map(command)

    static func command(_ kind: String) -> Command {
        Command(["export", kind], "Export \(kind == "pledges" ? "the public pledge wall" : "every \(kind.dropLast())") as CSV (RFC 4180) or JSON, saying when it was generated.",
                options: [OptionSpec("format", takesValue: true, valueName: "FORMAT", help: "csv (default) or json."),
                          OptionSpec("out", takesValue: true, valueName: "FILE", help: "Write it to FILE instead of standard output.")]) { inv in
            try inv.expectPositionals(atMost: 0)
            let format = inv.arguments.value("format") ?? (inv.isJSON ? "json" : "csv")
            guard ["csv", "json"].contains(format) else { throw UsageError("--format takes csv or json, not '\(format)'") }
            let table = try inv.app.export(kind, for: try inv.viewer)
            let text = format == "csv" ? table.csv : table.json.prettyString + "\n"
            if let out = inv.arguments.value("out") {
                do { try Data(text.utf8).write(to: URL(fileURLWithPath: out), options: .atomic) } catch {
                    throw UsageError("cannot write \(out): \(error.localizedDescription)")
                }
                FileHandle.standardError.write(Data("Wrote \(table.rows.count) \(kind) (\(format)) to \(out).\n".utf8))
            } else {
                FileHandle.standardOutput.write(Data(text.utf8))
            }
        }
    }
}
