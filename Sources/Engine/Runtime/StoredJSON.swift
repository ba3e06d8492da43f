internal import Foundation

/// Versioned JSON blobs (instance data, event payloads), upgraded on read.
///
/// Every blob is stored with its format number beside it. When the format changes, an
/// upgrade from the old number to the next is added here, and old rows are upgraded as
/// they are read, so stored data survives format changes without a rewrite.
public struct StoredJSON: Sendable {
    /// The format this program writes.
    public let currentFormat: Int
    /// Upgrades from format N to N+1, keyed by N.
    public let upgrades: [Int: @Sendable ([String: JSONValue]) -> [String: JSONValue]]

    public init(currentFormat: Int, upgrades: [Int: @Sendable ([String: JSONValue]) -> [String: JSONValue]]) {
        self.currentFormat = currentFormat
        self.upgrades = upgrades
    }

    /// Format 1 is the first: a JSON object of field values.
    public static let standard = StoredJSON(currentFormat: 1, upgrades: [:])

    /// Encodes a value in the current format.
    public func encode(_ value: [String: JSONValue]) -> (text: String, format: Int) {
        (JSONValue.object(value).canonicalString, currentFormat)
    }

    /// Decodes a stored blob, upgrading it step by step to the current format.
    /// - Throws: ``WorkflowError/dataFormatTooNew(found:known:)`` for a blob from a newer program.
    public func decode(_ text: String, format: Int) throws -> [String: JSONValue] {
        guard format <= currentFormat else { throw WorkflowError.dataFormatTooNew(found: format, known: currentFormat) }
        var value = (try? JSONValue.parse(text))?.objectValue ?? [:]
        var at = format
        while at < currentFormat {
            guard let step = upgrades[at] else { throw WorkflowError.dataFormatTooNew(found: format, known: currentFormat) }
            value = step(value)
            at += 1
        }
        return value
    }
}
