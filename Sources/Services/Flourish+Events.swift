public import Foundation
public import Engine
internal import Domain

extension Flourish {
    /// Fires any event on any record the viewer may see whole: the door behind the API's
    /// `POST /api/v1/instances/{id}/events/{event}` and `flourish instance fire`.
    ///
    /// It applies the same rules as the domain commands: areas, themes and priorities must come
    /// from the framework, and the fields only Flourish sets are worked out here (a pledge's
    /// repeat flag and year dates, a measure value's RAG and next due date, an action's
    /// tolerance date) and refused from the caller by the engine. The secretariat acting at a
    /// record's group or body is recorded as acting on its behalf.
    ///
    /// - Throws: ``WorkflowError/unknownInstance(_:)`` for a record the viewer may not see,
    ///   ``WorkflowError/computedField(event:field:)`` for a field only Flourish sets, and the
    ///   engine's and framework's refusals otherwise. A refusal writes nothing.
    public func fire(_ event: String, on id: InstanceID, fields: [String: JSONValue], for viewer: Viewer,
                     expectedVersion: Int?, idempotencyKey: String?) throws -> FireResult {
        guard let person = viewer.person else { throw WorkflowError.unknownInstance(id) }
        let record = try requireWhole(id, for: viewer)
        // Checked before anything is worked out from them, so a wrong one is named as such.
        let definition = try engine.definition(record.workflow, version: record.workflowVersion)
        let declared = Set(definition.transitions.filter { $0.event == event }.flatMap(\.fields).filter(\.isComputed).map(\.name))
        if let given = fields.keys.sorted().first(where: declared.contains) { throw WorkflowError.computedField(event: event, field: given) }
        try checkFrameworkTags(fields, event: event, workflow: record.workflow)
        let at = WorkflowRecords.body(actingAt: record)
        let actor = try actor(person, at: at)
        if record.workflow == "pledge" {
            try checkReached(fields, event: event)
            if event == "approve" {
                // Who may approve, and whether the pledge is waiting for it, are said before the youth review's rule.
                try engine.checkMayFire(event, on: id, actor: actor)
                try checkYouthReview(before: id)
            }
        }
        if let door = Self.ownDoors["\(record.workflow) \(event)"] {
            throw WorkflowError.invalidField(event: event, field: "event", reason: door)
        }
        let computed = try computedFields(for: event, on: record, given: fields)
        // A measure keeps one value a period here too, and "correct" corrects the latest value only.
        let alongside = record.workflow == "measure" && (event == "record" || event == "correct")
            ? onePerPeriod(record, period: fields["period"]?.stringValue ?? "", corrects: event == "correct", event: event) : nil
        return try engine.fire(event, on: id, payload: fields, computed: computed, actor: actor,
                               expectedVersion: expectedVersion, idempotencyKey: idempotencyKey, alongside: alongside)
    }

    /// Starts and events done only through their own service door, which checks what the engine
    /// cannot (the generic door refuses them, saying where they are done).
    static let ownDoors: [String: String] = [
        "annual-report compile": "is done with the annual report's own steps (the web's annual report page, or 'flourish report compile'), which freeze its figures",
        "annual-report publish": "is done with the annual report's own steps (the web's annual report page, or 'flourish report publish'), which freeze its figures",
        "voice respond": "is done with the entry's own page, or 'flourish voice respond', which check the records it shaped",
        "youth-review give-view": "is done with the batch's own page, or 'flourish youth-review view', which check the pledge is in the batch",
        "pledge-ask start": "is done with 'Publish an ask' (/asks/new), or 'flourish ask publish', which check its item and districts",
    ]

    /// Areas, themes and priorities in an event's fields must be the framework's (and, for a
    /// pledge's theme, the partnership's).
    func checkFrameworkTags(_ fields: [String: JSONValue], event: String, workflow: String) throws {
        func strings(_ name: String) throws -> [String]? {
            guard let value = fields[name], value != .null else { return nil }
            if let one = value.stringValue { return [one] }
            guard let list = value.arrayValue, let texts = Optional(list.compactMap(\.stringValue)), texts.count == list.count else {
                throw WorkflowError.invalidField(event: event, field: name, reason: "should be a list of keys")
            }
            return texts
        }
        if let areas = try strings("areas") { try framework.checkAreas(areas) }
        for key in ["priority", "priorities"] {
            for p in try strings(key) ?? [] {
                do { try framework.checkPriority(p) } catch let e as FrameworkError {
                    throw WorkflowError.invalidField(event: event, field: key, reason: e.localizedDescription)
                }
            }
        }
        if workflow == "pledge", let themes = try strings("theme") {
            let known = partnership.pledges.themes.map(\.key)
            for t in themes where !known.contains(t) {
                throw WorkflowError.invalidField(event: event, field: "theme", reason: "should be one of: \(known.joined(separator: ", "))")
            }
        }
    }

    /// The fields only Flourish sets on `event`, worked out from the record and what the caller
    /// gave: the one place each is computed, for the domain commands and the generic door alike.
    func computedFields(for event: String, on record: Instance, given fields: [String: JSONValue]) throws -> [String: JSONValue] {
        switch (record.workflow, event) {
        case ("pledge", "edit"):
            guard let text = fields["text"]?.stringValue else { return [:] }
            let pledge = try Pledge(record)
            return ["repeatsLastYear": .bool(repeatsEarlierPledge(text, of: try organisation(pledge.organisation), before: pledge.pledgeYear ?? currentPledgeYear()))]
        case ("pledge", "approve"):
            return try pledgeYearDates(approvedOn: time.day(of: clock.now()))
        case ("measure", "record"), ("measure", "correct"):
            guard let value = fields["value"]?.doubleValue else { return [:] }  // the engine names the missing value
            let built = try measureValuePayload(record.data, period: fields["period"]?.stringValue ?? "", value: value, note: nil, event: event)
            return built.filter { ["rag", "valueDueOn"].contains($0.key) }
        case ("action", "reschedule"):
            guard let due = fields["dueDate"]?.stringValue.flatMap(CalendarDay.init) else { return [:] }
            return ["escalatesOn": .string(try escalatesOn(due).description)]
        default:
            return [:]
        }
    }

    /// A pledge year's dates when it is approved on `day`, from the partnership's settings.
    func pledgeYearDates(approvedOn day: CalendarDay) throws -> [String: JSONValue] {
        Self.pledgeYearFields(try partnership.pledges.dates(approvedOn: day, time: time))
    }

    /// A pledge year's dates as the fields approving a pledge sets.
    static func pledgeYearFields(_ dates: PledgeSettings.YearDates) -> [String: JSONValue] {
        [
            "yearStarts": .string(dates.yearStarts.description), "yearEnds": .string(dates.yearEnds.description),
            "checkInOn": .string(dates.checkInOn.description), "reportReminderOn": .string(dates.reportReminderOn.description),
            "reportDueOn": .string(dates.reportDueOn.description),
        ]
    }
}

/// The conditions a write may carry, read the same way from every door.
public enum WriteConditions {
    /// What an `If-Match` field asks for.
    public enum Expectation: Equatable, Sendable {
        /// `*`: any current version.
        case anyVersion
        /// A strong tag `"N"`: exactly version N.
        case version(Int)
        /// A weak tag `W/"N"`, which never matches under If-Match's strong comparison (RFC 9110, 13.1.1).
        case weak
        case malformed
    }

    /// Reads an `If-Match` field whose tags are a record's versions.
    public static func expectedVersion(ifMatch header: String) -> Expectation {
        let text = header.trimmingCharacters(in: .whitespaces)
        if text == "*" { return .anyVersion }
        if text.hasPrefix("W/") { return .weak }
        guard text.count >= 3, text.hasPrefix("\""), text.hasSuffix("\""),
              let v = Int(text.dropFirst().dropLast()), v >= 0, text.dropFirst().dropLast().allSatisfy(\.isASCII) else { return .malformed }
        return .version(v)
    }

    /// An idempotency key as the engine keeps it: scoped to the person who sent it, so one
    /// person's key never collides with another's.
    public static func scopedIdempotencyKey(_ key: String?, sentBy person: String?) -> String? {
        guard let key, !key.isEmpty else { return nil }
        return "\(person ?? "-"):\(key)"
    }
}
