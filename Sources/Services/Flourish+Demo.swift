public import Foundation
internal import Engine
internal import Domain

/// One person the demo data signs in as.
public struct DemoAccount: Sendable, Equatable {
    public let person: String
    public let name: String
    /// What they do in the partnership, for the list printed at start-up.
    public let does: String
}

extension Flourish {
    /// The password every demo account shares. Demo databases are for trying Flourish out,
    /// never for real records.
    public static let demoPassword = "try-flourish-demo"

    /// Whether the database holds anything yet (people, organisations or instances).
    public func isEmpty() throws -> Bool {
        try directory.people().isEmpty && engine.instances(limit: 1).isEmpty
    }

    /// Loads the demo partnership's people, accounts, organisations, two years of pledges, the
    /// groups' actions and measures (from `Workflows/samples`), one pledge waiting for review
    /// and one escalation raised by hand; then lets due timers fire. Only into an empty database.
    public func loadDemo() throws -> [DemoAccount] {
        guard try isEmpty() else { throw SetupError.notEmpty(database.path) }
        let now = clock.now()
        let alliance = partnership.allianceBody
        let people: [(id: String, name: String, body: String, role: String, does: String)] = [
            ("sam", "Sam Shaw", alliance, "secretariat", "Alliance secretariat: reviews pledges, runs escalations and the outbox"),
            ("ann", "Ann Adeyemi", alliance, "chair", "Chair of the Strategic Alliance: decides escalations that reach it"),
            ("bea", "Bea Blake", alliance, "member", "Alliance board member"),
            ("erin", "Erin Evans", "early-prevention-board", "chair", "Chair of the Early Prevention Board"),
            ("maya", "Maya Moss", "cyp-mental-health-alliance-executive-management-group", "chair", "Chair of the mental health subgroup"),
            ("sian", "Sian Shah", "norfolk-area-send-multi-agency-steering-group", "chair", "Chair of the SEND steering group"),
            ("leo", "Leo Lund", "norfolk-learning-board", "chair", "Chair of the Norfolk Learning Board"),
            ("dee", "Dee Dunn", "data-and-system-performance-group", "chair", "Chair of the Data and System Performance Group"),
            ("nia", "Nia Noor", "mental-health-participation-group", "chair", "Adult lead of the Mental Health Participation Group (young people's voice)"),
        ]
        var accounts: [DemoAccount] = []
        for p in people where partnership.body(p.body) != nil {
            _ = try directory.addPerson(id: p.id, name: p.name, email: "\(p.id)@example.org", at: now)
            _ = try directory.addMembership(person: p.id, body: p.body, role: p.role, at: now)
            try self.accounts.setPassword(Self.demoPassword, for: p.id, at: now)
            accounts.append(DemoAccount(person: p.id, name: p.name, does: p.does))
        }
        let samples = library.directory.appendingPathComponent("samples")
        func sample(_ name: String) throws -> String { try String(contentsOf: samples.appendingPathComponent("\(name).csv"), encoding: .utf8) }
        _ = try importOrganisations(csv: sample("organisations"), dryRun: false, by: "sam")
        _ = try importPledges(csv: sample("pledges"), dryRun: false, by: "sam")
        if partnership.key == "norfolk" {
            _ = try importActions(csv: sample("actions"), dryRun: false, by: "sam")
            _ = try importMeasures(csv: sample("measures"), dryRun: false, by: "sam")
        }
        // Every organisation's contact can sign in; one has renewed and waits for review.
        for view in try organisations() {
            for contact in view.organisation.contacts {
                try self.accounts.setPassword(Self.demoPassword, for: contact, at: now)
                let person = try directory.people().first { $0.id == contact }
                accounts.append(DemoAccount(person: contact, name: person?.name ?? contact, does: "Contact for \(view.organisation.name)"))
            }
        }
        // The sample history ends with the organisations' memberships lapsed (none renewed in
        // time); in the demo they renew: two current pledges on the wall, one waiting for review.
        // The Youth Trust's answers one of the partnership's two asks.
        _ = try engine.tick()
        let asks = try publishDemoAsks()
        let renewals = [("wensum-valley-bakery", "Host a bread-making club for young carers every half term", ["family-and-friends", "resilience"]),
                        ("great-yarmouth-youth-trust-the", "Offer four work placements a year, with a mentor, to young people at risk of not being in education, employment or training", ["opportunity", "learning"]),
                        ("fenland-primary-school", "Run family reading mornings with the local library", ["learning", "family-and-friends"])]
        for (index, renewal) in renewals.enumerated() {
            guard let view = try organisations().first(where: { $0.organisation.key == renewal.0 }), let contact = view.organisation.contacts.first else { continue }
            if view.membership?.state == .lapsed { _ = try reinstateOrganisation(view.organisation.key, reason: "Renewed with a new pledge", by: "sam") }
            var request = PledgeRequest(organisation: view.organisation.key, text: renewal.1, areas: renewal.2)
            if index == 1 { request.ask = asks.last?.id.rawValue }
            let pledge = try createPledge(request, by: contact)
            _ = try firePledge(RecordID(pledge.id), event: "submit", fields: [:], expectedVersion: nil, by: contact)
            if index < 2 { _ = try approvePledge(RecordID(pledge.id), comment: "Thank you: a clear new commitment.", expectedVersion: nil, by: "sam") }
        }
        try attachDemoEvidence()
        if partnership.body("early-prevention-board") != nil {
            _ = try raiseEscalation(EscalationRequest(group: "early-prevention-board", title: "Family hub venues withdrawn in two districts",
                                                      description: "Two district councils have withdrawn the venues agreed for family hubs.", severity: "high", areas: ["family-and-friends"]),
                                    by: "erin")
        }
        if partnership.key == "norfolk" {
            try acceptDemoPlan(at: now)
            try recordDemoVoice(at: now)
            // A referral sideways, awaiting the partner's reply.
            _ = try referToPartner(from: alliance, partner: "integrated-care-system-for-norfolk-and-waveney", title: "Waiting times for eating disorder assessments",
                                   description: "The Alliance asks the ICS how it will bring assessments within four weeks, and by when.",
                                   replyBy: time.day(of: now).adding(days: 21).description, by: "sam")
        }
        _ = try engine.tick()
        if partnership.key == "norfolk" { try publishDemoReport(at: now) }
        try scheduleDemoMeetings(at: now)
        return accounts
    }

    /// A decision that became work: an issue the Alliance accepted into a plan of two actions,
    /// one done and one due, so the demo shows a plan half done.
    func acceptDemoPlan(at now: Date) throws {
        let alliance = partnership.allianceBody
        let raised = try raiseEscalation(EscalationRequest(group: "norfolk-learning-board", title: "Young carers missing school for want of transport",
                                                           description: "Schools report young carers arriving late or not at all where buses do not fit their caring.",
                                                           severity: "medium", areas: ["learning", "family-and-friends"]), by: "leo")
        let today = time.day(of: now)
        let decided = try decideEscalation(raised.escalation.id, at: alliance, outcome: "accepted",
                                           fields: ["plan": "Map the journeys, then agree a travel pass", "rationale": "Within the Alliance's means; the transport team is willing"],
                                           plan: [PlannedAction(title: "Map the journeys young carers make to school", group: "norfolk-learning-board", owner: "leo",
                                                                dueDate: today.adding(days: 21).description),
                                                  PlannedAction(title: "Agree a young carers' travel pass with the transport team", group: alliance, owner: "ann",
                                                                dueDate: today.adding(days: 70).description)], by: "ann")
        if let mapped = decided.plan.first {
            _ = try fireAction(mapped.id, event: "complete", fields: ["outcomeNote": "Journeys mapped with six schools"], by: "leo")
        }
    }

    /// A year-end report with evidence: the school's overdue report on last year's pledge comes
    /// in, saying how many children it reached, and its contact keeps a short PDF with it.
    func attachDemoEvidence() throws {
        guard let overdue = try Pledge.records(try engine.instances(workflow: "pledge", state: "report-overdue", limit: 10)).first,
              let contact = try organisation(overdue.organisation).organisation.contacts.first else { return }
        let reported = try Pledge(firePledge(overdue.id, event: "report", fields: ["outcome": "delivered", "reached": .integer(35),
                                                                                "evidence": "The library opened two afternoons a week; thirty-five children came with their families."],
                                             expectedVersion: nil, by: contact))
        let pdf = """
            %PDF-1.4
            1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj
            2 0 obj <</Type /Pages /Kids [3 0 R] /Count 1>> endobj
            3 0 obj <</Type /Page /Parent 2 0 R /MediaBox [0 0 300 144]>> endobj
            trailer <</Root 1 0 R>>
            %%EOF

            """
        _ = try attachEvidence(to: reported.id.instance, filename: "what-we-delivered.pdf", bytes: Array(pdf.utf8), by: contact)
    }

    /// Two asks from the strategy's "what needs to happen" lists, aimed where the demo's wall has
    /// fewest pledges (for a partnership whose framework has those items).
    func publishDemoAsks() throws -> [PledgeAsk] {
        var asks: [PledgeAsk] = []
        let items = Set(framework.priorities.flatMap { p in p.whatNeedsToHappen.map { "\(p.key)|\($0.key)" } })
        let fewest = try pledgeCoverage().leastCovered.prefix(2).map(\.key)
        if items.contains("prevention-and-early-help|prevention-and-early-help.10") {
            asks.append(try publishAsk(title: "Community-based short breaks for families with disabled children",
                                       description: "Clubs, activities and places where disabled children can have a good time while their parents and carers get a break.",
                                       priority: "prevention-and-early-help", item: "prevention-and-early-help.10", areas: ["family-and-friends", "resilience"], districts: fewest, by: "sam"))
        }
        if items.contains("learning-gaps|learning-gaps.6") {
            asks.append(try publishAsk(title: "Work placements for young people at risk of not being in education, employment or training",
                                       description: "A placement with a mentor for a young person in Year 11 or 12 who is at risk of leaving learning without a next step.",
                                       priority: "learning-gaps", item: "learning-gaps.6", areas: ["opportunity", "learning"], districts: [], by: "sam"))
        }
        return asks
    }

    /// "You said, we did": the Mental Health Participation Group's view changed how the mental
    /// health subgroup treats people waiting (a new action, and a published reply); the Youth
    /// Advisory Boards' view of where family hubs should be waits for the Early Prevention Board.
    func recordDemoVoice(at now: Date) throws {
        let group = "mental-health-participation-group", subgroup = "cyp-mental-health-alliance-executive-management-group"
        guard partnership.body(group) != nil, partnership.body(subgroup) != nil else { return }
        for name in ["Jo", "Kai", "Ren", "Tam"] { _ = try addParticipant(to: group, name: name, by: "nia") }
        let today = time.day(of: now)
        let heard = try recordVoice(group: group, body: subgroup, heardOn: today.adding(days: -9).description,
                                    question: "What would make waiting for mental health support easier?",
                                    said: "Tell us how long the wait is likely to be, and check in with us while we wait. Hearing nothing for months is the worst part.",
                                    areas: ["healthy", "understood"], priorities: [], by: "nia")
        let action = try logAction(ActionRequest(group: subgroup, title: "Call everyone waiting for a first appointment once a month",
                                                 description: "Asked for by the Mental Health Participation Group: a named worker checks in monthly, and the first letter says how long the wait is likely to be.",
                                                 priority: nil, areas: ["healthy", "understood"], owner: "maya", dueDate: today.adding(days: 60).description, item: nil), by: "maya")
        _ = try respondToVoice(heard.id, outcome: "we-did",
                               response: "From next month everyone waiting for a first appointment gets a monthly call from a named worker, and the first letter says how long the wait is likely to be.",
                               shaped: [action.action.id.rawValue], by: "maya")
        if partnership.body("youth-advisory-boards") != nil {
            _ = try recordVoice(group: "youth-advisory-boards", body: "early-prevention-board", heardOn: today.adding(days: -3).description,
                                question: "Where should the new family hubs be?",
                                said: "In places we already go: the library, the leisure centre, the youth club. Not in the council offices.",
                                areas: ["family-and-friends"], priorities: [], by: "sam")
        }
    }

    /// The Alliance's next meeting a week ahead, its agenda built from what waits for it (and one
    /// item added by hand), and the Health and Wellbeing Board's, whose papers are public.
    func scheduleDemoMeetings(at now: Date) throws {
        let alliance = partnership.allianceBody
        let nextWeek = time.day(of: now).adding(days: 7)
        let meeting = try scheduleMeeting(of: alliance, at: time.moment(nextWeek, hour: 10, minute: 0), place: "County Hall, Norwich, and online", by: "sam")
        _ = try addAgendaItem(meeting.id, item: "The timetable for this year's annual report", by: "sam")
        if let board = partnership.papersPublic.sorted().first(where: { partnership.body($0) != nil && partnership.children(of: $0).contains { $0.key == alliance } }) {
            _ = try scheduleMeeting(of: board, at: time.moment(nextWeek.adding(days: 14), hour: 14, minute: 0), place: "County Hall, Norwich (meets in public)", by: "sam")
        }
    }

    /// Last year's annual report, run through its whole workflow (every group's section, the
    /// secretariat compiling, the Alliance's chair approving, publishing), so the public
    /// reports page of a demo has a published report to show.
    func publishDemoReport(at now: Date) throws {
        let year = time.day(of: now).year - 1
        let voice = partnership.body("mental-health-participation-group") != nil ? ["mental-health-participation-group"] : []
        let status = try startAnnualReport(year: year, sectionsDueOn: time.day(of: now).adding(days: 28), statementsFrom: voice, by: "sam")
        let chairs = ["early-prevention-board": "erin", "cyp-mental-health-alliance-executive-management-group": "maya",
                      "norfolk-area-send-multi-agency-steering-group": "sian", "norfolk-learning-board": "leo", "data-and-system-performance-group": "dee"]
        for group in try reportingGroups() {
            let text = "\(group.name) met each quarter in \(year), reviewed its actions against the FLOURISH areas and agreed next year's priorities with the Alliance."
            _ = try submitReportSection(year: year, group: group.key, text: text, by: chairs[group.key] ?? "sam")
        }
        // Young people's own statement, written by the group with its lead.
        for section in status.sections where voice.contains(section.group) {
            _ = try submitReportSection(year: year, group: section.group, text: "This year we told the mental health services what waiting feels like. We want to be told how long the wait is, and to hear from someone while we wait.\n\nNext year we want to help choose where new services go.", by: "nia")
        }
        _ = try compileAnnualReport(year: year, by: "sam")
        _ = try decideAnnualReport(year: year, approve: true, note: nil, by: "ann")
        _ = try publishAnnualReport(year: year, by: "sam")
    }
}
