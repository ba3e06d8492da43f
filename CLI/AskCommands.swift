import Foundation
import ArgumentParsing
import Services
import Domain
import Engine

/// `flourish ask publish|close|list`, `flourish pledge coverage` and `flourish pledge badge`:
/// pledges that meet the partnership's needs, and what a published pledge earns to show.
enum AskCommands {
    static let all: [Command] = [publish, close, list, coverage, badge]

    static let publish = Command(
        ["ask", "publish"], "Publish an ask: something organisations are asked to pledge (the secretariat).",
        discussion: "Tie it to a priority's \"what needs to happen\" item ('flourish framework --priority KEY' lists them) and to the districts with fewest pledges ('flourish pledge coverage').",
        options: [OptionSpec("title", takesValue: true, valueName: "TEXT", help: "What is asked for (required)."),
                  OptionSpec("description", takesValue: true, valueName: "TEXT", help: "Who it is for and what would help."),
                  OptionSpec("priority", takesValue: true, valueName: "KEY", help: "The priority it serves."),
                  OptionSpec("item", takesValue: true, valueName: "KEY", help: "The priority's \"what needs to happen\" item, e.g. prevention-and-early-help.1."),
                  OptionSpec("areas", takesValue: true, valueName: "AREA,...", help: "FLOURISH areas (at least one)."),
                  OptionSpec("districts", takesValue: true, valueName: "KEY,...", help: "Districts it is most needed in (default: anywhere).")]
    ) { inv in
        try inv.expectPositionals(atMost: 0)
        let app = try inv.app
        let ask = try app.publishAsk(title: try inv.required("title", "TEXT"), description: inv.arguments.value("description") ?? "",
                                     priority: inv.arguments.value("priority"), item: inv.arguments.value("item"),
                                     areas: ActionCommands.list(inv.arguments.value("areas")), districts: ActionCommands.list(inv.arguments.value("districts")), by: inv.actor.id)
        inv.output(json(ask)) { "Published \(ask.id): \(ask.title). Organisations pledge against it with 'flourish pledge create --ask \(ask.id)' or on the wall." }
    }

    static let close = Command(
        ["ask", "close"], "Close an ask, with a reason (the secretariat); the pledges it drew keep it.", arguments: "ASK",
        options: [OptionSpec("reason", takesValue: true, valueName: "TEXT", help: "Why it is closed (required).")]
    ) { inv in
        let id = try inv.onlyRecord("ASK: e.g. pledge-ask-70")
        let ask = try inv.app.closeAsk(RecordID(id), reason: try inv.required("reason", "TEXT"), by: inv.actor.id)
        inv.output(json(ask)) { "Closed \(ask.id): \(ask.title)." }
    }

    static let list = Command(["ask", "list"], "List the asks with how many pledges each drew, open ones first.") { inv in
        try inv.expectPositionals(atMost: 0)
        let asks = try inv.app.asks()
        inv.output(.array(asks.map { json($0.ask, pledges: $0.pledges, published: $0.published) })) {
            asks.isEmpty ? "No asks published." : asks.map { "\($0.ask.id)  \($0.ask.state)  \($0.pledges) pledged, \($0.published) on the wall  \($0.ask.title)" }.joined(separator: "\n")
        }
    }

    static let coverage = Command(
        ["pledge", "coverage"], "Published pledges by FLOURISH area and district: where pledges are and are not.",
        options: [OptionSpec("kind", takesValue: true, valueName: "KIND", help: "Only organisations of this kind.")]
    ) { inv in
        try inv.expectPositionals(atMost: 0)
        let app = try inv.app
        let kind = inv.arguments.value("kind")
        let c = try app.pledgeCoverage(kind: kind)
        inv.output(.object(["total": .integer(Int64(c.total)), "counts": .object(c.counts.mapValues { .object($0.mapValues { .integer(Int64($0)) }) }),
                            "byDistrict": .object(c.byDistrict.mapValues { .integer(Int64($0)) })])) {
            let width = max(24, c.areas.map(\.name.count).max() ?? 0)
            func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }
            var lines = ["\(c.total) published pledges" + (kind.map { " from \($0) organisations" } ?? "") + "; columns are districts, fewest pledges first:"]
            let districts = c.leastCovered
            lines.append(pad("", width) + districts.map { " " + pad(String($0.name.prefix(12)), 12) }.joined())
            for a in c.areas { lines.append(pad(a.name, width) + districts.map { " " + pad(String(c.count(a.key, $0.key)), 12) }.joined()) }
            lines.append(pad("From the district", width) + districts.map { " " + pad(String(c.byDistrict[$0.key] ?? 0), 12) }.joined())
            return lines.joined(separator: "\n")
        }
    }

    static let badge = Command(
        ["pledge", "badge"], "Whether a published pledge is current, and the code for the organisation's website badge.", arguments: "PLEDGE",
        options: [OptionSpec("site", takesValue: true, valueName: "URL", help: "The site's address (default: FLOURISH_SITE_URL, else http://localhost:8080).")]
    ) { inv in
        let id = try inv.onlyRecord("PLEDGE: e.g. pledge-12").rawValue
        let r = try inv.app.recognition(RecordID(InstanceID(id)))
        let site = inv.arguments.value("site") ?? ProcessInfo.processInfo.environment["FLOURISH_SITE_URL"] ?? "http://localhost:8080"
        let snippet = r.badgeSnippet(site: site)
        inv.output(.object(["pledge": .string(id), "title": .string(r.title), "current": .bool(r.isCurrent), "standing": .string(r.standing), "snippet": .string(snippet)])) {
            "\(r.title), \(r.organisationName): \(r.standing).\nCertificate: \(site)/pledges/\(id)/certificate\nBadge for its website:\n\(snippet)"
        }
    }

    static func json(_ ask: PledgeAsk, pledges: Int = 0, published: Int = 0) -> JSONValue {
        var o: [String: JSONValue] = ["id": .string(ask.id.rawValue), "state": .string(ask.state.rawValue), "title": .string(ask.title),
                                      "areas": .array(ask.areas.map(JSONValue.string)), "districts": .array(ask.districts.map(JSONValue.string)),
                                      "pledges": .integer(Int64(pledges)), "onTheWall": .integer(Int64(published))]
        if let p = ask.priority { o["priority"] = .string(p) }
        if let i = ask.item { o["item"] = .string(i) }
        return .object(o)
    }
}
