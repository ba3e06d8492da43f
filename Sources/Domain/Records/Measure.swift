public import Foundation
public import Engine

/// A measure with its target and tolerance (the measure workflow); its values are its record events.
public struct Measure: WorkflowRecord {
    public enum State: String, CaseIterable, Sendable, Equatable, CustomStringConvertible {
        /// As the workflow names it, wherever it is shown.
        public var description: String { rawValue }

        case active
        case retired
    }
    public static let workflows = ["measure"]
    public let instance: Instance
    public let state: State
    public let group: String
    public let name: String
    public let unit: String
    public let direction: String?
    public let baseline: Double?
    public let target: Double?
    public let tolerance: Double?
    public let frequency: String?
    public let area: String?
    public let priority: String?
    public let valueDueOn: CalendarDay?
    public let successMeasure: String?
    public let isMissingValue: Bool
    /// In its area's core set of measures.
    public let isCore: Bool
    /// Where its data comes from: the organisation, the dataset, the sharing agreement, how often.
    public let dataSource: String?, dataset: String?, sharingAgreement: String?, arrives: String?

    public init(_ instance: Instance) throws {
        state = try Self.checkedState(instance)
        self.instance = instance
        let d = RecordData(instance)
        group = d.text("group")
        name = d.text("name")
        unit = d.text("unit")
        direction = d.string("direction")
        baseline = d.double("baseline")
        target = d.double("target")
        tolerance = d.double("tolerance")
        frequency = d.string("frequency")
        area = d.string("area")
        priority = d.string("priority")
        valueDueOn = d.day("valueDueOn")
        successMeasure = d.string("successMeasure")
        isMissingValue = d.bool("missingValue")
        isCore = d.bool("core")
        dataSource = d.string("dataSource")
        dataset = d.string("dataset")
        sharingAgreement = d.string("sharingAgreement")
        arrives = d.string("arrives")
    }
}
