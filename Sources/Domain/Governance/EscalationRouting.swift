public import Foundation
public import Engine

/// Why an escalation cannot go where it was sent.
public enum EscalationError: Error, Equatable, Sendable, LocalizedError {
    case topCannotEscalate(String)
    case nowhereToGo(String)
    case unknownSeverity(String, valid: [String])
    case noOpenReview(escalation: String, body: String, open: [String])
    case unknownOutcome(String)
    /// A new deadline must be later than the one it replaces, and not in the past.
    case deadlineNotLater(current: String)
    /// An escalation cannot be merged into itself, or into one that is closed.
    case cannotMerge(String)
    /// An escalation can be sent only to a body of the partnership not already deciding it.
    case cannotSendTo(String)
    /// A body above the top of operational escalation receives reports; escalations are not raised from it.
    case aboveTheStop(String, stop: String)
    /// Accepting into a plan needs at least one action.
    case planNeedsActions
    /// A plan's action must be at the deciding body or a group reporting up to it.
    case planGroupNotBelow(String, body: String)
    /// A plan's action cannot be due before today.
    case planDueInPast(String)

    public var code: String {
        switch self {
        case .topCannotEscalate: return "top-cannot-escalate"
        case .nowhereToGo: return "nowhere-to-go"
        case .unknownSeverity: return "unknown-severity"
        case .noOpenReview: return "no-open-review"
        case .unknownOutcome: return "unknown-outcome"
        case .deadlineNotLater: return "deadline-not-later"
        case .cannotMerge: return "cannot-merge"
        case .cannotSendTo: return "cannot-send-to"
        case .aboveTheStop: return "above-the-stop"
        case .planNeedsActions: return "plan-needs-actions"
        case .planGroupNotBelow: return "plan-group-not-below"
        case .planDueInPast: return "plan-due-in-past"
        }
    }

    public var errorDescription: String? {
        switch self {
        case .topCannotEscalate(let name): return "\(name) is where escalation stops; it cannot escalate further, only decide."
        case .nowhereToGo(let name): return "\(name) reports to no other body, so an escalation from it has nowhere to go; it can only be decided there."
        case .unknownSeverity(let s, let valid): return "\"\(s)\" is not a severity; use one of: \(valid.joined(separator: ", "))."
        case .noOpenReview(let escalation, let body, let open):
            return "\(escalation) is not waiting for a decision at \(body)" + (open.isEmpty ? "; it has no open reviews." : "; it is waiting at: \(open.joined(separator: ", ")).")
        case .unknownOutcome(let o): return "\"\(o)\" is not an outcome; use resolved, accepted, referred-back or escalated."
        case .deadlineNotLater(let current): return "The new deadline must be later than the one it replaces (\(current)) and not in the past."
        case .cannotMerge(let why): return why
        case .cannotSendTo(let name): return "\(name) cannot take this escalation: it is already deciding it, is above where escalation stops, or is not a body of the partnership; choose another."
        case .planNeedsActions: return "Accepting into a plan needs at least one action: what will be done, by which group, who owns it and when it is due."
        case .planGroupNotBelow(let group, let body): return "\"\(group)\" is not \(body) or a group reporting up to it; a plan's actions go to the deciding body or a group below it."
        case .planDueInPast(let title): return "\"\(title)\" is due in the past; give a day from today on."
        case .aboveTheStop(let name, let stop): return "\(name) receives reports on escalations and takes no operational decision; escalation stops at \(stop). Raise it from a group that reports up to \(stop)."
        }
    }
}

/// Where an escalation goes, by the partnership's principles: the one place this rule lives.
///
/// An escalation climbs the reporting lines until the top of operational escalation
/// (``EscalationPrinciples/stopsAt``, the Alliance for Norfolk); unanswered there, it stays
/// there, overdue. The bodies above the stop (Norfolk's Health and Wellbeing Board and
/// scrutiny committee) receive escalations in reports and take no operational decision.
public struct EscalationRouting: Sendable {
    public let principles: EscalationPrinciples
    public let bodies: [GovernanceBody]
    /// The top of operational escalation.
    public let stop: String
    /// The bodies the stop reports to, directly or not.
    public let aboveStop: Set<String>

    public init(principles: EscalationPrinciples, bodies: [GovernanceBody]) {
        self.principles = principles
        self.bodies = bodies
        self.stop = principles.stopsAt
        self.aboveStop = Self.bodies(above: principles.stopsAt, in: bodies)
    }

    /// The bodies `stop` reports to, directly or through others.
    public static func bodies(above stop: String, in bodies: [GovernanceBody]) -> Set<String> {
        let byKey = Dictionary(bodies.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        var above: Set<String> = []
        var frontier = byKey[stop]?.reportsTo ?? []
        while let next = frontier.popLast() {
            if next != stop, above.insert(next).inserted { frontier += byKey[next]?.reportsTo ?? [] }
        }
        return above
    }

    func body(_ key: String) -> GovernanceBody? { bodies.first { $0.key == key } }

    /// Whether an escalation may wait for a decision at `key`: a body of the partnership at or
    /// below the stop (not a partner, not one the stop reports to).
    public func takesDecisions(_ key: String) -> Bool {
        guard let b = body(key) else { return false }
        return b.kind.isInReportingLines && !aboveStop.contains(key)
    }

    /// The bodies an issue raised at `from` goes to first: the body its severity sends it
    /// straight to, the cross-cutting body when it is tagged with enough priorities, or else
    /// the raising body's parents.
    public func firstBodies(from: String, priorities: [String], severity: String? = nil) throws -> [GovernanceBody] {
        guard let origin = body(from) else { throw GovernanceError.unknownBody(from, valid: bodies.map(\.key)) }
        if from == stop { throw EscalationError.topCannotEscalate(origin.name) }
        if !takesDecisions(from) { throw EscalationError.aboveTheStop(origin.name, stop: body(stop)?.name ?? stop) }
        if let startsAt = severity.flatMap({ principles.severityRules[$0]?.startsAt }), startsAt != from, let target = body(startsAt) {
            return [target]
        }
        if Set(priorities).count >= principles.crossCuttingMinimumPriorities, let target = body(principles.crossCuttingBody), target.key != from {
            return [target]
        }
        let parents = nextBodies(after: from)
        if parents.isEmpty { throw EscalationError.nowhereToGo(origin.name) }
        return parents
    }

    /// The bodies an escalation moves on to from `body`: its parents up to the stop (none
    /// from the stop itself).
    public func nextBodies(after key: String) -> [GovernanceBody] {
        guard key != stop else { return [] }
        return (body(key)?.reportsTo ?? []).compactMap { body($0) }.filter { takesDecisions($0.key) }
    }

    /// The review workflow for a body: one that can escalate, or, for a body with no parent, one that can only decide.
    public func reviewWorkflow(at body: GovernanceBody) -> String {
        nextBodies(after: body.key).isEmpty ? "escalation-top-review" : "escalation-review"
    }

    /// The response deadline at `body` for an escalation of `severity` arriving at `moment`.
    public func respondBy(at body: GovernanceBody, severity: String? = nil, arriving moment: Date, time: PartnershipTime) throws -> Date {
        try time.adding(principles.responseTime(at: body, severity: severity), to: moment)
    }

    /// One step of a simulated escalation that nobody answers.
    public struct Step: Sendable, Equatable {
        public let level: Int
        public let body: GovernanceBody
        public let arrives: Date
        public let deadline: Date
        public let canEscalateFurther: Bool
    }

    /// Where an issue raised at `from` on `date` would go if nobody answered, and when.
    public func simulate(from: String, priorities: [String], severity: String? = nil, date: Date, time: PartnershipTime) throws -> [Step] {
        var steps: [Step] = []
        var frontier = try firstBodies(from: from, priorities: priorities, severity: severity).map { ($0, date, 1) }
        var seen = Set<String>()
        while !frontier.isEmpty {
            var next: [(GovernanceBody, Date, Int)] = []
            for (body, arrives, level) in frontier where seen.insert(body.key).inserted {
                let deadline = try respondBy(at: body, severity: severity, arriving: arrives, time: time)
                let parents = nextBodies(after: body.key)
                steps.append(Step(level: level, body: body, arrives: arrives, deadline: deadline, canEscalateFurther: !parents.isEmpty))
                next += parents.map { ($0, deadline, level + 1) }
            }
            frontier = next
        }
        return steps
    }
}
