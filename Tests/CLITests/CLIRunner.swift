import Foundation
import Testing

/// Runs the built `flourish` binary in a fresh directory and captures what it prints.
struct CLIRunner {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The binary built beside the test bundle.
    static var binary: URL {
        let products = Bundle.allBundles.map(\.bundleURL).first { $0.pathExtension == "xctest" }?.deletingLastPathComponent()
            ?? root.appendingPathComponent(".build/debug")
        return products.appendingPathComponent("flourish")
    }

    struct Result: Equatable {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("flourish-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    /// Runs `flourish ARGS` with the repository's Workflows and a database in the directory.
    @discardableResult
    func run(_ arguments: String..., environment: [String: String] = [:], stdin: String? = nil) throws -> Result {
        try run(arguments: arguments, environment: environment, stdin: stdin)
    }

    @discardableResult
    func run(arguments: [String], environment: [String: String] = [:], stdin: String? = nil, executable: URL? = nil) throws -> Result {
        let process = Process()
        process.executableURL = executable ?? Self.binary
        process.arguments = arguments
        process.currentDirectoryURL = directory
        var env = ["PATH": "/usr/bin:/bin", "FLOURISH_WORKFLOWS": Self.root.appendingPathComponent("Workflows").path,
                   "FLOURISH_DB": directory.appendingPathComponent("flourish.sqlite").path, "HOME": directory.path]
        env.merge(environment) { _, new in new }
        process.environment = env
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let input = Pipe()
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData, as: UTF8.self))
    }

    /// Writes a file in the directory and returns its path.
    func write(_ name: String, _ text: String) throws -> String {
        let url = directory.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }
}
