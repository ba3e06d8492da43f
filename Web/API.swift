import Foundation
import HTTPServer
import Services
import Engine
import Domain

/// An API error as application/problem+json (RFC 9457), naming the field at fault.
struct APIProblem: Error {
    let status: HTTPStatus
    let title: String
    let detail: String
    let field: String?
    let code: String?

    init(_ status: HTTPStatus, _ title: String, detail: String, field: String? = nil, code: String? = nil) {
        self.status = status; self.title = title; self.detail = detail; self.field = field; self.code = code
    }

    var response: HTTPResponse {
        var body: [String: JSONValue] = ["type": "about:blank", "title": .string(title), "status": .integer(Int64(status.code)), "detail": .string(detail)]
        if let field { body["field"] = .string(field) }
        if let code { body["code"] = .string(code) }
        return HTTPResponse(status, contentType: "application/problem+json", body: JSONValue.object(body).prettyString + "\n")
    }

    /// The problem for an error the services raise.
    static func from(_ error: any Error) -> APIProblem? {
        switch error {
        case let e as WorkflowError:
            switch e {
            case .unknownInstance, .unknownWorkflow: return APIProblem(.notFound, "Not found", detail: e.localizedDescription, code: e.code)
            case .notPermitted: return APIProblem(.forbidden, "Not allowed", detail: e.localizedDescription, code: e.code)
            case .versionConflict(let id, let expected, let actual):
                // Said for a program: what to fetch and send again, not a page to reload.
                return APIProblem(.preconditionFailed, "The record has changed",
                                  detail: "\(id) was changed by someone else (you had version \(expected); it is now version \(actual)). Fetch it again and retry with its new ETag.",
                                  code: e.code)
            case .wrongState, .finalState, .idempotencyKeyReused: return APIProblem(.conflict, "Not possible now", detail: e.localizedDescription, code: e.code)
            default: return APIProblem(.unprocessableContent, "The request has a problem", detail: e.localizedDescription, field: e.field, code: e.code)
            }
        case let e as FrameworkError: return APIProblem(.unprocessableContent, "The request has a problem", detail: e.localizedDescription, field: e.field, code: e.code)
        case let e as DirectoryError: return APIProblem(.unprocessableContent, "The request has a problem", detail: e.localizedDescription)
        case let e as GovernanceError: return APIProblem(.unprocessableContent, "The request has a problem", detail: e.localizedDescription, field: "group")
        case let e as ReportError:
            if case .yearOutOfRange = e { return APIProblem(.unprocessableContent, "The request has a problem", detail: e.localizedDescription, field: "year", code: e.code) }
            return APIProblem(.unprocessableContent, "The request has a problem", detail: e.localizedDescription, code: e.code)
        case let e as RegistrationError: return APIProblem(.unprocessableContent, "The request has a problem", detail: e.localizedDescription)
        case let e as AccountError: return APIProblem(.unprocessableContent, "The request has a problem", detail: e.localizedDescription)
        case let e as PagingError: return APIProblem(.unprocessableContent, "The request has a problem", detail: e.localizedDescription, field: e.field)
        case let e as FilterError: return APIProblem(.unprocessableContent, "The request has a problem", detail: e.localizedDescription, field: e.field, code: "unknown-filter-value")
        case _ where StorageTrouble.isStorageError(error): return nil  // the server's trouble, not the request's: a 503 or 500
        case let e as any LocalizedError where e.errorDescription != nil: return APIProblem(.unprocessableContent, "The request has a problem", detail: e.errorDescription!)
        default: return nil
        }
    }
}

extension WebApp {
    func problem(_ status: HTTPStatus, _ title: String, detail: String) -> HTTPResponse { APIProblem(status, title, detail: detail).response }

    static func json(_ value: JSONValue, status: HTTPStatus = .ok, etag: Int? = nil) -> HTTPResponse {
        var r = HTTPResponse(status, contentType: "application/json", body: value.prettyString + "\n")
        if let etag { r.headers.set("ETag", "\"\(etag)\"") }
        return r
    }

    static func instanceJSON(_ i: Instance, _ time: PartnershipTime) -> JSONValue { .object(instanceFields(i, time)) }

    /// An instance's fields as the API gives them, its times with the partnership's offset.
    static func instanceFields(_ i: Instance, _ time: PartnershipTime) -> [String: JSONValue] {
        ["id": .string(i.id.rawValue), "workflow": .string(i.workflow), "state": .string(i.state), "version": .integer(Int64(i.version)),
         "data": .object(i.data), "createdAt": .string(time.localTimestamp(i.createdAt)), "updatedAt": .string(time.localTimestamp(i.updatedAt))]
    }

    /// The request body as a JSON object.
    /// - Parameter fields: the fields the route takes; any other is refused with 422 naming it
    ///   (a field only Flourish sets, such as a pledge's contacts or a value's RAG, or a made-up
    ///   one), as the generic event route refuses it, never silently dropped. Nil: the route
    ///   checks its fields itself.
    /// - Parameter required: of those, the ones the route needs: a missing one is said first, before
    ///   any field not taken (a body missing its text is told so, whatever else it holds).
    static func body(_ c: Context, _ declared: RequestBody) throws -> [String: JSONValue] {
        try body(c, taking: declared.names, requiring: declared.required)
    }

    static func body(_ c: Context, taking fields: [String]? = nil, requiring required: [String] = []) throws -> [String: JSONValue] {
        guard c.request.headers["Content-Type"]?.lowercased().hasPrefix("application/json") == true else {
            throw APIProblem(.unsupportedMediaType, "JSON needed", detail: "Send the body as application/json.")
        }
        // Bytes that are not UTF-8 are refused, not replaced (a title came out as "Bad\u{FFFD}\u{FFFD}").
        guard let text = String(validating: c.request.body, as: UTF8.self) else {
            throw APIProblem(.badRequest, "Not UTF-8", detail: "The body is not UTF-8 text; send JSON encoded as UTF-8. Nothing was changed.")
        }
        let value: JSONValue
        do { value = try JSONValue.parse(text) } catch {
            // The parser's own words: where and what (a duplicate member, the body cut off, a number too large).
            throw APIProblem(.badRequest, "Not valid JSON", detail: "The body is not valid JSON: \(error.localizedDescription). Nothing was changed.")
        }
        guard case .object(let object) = value else {
            throw APIProblem(.badRequest, "Not a JSON object", detail: "The body must be one JSON object.")
        }
        for name in required where object[name] == nil || object[name] == .null {
            throw APIProblem(.unprocessableContent, "A field is missing", detail: "\(name) is required.", field: name)
        }
        if let fields { try refuseFieldsNotTaken(object, fields, in: "this request") }
        return object
    }

    /// Refuses the first field (in name order) of `object` not among `fields`.
    static func refuseFieldsNotTaken(_ object: [String: JSONValue], _ fields: [String], in what: String) throws {
        guard let other = object.keys.sorted().first(where: { !fields.contains($0) }) else { return }
        throw APIProblem(.unprocessableContent, "A field is not taken",
                         detail: "\(other) is not a field of \(what), which takes \(fields.joined(separator: ", ")); what Flourish works out itself is never sent. Nothing was changed.",
                         field: other, code: "unknown-field")
    }

    static func string(_ body: [String: JSONValue], _ name: String, required: Bool = true) throws -> String? {
        guard let v = body[name] else {
            if required { throw APIProblem(.unprocessableContent, "A field is missing", detail: "\(name) is required.", field: name) }
            return nil
        }
        guard let s = v.stringValue else { throw APIProblem(.unprocessableContent, "A field has the wrong type", detail: "\(name) must be a string.", field: name) }
        return s
    }

    /// A true-or-false field, nil when absent.
    static func boolean(_ body: [String: JSONValue], _ name: String) throws -> Bool? {
        guard let v = body[name] else { return nil }
        guard let b = v.boolValue else { throw APIProblem(.unprocessableContent, "A field has the wrong type", detail: "\(name) must be true or false.", field: name) }
        return b
    }

    /// A field the request must carry, as text.
    static func requiredString(_ body: [String: JSONValue], _ name: String) throws -> String {
        guard let text = try string(body, name, required: true) else {
            throw APIProblem(.unprocessableContent, "A field is missing", detail: "\(name) is required.", field: name)
        }
        return text
    }

    /// A plan's actions: `actions`, a list of objects each with title, group, owner and dueDate.
    static func plannedActions(_ body: [String: JSONValue]) throws -> [PlannedAction] {
        guard let given = body["actions"] else { return [] }
        guard let list = given.arrayValue else {
            throw APIProblem(.unprocessableContent, "A field has the wrong type", detail: "actions must be a list of objects, each with title, group, owner and dueDate.", field: "actions")
        }
        return try list.enumerated().map { i, item in
            guard case .object(let a) = item else {
                throw APIProblem(.unprocessableContent, "A field has the wrong type", detail: "actions[\(i)] must be an object with title, group, owner and dueDate.", field: "actions")
            }
            try refuseFieldsNotTaken(a, plannedActionBody.names, in: "actions[\(i)]")
            return PlannedAction(title: try requiredString(a, "title"), group: try requiredString(a, "group"), owner: try requiredString(a, "owner"), dueDate: try requiredString(a, "dueDate"))
        }
    }

    static func strings(_ body: [String: JSONValue], _ name: String) throws -> [String] {
        guard let v = body[name] else { return [] }
        guard let list = v.arrayValue?.compactMap(\.stringValue), list.count == v.arrayValue?.count else {
            throw APIProblem(.unprocessableContent, "A field has the wrong type", detail: "\(name) must be a list of strings.", field: name)
        }
        return list
    }

    /// The version a write expects, from If-Match, or nil when none was sent (or `*`).
    static func ifMatch(_ c: Context) throws -> Int? {
        guard let header = c.request.headers["If-Match"] else { return nil }
        switch WriteConditions.expectedVersion(ifMatch: header) {
        case .anyVersion: return nil
        case .version(let v): return v
        case .weak:
            throw APIProblem(.preconditionFailed, "The record has changed", detail: "If-Match compares strong tags only (RFC 9110, 13.1.1): send the ETag as the GET gave it, such as \"3\", not W/\"3\".", field: "If-Match")
        case .malformed:
            throw APIProblem(.badRequest, "Bad If-Match", detail: "If-Match takes the ETag from a GET, such as \"3\".", field: "If-Match")
        }
    }

    /// The page `?limit=` and `?after=` ask for (100 when no limit is given, at most 1000).
    static func pageRequest(_ c: Context) throws -> PageRequest {
        try PageRequest(after: c.request.queryValue("after"), limitText: c.request.queryValue("limit"))
    }

    /// A page of a list as `{name: [...], total, next}`, with a `Link: rel="next"` header
    /// (RFC 8288) to the next page when there is one: a list is never cut without saying so.
    static func pageJSON<Item>(_ c: Context, _ page: ListPage<Item>, name: String, item: (Item) -> JSONValue) -> HTTPResponse {
        var r = json(["\(name)": .array(page.items.map(item)), "total": .integer(Int64(page.total)), "next": page.next.map(JSONValue.string) ?? .null])
        if let next = page.next {
            let query = c.request.query.filter { $0.name != "after" } + [(name: "after", value: next)]
            let target = c.request.path + "?" + query.map { "\(URLEncoding.encode($0.name))=\(URLEncoding.encode($0.value))" }.joined(separator: "&")
            r.headers.set("Link", "<\(target)>; rel=\"next\"")
        }
        return r
    }

    /// The query parameters every list takes.
    static let pagingQuery: [QueryParameter] = [
        .init(name: "limit", description: "At most this many (1 to \(PageRequest.apiMaximum); default \(PageRequest.defaultLimit))"),
        .init(name: "after", description: "The `next` of the page before: the page after it"),
    ]

    /// Fires an event through the generic route with the API's concurrency and idempotency rules.
    static func fireEvent(_ c: Context, on id: InstanceID, event: String, payload: [String: JSONValue]) throws -> HTTPResponse {
        let result = try c.app.fire(event, on: id, fields: payload, for: c.viewer, expectedVersion: try ifMatch(c), idempotencyKey: c.idempotencyKey)
        return json(instanceJSON(result.instance, c.app.time), etag: result.instance.version)
    }

    static let apiRoutes: [Route] = [
        Route("GET", "/api/openapi.json", .everyone, "This OpenAPI document", api: true) { c in
            json(c.web.openAPIDocument())
        },
        Route("GET", "/api/v1/me", .signedIn, "Who the caller is and what they may reach", api: true) { c in
            json(["person": .string(c.person), "name": .string(c.viewer.name), "secretariat": .bool(c.viewer.isSecretariat),
                  "chairOf": .array(c.viewer.chairOf.map(JSONValue.string)), "boardOf": .array(c.viewer.boardOf.map(JSONValue.string)),
                  "organisations": .array(c.viewer.organisations.map(JSONValue.string))])
        },
        Route("GET", "/api/v1/pledges", .everyone, "The public pledge wall (filters: area, district, kind, q)", api: true,
              query: [.init(name: "area", description: "A FLOURISH area's key"), .init(name: "district", description: "A district's key"),
                      .init(name: "kind", description: "A kind of organisation's key"), .init(name: "q", description: "Words from the pledge or the organisation's name")] + pagingQuery) { c in
            let q = c.request
            let request = try pageRequest(c)
            let wall = try c.app.wall(WallFilter(area: q.queryValue("area"), kind: q.queryValue("kind"), district: q.queryValue("district"), search: q.queryValue("q")))
            return pageJSON(c, try ListPage(wall.entries, request) { $0.pledge.rawValue }, name: "pledges") { e in
                ["id": .string(e.pledge.rawValue), "organisation": .string(e.organisation), "organisationName": .string(e.organisationName), "text": .string(e.text),
                 "areas": .array(e.areas.map(JSONValue.string)), "district": .string(e.district), "kind": .string(e.kind), "pledgeYear": .integer(Int64(e.pledgeYear))]
            }
        },
        Route("POST", "/api/v1/pledges", .organisationContact, "Draft a pledge for an organisation", api: true, body: pledgeBody) { c in
            let b = try body(c, pledgeBody)
            let pledge = try c.app.createPledge(PledgeRequest(organisation: try requiredString(b, "organisation"), text: try requiredString(b, "text"), areas: try strings(b, "areas"),
                                                              theme: try string(b, "theme", required: false), priority: try string(b, "priority", required: false)),
                                                by: c.person, idempotencyKey: c.idempotencyKey)
            var r = json(instanceJSON(pledge, c.app.time), status: .created, etag: pledge.version)
            r.headers.set("Location", "/api/v1/instances/\(pledge.id.rawValue)")
            return r
        },
        Route("GET", "/api/v1/organisations", .secretariat, "Pledging organisations", api: true, query: pagingQuery) { c in
            let request = try pageRequest(c)
            return pageJSON(c, try ListPage(try c.app.organisations(), request) { $0.organisation.key }, name: "organisations") { v in
                ["key": .string(v.organisation.key), "name": .string(v.organisation.name), "kind": v.organisation.kind.map(JSONValue.string) ?? .null,
                 "membership": .string(v.membership?.state.rawValue ?? "none"), "pledges": .array(v.pledges.map { .string($0.id.rawValue) })]
            }
        },
        Route("GET", "/api/v1/actions", .chair, "Actions (filters: group, priority, area, state, rag, overdue)", api: true,
              query: [.init(name: "group", description: "A group's key"), .init(name: "priority", description: "A priority's key"),
                      .init(name: "area", description: "A FLOURISH area's key"), .init(name: "state", description: "The action's state"),
                      .init(name: "rag", description: "The latest RAG status", values: ["red", "amber", "green"]),
                      .init(name: "overdue", description: "Only overdue actions", values: ["true", "false"])] + pagingQuery) { c in
            let q = c.request
            let request = try pageRequest(c)
            let views = try c.app.actions(ActionFilter(group: q.queryValue("group"), priority: q.queryValue("priority"), area: q.queryValue("area"), state: q.queryValue("state"),
                                                       rag: q.queryValue("rag"), overdueOnly: q.queryValue("overdue") == "true"), for: c.viewer)
            return pageJSON(c, try ListPage(views, request) { $0.action.id.rawValue }, name: "actions") { v in
                var j = instanceFields(v.action.instance, c.app.time)
                j["latestRAG"] = v.latestRAG.map { .string($0.rawValue) } ?? .null
                j["trend"] = .string(v.trend)
                j["escalations"] = .array(v.escalations.map { .string($0.id.rawValue) })
                return .object(j)
            }
        },
        Route("POST", "/api/v1/actions", .chair, "Log an action for a group", api: true, body: actionBody) { c, answer in
            let b = try body(c, actionBody)
            let time = c.app.time
            try c.app.logAction(ActionRequest(group: try requiredString(b, "group"), title: try requiredString(b, "title"), description: try string(b, "description", required: false) ?? "",
                                              priority: try string(b, "priority", required: false), areas: try strings(b, "areas"), owner: try requiredString(b, "owner"),
                                              dueDate: try requiredString(b, "dueDate"), item: try string(b, "item", required: false)),
                                by: c.person, idempotencyKey: c.idempotencyKey) { logged in
                answer(Result {
                    let view = try logged.get()
                    var r = json(instanceJSON(view.action.instance, time), status: .created, etag: view.action.version)
                    r.headers.set("Location", "/api/v1/instances/\(view.action.id.rawValue)")
                    return r
                })
            }
        },
        Route("GET", "/api/v1/measures", .chair, "Measures with their values", api: true,
              query: [.init(name: "group", description: "The owning group's key"), .init(name: "area", description: "A FLOURISH area's key")] + pagingQuery) { c in
            let request = try pageRequest(c)
            let measures = try c.app.measures(group: c.request.queryValue("group"), area: c.request.queryValue("area"), for: c.viewer)
            return pageJSON(c, try ListPage(measures, request) { $0.measure.id.rawValue }, name: "measures") { m in
                var j = instanceFields(m.measure.instance, c.app.time)
                j["values"] = .array(m.values.map(\.json))
                return .object(j)
            }
        },
        Route("POST", "/api/v1/measures/{id}/values", .chair, "Record a measure's value for a period", api: true, body: measureValueBody) { c in
            let b = try body(c, measureValueBody)
            guard let value = b["value"]?.doubleValue else {
                throw APIProblem(.unprocessableContent, "A field has the wrong type", detail: "value must be a number, such as 54 or 12.5.", field: "value")
            }
            let view = try c.app.recordMeasure(RecordID(c.param("id")), period: try requiredString(b, "period"), value: value, note: try string(b, "note", required: false),
                                               corrects: try boolean(b, "corrects") ?? false, by: c.person, expectedVersion: try ifMatch(c), idempotencyKey: c.idempotencyKey)
            return json(instanceJSON(view.measure.instance, c.app.time), etag: view.measure.version)
        },
        Route("GET", "/api/v1/escalations", .signedIn, "Escalations (filters: body, state, overdue)", api: true,
              query: [.init(name: "body", description: "The body it waits at"), .init(name: "state", description: "The escalation's state"),
                      .init(name: "overdue", description: "Only those past a response deadline", values: ["true", "false"])] + pagingQuery) { c in
            let request = try pageRequest(c)
            let views = try c.app.escalations(body: c.request.queryValue("body"), state: c.request.queryValue("state"), overdueOnly: c.request.queryValue("overdue") == "true", for: c.viewer)
            return pageJSON(c, try ListPage(views, request) { $0.escalation.id.rawValue }, name: "escalations") { v in
                var j = instanceFields(v.escalation.instance, c.app.time)
                j["waitingAt"] = .array(v.open.map { .string($0.body) })
                j["overdueAt"] = .array(v.overdue.map { .string($0.body) })
                return .object(j)
            }
        },
        Route("POST", "/api/v1/escalations", .chair, "Raise an escalation from a group", api: true, body: escalationBody) { c in
            let b = try body(c, escalationBody)
            let view = try c.app.raiseEscalation(EscalationRequest(group: try requiredString(b, "group"), title: try requiredString(b, "title"), description: try string(b, "description", required: false) ?? "",
                                                                   severity: try requiredString(b, "severity"), priorities: try strings(b, "priorities"), areas: try strings(b, "areas")),
                                                 by: c.person, idempotencyKey: c.idempotencyKey)
            return json(instanceJSON(view.escalation.instance, c.app.time), status: .created, etag: view.escalation.version)
        },
        Route("POST", "/api/v1/escalations/{id}/decision", .signedIn, "Decide an escalation at a body", api: true, body: decisionBody) { c in
            let b = try body(c, decisionBody)
            var fields: [String: JSONValue] = [:]
            // The minute too, as the page's decision form and `escalation decide --minute` take it.
            for name in ["rationale", "plan", "guidance", "minute"] { if let v = try string(b, name, required: false) { fields[name] = .string(v) } }
            let view = try c.app.decideEscalation(RecordID(c.param("id")), at: try requiredString(b, "body"), outcome: try requiredString(b, "outcome"), fields: fields,
                                                  plan: try plannedActions(b), by: c.person, expectedVersion: try ifMatch(c), idempotencyKey: c.idempotencyKey)
            return json(instanceJSON(view.escalation.instance, c.app.time))
        },
        Route("GET", "/api/v1/reports/annual", .signedIn, "The annual report's figures for ?year=, now or ?asOf= a moment", api: true,
              query: [.init(name: "year", description: "The report year, such as 2026", required: true),
                      .init(name: "asOf", description: "A date (YYYY-MM-DD) or moment: the figures as they stood then")]) { c in
            guard let year = c.request.queryValue("year").flatMap(Int.init) else {
                throw APIProblem(.unprocessableContent, "The request has a problem", detail: "Give the report's year, e.g. ?year=2026.", field: "year")
            }
            var asOf: Date?
            if let text = c.request.queryValue("asOf") {
                guard let moment = c.app.time.parse(text) else {
                    throw APIProblem(.unprocessableContent, "The request has a problem", detail: "asOf takes a date or date-time such as 2026-04-01T09:00, not '\(text)'.", field: "asOf")
                }
                asOf = moment
            }
            return json(try JSONValue.parse(String(decoding: try c.app.annualReport(year: year, asOf: asOf, for: c.viewer).canonicalJSON(), as: UTF8.self)))
        },
        Route("GET", "/api/v1/reports/published", .everyone, "The years whose annual report is published", api: true) { c in
            json(.array(try c.app.publishedReportYears().map { .integer(Int64($0)) }))
        },
        Route("GET", "/api/v1/reports/published/{year}", .everyone, "A published annual report, frozen, with its digest", api: true) { c in
            guard let year = Int(c.param("year")), let p = try? c.app.publishedReport(year: year) else {
                throw APIProblem(.notFound, "Not found", detail: "No annual report is published for \(c.param("year")).")
            }
            return json(["year": .integer(Int64(year)), "digest": .string(p.digest), "publishedAt": .string(c.app.time.localTimestamp(p.publishedAt, withMilliseconds: true)),
                         "content": try JSONValue.parse(String(decoding: try p.content.canonicalJSON(), as: UTF8.self))])
        },
        Route("GET", "/api/v1/governance", .everyone, "The governance graph", api: true) { c in
            json(try c.app.graphJSON())
        },
        Route("GET", "/api/v1/instances/{id}", .signedIn, "Any workflow instance, with its version as the ETag", api: true) { c in
            let i = try c.app.record(InstanceID(c.param("id")), for: c.viewer).instance
            if c.request.headers["If-None-Match"] == "\"\(i.version)\"" { return HTTPResponse(.notModified, headers: HTTPHeaders([("ETag", "\"\(i.version)\"")])) }
            return json(instanceJSON(i, c.app.time), etag: i.version)
        },
        Route("GET", "/api/v1/instances/{id}/history", .signedIn, "An instance's events, oldest first", api: true, query: pagingQuery) { c in
            let request = try pageRequest(c)
            let events = try c.app.history(of: InstanceID(c.param("id")), for: c.viewer).events
            return pageJSON(c, try ListPage(events, request) { String($0.seq) }, name: "events") { e in
                ["seq": .integer(e.seq), "event": .string(e.event), "actor": e.actor.isEmpty ? .null : .string(e.actor), "onBehalfOf": e.onBehalfOf.map(JSONValue.string) ?? .null,
                 "from": e.fromState.map(JSONValue.string) ?? .null, "to": .string(e.toState), "payload": .object(e.payload),
                 "occurredAt": .string(c.app.time.localTimestamp(e.occurredAt))]
            }
        },
        Route("POST", "/api/v1/instances/{id}/events/{event}", .signedIn, "Fire an event (If-Match: the version; Idempotency-Key to retry safely)", api: true) { c in
            let id = InstanceID(c.param("id"))
            let payload = c.request.body.isEmpty ? [:] : try body(c)
            return try fireEvent(c, on: id, event: c.param("event"), payload: payload)
        },
    ]

    /// The OpenAPI 3.1 document, made from the route table so the two cannot drift.
    func openAPIDocument() -> JSONValue {
        var paths: [String: JSONValue] = [:]
        for r in routes.all where r.isAPI || ["/healthz", "/metrics"].contains(r.pattern) {
            let params = r.parameters.compactMap { $0 }.map { name -> JSONValue in
                ["name": .string(name), "in": "path", "required": true, "schema": ["type": "string"]]
            } + r.query.map { q -> JSONValue in
                ["name": .string(q.name), "in": "query", "required": .bool(q.required), "description": .string(q.description),
                 "schema": q.values.map { ["type": "string", "enum": .array($0.map { .string($0) })] } ?? ["type": "string"]]
            }
            let success: JSONValue = r.isAPI
                ? ["description": "The result, as JSON.", "content": ["application/json": ["schema": ["type": ["object", "array"]]]]]
                : ["description": "The result, as text.", "content": ["text/plain": ["schema": ["type": "string"]]]]
            let problem: JSONValue = ["description": "What went wrong (RFC 9457), naming the field at fault where there is one.",
                                      "content": ["application/problem+json": ["schema": ["$ref": "#/components/schemas/Problem"]]]]
            var operation: [String: JSONValue] = [
                "summary": .string(r.summary), "operationId": .string(r.method.lowercased() + r.pattern.replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "{", with: "").replacingOccurrences(of: "}", with: "")),
                "responses": ["2XX": success, "4XX": problem, "5XX": problem],
                "x-access": .string(r.access.rawValue),
            ]
            if !params.isEmpty { operation["parameters"] = .array(params) }
            if r.access != .everyone { operation["security"] = [["bearer": []], ["session": []]] }
            if r.method == "POST" {
                // A declared body's schema; the generic event route takes the fields its event's definition declares.
                let schema: JSONValue = r.body?.schema
                    ?? ["type": "object", "description": "The event's fields, as its workflow definition declares them (GET /api/v1/instances/{id} shows the record; `flourish workflow show NAME` its events)."]
                operation["requestBody"] = ["required": .bool(r.body != nil), "content": ["application/json": ["schema": schema]]]
            }
            var item = paths[r.pattern]?.objectValue ?? [:]
            item[r.method.lowercased()] = .object(operation)
            paths[r.pattern] = .object(item)
        }
        return ["openapi": "3.1.0", "info": ["title": "Flourish API", "version": "1"],
                "components": ["securitySchemes": ["bearer": ["type": "http", "scheme": "bearer"], "session": ["type": "apiKey", "in": "cookie", "name": "flourish_session"]],
                               "schemas": ["Problem": ["type": "object", "required": ["title", "status"],
                                                       "properties": ["type": ["type": "string"], "title": ["type": "string"], "status": ["type": "integer"],
                                                                      "detail": ["type": "string"], "field": ["type": "string"]]]]],
                "paths": .object(paths)]
    }
}
