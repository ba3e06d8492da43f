import Foundation
import ArgumentParsing
import Services
import Domain
import Engine

/// `flourish referral send|reply|extend|withdraw|list`: issues referred sideways to partners.
enum ReferralCommands {
    static let all: [Command] = [send, reply, extend, withdraw, list]

    static let send = Command(
        ["referral", "send"], "Refer an issue from a body to a partner with its own governance, with the day a reply is due.",
        discussion: "Partners: bodies of kind partner or with their own governance (the Integrated Care System, the safeguarding partnerships).\nPast the day, the body's chair and the secretariat are told, and it shows as overdue until the reply is recorded.",
        options: [OptionSpec("from", takesValue: true, valueName: "BODY", help: "The referring body (required)."),
                  OptionSpec("partner", takesValue: true, valueName: "BODY", help: "The partner it goes to (required)."),
                  OptionSpec("title", takesValue: true, valueName: "TEXT", help: "What it is about (required)."),
                  OptionSpec("description", takesValue: true, valueName: "TEXT", help: "More detail."),
                  OptionSpec("reply-by", takesValue: true, valueName: "YYYY-MM-DD", help: "The day the reply is due (required).")]
    ) { inv in
        try inv.expectPositionals(atMost: 0)
        let from = try inv.required("from", "BODY"), partner = try inv.required("partner", "BODY")
        let title = try inv.required("title", "TEXT"), replyBy = try inv.required("reply-by", "YYYY-MM-DD")
        let app = try inv.app
        let r = try app.referToPartner(from: from, partner: partner, title: title, description: inv.arguments.value("description") ?? "", replyBy: replyBy, by: inv.actor.id)
        inv.output(json(r)) { "Referred \(r.id) from \(app.displayName("body", r.group)) to \(app.displayName("body", r.partner)); the reply is due by \(r.replyBy?.inWords ?? replyBy)." }
    }

    static func fire(_ inv: Invocation, _ event: String, _ fields: [String: JSONValue], _ said: @escaping (Referral, Flourish) -> String) throws {
        let id = try inv.onlyRecord("REFERRAL: e.g. referral-40")
        let app = try inv.app
        let r = try app.fireReferral(RecordID(id), event: event, fields: fields, by: inv.actor.id)
        inv.output(json(r)) { said(r, app) }
    }

    static let reply = Command(
        ["referral", "reply"], "Record a partner's reply to a referral.", arguments: "REFERRAL",
        options: [OptionSpec("reply", takesValue: true, valueName: "TEXT", help: "What the partner said (required).")]
    ) { inv in
        try fire(inv, "reply", ["reply": .string(try inv.required("reply", "TEXT"))]) { r, app in "Recorded the reply from \(app.displayName("body", r.partner)) to \(r.id); the body's chair is told." }
    }

    static let extend = Command(
        ["referral", "extend"], "Agree more time for a partner's reply, with a reason.", arguments: "REFERRAL",
        options: [OptionSpec("reply-by", takesValue: true, valueName: "YYYY-MM-DD", help: "The new day the reply is due (required)."),
                  OptionSpec("reason", takesValue: true, valueName: "TEXT", help: "Why (required).")]
    ) { inv in
        try fire(inv, "extend", ["replyBy": .string(try inv.required("reply-by", "YYYY-MM-DD")), "reason": .string(try inv.required("reason", "TEXT"))]) { r, _ in
            "\(r.id): the reply is now due by \(r.replyBy?.inWords ?? "?")."
        }
    }

    static let withdraw = Command(
        ["referral", "withdraw"], "Withdraw a referral, with a reason.", arguments: "REFERRAL",
        options: [OptionSpec("reason", takesValue: true, valueName: "TEXT", help: "Why (required).")]
    ) { inv in
        try fire(inv, "withdraw", ["reason": .string(try inv.required("reason", "TEXT"))]) { r, _ in "Withdrew \(r.id)." }
    }

    static let list = Command(["referral", "list"], "List the referrals you may see, open ones first, overdue first.") { inv in
        try inv.expectPositionals(atMost: 0)
        let app = try inv.app
        let all = try app.referrals(for: try inv.viewer)
        inv.output(.array(all.map(json))) {
            all.isEmpty ? "No referrals." : all.map { r in
                "\(r.id)  \(r.state)  \(app.displayName("body", r.group)) to \(app.displayName("body", r.partner))  reply by \(r.replyBy?.inWords ?? "?")  \(r.title)"
            }.joined(separator: "\n")
        }
    }

    static func json(_ r: Referral) -> JSONValue {
        ["id": .string(r.id.rawValue), "state": .string(r.state.rawValue), "group": .string(r.group), "partner": .string(r.partner), "title": .string(r.title),
         "replyBy": r.replyBy.map { .string($0.description) } ?? .null, "reply": r.reply.map(JSONValue.string) ?? .null]
    }
}
