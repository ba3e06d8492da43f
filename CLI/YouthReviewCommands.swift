import Foundation
import ArgumentParsing
import Services
import Domain
import Engine

/// `flourish youth-review on|off|send|view|finish|list`: a participation group sees pledges
/// before they are published, and writes its statement in the annual report.
enum YouthReviewCommands {
    static let all: [Command] = [on, off, send, view, finish, list]

    static let on = Command(
        ["youth-review", "on"], "Switch the youth review on: a participation group sees submitted pledges before they are published (the secretariat).",
        discussion: "Pledges go to the panel in batches ('flourish youth-review send'); a pledge is published once the panel has given its view, finished the batch, or its deadline has passed.\nWith it on, a new annual report asks the panel for its own statement, and the Alliance approves the report only once it is in.",
        options: [OptionSpec("panel", takesValue: true, valueName: "BODY", help: "The participation group (required)."),
                  OptionSpec("working-days", takesValue: true, valueName: "N", help: "Working days the panel has for each batch (default 10).")]
    ) { inv in
        try inv.expectPositionals(atMost: 0)
        let s = try inv.app.switchYouthReview(on: true, panel: try inv.required("panel", "BODY"), workingDays: try inv.integer("working-days") ?? 10, by: inv.actor.id)
        inv.output(.object(["on": .bool(true), "panel": .string(s?.panel.key ?? ""), "workingDays": .integer(Int64(s?.workingDays.count ?? 0))])) {
            "The youth review is on: \(s?.panel.name ?? "") look at pledges before they are published, within \(s?.workingDays.description ?? "")."
        }
    }

    static let off = Command(["youth-review", "off"], "Switch the youth review off: pledges are published without the panel (the secretariat).") { inv in
        try inv.expectPositionals(atMost: 0)
        _ = try inv.app.switchYouthReview(on: false, by: inv.actor.id)
        inv.output(.object(["on": .bool(false)])) { "The youth review is off." }
    }

    static let send = Command(
        ["youth-review", "send"], "Send submitted pledges to the youth panel as one batch (the secretariat); with none named, every submitted pledge it has not had.",
        arguments: "[PLEDGE...]"
    ) { inv in
        let app = try inv.app
        let pledges = inv.positionals.isEmpty ? try app.pledgesForYouthReview().map(\.id.rawValue) : inv.positionals
        let batch = try app.sendForYouthReview(pledges, by: inv.actor.id)
        inv.output(json(batch)) { "Sent \(batch.pledges.count) \(batch.pledges.count == 1 ? "pledge" : "pledges") to \(app.displayName("body", batch.panel)) as \(batch.id); their view is due by \(batch.reviewBy?.inWords ?? "?")." }
    }

    static let view = Command(
        ["youth-review", "view"], "Record the panel's view of a pledge in a batch (the panel's lead).", arguments: "BATCH",
        options: [OptionSpec("pledge", takesValue: true, valueName: "PLEDGE", help: "The pledge (required)."),
                  OptionSpec("endorse", help: "The panel endorses it."),
                  OptionSpec("comment", takesValue: true, valueName: "TEXT", help: "What the panel thinks, in its words.")]
    ) { inv in
        let batch = try inv.onlyRecord("BATCH: e.g. youth-review-80")
        let endorse = inv.arguments.flag("endorse"), comment = inv.arguments.value("comment")
        guard endorse || comment != nil else { throw UsageError("give --endorse, or --comment TEXT, or both") }
        let app = try inv.app
        let pledge = try inv.required("pledge", "PLEDGE")
        let b = try app.giveYouthView(batch, pledge: pledge, view: endorse ? "endorse" : "comment", comment: comment, by: inv.actor.id)
        inv.output(json(b)) { "Recorded the panel's view of \(pledge): \(endorse ? "endorsed" : "a comment"). \(b.views.count) of \(b.pledges.count) pledges in \(b.id) have the panel's view." }
    }

    static let finish = Command(["youth-review", "finish"], "Say the panel has finished a batch (the panel's lead); the secretariat may publish the rest.", arguments: "BATCH") { inv in
        let b = try inv.app.finishYouthReview(try inv.onlyRecord("BATCH: e.g. youth-review-80"), by: inv.actor.id)
        inv.output(json(b)) { "\(b.id) is finished; the secretariat is told." }
    }

    static let list = Command(["youth-review", "list"], "Whether the youth review is on, and the batches sent to the panel.") { inv in
        try inv.expectPositionals(atMost: 0)
        let app = try inv.app
        let setting = try app.youthReviewSetting()
        let viewer = try inv.viewer
        let batches = try app.youthReviewBatches(for: viewer)
        inv.output(.object(["on": .bool(setting != nil), "panel": setting.map { .string($0.panel.key) } ?? .null, "batches": .array(batches.map(json))])) {
            ([setting.map { "The youth review is on: \($0.panel.name), \($0.workingDays) a batch." } ?? "The youth review is off."]
             + batches.map { "\($0.id)  \($0.state)  \($0.views.count) of \($0.pledges.count) with a view  review by \($0.reviewBy?.inWords ?? "?")" }).joined(separator: "\n")
        }
    }

    static func json(_ b: YouthReviewBatch) -> JSONValue {
        .object(["id": .string(b.id.rawValue), "state": .string(b.state), "panel": .string(b.panel), "pledges": .array(b.pledges.map(JSONValue.string)),
                 "reviewBy": .string(b.reviewBy?.description ?? ""),
                 "views": .object(b.views.mapValues { v in .object(["view": .string(v.view), "comment": v.comment.map(JSONValue.string) ?? .null]) })])
    }
}
