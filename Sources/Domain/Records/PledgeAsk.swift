public import Foundation
public import Engine

/// Something the partnership asks organisations to pledge (the pledge-ask workflow), tied to a
/// priority's "what needs to happen" item and to the areas and districts with few pledges.
public struct PledgeAsk: WorkflowRecord {
    public enum State: String, CaseIterable, Sendable, Equatable, CustomStringConvertible {
        /// As the workflow names it, wherever it is shown.
        public var description: String { rawValue }

        case open
        case closed
    }
    public static let workflows = ["pledge-ask"]
    public let instance: Instance
    public let state: State
    public let title: String
    public let description: String?
    public let priority: String?
    /// The "what needs to happen" item it serves.
    public let item: String?
    public let areas: [String]
    /// Districts it is most needed in; none means anywhere.
    public let districts: [String]
    public let reason: String?

    public init(_ instance: Instance) throws {
        state = try Self.checkedState(instance)
        self.instance = instance
        let d = RecordData(instance)
        title = d.text("title")
        description = d.string("description")
        priority = d.string("priority")
        item = d.string("item")
        areas = d.strings("areas")
        districts = d.strings("districts")
        reason = d.string("reason")
    }
}
