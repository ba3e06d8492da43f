// libFuzzer entry point for the workflow-definition loader (module Engine).
//
// Built and run by Tests/proof/check_fuzz.py; it is not part of the SwiftPM package. The input
// is a definition file's bytes, taken the way `flourish workflow validate FILE` takes them
// (CLI/WorkflowCommands.swift): the bytes decoded with String(data:encoding: .utf8), which
// refuses non-UTF-8 before the loader; the real schema (Workflows/schema/workflow.schema.json)
// and role catalog (Workflows/roles.json); knownWorkflows the shipped workflows' names plus
// the file's own; then DefinitionLoader.load. The Workflows folder is FLOURISH_WORKFLOWS, or
// found from this file's path.
//
// The loader must return a definition or throw DefinitionError, never crash, trap or hang.
// Checked besides:
//
//   - a DefinitionError has at least one problem; each names the file, has a code, a message
//     and a hint, a JSON Pointer ("" or "/..."), and a line and column inside the text (a
//     column may be one past the line's last character, for "unexpected end of the file");
//   - "malformed-json" is reported exactly when JSONValue.parse (the parser without location
//     tracking, used for stored data) refuses the text too, and then alone, at pointer "";
//   - when only semantic problems are found (no schema problem), the schema-only pass
//     (`--schema-only`) accepts the file;
//   - a loaded definition is consistent: its initial, final, from and to states are declared,
//     its digest is the SHA-256 of its source's canonical JSON;
//   - the canonical encoding (which the audit chain hashes) is a fixed point: encoding,
//     parsing and encoding again gives the same text; the pretty encoding parses back to it.
//
// A broken invariant prints what broke and aborts, which libFuzzer reports as a crash.

import Engine
import Foundation

// MARK: - Failing loudly

func fuzzFail(_ message: String) -> Never {
    FileHandle.standardError.write(Data(("FUZZ INVARIANT BROKEN: " + message + "\n").utf8))
    abort()
}

func check(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fuzzFail(message()) }
}

// MARK: - The Workflows folder, read once

struct Fixture: Sendable {
    let loader: DefinitionLoader
    let shipped: Set<String>

    static func workflowsDirectory() -> URL {
        if let env = ProcessInfo.processInfo.environment["FLOURISH_WORKFLOWS"], !env.isEmpty { return URL(fileURLWithPath: env) }
        // Tests/Fuzz/WorkflowDefinitionFuzz.swift → the package root.
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Workflows")
    }

    static func readJSON(_ file: URL) -> JSONValue {
        guard let text = try? String(contentsOf: file, encoding: .utf8), let value = try? JSONValue.parse(text) else {
            fuzzFail("cannot read \(file.path); set FLOURISH_WORKFLOWS to the Workflows folder")
        }
        return value
    }

    init() {
        let directory = Fixture.workflowsDirectory()
        let schema = Fixture.readJSON(directory.appendingPathComponent("schema/workflow.schema.json"))
        let catalog = RoleCatalog(json: Fixture.readJSON(directory.appendingPathComponent("roles.json")))
        loader = DefinitionLoader(schema: schema, catalog: catalog)
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).filter { $0.hasSuffix(".workflow.json") }
        shipped = Set(names.compactMap { Fixture.readJSON(directory.appendingPathComponent($0))["name"]?.stringValue })
        check(!shipped.isEmpty, "no *.workflow.json in \(directory.path)")
    }
}

let fixture = Fixture()
let fileName = "fuzz.workflow.json"

// MARK: - Checks

/// The number of characters (Unicode scalars, as SourceLocation counts them) on each line.
func lineLengths(_ text: String) -> [Int] {
    var lengths = [0]
    for byte in text.utf8 {
        if byte == UInt8(ascii: "\n") { lengths.append(0) } else if byte & 0xC0 != 0x80 { lengths[lengths.count - 1] += 1 }
    }
    return lengths
}

func checkProblems(_ problems: [DefinitionProblem], text: String, parsesAsJSON: Bool) {
    check(!problems.isEmpty, "DefinitionError with no problems")
    let lines = lineLengths(text)
    for p in problems {
        check(p.file == fileName, "problem names the file \(p.file): \(p)")
        check(!p.code.isEmpty && p.code.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || $0 == UInt8(ascii: "-") }, "problem code \(p.code): \(p)")
        check(!p.message.isEmpty && !p.hint.isEmpty, "problem without a message or hint: \(p)")
        check(p.pointer.isEmpty || p.pointer.hasPrefix("/"), "problem pointer \(p.pointer) is not a JSON Pointer: \(p)")
        check(p.location.line >= 1 && p.location.line <= lines.count,
              "problem at line \(p.location.line); the text has \(lines.count) lines: \(p)")
        check(p.location.column >= 1 && p.location.column <= lines[p.location.line - 1] + 1,
              "problem at column \(p.location.column); line \(p.location.line) has \(lines[p.location.line - 1]) characters: \(p)")
    }
    let malformed = problems.contains { $0.code == "malformed-json" }
    check(malformed == !parsesAsJSON, malformed ? "the loader finds malformed JSON that JSONValue.parse accepts: \(problems[0])"
                                                : "JSONValue.parse refuses JSON that the loader accepted as well formed")
    if malformed { check(problems.count == 1 && problems[0].pointer.isEmpty, "malformed-json with other problems: \(problems)") }
}

func checkDefinition(_ d: WorkflowDefinition) {
    check(d.states[d.initial] != nil, "loaded definition's initial state \(d.initial) is not declared")
    check(d.finalStates.allSatisfy { d.states[$0] != nil }, "loaded definition has an undeclared final state")
    for t in d.transitions {
        check(d.states[t.to] != nil, "loaded definition's transition \(t.event) goes to undeclared \(t.to)")
        check(t.from.allSatisfy { d.states[$0] != nil }, "loaded definition's transition \(t.event) leaves an undeclared state")
    }
    check(d.digest == SHA256.hex(d.source.canonicalString), "digest is not the SHA-256 of the canonical source")
}

func checkEncodings(_ value: JSONValue) {
    let canonical = value.canonicalString
    guard let again = try? JSONValue.parse(canonical) else { fuzzFail("the canonical encoding does not parse: \(canonical.prefix(300))") }
    check(again.canonicalString == canonical, "canonical encoding is not a fixed point: \(canonical.prefix(300)) → \(again.canonicalString.prefix(300))")
    guard let pretty = try? JSONValue.parse(value.prettyString) else { fuzzFail("the pretty encoding does not parse: \(value.prettyString.prefix(300))") }
    check(pretty.canonicalString == canonical, "pretty encoding parses to something else: \(value.prettyString.prefix(300))")
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzWorkflowDefinition(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Data(bytes: $0, count: size) } ?? Data()
    // `workflow validate` reports non-UTF-8 itself ("The file is not UTF-8 text.") and stops.
    guard let text = String(data: bytes, encoding: .utf8) else { return 0 }
    let parsed = try? JSONValue.parse(text)
    var known = fixture.shipped
    if let name = parsed?["name"]?.stringValue { known.insert(name) }
    if let parsed { checkEncodings(parsed) }
    do {
        let definition = try fixture.loader.load(text, file: fileName, knownWorkflows: known)
        checkDefinition(definition)
    } catch let error as DefinitionError {
        checkProblems(error.problems, text: text, parsesAsJSON: parsed != nil)
        if !error.problems.contains(where: { $0.code == "schema" || $0.code == "malformed-json" }) {
            do {
                _ = try fixture.loader.load(text, file: fileName, schemaOnly: true, knownWorkflows: known)
            } catch {
                fuzzFail("only semantic problems, yet the schema-only pass refuses it: \(error)")
            }
        }
    } catch {
        fuzzFail("load threw something other than DefinitionError: \(type(of: error)) \(error)")
    }
    return 0
}
