import Foundation
import ArgumentParsing
import Services
import Domain
import Engine

/// `flourish org …` and `flourish pledge …`: the FLOURISH Pledge.
enum PledgeCommands {
    static let all: [Command] = [orgRegister, orgList, orgShow, orgWithdraw, orgReinstate, orgErase,
                                 pledgeCreate, pledgeEdit, pledgeSubmit, pledgeApprove, pledgeRequestChanges, pledgeReject,
                                 pledgeReport, pledgeWithdraw, pledgeList, pledgeShow, importOrganisations, importPledges, importSetAside]

    /// What an import settled as history: deadlines that fell before it.
    static func settledNote(_ n: Int, would: Bool) -> String {
        n == 0 ? "" : " \(n) deadline\(n == 1 ? "" : "s") that fell before the import \(would ? "would be" : (n == 1 ? "was" : "were")) settled as history, at \(n == 1 ? "its" : "their") own date\(n == 1 ? "" : "s")."
    }

    static func importCommand(_ what: String, columns: [String], inSteps: Bool = false,
                              run: @escaping @Sendable (Flourish, ImportSource, Bool, ImportWriting, String, ImportProgressHandler?) throws -> ImportReport) -> Command {
        Command(["import", what], "Import \(what) from an RFC 4180 CSV file: every row is checked first, and nothing is written if any row has a problem.",
                arguments: "FILE",
                discussion: "The header row names the columns: \(columns.joined(separator: ",")).\nDates are YYYY-MM-DD; several areas (or measure values, as PERIOD=VALUE) are separated by semicolons.\nA sample is in Workflows/samples/\(what).csv.\n" + importDiscussion + (inSteps ? "\n" + inStepsDiscussion : ""),
                options: [OptionSpec("dry-run", help: "Check every row and report; take no write lock and write nothing.")] + (inSteps ? [inStepsOption] : [])) { inv in
            let progress = ImportProgressLine(enabled: !inv.isJSON)
            let report = try run(try inv.app, try importSource(inv), inv.arguments.flag("dry-run"), writing(inv), inv.actor.id, progress.handler)
            progress.finish()
            inv.output(importJSON(report, invited: nil)) { importSummary(report, what: what) }
        }
    }

    /// What every import's help says about how it runs.
    static let importDiscussion = """
        The whole file is checked before anything is written, with no write lock held, so a running server \
        keeps taking writes; then every row is written in one transaction, all or nothing. A refused file \
        lists its first \(ImportProblems.listed) problems by line and column. On a terminal, progress (rows, rate, \
        time left) is shown on stderr.
        """

    /// `--in-steps`: for a large file while the server is live.
    static let inStepsOption = OptionSpec("in-steps", help: "Write in steps of \(ImportWriting.rowsPerStep) rows, each its own transaction, so a running server's writes are answered in between; if it stops part-way, running it again carries on.")

    static let inStepsDiscussion = """
        With --in-steps, the file is still checked whole first (a bad row writes nothing), then written \
        \(ImportWriting.rowsPerStep) rows to a transaction, so a running server's writes wait a fraction of a \
        second, not the whole import. Only a change made meanwhile (the same organisation registered on \
        the web, say), a full disk or a crash can then stop it part-way: the steps written stay, and \
        running it again with --in-steps on the file (mended after those rows if need be) carries on after them.
        """

    static func writing(_ inv: Invocation) -> ImportWriting {
        inv.arguments.flag("in-steps") ? .steps : .allOrNothing
    }

    static func importJSON(_ report: ImportReport, invited: [String]?) -> JSONValue {
        var json: [String: JSONValue] = ["rows": .integer(Int64(report.rows)), "created": .array(report.created.map(JSONValue.string)), "dryRun": .bool(report.dryRun),
                                         "unsentMessages": .integer(Int64(report.unsentMessages)), "settledDeadlines": .integer(Int64(report.settledDeadlines)),
                                         "steps": .integer(Int64(report.steps)), "resumedAfter": .integer(Int64(report.resumedAfter))]
        if let invited { json["invited"] = .array(invited.map(JSONValue.string)) }
        return .object(json)
    }

    /// "Imported 3 organisations: a, b, c." (the first 20 named, then how many more).
    static func importSummary(_ report: ImportReport, what: String) -> String {
        let noun = report.rows == 1 ? String(what.dropLast()) : what
        let carried = report.resumedAfter == 0 ? "" : "Carrying on after the first \(report.resumedAfter) rows, which an earlier import in steps wrote: "
        if report.dryRun {
            return carried + "Dry run: all \(report.rows) \(noun) \(report.rows == 1 ? "is" : "are") fine and would import. Nothing was written."
        }
        let shown = report.created.prefix(20).joined(separator: ", ") + (report.created.count > 20 ? " and \(report.created.count - 20) more" : "")
        let steps = report.steps > 1 ? " in \(report.steps) steps" : ""
        return carried + "Imported \(report.rows) \(noun)\(steps): \(shown)." + unsentNote(report.unsentMessages, would: false) + settledNote(report.settledDeadlines, would: false)
    }

    static let importOrganisations = Command(
        ["import", "organisations"], "Import organisations from an RFC 4180 CSV file: every row is checked first, and nothing is written if any row has a problem.",
        arguments: "FILE",
        discussion: "The header row names the columns: \(Flourish.organisationColumns.joined(separator: ",")).\nDates are YYYY-MM-DD.\nA sample is in Workflows/samples/organisations.csv.\nWith --invite, each imported contact is emailed an invitation to choose a password (as the secretariat).\n" + importDiscussion + "\n" + inStepsDiscussion,
        options: [OptionSpec("dry-run", help: "Check every row and report; take no write lock and write nothing."),
                  OptionSpec("invite", help: "Email each imported contact an invitation to choose their password (7 days)."), ContactCommands.siteURLOption, inStepsOption]
    ) { inv in
        let source = try importSource(inv)
        let dry = inv.arguments.flag("dry-run")
        let siteURL = try ContactCommands.siteURL(inv)
        let viewer = try inv.viewer
        if inv.arguments.flag("invite") && !dry && !viewer.isSecretariat { throw UsageError("--invite sends invitations as the secretariat: run it --as a member of the secretariat") }
        let progress = ImportProgressLine(enabled: !inv.isJSON)
        let report = try inv.app.importOrganisations(source, dryRun: dry, writing: writing(inv), by: inv.actor.id, progress: progress.handler)
        progress.finish()
        let invited = inv.arguments.flag("invite") && !dry ? try inv.app.inviteContactsWithoutAccounts(of: report.created, by: viewer, siteURL: siteURL) : []
        inv.output(importJSON(report, invited: invited)) {
            importSummary(report, what: "organisations")
            + (invited.isEmpty ? "" : "\nInvited \(invited.count) contact\(invited.count == 1 ? "" : "s") to choose a password: \(invited.prefix(20).joined(separator: ", "))\(invited.count > 20 ? " and \(invited.count - 20) more" : "") (`flourish outbox send` sends the emails).")
        }
    }

    /// The import's FILE argument, read in place.
    static func importSource(_ inv: Invocation) throws -> ImportSource {
        let file = try inv.positional(0, "FILE: the CSV file")
        try inv.expectPositionals(atMost: 1)
        guard FileManager.default.isReadableFile(atPath: file) else { throw UsageError("cannot read \(file)") }
        return .file(path: file)
    }
    static let importPledges = importCommand("pledges", columns: Flourish.pledgeColumns, inSteps: true) { app, source, dry, writing, by, progress in
        try app.importPledges(source, dryRun: dry, writing: writing, by: by, progress: progress)
    }

    static let importSetAside = Command(
        ["import", "set-aside"], "Set aside an import in steps that stopped part-way and is not to be carried on: the rows it wrote stay.",
        arguments: "organisations|pledges",
        discussion: """
            An import with --in-steps that stopped part-way (a change made meanwhile, a full disk, a crash) \
            is offered to carry on when the same file is imported in steps again, and `flourish doctor` \
            warns of it until then. When the rest of that file is not to be imported, this sets the import \
            aside: the rows it wrote stay, as written (withdraw any that should not), the doctor stops \
            warning, and the file is no longer taken to carry it on. Only the secretariat.
            """
    ) { inv in
        let kind = try inv.positional(0, "KIND: organisations or pledges")
        try inv.expectPositionals(atMost: 1)
        let setAside: [UnfinishedImport]
        do {
            setAside = try inv.app.setAsideUnfinishedImports(of: kind, by: inv.actor.id)
        } catch let wrong as ImportKindError {
            throw UsageError("set-aside takes \(Flourish.importsInSteps.joined(separator: " or ")) (the imports that run in steps), not '\(wrong.kind)'")
        }
        let time = try inv.app.time
        inv.output(.object(["kind": .string(kind), "setAside": .array(setAside.map { run in
            .object(["by": .string(run.by), "startedAt": .string(time.localTimestamp(run.startedAt)),
                     "rowsWritten": .integer(Int64(run.rowsWritten)), "rowsInFile": .integer(Int64(run.rowsInFile))])
        })])) {
            guard !setAside.isEmpty else { return "No import of \(kind) in steps was waiting to be carried on; nothing changed." }
            return setAside.map { run in
                "Set aside the import of \(kind) in steps begun \(time.display(run.startedAt)) by \(run.by): "
                    + "its \(run.rowsWritten) rows written stay; the other \(run.rowsInFile - run.rowsWritten) of its file are not imported."
            }.joined(separator: "\n")
        }
    }

    static func list(_ text: String?) -> [String]? {
        text.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
    }

    // MARK: - Organisations

    static let orgRegister = Command(
        ["org", "register"], "Register an organisation for the FLOURISH Pledge.",
        discussion: "A second registration of the same organisation (same name and postcode, or same company number) is refused and names the first.",
        options: [OptionSpec("name", takesValue: true, valueName: "NAME", help: "The organisation's name (required)."),
                  OptionSpec("kind", takesValue: true, valueName: "KIND", help: "business, public-sector-body, voluntary-or-community-organisation, school-or-college or health-provider (required)."),
                  OptionSpec("district", takesValue: true, valueName: "DISTRICT", help: "One of the partnership's districts, or outside (required)."),
                  OptionSpec("size", takesValue: true, valueName: "BAND", help: "micro, small, medium or large (required)."),
                  OptionSpec("postcode", takesValue: true, valueName: "POSTCODE", help: "Its postcode."),
                  OptionSpec("company-number", takesValue: true, valueName: "NUMBER", help: "Its company number, if it has one."),
                  OptionSpec("contact-name", takesValue: true, valueName: "NAME", help: "The contact person (required)."),
                  OptionSpec("contact-email", takesValue: true, valueName: "EMAIL", help: "The contact's email (required)."),
                  OptionSpec("key", takesValue: true, valueName: "KEY", help: "An idempotency key.")]
    ) { inv in
        try inv.expectPositionals(atMost: 0)
        func required(_ o: String) throws -> String { try inv.required(o) }
        let app = try inv.app
        let view = try app.registerOrganisation(OrganisationRegistration(
            name: try required("name"), kind: try required("kind"), district: try required("district"), sizeBand: try required("size"),
            postcode: inv.arguments.value("postcode"), companyNumber: inv.arguments.value("company-number"),
            contactName: try required("contact-name"), contactEmail: try required("contact-email")), by: inv.actor.id, idempotencyKey: inv.arguments.value("key"))
        inv.output(orgJSON(view)) {
            "Registered \(view.organisation.name) as \(view.organisation.key); its contact is \(view.organisation.contacts.first ?? "?"). Next: make a pledge with 'flourish pledge create --org \(view.organisation.key)'."
        }
    }

    static let orgList = Command(["org", "list"], "List pledging organisations with their membership state.", options: pagingOptions(after: "ORG")) { inv in
        try inv.expectPositionals(atMost: 0)
        let request = try inv.pageRequest()
        let app = try inv.app
        let orgs = try app.organisations(for: try inv.viewer)
        inv.outputPage(try ListPage(orgs, request) { $0.organisation.key }, request, name: "organisations", none: "No organisations yet.", json: orgJSON) {
            "\($0.organisation.key)  \($0.membership?.state.rawValue ?? "-")  \($0.organisation.kind.map { app.displayName("kind", $0) } ?? "")  \($0.organisation.district.map { app.displayName("district", $0) } ?? "")  \($0.organisation.name)"
        }
    }

    static let orgShow = Command(["org", "show"], "Show an organisation, its membership and its pledges.", arguments: "ORG") { inv in
        let key = try inv.positional(0, "ORG: the organisation's key")
        try inv.expectPositionals(atMost: 1)
        let app = try inv.app
        let view = try app.organisation(key, for: try inv.viewer)
        inv.output(orgJSON(view)) {
            var lines = ["\(view.organisation.name) (\(view.organisation.key)): \(view.organisation.kind ?? "-"), \(view.organisation.district ?? "-"), \(view.organisation.sizeBand ?? "-")",
                         "Membership: \(view.membership?.state.rawValue ?? "none")\(view.isOnWall ? " (on the public wall)" : "")", "Pledges:"]
            lines += view.pledges.isEmpty ? ["  none yet"] : view.pledges.map { "  \($0.id)  \($0.pledgeYear ?? 0)  \($0.state.rawValue)  \($0.text)" }
            return lines.joined(separator: "\n")
        }
    }

    static let orgWithdraw = Command(
        ["org", "withdraw"], "Withdraw an organisation from the scheme (it leaves the wall; its open pledges are withdrawn).",
        arguments: "ORG", options: [OptionSpec("reason", takesValue: true, valueName: "TEXT", help: "Why.")]
    ) { inv in
        let key = try inv.positional(0, "ORG: the organisation's key")
        try inv.expectPositionals(atMost: 1)
        let view = try inv.app.withdrawOrganisation(key, reason: inv.arguments.value("reason"), by: inv.actor.id)
        inv.output(orgJSON(view)) { "\(view.organisation.name) has withdrawn from the FLOURISH Pledge; its history is kept." }
    }

    static let orgReinstate = Command(
        ["org", "reinstate"], "Reinstate a lapsed or withdrawn organisation.",
        arguments: "ORG", options: [OptionSpec("reason", takesValue: true, valueName: "TEXT", help: "Why (required).")]
    ) { inv in
        let key = try inv.positional(0, "ORG: the organisation's key")
        try inv.expectPositionals(atMost: 1)
        let reason = try inv.required("reason", "TEXT")
        let view = try inv.app.reinstateOrganisation(key, reason: reason, by: inv.actor.id)
        inv.output(orgJSON(view)) { "\(view.organisation.name) is reinstated." }
    }

    static let orgErase = Command(
        ["org", "erase-contact"], "Erase an organisation's contact details on request (UK GDPR); pledges and history stay.",
        arguments: "ORG", options: [OptionSpec("reason", takesValue: true, valueName: "TEXT", help: "The request it answers (required).")]
    ) { inv in
        let key = try inv.positional(0, "ORG: the organisation's key")
        try inv.expectPositionals(atMost: 1)
        let reason = try inv.required("reason", "TEXT")
        let count = try inv.app.eraseContact(of: key, reason: reason, by: try inv.viewer)
        inv.output(["organisation": .string(key), "contactsErased": .integer(Int64(count))]) {
            "Erased \(count) contact\(count == 1 ? "" : "s") of \(key) from the directory, past event payloads and the outbox. The audit log still verifies."
        }
    }

    static func orgJSON(_ v: OrganisationView) -> JSONValue {
        ["key": .string(v.organisation.key), "name": .string(v.organisation.name), "kind": v.organisation.kind.map(JSONValue.string) ?? .null,
         "district": v.organisation.district.map(JSONValue.string) ?? .null, "sizeBand": v.organisation.sizeBand.map(JSONValue.string) ?? .null,
         "membership": v.membership.map { .string($0.state.rawValue) } ?? .null, "onWall": .bool(v.isOnWall),
         "pledges": .array(v.pledges.map { .string($0.id.rawValue) })]
    }

    // MARK: - Pledges

    static let pledgeCreate = Command(
        ["pledge", "create"], "Draft a pledge: at least one new thing the organisation will do this year.",
        options: [OptionSpec("org", takesValue: true, valueName: "ORG", help: "The organisation (required)."),
                  OptionSpec("text", takesValue: true, valueName: "TEXT", help: "What it will do (required)."),
                  OptionSpec("areas", takesValue: true, valueName: "AREA,...", help: "FLOURISH areas it serves (at least one)."),
                  OptionSpec("theme", takesValue: true, valueName: "THEME", help: "An optional theme, e.g. mental-health."),
                  OptionSpec("priority", takesValue: true, valueName: "KEY", help: "An optional priority it supports."),
                  OptionSpec("year", takesValue: true, valueName: "YEAR", help: "The pledge year (default: the current one)."),
                  OptionSpec("ask", takesValue: true, valueName: "ASK", help: "The partnership's open ask it answers (see 'flourish ask list')."),
                  OptionSpec("key", takesValue: true, valueName: "KEY", help: "An idempotency key.")]
    ) { inv in
        try inv.expectPositionals(atMost: 0)
        let org = try inv.required("org", "ORG")
        let text = try inv.required("text", "TEXT")
        let app = try inv.app
        var request = PledgeRequest(organisation: org, text: text, areas: list(inv.arguments.value("areas")) ?? [],
                                    theme: inv.arguments.value("theme"), priority: inv.arguments.value("priority"), pledgeYear: try inv.integer("year"))
        request.ask = inv.arguments.value("ask")
        let p = try Pledge(app.createPledge(request, by: inv.actor.id, idempotencyKey: inv.arguments.value("key")))
        inv.output(p.json(app.time)) {
            "Drafted \(p.id) for \(org) (pledge year \(p.pledgeYear ?? 0))."
                + (p.repeatsLastYear ? " Note: it repeats an earlier pledge; the reviewer will see that." : "")
                + " Submit it with 'flourish pledge submit \(p.id)'."
        }
    }

    static let versionOption = OptionSpec("expect-version", takesValue: true, valueName: "N", help: "The version you last saw (refused as a conflict if it has moved on).")

    static let pledgeEdit = Command(
        ["pledge", "edit"], "Edit a draft pledge, or one with changes requested.", arguments: "PLEDGE",
        options: [OptionSpec("text", takesValue: true, valueName: "TEXT", help: "New text."), OptionSpec("areas", takesValue: true, valueName: "AREA,...", help: "New areas."),
                  OptionSpec("theme", takesValue: true, valueName: "THEME", help: "New theme."), OptionSpec("priority", takesValue: true, valueName: "KEY", help: "New priority."), versionOption]
    ) { inv in
        let id = try inv.onlyRecord("PLEDGE: e.g. pledge-3")
        let app = try inv.app
        let p = try app.editPledge(RecordID(id), text: inv.arguments.value("text"), areas: list(inv.arguments.value("areas")), theme: inv.arguments.value("theme"),
                                       priority: inv.arguments.value("priority"), expectedVersion: try inv.expectedVersion(), by: inv.actor.id)
        inv.output(p.json(app.time)) { "Edited \(p.id) (version \(p.version))." }
    }

    /// A command that fires one pledge event with the given options as fields.
    static func pledgeEvent(_ verb: String, event: String, abstract: String, fields: [(option: String, field: String, help: String, required: Bool)], done: String) -> Command {
        Command(["pledge", verb], abstract, arguments: "PLEDGE",
                options: fields.map { OptionSpec($0.option, takesValue: true, valueName: "TEXT", help: $0.help + ($0.required ? " (required)" : "")) } + [versionOption]) { inv in
            let id = try inv.onlyRecord("PLEDGE: e.g. pledge-3")
            var payload: [String: JSONValue] = [:]
            for f in fields {
                // A count is sent as a number when it is one; anything else as typed, for the service to name.
                if let v = inv.arguments.value(f.option) { payload[f.field] = f.field == "reached" ? (Int(v).map { .integer(Int64($0)) } ?? .string(v)) : .string(v) }
                else if f.required { throw UsageError("missing --\(f.option)") }
            }
            let app = try inv.app
            let p = try app.firePledge(RecordID(id), event: event, fields: payload, expectedVersion: try inv.expectedVersion(), by: inv.actor.id)
            inv.output(p.json(app.time)) { "\(p.id) \(done) (now \(p.state))." }
        }
    }

    static let pledgeSubmit = pledgeEvent("submit", event: "submit", abstract: "Submit a pledge for review.", fields: [], done: "is submitted for review")
    static let pledgeRequestChanges = pledgeEvent("request-changes", event: "request-changes", abstract: "Ask the organisation to change its pledge (the secretariat).",
                                                  fields: [("comment", "reviewComment", "What to change", true)], done: "is sent back for changes")
    static let pledgeReject = pledgeEvent("reject", event: "reject", abstract: "Reject a pledge with a reason (the secretariat).",
                                          fields: [("reason", "reason", "Why", true)], done: "is rejected")
    static let pledgeReport = pledgeEvent("report", event: "report", abstract: "Report what the organisation delivered at the end of its pledge year.",
                                          fields: [("outcome", "outcome", "delivered, partly-delivered or not-delivered", true),
                                                   ("evidence", "evidence", "A few lines of evidence", true), ("link", "evidenceLink", "A web link to more", false),
                                                   ("reached", "reached", "How many children and young people it reached, a whole number", false)],
                                          done: "is reported")
    static let pledgeWithdraw = pledgeEvent("withdraw", event: "withdraw", abstract: "Withdraw a pledge.", fields: [("reason", "reason", "Why", false)], done: "is withdrawn")

    static let pledgeApprove = Command(
        ["pledge", "approve"], "Approve and publish a pledge (the secretariat); its pledge year's dates follow the partnership's settings.",
        arguments: "PLEDGE", options: [OptionSpec("comment", takesValue: true, valueName: "TEXT", help: "A note for the organisation."), versionOption]
    ) { inv in
        let id = try inv.onlyRecord("PLEDGE: e.g. pledge-3")
        let app = try inv.app
        let p = try Pledge(app.approvePledge(RecordID(id), comment: inv.arguments.value("comment"), expectedVersion: try inv.expectedVersion(), by: inv.actor.id))
        inv.output(p.json(app.time)) {
            "\(p.id) is approved and on the wall. Pledge year \(p.yearStarts?.inWords ?? "") to \(p.yearEnds?.adding(days: -1).inWords ?? ""); check-in \(p.checkInOn?.inWords ?? ""); report due by \(p.reportDueOn?.inWords ?? "")."
        }
    }

    static let pledgeList = Command(
        ["pledge", "list"], "List pledges, or the public wall with --wall.",
        options: [OptionSpec("wall", help: "Only the public wall: approved, current pledges of active organisations."),
                  OptionSpec("state", takesValue: true, valueName: "STATE", help: "Only pledges in this state (not with --wall)."),
                  OptionSpec("area", takesValue: true, valueName: "AREA", help: "Wall: only this FLOURISH area."),
                  OptionSpec("kind", takesValue: true, valueName: "KIND", help: "Wall: only this kind of organisation."),
                  OptionSpec("district", takesValue: true, valueName: "DISTRICT", help: "Wall: only this district."),
                  OptionSpec("theme", takesValue: true, valueName: "THEME", help: "Wall: only this theme."),
                  OptionSpec("search", takesValue: true, valueName: "TEXT", help: "Wall: words to look for.")] + pagingOptions(after: "PLEDGE")
    ) { inv in
        try inv.expectPositionals(atMost: 0)
        let request = try inv.pageRequest()
        let app = try inv.app
        let wallOnly = ["area", "kind", "district", "theme", "search"].filter { inv.arguments.value($0) != nil }
        if !inv.arguments.flag("wall"), let first = wallOnly.first {
            throw UsageError("--\(first) filters the public wall; add --wall (or use --state for every pledge you may see)")
        }
        if inv.arguments.flag("wall"), inv.arguments.value("state") != nil {
            throw UsageError("--state lists every pledge you may see, not the wall (the wall is only approved, current pledges); leave out --wall or --state")
        }
        if inv.arguments.flag("wall") {
            let (entries, counts) = try app.wall(WallFilter(area: inv.arguments.value("area"), kind: inv.arguments.value("kind"), district: inv.arguments.value("district"),
                                                            theme: inv.arguments.value("theme"), search: inv.arguments.value("search")))
            let page = try ListPage(entries, request) { $0.pledge.rawValue }
            if inv.isJSON {
                inv.emit(["pledges": .array(page.items.map { e in
                    ["pledge": .string(e.pledge.rawValue), "organisation": .string(e.organisationName), "kind": .string(e.kind), "district": .string(e.district),
                     "text": .string(e.text), "areas": .array(e.areas.map(JSONValue.string)), "theme": e.theme.map(JSONValue.string) ?? .null,
                     "pledgeYear": .integer(Int64(e.pledgeYear))]
                }), "total": .integer(Int64(page.total)), "next": page.next.map(JSONValue.string) ?? .null, "countsByArea": .object(counts.mapValues { .integer(Int64($0)) })])
                return
            }
            inv.outputPage(page, request, name: "pledges", none: "No pledges match.", json: { _ in .null }) {
                "\($0.organisationName) (\(app.displayName("district", $0.district))): \($0.text)  [\($0.areas.map { app.displayName("areas", $0) }.joined(separator: ", "))\($0.theme.map { "; \($0)" } ?? "")]"
            }
            inv.say("\nPledges per area: " + app.framework.areas.map { "\($0.name) \(counts[$0.key] ?? 0)" }.joined(separator: ", "))
            return
        }
        let page = try app.recordsPage(workflow: "pledge", state: inv.arguments.value("state"), request, for: try inv.viewer)
        let pledges = try page.map { try Pledge($0) }
        inv.outputPage(pledges, request, name: "pledges", order: "newest first", none: "No pledges.", json: { $0.instance.json(app.time) }) {
            "\($0.id)  \($0.state)  \(app.displayName("organisation", $0.organisation))  \($0.pledgeYear ?? 0)  \($0.text)"
        }
    }

    static let pledgeShow = Command(["pledge", "show"], "Show a pledge, its dates and what you may do next.", arguments: "PLEDGE") { inv in
        _ = try inv.onlyRecord("PLEDGE: the pledge (e.g. pledge-12)", ofKind: "pledge")
        try InstanceCommands.show.run(inv)
    }
}

/// What an import deliberately did not send: messages about events before the import.
func unsentNote(_ count: Int, would: Bool) -> String {
    guard count > 0 else { return "" }
    return " \(count) message\(count == 1 ? "" : "s") about those past events \(would ? "would be" : "were") left unsent (imports are history, not news)."
}
