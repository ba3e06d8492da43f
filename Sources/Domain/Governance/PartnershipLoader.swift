public import Foundation
public import Engine

/// Reads a partnership file (`Workflows/partnerships/*.json`) and checks its graph.
///
/// Every problem is reported with file, line and column: duplicate keys or names, reporting
/// lines to unknown bodies, cycles, a body with no way up to the top, a top body that reports
/// somewhere, priorities the framework does not have.
public enum PartnershipLoader {
    public static func load(_ text: String, file: String, knownPriorities: Set<String>? = nil) throws -> Partnership {
        let document: JSONDocument
        do { document = try JSONDocument.parse(text) } catch let error as JSONSyntaxError {
            throw DefinitionError(problems: [DefinitionProblem(file: file, location: error.location, pointer: "", code: "malformed-json",
                                                               message: "The file is not valid JSON: \(error.message).", hint: "Fix the JSON syntax at this line and column.")])
        }
        var problems: [DefinitionProblem] = []
        func report(_ pointer: String, _ code: String, _ message: String, _ hint: String) {
            problems.append(DefinitionProblem(file: file, location: document.location(of: pointer), pointer: pointer, code: code, message: message, hint: hint))
        }
        let root = document.root
        func string(_ pointer: String, _ value: JSONValue?) -> String {
            guard let s = value?.stringValue, !s.isEmpty else {
                report(pointer, "missing-member", "\(pointer) must be a non-empty string.", "Add it.")
                return ""
            }
            return s
        }
        let key = string("/key", root["key"])
        let name = string("/name", root["name"])
        let zoneName = root["timeZone"]?.stringValue ?? "Europe/London"
        let zone = TimeZone(identifier: zoneName)
        if zone == nil { report("/timeZone", "unknown-time-zone", "\"\(zoneName)\" is not a known time zone.", "Use an IANA name such as Europe/London.") }
        let rawBodies = root["bodies"]?.arrayValue ?? []
        if rawBodies.isEmpty { report("/bodies", "no-bodies", "A partnership needs at least one body.", "List its bodies under \"bodies\".") }
        var bodies: [GovernanceBody] = []
        var seenKeys: [String: Int] = [:], seenNames: [String: Int] = [:]
        for (i, b) in rawBodies.enumerated() {
            let p = "/bodies/\(i)"
            let bodyKey = string(p + "/key", b["key"])
            let bodyName = string(p + "/name", b["name"])
            if let first = seenKeys[bodyKey] { report(p + "/key", "duplicate-body", "The key \"\(bodyKey)\" is already used by body \(first).", "Give each body its own key.") }
            else { seenKeys[bodyKey] = i }
            let folded = bodyName.lowercased()
            if let first = seenNames[folded] { report(p + "/name", "duplicate-name", "The name \"\(bodyName)\" is already used by body \(first).", "Give each body its own name.") }
            else { seenNames[folded] = i }
            let kindText = b["kind"]?.stringValue ?? ""
            let kind = BodyKind(rawValue: kindText)
            if kind == nil { report(p + "/kind", "unknown-kind", "\"\(kindText)\" is not a kind of body.", "Use one of: \(BodyKind.allCases.map(\.rawValue).joined(separator: ", ")).") }
            let functions = (b["functions"]?.arrayValue ?? []).map { f in
                BodyFunction(key: f["key"]?.stringValue ?? "", name: f["name"]?.stringValue ?? "",
                             decisions: f["decisions"]?.arrayValue?.compactMap(\.stringValue) ?? [], restrictedToRole: f["restrictedToRole"]?.stringValue)
            }
            let priority = b["priority"]?.stringValue
            if let priority, let knownPriorities, !knownPriorities.contains(priority) {
                report(p + "/priority", "unknown-priority", "The priority \"\(priority)\" is not in the framework.", "Use one of: \(knownPriorities.sorted().joined(separator: ", ")).")
            }
            bodies.append(GovernanceBody(key: bodyKey, name: bodyName, kind: kind ?? .subgroup,
                                         reportsTo: b["reportsTo"]?.arrayValue?.compactMap(\.stringValue) ?? [],
                                         worksWith: b["worksWith"]?.arrayValue?.compactMap(\.stringValue) ?? [],
                                         priority: priority, functions: functions, description: b["description"]?.stringValue ?? "",
                                         hasIndependentGovernance: b["independentGovernance"]?.boolValue ?? false))
        }
        let keys = Set(bodies.map(\.key))
        let known = bodies.map(\.key).joined(separator: ", ")
        for (i, b) in bodies.enumerated() where b.kind == .participationGroup {
            if !b.reportsTo.isEmpty {
                report("/bodies/\(i)/reportsTo", "participation-group-reports", "\"\(b.name)\" is a participation group; it speaks to bodies, it does not report to them.", "Move its bodies from reportsTo to worksWith.")
            }
            if b.worksWith.isEmpty {
                report("/bodies/\(i)/worksWith", "participation-group-unheard", "\"\(b.name)\" is a participation group that speaks to no body, so nobody would answer what it says.", "Name the bodies it speaks to under worksWith.")
            }
        }
        for (i, b) in bodies.enumerated() {
            for (j, parent) in b.reportsTo.enumerated() where !keys.contains(parent) {
                report("/bodies/\(i)/reportsTo/\(j)", "unknown-body", "\"\(b.key)\" reports to \"\(parent)\", which is not a body here.", "Use one of: \(known).")
            }
            for (j, partner) in b.worksWith.enumerated() where !keys.contains(partner) {
                report("/bodies/\(i)/worksWith/\(j)", "unknown-body", "\"\(b.key)\" works with \"\(partner)\", which is not a body here.", "Use one of: \(known).")
            }
        }
        let top = string("/topBody", root["topBody"])
        let alliance = root["allianceBody"]?.stringValue ?? top
        for (pointer, value) in [("/topBody", top), ("/allianceBody", alliance)] where !value.isEmpty && !keys.contains(value) {
            report(pointer, "unknown-body", "\"\(value)\" is not a body here.", "Use one of: \(known).")
        }
        if let topIndex = bodies.firstIndex(where: { $0.key == top }), !bodies[topIndex].reportsTo.isEmpty {
            report("/bodies/\(topIndex)/reportsTo", "top-reports-up", "The top body \"\(top)\" reports to another body; the top cannot escalate further.", "Empty its reportsTo, or name another topBody.")
        }
        // Cycles: follow reporting lines depth first.
        var state: [String: Int] = [:]  // 1 visiting, 2 done
        let byKey = Dictionary(bodies.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        func visit(_ k: String, path: [String]) {
            if state[k] == 2 { return }
            if state[k] == 1 {
                let cycle = (path.drop { $0 != k } + [k]).joined(separator: " -> ")
                let index = bodies.firstIndex { $0.key == k } ?? 0
                report("/bodies/\(index)/reportsTo", "reporting-cycle", "The reporting lines go round in a circle: \(cycle).", "Remove one of these reporting lines.")
                return
            }
            state[k] = 1
            for parent in byKey[k]?.reportsTo ?? [] where keys.contains(parent) { visit(parent, path: path + [k]) }
            state[k] = 2
        }
        for b in bodies { visit(b.key, path: []) }
        // Every body but partners and independently governed ones must have a way up to the top.
        if keys.contains(top) {
            var reachesTop: Set<String> = [top]
            var changed = true
            while changed {
                changed = false
                for b in bodies where !reachesTop.contains(b.key) && b.reportsTo.contains(where: { reachesTop.contains($0) }) {
                    reachesTop.insert(b.key)
                    changed = true
                }
            }
            for (i, b) in bodies.enumerated() where !reachesTop.contains(b.key) && b.kind.isInReportingLines && !b.hasIndependentGovernance {
                report("/bodies/\(i)", "no-way-up", "\"\(b.name)\" has no reporting line leading up to the top body \"\(top)\", so its escalations would have nowhere to go.",
                       "Give it a reportsTo, or mark it \"independentGovernance\": true.")
            }
        }
        let escalation = principles(root["escalation"], keys: keys, bodies: bodies, alliance: alliance, report: report)
        let pledges = pledgeSettings(root["pledges"], report: report)
        let papersPublic = (root["papersPublic"]?.arrayValue ?? []).compactMap(\.stringValue)
        for (i, body) in papersPublic.enumerated() where !keys.contains(body) {
            report("/papersPublic/\(i)", "unknown-body", "\"\(body)\" is not a body here.", "Name a body whose meeting papers are published, or remove it.")
        }
        let voice = voiceSettings(root["voice"], report: report)
        if !problems.isEmpty { throw DefinitionError(problems: problems) }
        var partnership = Partnership(key: key, name: name, timeZone: zone ?? TimeZone(identifier: "Europe/London")!,
                                      calendar: root["calendar"]?.stringValue ?? "england-and-wales", framework: root["framework"]?.stringValue ?? "flourish",
                                      topBody: top, allianceBody: alliance, districts: named(root["districts"]), sectors: named(root["sectors"]),
                                      bodies: bodies, escalation: escalation)
        partnership.pledges = pledges
        partnership.organisationKinds = named(root["organisationKinds"])
        partnership.sizeBands = named(root["sizeBands"])
        partnership.papersPublic = Set(papersPublic)
        partnership.voice = voice
        return partnership
    }

    static func pledgeSettings(_ json: JSONValue?, report: (String, String, String, String) -> Void) -> PledgeSettings {
        guard let p = json else { return .standard }
        let standard = PledgeSettings.standard
        func duration(_ key: String, _ fallback: ISODuration) -> ISODuration {
            guard let text = p[key]?.stringValue else { return fallback }
            guard let d = ISODuration(text) else {
                report("/pledges/\(key)", "bad-duration", "\"\(text)\" is not an ISO 8601 duration.", "Write it like P6M or P3M.")
                return fallback
            }
            return d
        }
        var year = PledgeSettings.YearMode.fromApproval
        if p["year"]?["mode"]?.stringValue == "scheme-year" {
            let month = p["year"]?["startsMonth"]?.intValue ?? 4, day = p["year"]?["startsDay"]?.intValue ?? 1
            if !(1...12).contains(month) || !(1...28).contains(day) {
                report("/pledges/year", "bad-scheme-year", "A scheme year must start on a day 1 to 28 of a month 1 to 12.", "Use startsMonth 4 and startsDay 1 for April to March.")
            }
            year = .schemeYear(month: month, day: day)
        }
        let themes = named(p["themes"])
        return PledgeSettings(year: year, checkInAfter: duration("checkInAfter", standard.checkInAfter),
                              reportReminderBefore: duration("reportReminderBefore", standard.reportReminderBefore),
                              reportDueWorkingDays: WorkingDays(p["reportDueWorkingDays"]?.intValue ?? 20),
                              renewalGrace: duration("renewalGrace", standard.renewalGrace), themes: themes.isEmpty ? standard.themes : themes)
    }

    static func voiceSettings(_ json: JSONValue?, report: (String, String, String, String) -> Void) -> VoiceSettings {
        guard let v = json else { return .standard }
        func days(_ key: String, _ fallback: WorkingDays) -> WorkingDays {
            guard let value = v[key] else { return fallback }
            guard let n = value.intValue, n >= 1, n <= 365 else {
                report("/voice/\(key)", "bad-working-days", "/voice/\(key) should be a whole number of working days from 1 to 365.", "Write it like 20.")
                return fallback
            }
            return WorkingDays(n)
        }
        let settings = VoiceSettings(responseWorkingDays: days("responseWorkingDays", VoiceSettings.standard.responseWorkingDays),
                                     reminderWorkingDays: days("reminderWorkingDays", VoiceSettings.standard.reminderWorkingDays))
        if settings.reminderWorkingDays >= settings.responseWorkingDays {
            report("/voice/reminderWorkingDays", "reminder-after-due", "The reminder (\(settings.reminderWorkingDays) before) would come before the view is recorded.", "Make reminderWorkingDays fewer than responseWorkingDays.")
        }
        return settings
    }

    static func named(_ json: JSONValue?) -> [NamedKey] {
        (json?.arrayValue ?? []).map { NamedKey(key: $0["key"]?.stringValue ?? "", name: $0["name"]?.stringValue ?? "") }
    }

    static let defaultPrinciplesNote = "as the engine's defaults"

    /// Principles kept as a version (``PrinciplesRegister``), read back against today's bodies.
    public static func principles(kept json: JSONValue, bodies: [GovernanceBody], alliance: String) throws -> EscalationPrinciples {
        var problems: [String] = []
        let result = principles(json, keys: Set(bodies.map(\.key)), bodies: bodies, alliance: alliance) { pointer, _, message, _ in problems.append("\(pointer): \(message)") }
        if !problems.isEmpty { throw GovernanceError.principlesUnreadable(problems) }
        return result
    }

    static func principles(_ json: JSONValue?, keys: Set<String>, bodies: [GovernanceBody], alliance: String,
                           report: (String, String, String, String) -> Void) -> EscalationPrinciples {
        let e = json ?? .object([:])
        // Where escalation stops: the alliance unless the file says; the bodies above it receive reports.
        let stopsAt = e["stopsAt"]?.stringValue ?? alliance
        let above = EscalationRouting.bodies(above: stopsAt, in: bodies)
        if !keys.contains(stopsAt) {
            report("/escalation/stopsAt", "unknown-body", "\"\(stopsAt)\" is not a body here.", "Name the body at the top of operational escalation, such as the alliance.")
        } else if let stop = bodies.first(where: { $0.key == stopsAt }), !stop.kind.isInReportingLines {
            report("/escalation/stopsAt", "partner-cannot-decide", "\"\(stop.name)\" is a partner with its own governance; escalation cannot stop there.", "Name a board of the partnership.")
        } else {
            // Every group below the stop must have a way to it, or its escalations go nowhere.
            var reachesStop: Set<String> = [stopsAt]
            var changed = true
            while changed {
                changed = false
                for b in bodies where !reachesStop.contains(b.key) && b.reportsTo.contains(where: { reachesStop.contains($0) }) {
                    reachesStop.insert(b.key)
                    changed = true
                }
            }
            // A body with no way up at all is reported once, as having no way up.
            let hasWayUp = { (b: GovernanceBody) in b.reportsTo.contains(where: keys.contains) }
            for (i, b) in bodies.enumerated() where !reachesStop.contains(b.key) && !above.contains(b.key) && b.kind.isInReportingLines && !b.hasIndependentGovernance && hasWayUp(b) {
                report("/bodies/\(i)", "no-way-to-stop", "\"\(b.name)\" has no reporting line leading to \"\(stopsAt)\", where escalation stops, so its escalations would have nowhere to go.",
                       "Give it a reportsTo leading there, or mark it \"independentGovernance\": true.")
            }
        }
        func operational(_ key: String, _ pointer: String) {
            if above.contains(key) {
                report(pointer, "above-the-stop", "\"\(key)\" is above \"\(stopsAt)\", where escalation stops; it receives reports and takes no operational decision.",
                       "Name \"\(stopsAt)\" or a body below it.")
            }
        }
        func days(_ value: JSONValue?, _ pointer: String, fallback: Int) -> WorkingDays {
            guard let value else { return WorkingDays(fallback) }
            guard let n = value.intValue, n >= 1, n <= 365 else {
                report(pointer, "bad-working-days", "\(pointer) should be a whole number of working days from 1 to 365.", "Write it like 10.")
                return WorkingDays(fallback)
            }
            return WorkingDays(n)
        }
        var byKind: [BodyKind: WorkingDays] = [:], byBody: [String: WorkingDays] = [:]
        for (k, v) in e["responseWorkingDays"]?["byKind"]?.objectValue ?? [:] {
            guard let kind = BodyKind(rawValue: k) else {
                report("/escalation/responseWorkingDays/byKind/\(k)", "unknown-kind", "\"\(k)\" is not a kind of body.", "Use one of: \(BodyKind.allCases.map(\.rawValue).joined(separator: ", ")).")
                continue
            }
            byKind[kind] = days(v, "/escalation/responseWorkingDays/byKind/\(k)", fallback: 10)
        }
        for (k, v) in e["responseWorkingDays"]?["byBody"]?.objectValue ?? [:] {
            if !keys.contains(k) { report("/escalation/responseWorkingDays/byBody/\(k)", "unknown-body", "\"\(k)\" is not a body here.", "Use a body's key.") }
            byBody[k] = days(v, "/escalation/responseWorkingDays/byBody/\(k)", fallback: 10)
        }
        let roles = Set(MembershipRole.allCases.map(\.rawValue))
        func roleList(_ value: JSONValue?, _ pointer: String, fallback: [String]) -> [String] {
            guard let list = value?.arrayValue?.compactMap(\.stringValue) else { return fallback }
            for (i, r) in list.enumerated() where !roles.contains(r) {
                report(pointer + "/\(i)", "unknown-role", "\"\(r)\" is not a membership role.", "Use one of: \(roles.sorted().joined(separator: ", ")).")
            }
            return list
        }
        var decidersByKind: [BodyKind: [String]] = [:], decidersByBody: [String: [String]] = [:]
        for (k, v) in e["deciders"]?["byKind"]?.objectValue ?? [:] {
            if let kind = BodyKind(rawValue: k) { decidersByKind[kind] = roleList(v, "/escalation/deciders/byKind/\(k)", fallback: []) }
            else { report("/escalation/deciders/byKind/\(k)", "unknown-kind", "\"\(k)\" is not a kind of body.", "Use one of: \(BodyKind.allCases.map(\.rawValue).joined(separator: ", ")).") }
        }
        for (k, v) in e["deciders"]?["byBody"]?.objectValue ?? [:] {
            if !keys.contains(k) { report("/escalation/deciders/byBody/\(k)", "unknown-body", "\"\(k)\" is not a body here.", "Use a body's key.") }
            decidersByBody[k] = roleList(v, "/escalation/deciders/byBody/\(k)", fallback: [])
        }
        let breachSeverity = e["toleranceBreach"]?["severity"]?.stringValue ?? "medium"
        let crossBody = e["crossCutting"]?["goesTo"]?.stringValue ?? alliance
        if !keys.contains(crossBody) { report("/escalation/crossCutting/goesTo", "unknown-body", "\"\(crossBody)\" is not a body here.", "Use a body's key.") }
        operational(crossBody, "/escalation/crossCutting/goesTo")
        let severities = named(e["severities"])
        var severityRules: [String: SeverityRule] = [:]
        for (i, (raw, severity)) in zip(e["severities"]?.arrayValue ?? [], severities).enumerated() {
            let p = "/escalation/severities/\(i)"
            let within = raw["responseWorkingDays"].map { days($0, p + "/responseWorkingDays", fallback: 10) }
            let startsAt = raw["startsAt"]?.stringValue
            if let startsAt {
                if !keys.contains(startsAt) { report(p + "/startsAt", "unknown-body", "\"\(startsAt)\" is not a body here.", "Use a body's key.") }
                operational(startsAt, p + "/startsAt")
            }
            if within != nil || startsAt != nil { severityRules[severity.key] = SeverityRule(severity: severity, responseWorkingDays: within, startsAt: startsAt) }
        }
        var provenance: [String: RuleProvenance] = [:]
        let ruleKeys = EscalationPrinciples.ruleNames.map(\.key)
        for (rule, given) in e["provenance"]?.objectValue ?? [:] {
            let p = "/escalation/provenance/\(rule)"
            guard ruleKeys.contains(rule) else {
                report(p, "unknown-rule", "\"\(rule)\" is not one of the escalation rules.", "Use one of: \(ruleKeys.joined(separator: ", ")).")
                continue
            }
            switch given["source"]?.stringValue {
            case "strategy":
                let document = given["document"]?.stringValue ?? "", section = given["section"]?.stringValue ?? "", quote = given["quote"]?.stringValue ?? ""
                if document.isEmpty || section.isEmpty || quote.isEmpty {
                    report(p, "incomplete-provenance", "A rule from the strategy needs its document, section and quote.", "Quote the strategy's own words and name the section, or mark it \"source\": \"default\".")
                }
                provenance[rule] = .strategy(document: document, section: section, quote: quote)
            case "default":
                provenance[rule] = .defaultToBeAgreed(note: given["note"]?.stringValue)
            default:
                report(p + "/source", "unknown-source", "A rule's source is \"strategy\" (quoted) or \"default\" (to be agreed).", "Write \"source\": \"strategy\" or \"source\": \"default\".")
            }
        }
        let triggers = named(e["triggers"])
        var result = EscalationPrinciples(
            triggers: triggers.isEmpty ? [NamedKey(key: "raised-by-hand", name: "Raised by hand"), NamedKey(key: "tolerance-breach", name: "Tolerance breach")] : triggers,
            severities: severities.isEmpty ? [NamedKey(key: "low", name: "Low"), NamedKey(key: "medium", name: "Medium"), NamedKey(key: "high", name: "High")] : severities,
            crossCuttingMinimumPriorities: e["crossCutting"]?["minimumPriorities"]?.intValue ?? 2, crossCuttingBody: crossBody,
            responseDefault: days(e["responseWorkingDays"]?["default"], "/escalation/responseWorkingDays/default", fallback: 10),
            responseByKind: byKind, responseByBody: byBody,
            decidersDefault: roleList(e["deciders"]?["default"], "/escalation/deciders/default", fallback: ["chair", "vice-chair"]),
            decidersByKind: decidersByKind, decidersByBody: decidersByBody,
            overdueToleranceWorkingDays: days(e["toleranceBreach"]?["overdueWorkingDays"], "/escalation/toleranceBreach/overdueWorkingDays", fallback: 20),
            redUpdatesRunning: e["toleranceBreach"]?["redUpdatesRunning"]?.intValue ?? 2)
        let severityKeys = result.severities.map(\.key)
        if !severityKeys.contains(breachSeverity) {
            report("/escalation/toleranceBreach/severity", "unknown-severity", "\"\(breachSeverity)\" is not one of the severities.", "Use one of: \(severityKeys.joined(separator: ", ")).")
        }
        result.breachSeverity = breachSeverity
        result.severityRules = severityRules
        result.stopsAt = stopsAt
        result.provenance = provenance
        result.source = e
        return result
    }
}
