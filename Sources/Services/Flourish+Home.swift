public import Foundation
import Engine
public import Domain

/// One thing waiting for someone: how many, in words, and where to deal with it.
public struct Need: Sendable, Equatable {
    /// What it is, in a sentence: "3 pledges are waiting for your review".
    public let summary: String
    public let count: Int
    /// The page where it is dealt with.
    public let link: String
    /// Past a deadline (shown first, and marked so).
    public let isOverdue: Bool
}

/// What needs one person now, in the roles they hold: the home page after signing in.
public struct PersonalHome: Sendable {
    /// One section per role the person holds ("The secretariat", "Chair of ...", "Board member of ...",
    /// "<organisation>"), each with what needs doing; an empty list says nothing is waiting.
    public struct Section: Sendable {
        public let heading: String
        public let needs: [Need]
        /// Where the role's own page is, for when nothing is waiting, and its link's words.
        public let link: String
        public let linkText: String
    }
    public let sections: [Section]
    /// How many things wait in all, overdue ones among them.
    public var waiting: Int { sections.flatMap(\.needs).reduce(0) { $0 + $1.count } }
    public var overdue: Int { sections.flatMap(\.needs).filter(\.isOverdue).reduce(0) { $0 + $1.count } }
}

extension Flourish {
    /// What needs `viewer` now: pledges to review and escalations overdue (the secretariat),
    /// escalations waiting at their boards, actions overdue and measures missing a value in
    /// the groups they chair, their organisations' pledges to finish and next deadlines.
    /// Only what the viewer may open: every link is to a page their roles reach.
    public func home(for viewer: Viewer) throws -> PersonalHome {
        var sections: [PersonalHome.Section] = []
        func plural(_ n: Int, _ one: String, _ many: String) -> String { n == 1 ? "1 \(one)" : "\(n) \(many)" }

        if viewer.isSecretariat {
            var needs: [Need] = []
            let review = try pledgesAwaitingReview().count
            if review > 0 { needs.append(Need(summary: "\(plural(review, "pledge is", "pledges are")) waiting for review", count: review, link: "/review", isOverdue: false)) }
            let open = try escalations(state: "open")
            let overdue = open.filter { !$0.overdue.isEmpty }.count
            if overdue > 0 { needs.append(Need(summary: "\(plural(overdue, "escalation is", "escalations are")) past a deadline to respond", count: overdue, link: "/escalations", isOverdue: true)) }
            let waiting = open.count - overdue
            if waiting > 0 { needs.append(Need(summary: "\(plural(waiting, "other escalation is", "other escalations are")) open", count: waiting, link: "/escalations", isOverdue: false)) }
            let lateInPlan = try plansInProgress(for: viewer).filter(\.planIsLate).count
            if lateInPlan > 0 { needs.append(Need(summary: "\(plural(lateInPlan, "decision's plan is", "decisions' plans are")) late", count: lateInPlan, link: "/escalations#plans", isOverdue: true)) }
            let referralsOverdue = try referrals(for: viewer).filter { $0.state == .overdue }.count
            if referralsOverdue > 0 { needs.append(Need(summary: "\(plural(referralsOverdue, "partner's reply is", "partners' replies are")) overdue", count: referralsOverdue, link: "/referrals", isOverdue: true)) }
            let failed = try outboxCounts().failed
            if failed > 0 { needs.append(Need(summary: "\(plural(failed, "message", "messages")) could not be sent", count: failed, link: "/outbox", isOverdue: true)) }
            // Messages for a role no one with an email address holds were counted nowhere.
            let nobody = try outboxUndeliverableCount()
            if nobody > 0 { needs.append(Need(summary: "\(plural(nobody, "message", "messages")) reached no one: no one with an email address holds the role", count: nobody, link: "/outbox", isOverdue: true)) }
            sections.append(.init(heading: "The Alliance secretariat", needs: needs, link: "/escalations", linkText: "Open the escalation console"))
        }

        let boards = viewer.isSecretariat ? [] : try policy.boardsFollowed(by: viewer)
        if !boards.isEmpty {
            let waiting = try escalations(state: "open").flatMap { e in e.open.filter { boards.contains($0.body) }.map { (e, $0) } }
            let late = waiting.filter { e, review in e.overdue.contains { $0.id == review.id } }.count
            var needs: [Need] = []
            if late > 0 { needs.append(Need(summary: "\(plural(late, "escalation is", "escalations are")) past the deadline for your board’s decision", count: late, link: "/decisions", isOverdue: true)) }
            if waiting.count - late > 0 {
                needs.append(Need(summary: "\(plural(waiting.count - late, "escalation is", "escalations are")) waiting for your board’s decision", count: waiting.count - late, link: "/decisions", isOverdue: false))
            }
            sections.append(.init(heading: "Board member of " + boards.map { displayName("body", $0) }.joined(separator: " and "), needs: needs, link: "/decisions", linkText: "See your board’s decisions"))
        }

        if !viewer.chairOf.isEmpty && !viewer.isSecretariat {
            let groups = try policy.groupsRun(by: viewer)
            let keys = Set(groups.map(\.key))
            // Every group's open actions and measures read once, not once a group.
            let openActions = Dictionary(grouping: try actions(for: viewer).filter { keys.contains($0.action.group) && !$0.action.state.isFinished },
                                         by: \.action.group)
            let missingValues = Dictionary(grouping: try measures(for: viewer).filter { keys.contains($0.measure.group) && $0.isMissingValue }, by: \.measure.group)
            let lateReplies = Dictionary(grouping: try referrals(for: viewer).filter { keys.contains($0.group) && $0.state == .overdue }, by: \.group)
            for group in groups {
                let actions = openActions[group.key] ?? []
                let overdue = actions.filter(\.isOverdue).count
                let red = actions.filter { !$0.isOverdue && $0.latestRAG == .red }.count
                let missing = missingValues[group.key]?.count ?? 0
                var needs: [Need] = []
                let page = "/groups/\(group.key)"
                if overdue > 0 { needs.append(Need(summary: "\(plural(overdue, "action is", "actions are")) overdue", count: overdue, link: page, isOverdue: true)) }
                if red > 0 { needs.append(Need(summary: "\(plural(red, "action is", "actions are")) red", count: red, link: page, isOverdue: false)) }
                if missing > 0 { needs.append(Need(summary: "\(plural(missing, "measure is", "measures are")) missing this period’s value", count: missing, link: page, isOverdue: true)) }
                let late = lateReplies[group.key]?.count ?? 0
                if late > 0 { needs.append(Need(summary: "\(plural(late, "partner's reply is", "partners' replies are")) overdue", count: late, link: "/referrals", isOverdue: true)) }
                sections.append(.init(heading: "Chair of \(group.name)", needs: needs, link: page, linkText: "Open \(group.name)"))
            }
        }

        for key in viewer.organisations {
            let view = try organisation(key)
            var needs: [Need] = []
            let pledges = view.pledges
            let toChange = pledges.filter { $0.state == .changesRequested }.count
            if toChange > 0 { needs.append(Need(summary: "\(plural(toChange, "pledge needs", "pledges need")) changes the secretariat asked for", count: toChange, link: "/organisation", isOverdue: false)) }
            let drafts = pledges.filter { $0.state == .draft }.count
            if drafts > 0 { needs.append(Need(summary: "\(plural(drafts, "draft pledge is", "draft pledges are")) not yet submitted", count: drafts, link: "/organisation", isOverdue: false)) }
            let overdue = pledges.filter { $0.state == .reportOverdue }.count
            if overdue > 0 { needs.append(Need(summary: "\(plural(overdue, "pledge’s report is", "pledges’ reports are")) overdue", count: overdue, link: "/organisation", isOverdue: true)) }
            for pledge in pledges where pledge.state == .reportDue {
                needs.append(Need(summary: "Report what you delivered for your \(pledge.pledgeYear.map(String.init) ?? "") pledge by \(pledge.reportDueOn?.inWords ?? "its due date")",
                                  count: 1, link: "/pledges/\(pledge.id.rawValue)", isOverdue: false))
            }
            let year = currentPledgeYear()
            let live: Set<Pledge.State> = [.draft, .submitted, .changesRequested, .approved, .reportDue, .reportOverdue, .reported]
            if !pledges.contains(where: { $0.pledgeYear == year && live.contains($0.state) }) {
                needs.append(Need(summary: "No pledge yet for \(year): make one", count: 1, link: "/pledges/new?organisation=\(key)", isOverdue: false))
            }
            sections.append(.init(heading: view.organisation.name, needs: needs, link: "/organisation", linkText: "Open My organisation"))
        }
        return PersonalHome(sections: sections)
    }
}
