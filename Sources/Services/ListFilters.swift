public import Foundation
import Engine
import Domain

/// A list asked for with a filter that names nothing there is: an unknown state, RAG status,
/// group, area, priority, kind or district. Refused, saying what the filter may be, rather
/// than answered with an empty list that reads as "there are none" (`action list --state
/// nonsense` said "No actions match."), or, for a filter the list does not take, quietly
/// ignored (`pledge list --area x` listed every pledge).
public struct FilterError: Error, LocalizedError, Equatable, Sendable {
    /// The filter at fault, as the caller named it (`state`, `rag`, `group`...).
    public let field: String
    public let value: String
    /// What the value should have been, in words: "a state of an action".
    public let what: String
    public let allowed: [String]

    public var errorDescription: String? {
        "\"\(value)\" is not \(what). Use one of: \(allowed.joined(separator: ", "))."
    }
}

extension Flourish {
    /// Refuses `value` unless it is one of `allowed`; nil (no filter) passes.
    func checkFilter(_ value: String?, _ field: String, is what: String, allowed: @autoclosure () throws -> [String]) throws {
        guard let value else { return }
        let allowed = try allowed()
        guard allowed.contains(value) else { throw FilterError(field: field, value: value, what: what, allowed: allowed) }
    }

    /// A group to filter by: any body of the partnership, retired ones too (their records stay).
    /// A body of the partnership's file passes without reading the database (a group page asks
    /// on every view); only a key not there is looked for among the bodies added since.
    func checkGroupFilter(_ key: String?, _ field: String = "group") throws {
        if let key, partnership.body(key) != nil { return }
        try checkFilter(key, field, is: "a group of the partnership", allowed: try governance.bodies(includingRetired: true).map(\.key))
    }

    /// Every value of an actions filter names something there is.
    func check(_ filter: ActionFilter) throws {
        try checkGroupFilter(filter.group)
        try checkFilter(filter.priority, "priority", is: "a priority of the strategy", allowed: framework.priorities.map(\.key))
        try checkFilter(filter.area, "area", is: "a FLOURISH area", allowed: framework.areas.map(\.key))
        try checkFilter(filter.state, "state", is: "a state of an action", allowed: Action.State.allCases.map(\.rawValue))
        try checkFilter(filter.rag, "rag", is: "a RAG status", allowed: RAGStatus.allCases.map(\.rawValue))
    }

    /// A measures filter's group and area.
    func checkMeasuresFilter(group: String?, area: String?) throws {
        try checkGroupFilter(group)
        try checkFilter(area, "area", is: "a FLOURISH area", allowed: framework.areas.map(\.key))
    }

    /// Every value of a wall filter names something there is (the search is words, any words).
    func check(_ filter: WallFilter) throws {
        try checkFilter(filter.area, "area", is: "a FLOURISH area", allowed: framework.areas.map(\.key))
        try checkFilter(filter.kind, "kind", is: "a kind of organisation", allowed: partnership.organisationKinds.map(\.key))
        try checkFilter(filter.district, "district", is: "a district of the partnership", allowed: partnership.districts.map(\.key))
        try checkFilter(filter.theme, "theme", is: "a pledge theme", allowed: partnership.pledges.themes.map(\.key))
    }

    /// A kind of record (a workflow) to list, and a state to list them in: one of its own
    /// states (of any workflow's, when none is named).
    func checkRecordsFilter(workflow: String?, state: String?) throws {
        let definitions = engine.definitions
        try checkFilter(workflow, "workflow", is: "a kind of record", allowed: definitions.map(\.name).sorted())
        let states = definitions.filter { workflow == nil || $0.name == workflow }.flatMap(\.states.keys)
        try checkFilter(state, "state", is: workflow.map { "a state of a \($0)" } ?? "a state of any record", allowed: Array(Set(states)).sorted())
    }
}
