public import Foundation
public import Engine

/// What kind of body a governance body is.
public enum BodyKind: String, Sendable, CaseIterable, Equatable {
    case board
    case subgroup
    case enablingGroup = "enabling-group"
    case partner
    /// A group that carries the voice of children, young people or families (a children in care
    /// council, a participation group, a parent carer forum). It speaks to the bodies it works
    /// with; it has no reporting line and takes no escalation. Its members may be young people:
    /// the system keeps only a chosen name for each, and a named adult lead acts for the group.
    case participationGroup = "participation-group"

    /// Whether bodies of this kind sit in the partnership's reporting lines (and so escalate,
    /// decide and report up): not partners, not participation groups.
    public var isInReportingLines: Bool { self != .partner && self != .participationGroup }

    /// The kind as people say it: "enabling group", "participation group".
    public var inWords: String { rawValue.replacingOccurrences(of: "-", with: " ") }
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

/// Where one of a partnership's escalation rules comes from: the strategy's own words, or a
/// default Flourish ships until the partnership agrees its own.
public enum RuleProvenance: Sendable, Equatable {
    /// Quoted from a document the partnership published, with the section it is in.
    case strategy(document: String, section: String, quote: String)
    /// Not in any agreed document: a default, to be agreed.
    case defaultToBeAgreed(note: String?)

    /// Whether the rule is the partnership's own (quoted) rather than a default.
    public var isFromStrategy: Bool { if case .strategy = self { return true } else { return false } }
}

/// What a severity changes: how long each body has to respond (at most), and where the
/// escalation starts (a body to go straight to, instead of the raising group's parents).
public struct SeverityRule: Sendable, Equatable {
    public let severity: NamedKey
    /// At most this many working days at each body, when shorter than the body's own time.
    public let responseWorkingDays: WorkingDays?
    /// Goes straight to this body, when set.
    public let startsAt: String?

    public init(severity: NamedKey, responseWorkingDays: WorkingDays? = nil, startsAt: String? = nil) {
        self.severity = severity
        self.responseWorkingDays = responseWorkingDays
        self.startsAt = startsAt
    }
}

/// How a partnership escalates issues up its graph (its escalation principles, as data).
public struct EscalationPrinciples: Sendable, Equatable {
    /// The rules, by the names a partnership file's `provenance` gives them, in the order they are shown.
    public static let ruleNames: [(key: String, name: String)] = [
        ("stopsAt", "Where escalation stops"), ("crossCutting", "Issues that cut across priorities"),
        ("responseWorkingDays", "How long each body has to respond"), ("deciders", "Who may decide"),
        ("severities", "Severities and what they change"), ("triggers", "What opens an escalation"),
        ("toleranceBreach", "Tolerances that open an escalation on their own"),
    ]

    public let triggers: [NamedKey]
    public let severities: [NamedKey]
    /// What each severity changes, by severity key (a severity with no rule changes nothing).
    public var severityRules: [String: SeverityRule] = [:]
    /// The top of operational escalation: an escalation unanswered here stays here, overdue.
    /// Bodies it reports to receive escalations in reports; they take no operational decision.
    public var stopsAt: String = ""
    /// Where each rule comes from, by rule key; a rule not named is a default, to be agreed.
    public var provenance: [String: RuleProvenance] = [:]
    /// The principles as the partnership file writes them (its `escalation` object): kept as a
    /// version when first in force, so an escalation keeps the rules it started under.
    public var source: JSONValue = .object([:]) { didSet { digest = SHA256.hex(source.canonicalString) } }
    /// Names the principles' text: equal digests, the same principles.
    public private(set) var digest: String = SHA256.hex(JSONValue.object([:]).canonicalString)
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

    /// The response deadline at `body` for an escalation of `severity`: the body's own time,
    /// or the severity's, whichever is shorter.
    public func responseTime(at body: GovernanceBody, severity: String?) -> WorkingDays {
        let own = responseTime(at: body)
        guard let cap = severity.flatMap({ severityRules[$0]?.responseWorkingDays }), cap.count < own.count else { return own }
        return cap
    }

    /// Where a rule comes from (a default, to be agreed, when the file does not say).
    public func provenance(of rule: String) -> RuleProvenance { provenance[rule] ?? .defaultToBeAgreed(note: nil) }

    /// The membership roles that may decide at `body`.
    public func deciders(at body: GovernanceBody) -> [String] {
        decidersByBody[body.key] ?? decidersByKind[body.kind] ?? decidersDefault
    }
}

/// How a partnership answers what its participation groups say ("You said, we did").
public struct VoiceSettings: Sendable, Equatable {
    /// Working days from the day a view is recorded to the day the published response is due.
    public var responseWorkingDays: WorkingDays
    /// Working days before that day when the responding body's chair is reminded.
    public var reminderWorkingDays: WorkingDays

    public init(responseWorkingDays: WorkingDays, reminderWorkingDays: WorkingDays) {
        self.responseWorkingDays = responseWorkingDays
        self.reminderWorkingDays = reminderWorkingDays
    }

    /// Twenty working days (about a month) to respond, reminded five before.
    public static let standard = VoiceSettings(responseWorkingDays: WorkingDays(20), reminderWorkingDays: WorkingDays(5))
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
    /// The body at the top of the reporting lines (an escalation stops lower, at
    /// ``EscalationPrinciples/stopsAt``).
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
    /// The bodies whose meeting papers are public (agenda, decision log and minutes), such as
    /// a council's Health and Wellbeing Board; other bodies' papers are for their members.
    public var papersPublic: Set<String> = []
    /// How its participation groups' views are answered.
    public var voice: VoiceSettings = .standard

    /// Its participation groups, in file order.
    public var participationGroups: [GovernanceBody] { bodies.filter { $0.kind == .participationGroup } }

    /// A body by key.
    public func body(_ key: String) -> GovernanceBody? { bodies.first { $0.key == key } }

    /// The bodies that report to `key`, in file order.
    public func children(of key: String) -> [GovernanceBody] { bodies.filter { $0.reportsTo.contains(key) } }

    /// Keys of the board bodies, whose members count as board members.
    public var boardKeys: Set<String> { Set(bodies.filter { $0.kind == .board }.map(\.key)) }
}
