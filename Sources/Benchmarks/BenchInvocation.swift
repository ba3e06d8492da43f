public import Foundation
@_spi(Harness) public import Services
public import Engine

/// What a benchmark needs of the command that runs it: its options, the environment, the
/// application (for `stress write`) and where its results go. The CLI's invocation is one.
public protocol BenchInvocation {
    /// An option's value, or nil when it was not given.
    func value(_ option: String) -> String?
    /// A whole-number option; a usage error when it is not one.
    func integer(_ option: String) throws -> Int?
    var environment: [String: String] { get }
    var app: Flourish { get throws }
    /// Writes the result: the JSON with `--json`, else the text.
    func benchOutput(_ json: JSONValue, _ text: () -> String)
}

/// A benchmark's option out of range: the CLI reports it as a usage error.
public struct BenchUsageError: Error, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
}
