public import Foundation
public import Engine
public import Domain

/// One of the partnership's escalation rules as people read it: what it says, and where it
/// comes from (the strategy's own words, or a default to be agreed).
public struct PrincipleStatement: Sendable {
    /// The rule's key in a partnership file's `escalation.provenance`.
    public let rule: String
    /// The rule's name, such as "Where escalation stops".
    public let name: String
    /// What the rule says, in sentences.
    public let says: [String]
    public let provenance: RuleProvenance

    /// "From the strategy" or "Default, to be agreed".
    public var sourceInWords: String { provenance.isFromStrategy ? "From the strategy" : "Default, to be agreed" }

    public var json: JSONValue {
        var source: [String: JSONValue]
        switch provenance {
        case .strategy(let document, let section, let quote):
            source = ["source": "strategy", "document": .string(document), "section": .string(section), "quote": .string(quote)]
        case .defaultToBeAgreed(let note):
            source = ["source": "default"]
            if let note { source["note"] = .string(note) }
        }
        return ["rule": .string(rule), "name": .string(name), "says": .array(says.map(JSONValue.string)), "provenance": .object(source)]
    }
}

extension Flourish {
    /// The escalation principles in force, one statement per rule, each saying where it
    /// comes from. `/governance` and `flourish governance principles` both show these.
    public func principleStatements() throws -> [PrincipleStatement] {
        let p = partnership.escalation
        let bodies = try governance.bodies()
        func name(_ key: String) -> String { bodies.first { $0.key == key }?.name ?? key }
        let above = EscalationRouting.bodies(above: p.stopsAt, in: bodies).map(name).sorted()
        func kindName(_ kind: BodyKind) -> String { kind.rawValue.replacingOccurrences(of: "-", with: " ") }
        var says: [String: [String]] = [:]
        says["stopsAt"] = ["Escalation stops at \(name(p.stopsAt)). An escalation unanswered there stays there, overdue; the secretariat and the chair are told."]
            + (above.isEmpty ? [] : ["\(above.joined(separator: " and ")) receive escalations in reports; they take no operational decision."])
        says["crossCutting"] = ["An issue about \(p.crossCuttingMinimumPriorities) or more priorities goes straight to \(name(p.crossCuttingBody))."]
        var response = ["A body has \(p.responseDefault) to respond."]
        response += p.responseByKind.sorted { $0.key.rawValue < $1.key.rawValue }.map { "A \(kindName($0.key)) has \($0.value)." }
        response += p.responseByBody.sorted { $0.key < $1.key }.map { "\(name($0.key)) has \($0.value)." }
        response.append("A body that misses its deadline passes the issue on to the bodies it reports to, up to \(name(p.stopsAt)).")
        says["responseWorkingDays"] = response
        func roles(_ list: [String]) -> String { list.map { $0.replacingOccurrences(of: "-", with: " ") }.joined(separator: " or ") }
        var deciders = ["At a body, its \(roles(p.decidersDefault)) may decide."]
        deciders += p.decidersByKind.sorted { $0.key.rawValue < $1.key.rawValue }.map { "At a \(kindName($0.key)), its \(roles($0.value)) may decide." }
        deciders += p.decidersByBody.sorted { $0.key < $1.key }.map { "At \(name($0.key)), its \(roles($0.value)) may decide." }
        says["deciders"] = deciders
        says["severities"] = p.severities.map { s in
            guard let rule = p.severityRules[s.key] else { return "\(s.name): changes neither where an escalation goes nor its deadlines." }
            var changes: [String] = []
            if let startsAt = rule.startsAt { changes.append("goes straight to \(name(startsAt))") }
            if let within = rule.responseWorkingDays { changes.append("each body has at most \(within) to respond") }
            return "\(s.name): \(changes.joined(separator: "; "))."
        }
        says["triggers"] = ["An escalation is opened by: " + p.triggers.map { $0.name.prefix(1).lowercased() + $0.name.dropFirst() }.joined(separator: "; ") + "."]
        says["toleranceBreach"] = ["An action more than \(p.overdueToleranceWorkingDays) overdue, or red in \(p.redUpdatesRunning) updates running, opens an escalation from its group on its own."]
        return EscalationPrinciples.ruleNames.map { rule in
            PrincipleStatement(rule: rule.key, name: rule.name, says: says[rule.key] ?? [], provenance: p.provenance(of: rule.key))
        }
    }
}
