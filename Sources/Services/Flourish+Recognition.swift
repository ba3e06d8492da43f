public import Foundation
public import Engine
public import Domain

/// What an organisation may show for a published pledge: a certificate and a badge for its own
/// site, each saying whether the pledge is current today.
public struct PledgeRecognition: Sendable {
    /// The pledge as the public sees it.
    public let pledge: Pledge
    public let organisationName: String
    public let pledgeYear: Int
    public let approvedOn: CalendarDay?
    /// The last day of the pledge year.
    public let lastDay: CalendarDay?
    /// On the wall today and its year not over: the badge shows it as current.
    public let isCurrent: Bool
    /// Public now (on the wall, or reported on): its certificate may be shown. A pledge once
    /// approved whose year has ended keeps a badge saying so, so a badge on the organisation's
    /// site never breaks, but its certificate waits for its report.
    public let isPublic: Bool

    /// The badge's words: "FLOURISH Pledge 2026".
    public var title: String { "FLOURISH Pledge \(pledgeYear)" }
    /// The code an organisation copies onto its site: the badge, linking to its public pledge.
    public func badgeSnippet(site: String) -> String {
        let id = pledge.id.rawValue
        return "<a href=\"\(site)/pledges/\(id)\"><img src=\"\(site)/pledges/\(id)/badge.svg\" alt=\"\(Markup.escape(title)): \(Markup.escape(organisationName))\" width=\"240\" height=\"64\"></a>"
    }

    /// Why it is not current, in words, when it is not.
    public var standing: String {
        if isCurrent { return "Current until \(lastDay?.inWords ?? "the end of its year")" }
        if let lastDay, pledge.state == .reported { return "Delivered and reported; its year ended on \(lastDay.inWords)" }
        return "Not current: its year has ended or the organisation is no longer a member of the scheme"
    }
}

extension Flourish {
    /// The certificate and badge of a pledge the partnership approved, for anyone; a pledge never
    /// approved is not found (a badge never reveals a draft or a rejected pledge), nor one its
    /// organisation withdrew: it has left the wall and its page, and its badge goes with them
    /// (it said "its year has ended" of a pledge withdrawn mid-year).
    public func recognition(_ reference: RecordID<Pledge>) throws -> PledgeRecognition {
        let instance = try engine.instance(reference.instance)
        guard instance.workflow == "pledge" else { throw WorkflowError.unknownInstance(reference.instance) }
        guard let approvedAt = try engine.history(of: instance.id).first(where: { $0.event == "approve" })?.occurredAt else {
            throw WorkflowError.unknownInstance(reference.instance)
        }
        let full = try Pledge(instance)
        guard full.state != .withdrawn else { throw WorkflowError.unknownInstance(reference.instance) }
        let shown = try Pledge(instance.showing(policy.visibleData(instance, sight: .publicPart)))
        let today = time.day(of: clock.now())
        let current = try isOnWall(instance.id) && (full.yearEnds.map { today < $0 } ?? false)
        return PledgeRecognition(pledge: shown, organisationName: displayName("organisation", full.organisation), pledgeYear: full.pledgeYear ?? currentPledgeYear(),
                                 approvedOn: time.day(of: approvedAt), lastDay: full.yearEnds?.adding(days: -1), isCurrent: current,
                                 isPublic: try policy.pledgeIsPublished(instance))
    }
}
