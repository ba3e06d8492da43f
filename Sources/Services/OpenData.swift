public import Foundation
public import Engine
import Domain

/// A table for export: CSV (RFC 4180) or JSON, saying when it was generated.
public struct ExportTable: Sendable {
    public let name: String
    public let columns: [String]
    public let rows: [[String]]
    public let generatedAt: Date

    /// CSV with a `generated_at` column on every row, so the file says when it was made
    /// and stays a plain rectangular table.
    public var csv: String {
        let stamp = PartnershipTime.timestamp(generatedAt, withMilliseconds: true)
        return CSV.write([columns + ["generated_at"]] + rows.map { $0 + [stamp] })
    }

    /// `{"generatedAt": …, "<name>": [ {column: value, …}, … ]}`; list columns (`areas`) become arrays.
    public var json: JSONValue {
        let items = rows.map { row in
            JSONValue.object(Dictionary(uniqueKeysWithValues: zip(columns, row).map { column, value in
                (column, Self.listColumns.contains(column) ? .array(value.split(separator: ";").map { .string(String($0)) }) : .string(value))
            }))
        }
        return ["generatedAt": .string(PartnershipTime.timestamp(generatedAt, withMilliseconds: true)), .init(name): .array(items)]
    }

    static let listColumns: Set<String> = ["areas"]
}

extension Flourish {
    public static let exportKinds = ["pledges", "actions", "measures"]

    /// The public pledge wall, every action, or every measure, as a table.
    /// An export as the viewer may have it: the pledge wall for anyone; actions and measures
    /// for the partnership's members (see ``AccessPolicy``).
    public func export(_ kind: String, for viewer: Viewer) throws -> ExportTable {
        if ["actions", "measures"].contains(kind), !viewer.isPartnershipMember {
            throw WorkflowError.notPermitted(actor: viewer.person ?? "a visitor", event: "export \(kind)", allowed: ["members of the partnership's boards and groups", "the secretariat"])
        }
        return try export(kind)
    }

    public func export(_ kind: String) throws -> ExportTable {
        let now = clock.now()
        func day(_ d: Date) -> String { time.day(of: d).description }
        switch kind {
        case "pledges":
            let wall = try wall().entries
            return ExportTable(name: kind, columns: ["pledge", "organisation", "kind", "district", "pledge_year", "text", "areas", "theme", "priority", "approved_on"],
                               rows: wall.map { [$0.pledge.rawValue, $0.organisationName, $0.kind, $0.district, "\($0.pledgeYear)", $0.text,
                                                 $0.areas.joined(separator: ";"), $0.theme ?? "", $0.priority ?? "", day($0.approvedOn)] },
                               generatedAt: now)
        case "actions":
            let actions = try actions().sorted { $0.action.createdAt < $1.action.createdAt }
            return ExportTable(name: kind, columns: ["action", "group", "title", "priority", "areas", "owner", "due_date", "state", "rag", "overdue"],
                               rows: actions.map { v in
                                   let a = v.action
                                   return [a.id.rawValue, a.group, a.title, a.priority ?? "", a.areas.joined(separator: ";"), a.owner,
                                           a.dueDate?.description ?? "", a.state.rawValue, v.latestRAG?.rawValue ?? "", v.isOverdue ? "yes" : "no"]
                               }, generatedAt: now)
        case "measures":
            let measures = try measures().sorted { $0.measure.createdAt < $1.measure.createdAt }
            return ExportTable(name: kind, columns: ["measure", "group", "name", "area", "unit", "direction", "baseline", "target", "latest_period", "latest_value", "rag"],
                               rows: measures.map { v in
                                   let m = v.measure, last = v.values.last
                                   return [m.id.rawValue, m.group, m.name, m.area ?? "", m.unit, m.direction ?? "", AnnualReport.number(m.baseline ?? 0),
                                           AnnualReport.number(m.target ?? 0), last?.period ?? "", last.map { AnnualReport.number($0.value) } ?? "", last?.rag.rawValue ?? ""]
                               }, generatedAt: now)
        default:
            throw ExportError.unknownKind(kind)
        }
    }

    /// An Atom feed (RFC 4287) of the pledges most recently published on the wall.
    public func pledgeFeed(siteURL: String, limit: Int = 50) throws -> String {
        let entries = try wall().entries.sorted { $0.approvedOn > $1.approvedOn }.prefix(limit)
        let updated = entries.first?.approvedOn ?? clock.now()
        var xml = """
        <?xml version="1.0" encoding="utf-8"?>
        <feed xmlns="http://www.w3.org/2005/Atom">
        <title>\(XML.escape("\(partnership.name): new FLOURISH pledges"))</title>
        <id>\(XML.escape(siteURL))/pledges</id>
        <link rel="alternate" type="text/html" href="\(XML.escape(siteURL))/pledges"/>
        <link rel="self" type="application/atom+xml" href="\(XML.escape(siteURL))/open-data/pledges.atom"/>
        <updated>\(PartnershipTime.timestamp(updated, withMilliseconds: true))</updated>
        <author><name>\(XML.escape(partnership.name))</name></author>
        <generator>Flourish</generator>

        """
        for e in entries {
            xml += """
            <entry>
            <title>\(XML.escape("\(e.organisationName): \(e.text)"))</title>
            <id>\(XML.escape(siteURL))/pledges/\(XML.escape(e.pledge.rawValue))</id>
            <link rel="alternate" type="text/html" href="\(XML.escape(siteURL))/pledges/\(XML.escape(e.pledge.rawValue))"/>
            <updated>\(PartnershipTime.timestamp(e.approvedOn, withMilliseconds: true))</updated>
            <summary>\(XML.escape("\(e.organisationName) pledges for \(e.pledgeYear): \(e.text)"))</summary>
            </entry>

            """
        }
        return xml + "</feed>\n"
    }

    /// An iCalendar feed (RFC 5545) of a group's deadlines: its open actions' due dates, its
    /// measures' next values, the escalation reviews waiting at it and its annual report section.
    /// It carries only what the viewer may see: nothing internal for a visitor.
    public func groupCalendar(_ group: String, for viewer: Viewer) throws -> String {
        let body = try governance.body(group)
        var events: [ICS.Event] = []
        for a in try actions(ActionFilter(group: group), for: viewer).map(\.action) where !a.state.isFinished {
            if let due = a.dueDate { events.append(.init(uid: "\(a.id.rawValue)-due", day: due, summary: "Action due: \(a.title)")) }
        }
        for m in try measures(group: group, for: viewer).map(\.measure) where m.state == .active {
            if let due = m.valueDueOn { events.append(.init(uid: "\(m.id.rawValue)-value", day: due, summary: "Measure value due: \(m.name)")) }
        }
        for e in try escalations(state: "open", for: viewer) {
            for review in e.open where review.body == group {
                if let respondBy = review.respondBy.flatMap({ time.parse($0) }) {
                    events.append(.init(uid: "\(review.id.rawValue)-respond", day: time.day(of: respondBy), summary: "Escalation response due: \(e.escalation.title)"))
                }
            }
        }
        for s in try ReportSection.records(instances(of: "report-section", whereData: "group", equals: group)) where try s.state == .requested && policy.sight(of: s, for: viewer) == .whole {
            if let due = s.dueOn { events.append(.init(uid: "\(s.id.rawValue)-due", day: due, summary: "Annual report section due (\(s.year.map(String.init) ?? ""))")) }
        }
        return ICS.calendar(name: "\(body.name): deadlines", events: events.sorted { ($0.day, $0.uid) < ($1.day, $1.uid) }, generatedAt: clock.now())
    }

    /// An iCalendar feed of an organisation's pledge deadlines: check-ins, reports due, renewal and lapse.
    /// It carries only what the viewer may see: a visitor gets the published pledges' dates, and
    /// the membership's renewal dates only its contacts and the secretariat.
    public func organisationCalendar(_ key: String, for viewer: Viewer) throws -> String {
        let view = try organisation(key)
        // An organisation with nothing public (not yet on the wall, or never published) is
        // answered as missing to all but its contacts and the secretariat: its name is theirs.
        guard try policy.speaksFor(organisation: key, viewer: viewer) || view.pledges.contains(where: { try policy.sight(of: $0, for: viewer) > .none }) else {
            throw RegistrationError.unknownOrganisation(key)
        }
        var events: [ICS.Event] = []
        for p in view.pledges where try p.state.awaitsItsReport && policy.sight(of: p, for: viewer) > .none {
            for (field, day, label) in [("checkInOn", p.checkInOn, "Pledge check-in"), ("reportDueOn", p.reportDueOn, "Pledge report due")] {
                if let day { events.append(.init(uid: "\(p.id.rawValue)-\(field)", day: day, summary: "\(label): \(p.text)")) }
            }
        }
        if let m = view.membership, [.active, .renewalDue].contains(m.state), try policy.sight(of: m, for: viewer) == .whole {
            for (field, day, label) in [("renewalDueOn", m.renewalDueOn, "FLOURISH Pledge renewal due"), ("lapsesOn", m.lapsesOn, "Last day to renew before leaving the wall")] {
                if let day { events.append(.init(uid: "\(m.id.rawValue)-\(field)", day: day, summary: label)) }
            }
        }
        return ICS.calendar(name: "\(view.organisation.name): FLOURISH Pledge deadlines", events: events.sorted { ($0.day, $0.uid) < ($1.day, $1.uid) }, generatedAt: clock.now())
    }
}

public enum ExportError: Error, Equatable, Sendable, LocalizedError {
    case unknownKind(String)
    public var errorDescription: String? {
        switch self {
        case .unknownKind(let kind): return "There is no export called \(kind); use one of: \(Flourish.exportKinds.joined(separator: ", "))."
        }
    }
}

/// Escaping for HTML and XML text and quoted attributes: & < > " ' (as Python's html.escape
/// does; the web's `HTML.escape` is this, checked against it).
public enum Markup {
    public static func escape(_ s: String) -> String {
        // Most text (a title, a name, a date) has nothing to escape: it is returned as it is,
        // uncopied. The five characters are ASCII, and no byte of a multi-byte UTF-8 sequence
        // is, so the rest is done on the bytes.
        guard s.utf8.contains(where: { $0 == 0x26 || $0 == 0x3C || $0 == 0x3E || $0 == 0x22 || $0 == 0x27 }) else { return s }
        var out: [UInt8] = []
        out.reserveCapacity(s.utf8.count + 32)
        for byte in s.utf8 {
            switch byte {
            case 0x26: out += "&amp;".utf8
            case 0x3C: out += "&lt;".utf8
            case 0x3E: out += "&gt;".utf8
            case 0x22: out += "&quot;".utf8
            case 0x27: out += "&#x27;".utf8
            default: out.append(byte)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// XML text and attribute escaping: as for HTML, and characters XML 1.0 does not allow at all
/// are dropped rather than written.
public enum XML {
    public static func escape(_ s: String) -> String {
        var allowed = String.UnicodeScalarView()
        for c in s.unicodeScalars {
            switch c {
            case "\u{0}"..."\u{8}", "\u{B}", "\u{C}", "\u{E}"..."\u{1F}", "\u{FFFE}", "\u{FFFF}": continue
            default: allowed.append(c)
            }
        }
        return Markup.escape(String(allowed))
    }
}

/// iCalendar (RFC 5545) writing: all-day events, TEXT escaping and 75-octet line folding.
public enum ICS {
    public struct Event: Sendable, Equatable {
        public let uid: String, day: CalendarDay, summary: String
        /// A timed event's start and end (an all-day event has none), and where it is.
        public var start: Date? = nil, end: Date? = nil, location: String? = nil
        public init(uid: String, day: CalendarDay, summary: String) { self.uid = uid; self.day = day; self.summary = summary }
        public init(uid: String, start: Date, end: Date, summary: String, location: String?) {
            self.uid = uid; self.day = CalendarDay(year: 1970, month: 1, day: 1); self.summary = summary
            self.start = start; self.end = end; self.location = location
        }
    }

    public static func calendar(name: String, events: [Event], generatedAt: Date) -> String {
        let stamp = utc(generatedAt)
        var lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Flourish//Partnership deadlines//EN", "CALSCALE:GREGORIAN", "METHOD:PUBLISH",
                     "X-WR-CALNAME:" + escape(name), "X-FLOURISH-GENERATED:" + stamp]
        for e in events {
            if let start = e.start, let end = e.end {
                lines += ["BEGIN:VEVENT", "UID:" + escape(e.uid) + "@flourish", "DTSTAMP:" + stamp, "DTSTART:" + utc(start), "DTEND:" + utc(end),
                          "SUMMARY:" + escape(e.summary)] + (e.location.map { ["LOCATION:" + escape($0)] } ?? []) + ["END:VEVENT"]
                continue
            }
            let date = e.day.description.replacingOccurrences(of: "-", with: "")
            let next = e.day.adding(days: 1).description.replacingOccurrences(of: "-", with: "")
            lines += ["BEGIN:VEVENT", "UID:" + escape(e.uid) + "@flourish", "DTSTAMP:" + stamp, "DTSTART;VALUE=DATE:" + date, "DTEND;VALUE=DATE:" + next,
                      "SUMMARY:" + escape(e.summary), "TRANSP:TRANSPARENT", "END:VEVENT"]
        }
        lines.append("END:VCALENDAR")
        return lines.map(fold).joined(separator: "\r\n") + "\r\n"
    }

    /// TEXT escaping: backslash, semicolon, comma and newlines.
    public static func escape(_ text: String) -> String {
        var out = ""
        for c in text.unicodeScalars {
            switch c {
            case "\\": out += "\\\\"
            case ";": out += "\\;"
            case ",": out += "\\,"
            case "\n": out += "\\n"
            case "\r": continue
            case "\u{0}"..."\u{8}", "\u{B}"..."\u{1F}", "\u{7F}": continue  // controls are not allowed in TEXT
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    /// Folds a content line so no physical line is longer than 75 octets, never splitting a UTF-8 character.
    public static func fold(_ line: String) -> String {
        var result = "", current = 0
        for ch in line.unicodeScalars {
            let size = String(ch).utf8.count
            if current + size > 75 {
                result += "\r\n "
                current = 1
            }
            result.unicodeScalars.append(ch)
            current += size
        }
        return result
    }

    static func utc(_ date: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return f.string(from: date)
    }
}

extension Flourish {
    /// A person's own link to a deadlines feed: calendar apps cannot sign in, so the link
    /// carries who it is for and a key only Flourish can make (an HMAC of the person and the
    /// feed's path under a secret of this database). Whoever holds the link sees the feed as
    /// that person would.
    public func feedKey(for person: String, feed path: String) throws -> String {
        // The password is in the key, so a new password (a reset after a link leaked, say)
        // makes new links and the old ones stop.
        // (The stored hash, whose salt is new with every password, not the time of the change:
        // two changes in one millisecond, as a simulated clock makes them, are still two.)
        let password = try database.read { try $0.queryOne("SELECT password_hash FROM accounts WHERE person_id = ?", person)?.string("password_hash") }
        return HMACSHA256.authenticationCode(key: try accounts.secret("feeds"), message: Array("feed:\(person)\n\(path)\n\(password ?? "-")".utf8)).hexString
    }

    /// The viewer a personal feed link reads as, or nil when it carries no key.
    ///
    /// - Throws: ``WorkflowError/notPermitted(actor:event:allowed:)`` when the key does not
    ///   match (a link altered, or made for another feed).
    public func feedViewer(person: String?, key: String?, feed path: String) throws -> Viewer? {
        guard let person, let key else { return nil }
        // A disabled account's links read nothing (they kept reading its escalations).
        guard constantTimeEquals(Array(key.utf8), Array(try feedKey(for: person, feed: path).utf8)), try directory.person(person) != nil,
              try accounts.isDisabled(person) != true else {
            throw WorkflowError.notPermitted(actor: person, event: "read this calendar", allowed: ["the person the link was made for; copy the link again from your page"])
        }
        return try viewer(for: person)
    }

    /// Another person's link, made for them: by themselves, or by the secretariat (to send it).
    public func personalFeedLink(_ path: String, of person: String, requestedBy requester: Viewer) throws -> String {
        guard requester.person == person || requester.isSecretariat else {
            throw WorkflowError.notPermitted(actor: requester.person ?? "a visitor", event: "make \(person)'s calendar link", allowed: ["\(person) themselves", "the secretariat"])
        }
        guard try directory.person(person) != nil else { throw DirectoryError.unknownPerson(person) }
        return try personalFeedLink(path, for: try viewer(for: person)) ?? path
    }

    /// The viewer's personal link to a feed (path and query), or nil for a visitor.
    public func personalFeedLink(_ path: String, for viewer: Viewer) throws -> String? {
        guard let person = viewer.person else { return nil }
        return "\(path)?for=\(person.addingPercentEncoding(withAllowedCharacters: CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? person)&key=\(try feedKey(for: person, feed: path))"
    }
}
