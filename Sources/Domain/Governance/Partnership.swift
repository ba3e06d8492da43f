public import Foundation
public import Engine

/// What kind of body a governance body is.
public enum BodyKind: String, Sendable, CaseIterable, Equatable {
    case board
    case subgroup
    case enablingGroup = "enabling-group"
    case partner
}

/// A decision-making function a body holds that only some of its members may exercise
/// (Norfolk's Commissioning Executive, Part B, is the Alliance's and only commissioners decide there).
public struct BodyFunction: Sendable, Equatable {
    public let key: String
    public let name: String
    public let decisions: [String]
    /// The membership role needed to take its decisions.
    public let restrictedToRole: String?
}

/// One body of the governance graph: a board, a subgroup, an enabling group or a partner.
public struct GovernanceBody: Sendable, Equatable {
    public let key: String
    public let name: String
    public let kind: BodyKind
    /// The bodies it reports to (none for the top body; two for shared enabling groups).
    public let reportsTo: [String]
    /// Bodies it works with, with no reporting line.
    public let worksWith: [String]
    /// The priority it owns, if it is a priority subgroup.
    public let priority: String?
    public let functions: [BodyFunction]
    public let description: String
    /// Whether it keeps its own governance outside the partnership's reporting lines.
    public let hasIndependentGovernance: Bool
}

/// A named choice such as a district or a sector.
public struct NamedKey: Sendable, Equatable {
    public let key: String
    public let name: String
    public init(key: String, name: String) { self.key = key; self.name = name }
}

/// How a partnership escalates issues up its graph (its escalation principles, as data).
public struct EscalationPrinciples: Sendable, Equatable {
    public let triggers: [NamedKey]
    public let severities: [NamedKey]
    /// An issue tagged with at least this many priorities goes straight to `crossCuttingBody`.
    public let crossCuttingMinimumPriorities: Int
    public let crossCuttingBody: String
    /// Working days a body has to respond: per body, else per kind, else the default.
    public let responseDefault: WorkingDays
    public let responseByKind: [BodyKind: WorkingDays]
    public let responseByBody: [String: WorkingDays]
    /// Membership roles that may decide at a body: per body, else per kind, else the default.
    public let decidersDefault: [String]
    public let decidersByKind: [BodyKind: [String]]
    public let decidersByBody: [String: [String]]
    /// Tolerance breaches that open an escalation on their own.
    public let overdueToleranceWorkingDays: WorkingDays
    public let redUpdatesRunning: Int
    /// The severity of an escalation a tolerance breach opens.
    public var breachSeverity: String = "medium"

    /// The response deadline at `body`.
    public func responseTime(at body: GovernanceBody) -> WorkingDays {
        responseByBody[body.key] ?? responseByKind[body.kind] ?? responseDefault
    }

    /// The membership roles that may decide at `body`.
    public func deciders(at body: GovernanceBody) -> [String] {
        decidersByBody[body.key] ?? decidersByKind[body.kind] ?? decidersDefault
    }
}

/// A partnership: its bodies and their reporting lines, its districts and sectors, and its
/// escalation principles. Norfolk is the shipped default; nothing here is Norfolk-only.
public struct Partnership: Sendable {
    public let key: String
    public let name: String
    public let timeZone: TimeZone
    /// The key of the bank-holiday calendar that counts its working days.
    public let calendar: String
    /// The key of the outcomes framework it uses.
    public let framework: String
    /// The body at the top of the graph, which cannot escalate further.
    public let topBody: String
    /// The body that cross-cutting issues go to.
    public let allianceBody: String
    public let districts: [NamedKey]
    public let sectors: [NamedKey]
    public let bodies: [GovernanceBody]
    public let escalation: EscalationPrinciples
    /// How its pledge years run.
    public var pledges: PledgeSettings = .standard
    /// Kinds of pledging organisation.
    public var organisationKinds: [NamedKey] = []
    /// Size bands of pledging organisations.
    public var sizeBands: [NamedKey] = []

    /// A body by key.
    public func body(_ key: String) -> GovernanceBody? { bodies.first { $0.key == key } }

    /// The bodies that report to `key`, in file order.
    public func children(of key: String) -> [GovernanceBody] { bodies.filter { $0.reportsTo.contains(key) } }

    /// Keys of the board bodies, whose members count as board members.
    public var boardKeys: Set<String> { Set(bodies.filter { $0.kind == .board }.map(\.key)) }
}
