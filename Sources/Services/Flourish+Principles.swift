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
    /// The day the partnership agreed the version in force, if it has.
    public var agreedOn: CalendarDay? = nil

    /// "From the strategy", "Agreed on 12 January 2027" (a rule the partnership agreed) or
    /// "Default, to be agreed".
    public var sourceInWords: String {
        if provenance.isFromStrategy { return "From the strategy" }
        return agreedOn.map { "Agreed on \($0.inWords)" } ?? "Default, to be agreed"
    }

    public var json: JSONValue {
        var source: [String: JSONValue]
        switch provenance {
        case .strategy(let document, let section, let quote):
            source = ["source": "strategy", "document": .string(document), "section": .string(section), "quote": .string(quote)]
        case .defaultToBeAgreed(let note):
            source = ["source": "default"]
            if let note { source["note"] = .string(note) }
        }
        if let agreedOn { source["agreedOn"] = .string(agreedOn.description) }
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
        let agreedOn = try principlesInForce().agreedOn
        return EscalationPrinciples.ruleNames.map { rule in
            PrincipleStatement(rule: rule.key, name: rule.name, says: says[rule.key] ?? [], provenance: p.provenance(of: rule.key), agreedOn: agreedOn)
        }
    }
}

extension Flourish {
    /// Every version of the escalation principles, oldest first.
    public func principlesVersions() throws -> [PrinciplesVersion] {
        try database.read { db in try PrinciplesRegister.versions(db) }
    }

    /// The version of the principles in force (the partnership file's).
    public func principlesInForce() throws -> PrinciplesVersion {
        let version = try database.write { db in try PrinciplesRegister.keepCurrent(db, partnership: partnership, at: clock.now()) }
        guard let found = try principlesVersions().first(where: { $0.version == version }) else { throw WorkflowError.unknownInstance(InstanceID("principles-\(version)")) }
        return found
    }

    /// The secretariat records that the partnership agreed the principles in force, on the day
    /// of the meeting (not in the future), with the minute that records it; the change log
    /// keeps who recorded it. Escalations started before keep the version they started under.
    public func recordPrinciplesAgreed(on day: CalendarDay, minute: String?, by person: String) throws -> PrinciplesVersion {
        try requireSecretariat(try viewer(for: person), doing: "record that the principles were agreed")
        let reference = minute?.trimmingCharacters(in: .whitespacesAndNewlines)
        let now = clock.now()
        return try database.write { db in
            try PrinciplesRegister.recordAgreed(db, partnership: partnership, on: day, today: time.day(of: now), minute: reference?.isEmpty == false ? reference : nil,
                                                actor: person, at: now)
        }
    }

    /// The principles' standing in words: "Version 2, agreed by the Children and Young People
    /// Strategic Alliance on 12 January 2027 (minute 7)" or "Version 1, not yet agreed ...".
    public func principlesStanding(_ v: PrinciplesVersion) -> String {
        guard let day = v.agreedOn else {
            return "Version \(v.version), in force since \(time.inWords(v.inForceFrom)); not yet agreed by \(displayName("body", partnership.escalation.stopsAt))"
        }
        return "Version \(v.version), agreed by \(displayName("body", v.agreedBy ?? partnership.escalation.stopsAt)) on \(day.inWords)" + (v.minute.map { " (minute \($0))" } ?? "")
    }
}
