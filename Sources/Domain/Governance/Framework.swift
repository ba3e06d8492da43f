public import Foundation
public import Engine

/// One of the eight FLOURISH areas.
public struct FrameworkArea: Sendable, Equatable {
    public let key: String
    /// Its letter in FLOURISH.
    public let letter: String
    public let name: String
    public let impactStatement: String
    public let outcomes: [String]
    /// Its tailored determinants.
    public let determinants: [String]
}

/// A keyed line of a priority: a "what needs to happen" item or a success measure.
public struct PriorityItem: Sendable, Equatable {
    public let key: String
    public let text: String
}

/// One of the strategy's priorities, owned by a subgroup.
public struct Priority: Sendable, Equatable {
    public let key: String
    public let name: String
    public let areas: [String]
    public let whatNeedsToHappen: [PriorityItem]
    public let successMeasures: [PriorityItem]
}

/// A key that is not in the framework; the message lists the valid ones.
public enum FrameworkError: Error, Equatable, Sendable, LocalizedError {
    case unknownArea(String, valid: [String])
    case unknownPriority(String, valid: [String])
    case unknownItem(String, priority: String, valid: [String])
    case unknownSuccessMeasure(String, priority: String, valid: [String])
    case noAreas

    public var code: String {
        switch self {
        case .unknownArea: return "unknown-area"
        case .unknownPriority: return "unknown-priority"
        case .unknownItem: return "unknown-item"
        case .unknownSuccessMeasure: return "unknown-success-measure"
        case .noAreas: return "no-areas"
        }
    }

    /// The field at fault, as the API names it.
    public var field: String {
        switch self {
        case .unknownArea, .noAreas: return "areas"
        case .unknownPriority: return "priority"
        case .unknownItem: return "item"
        case .unknownSuccessMeasure: return "successMeasure"
        }
    }

    public var errorDescription: String? {
        switch self {
        case .unknownArea(let key, let valid): return "\"\(key)\" is not a FLOURISH area. Use one of: \(valid.joined(separator: ", "))."
        case .unknownPriority(let key, let valid): return "\"\(key)\" is not a priority. Use one of: \(valid.joined(separator: ", "))."
        case .unknownItem(let key, let priority, let valid):
            return "\"\(key)\" is not one of the \(priority) priority's \"what needs to happen\" items. Use one of: \(valid.joined(separator: ", "))."
        case .unknownSuccessMeasure(let key, let priority, let valid):
            return "\"\(key)\" is not one of the \(priority) priority's success measures. Use one of: \(valid.joined(separator: ", "))."
        case .noAreas: return "Tag it with at least one FLOURISH area."
        }
    }
}

/// The outcomes framework: the FLOURISH areas, the universal determinants and the priorities.
/// Records refer to areas and priorities by these stable keys.
public struct Framework: Sendable, Equatable {
    public let key: String
    public let name: String
    public let source: String
    public let areas: [FrameworkArea]
    public let universalDeterminants: [String]
    public let priorities: [Priority]

    /// Reads a framework file (`Workflows/framework/*.json`).
    public init(json: JSONValue) {
        key = json["key"]?.stringValue ?? ""
        name = json["name"]?.stringValue ?? ""
        source = json["source"]?.stringValue ?? ""
        let strings: (JSONValue?) -> [String] = { $0?.arrayValue?.compactMap(\.stringValue) ?? [] }
        let items: (JSONValue?) -> [PriorityItem] = { list in
            (list?.arrayValue ?? []).map { PriorityItem(key: $0["key"]?.stringValue ?? "", text: $0["text"]?.stringValue ?? "") }
        }
        areas = (json["areas"]?.arrayValue ?? []).map { a in
            FrameworkArea(key: a["key"]?.stringValue ?? "", letter: a["letter"]?.stringValue ?? "", name: a["name"]?.stringValue ?? "",
                          impactStatement: a["impactStatement"]?.stringValue ?? "", outcomes: strings(a["outcomes"]), determinants: strings(a["determinants"]))
        }
        universalDeterminants = strings(json["universalDeterminants"])
        priorities = (json["priorities"]?.arrayValue ?? []).map { p in
            Priority(key: p["key"]?.stringValue ?? "", name: p["name"]?.stringValue ?? "", areas: strings(p["areas"]),
                     whatNeedsToHappen: items(p["whatNeedsToHappen"]), successMeasures: items(p["successMeasures"]))
        }
    }

    public var areaKeys: [String] { areas.map(\.key) }
    public var priorityKeys: [String] { priorities.map(\.key) }

    /// Checks area keys: at least one, each known.
    public func checkAreas(_ keys: [String]) throws {
        guard !keys.isEmpty else { throw FrameworkError.noAreas }
        for key in keys where !areaKeys.contains(key) { throw FrameworkError.unknownArea(key, valid: areaKeys) }
    }

    /// Checks a priority key.
    public func checkPriority(_ key: String) throws {
        if !priorityKeys.contains(key) { throw FrameworkError.unknownPriority(key, valid: priorityKeys) }
    }

    /// Checks a "what needs to happen" item of a priority.
    public func checkItem(_ item: String, of priority: String) throws {
        try checkPriority(priority)
        let valid = priorities.first { $0.key == priority }!.whatNeedsToHappen.map(\.key)
        if !valid.contains(item) { throw FrameworkError.unknownItem(item, priority: priority, valid: valid) }
    }

    /// Checks one of a priority's success measures.
    public func checkSuccessMeasure(_ key: String, of priority: String) throws {
        try checkPriority(priority)
        let valid = priorities.first { $0.key == priority }!.successMeasures.map(\.key)
        if !valid.contains(key) { throw FrameworkError.unknownSuccessMeasure(key, priority: priority, valid: valid) }
    }
}
