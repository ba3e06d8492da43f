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
        }
    }

    public var errorDescription: String? {
        switch self {
        case .topCannotEscalate(let name): return "\(name) is the top of the governance graph; it cannot escalate further, only decide."
        case .nowhereToGo(let name): return "\(name) reports to no other body, so an escalation from it has nowhere to go; it can only be decided there."
        case .unknownSeverity(let s, let valid): return "\"\(s)\" is not a severity; use one of: \(valid.joined(separator: ", "))."
        case .noOpenReview(let escalation, let body, let open):
            return "\(escalation) is not waiting for a decision at \(body)" + (open.isEmpty ? "; it has no open reviews." : "; it is waiting at: \(open.joined(separator: ", ")).")
        case .unknownOutcome(let o): return "\"\(o)\" is not an outcome; use resolved, accepted, referred-back or escalated."
        case .deadlineNotLater(let current): return "The new deadline must be later than the one it replaces (\(current)) and not in the past."
        case .cannotMerge(let why): return why
        case .cannotSendTo(let name): return "\(name) cannot take this escalation: it is already deciding it, or is not a body of the partnership; choose another."
        }
    }
}

/// Where an escalation goes, by the partnership's principles: the one place this rule lives.
public struct EscalationRouting: Sendable {
    public let principles: EscalationPrinciples
    public let bodies: [GovernanceBody]
    public let top: String

    public init(principles: EscalationPrinciples, bodies: [GovernanceBody], top: String) {
        self.principles = principles
        self.bodies = bodies
        self.top = top
    }

    func body(_ key: String) -> GovernanceBody? { bodies.first { $0.key == key } }

    /// The bodies an issue raised at `from` goes to first: its parents, or the cross-cutting
    /// body when it is tagged with enough priorities.
    public func firstBodies(from: String, priorities: [String]) throws -> [GovernanceBody] {
        guard let origin = body(from) else { throw GovernanceError.unknownBody(from, valid: bodies.map(\.key)) }
        if from == top { throw EscalationError.topCannotEscalate(origin.name) }
        if Set(priorities).count >= principles.crossCuttingMinimumPriorities, let target = body(principles.crossCuttingBody), target.key != from {
            return [target]
        }
        let parents = nextBodies(after: from)
        if parents.isEmpty { throw EscalationError.nowhereToGo(origin.name) }
        return parents
    }

    /// The bodies an escalation moves on to from `body`: all of its parents.
    public func nextBodies(after key: String) -> [GovernanceBody] {
        (body(key)?.reportsTo ?? []).compactMap { body($0) }
    }

    /// The review workflow for a body: one that can escalate, or, for a body with no parent, one that can only decide.
    public func reviewWorkflow(at body: GovernanceBody) -> String {
        nextBodies(after: body.key).isEmpty ? "escalation-top-review" : "escalation-review"
    }

    /// The response deadline at `body` for an escalation arriving at `moment`.
    public func respondBy(at body: GovernanceBody, arriving moment: Date, time: PartnershipTime) throws -> Date {
        try time.adding(principles.responseTime(at: body), to: moment)
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
    public func simulate(from: String, priorities: [String], date: Date, time: PartnershipTime) throws -> [Step] {
        var steps: [Step] = []
        var frontier = try firstBodies(from: from, priorities: priorities).map { ($0, date, 1) }
        var seen = Set<String>()
        while !frontier.isEmpty {
            var next: [(GovernanceBody, Date, Int)] = []
            for (body, arrives, level) in frontier where seen.insert(body.key).inserted {
                let deadline = try respondBy(at: body, arriving: arrives, time: time)
                let parents = nextBodies(after: body.key)
                steps.append(Step(level: level, body: body, arrives: arrives, deadline: deadline, canEscalateFurther: !parents.isEmpty))
                next += parents.map { ($0, deadline, level + 1) }
            }
            frontier = next
        }
        return steps
    }
}
