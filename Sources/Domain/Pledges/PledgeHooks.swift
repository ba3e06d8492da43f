public import Foundation
public import Engine
internal import SQLite

/// The hook the pledge workflow calls when a pledge is approved: the organisation's scheme
/// membership stays active until the pledge year ends, then renewal is due, and it lapses at
/// the end of the partnership's grace period unless another pledge is approved first.
public struct PledgeHooks: Sendable {
    public let partnership: Partnership

    public init(partnership: Partnership) { self.partnership = partnership }

    public func register(with engine: WorkflowEngine) {
        engine.register(hook: Approved(p: partnership), as: "pledge-approved")
        engine.register(hook: OrganisationWithdrawn(), as: "organisation-withdrawn")
    }

    struct OrganisationWithdrawn: EffectHook {
        func run(_ context: HookContext) throws {
            guard let organisation = context.instance.data["organisation"]?.stringValue else { return }
            for pledge in try context.instances(of: "pledge", where: "organisation", equals: organisation) where try !context.isFinal(pledge) {
                try context.fire("withdraw", on: pledge.id, payload: ["reason": "The organisation withdrew from the FLOURISH Pledge."])
            }
        }
    }

    struct Approved: EffectHook {
        let p: Partnership
        func run(_ context: HookContext) throws {
            let pledge = context.instance
            guard let organisation = pledge.data["organisation"]?.stringValue,
                  let yearEnds = pledge.data["yearEnds"]?.stringValue.flatMap(CalendarDay.init) else { return }
            // The membership the pledge keeps alive; a pledge made outside the scheme (none registered) has none.
            let memberships = try context.instances(of: "scheme-membership", where: "organisation", equals: organisation)
            guard let membership = memberships.last, ["active", "renewal-due"].contains(membership.state) else { return }
            let lapsesAt = context.time.adding(p.pledges.renewalGrace, to: context.time.moment(yearEnds, hour: 12))
            let lapses = context.time.day(of: lapsesAt)
            // A reminder before the renewal deadline, as there is before every deadline; never before renewal is due.
            let reminder = max(context.time.day(of: context.time.subtracting(ISODuration("P1M")!, from: lapsesAt)), yearEnds)
            try context.fire("pledge-approved", on: membership.id, payload: [
                "pledge": .string(pledge.id.rawValue), "renewalDueOn": .string(yearEnds.description), "lapsesOn": .string(lapses.description),
                "renewalReminderOn": .string(reminder.description),
            ])
        }
    }
}
