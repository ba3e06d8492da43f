import Foundation
import Testing
@_spi(Harness) @testable import Services
import Engine
import Domain

/// Pledges that meet the partnership's needs (the defect: a business choosing what to pledge got
/// no help from the partnership's needs, nothing showed where pledges were few, and a pledge
/// earned nothing to show).
@Suite(.serialized) struct AsksTests {
    struct World {
        let f: NorfolkFixture
        let acme: OrganisationView, beacon: OrganisationView
        func pledge(_ org: OrganisationView, _ text: String, _ areas: [String], ask: String? = nil, approve: Bool = true) throws -> InstanceID {
            let contact = org.organisation.contacts[0]
            var request = PledgeRequest(organisation: org.organisation.key, text: text, areas: areas)
            request.ask = ask
            let p = try f.app.createPledge(request, by: contact)
            _ = try f.app.firePledge(RecordID(p.id), event: "submit", fields: [:], expectedVersion: nil, by: contact)
            if approve { _ = try f.app.approvePledge(RecordID(p.id), comment: nil, expectedVersion: nil, by: "sec") }
            return p.id
        }
    }

    func world() throws -> World {
        let f = try NorfolkFixture(start: "2026-03-02T09:00")
        try f.person("sec", alliance, "secretariat")
        try f.person("erin", "early-prevention-board", "chair")
        let acme = try f.app.registerOrganisation(.init(name: "Acme Ltd", kind: "business", district: "norwich", sizeBand: "small", contactName: "A", contactEmail: "a@acme.example"), by: "sec")
        let beacon = try f.app.registerOrganisation(.init(name: "Beacon Trust", kind: "voluntary-or-community-organisation", district: "breckland", sizeBand: "micro",
                                                          contactName: "B", contactEmail: "b@beacon.example"), by: "sec")
        return World(f: f, acme: acme, beacon: beacon)
    }

    @Test func theSecretariatPublishesAsksOrganisationsPledgeAgainstThemAndEachCountsItsPledges() throws {
        let w = try world()
        let app = w.f.app
        #expect(throws: WorkflowError.self, "only the secretariat publishes asks") {
            try app.publishAsk(title: "Short breaks", description: "", priority: nil, item: nil, areas: ["resilience"], districts: [], by: "erin")
        }
        #expect(throws: AskError.itemWithoutPriority) {
            try app.publishAsk(title: "Short breaks", description: "", priority: nil, item: "prevention-and-early-help.10", areas: ["resilience"], districts: [], by: "sec")
        }
        #expect(throws: FrameworkError.self, "an item of another priority") {
            try app.publishAsk(title: "Short breaks", description: "", priority: "send", item: "prevention-and-early-help.10", areas: ["resilience"], districts: [], by: "sec")
        }
        #expect(throws: AskError.self) {
            try app.publishAsk(title: "Short breaks", description: "", priority: nil, item: nil, areas: ["resilience"], districts: ["atlantis"], by: "sec")
        }
        #expect(throws: FrameworkError.noAreas) {
            try app.publishAsk(title: "Short breaks", description: "", priority: nil, item: nil, areas: [], districts: [], by: "sec")
        }
        #expect(throws: WorkflowError.self, "the generic door cannot skip the item and district checks") {
            try app.start("pledge-ask", fields: ["title": "Short breaks", "areas": .array(["resilience"]), "item": "not-an-item"], for: try app.viewer(for: "sec"), idempotencyKey: nil)
        }
        #expect(try app.asks().isEmpty, "nothing written by the refusals")
        let breaks = try app.publishAsk(title: "Community-based short breaks", description: "For families with disabled children", priority: "prevention-and-early-help",
                                        item: "prevention-and-early-help.10", areas: ["family-and-friends", "resilience"], districts: ["breckland"], by: "sec")
        let placements = try app.publishAsk(title: "Work placements", description: "", priority: "learning-gaps", item: "learning-gaps.6", areas: ["opportunity"], districts: [], by: "sec")
        #expect(breaks.item == "prevention-and-early-help.10" && breaks.districts == ["breckland"])

        let answered = try w.pledge(w.beacon, "A Saturday club for disabled children", ["family-and-friends"], ask: breaks.id.rawValue)
        _ = try w.pledge(w.acme, "Two placements", ["opportunity"], ask: placements.id.rawValue, approve: false)
        _ = try w.pledge(w.acme, "Something of our own", ["healthy"])
        #expect(try Pledge(app.engine.instance(answered)).ask == breaks.id.rawValue)
        let counts = Dictionary(uniqueKeysWithValues: try app.asks().map { ($0.ask.id, ($0.pledges, $0.published)) })
        #expect(counts[breaks.id]! == (1, 1) && counts[placements.id]! == (1, 0), "pledged, and on the wall")
        #expect(try app.pledges(answering: breaks.id).map(\.pledge) == [answered])
        #expect(try app.wall().entries.first { $0.pledge == answered }?.ask == breaks.id.rawValue)

        // A closed ask keeps its pledges and takes no more.
        #expect(throws: WorkflowError.self, "only the secretariat closes asks") { try app.closeAsk(breaks.id, reason: "Enough", by: "erin") }
        _ = try app.closeAsk(breaks.id, reason: "Three clubs now run in Breckland", by: "sec")
        #expect(throws: AskError.notOpen("Community-based short breaks")) {
            try w.pledge(w.acme, "Another club", ["family-and-friends"], ask: breaks.id.rawValue)
        }
        #expect(throws: WorkflowError.self, "an ask that does not exist") {
            try w.pledge(w.acme, "Another club", ["family-and-friends"], ask: "pledge-ask-999")
        }
        #expect(try app.asks().first { $0.ask.id == breaks.id }?.pledges == 1)
        #expect(try app.asks(includingClosed: false).map(\.ask.id) == [placements.id])
        // Anyone reads an ask, all of it.
        #expect(try app.record(breaks.id.instance, for: .anonymous).sight == .publicPart)
    }

    @Test func coverageCountsPublishedPledgesByAreaAndDistrictAndFindsTheGaps() throws {
        let w = try world()
        let app = w.f.app
        _ = try w.pledge(w.acme, "Work experience weeks", ["learning", "healthy"])
        _ = try w.pledge(w.acme, "Healthy lunches", ["healthy"])
        _ = try w.pledge(w.beacon, "Homework club", ["learning"])
        _ = try w.pledge(w.beacon, "Not yet approved", ["opportunity"], approve: false)
        let all = try app.pledgeCoverage()
        #expect(all.total == 3, "only published pledges count")
        #expect(all.count("healthy", "norwich") == 2 && all.count("learning", "norwich") == 1 && all.count("learning", "breckland") == 1)
        #expect(all.count("opportunity", "breckland") == 0)
        #expect(all.byDistrict == ["norwich": 2, "breckland": 1] && all.largest == 2)
        #expect(all.leastCovered.first?.key != "norwich" && all.leastCovered.last?.key == "norwich")
        // The table's figures are the wall's: each district's total is its wall count.
        for d in app.partnership.districts {
            #expect(all.byDistrict[d.key] ?? 0 == (try app.wall(WallFilter(district: d.key)).entries.count))
        }
        let business = try app.pledgeCoverage(kind: "business")
        #expect(business.total == 2 && business.count("learning", "breckland") == 0)
        // Kept between views (issue 22), and counted again once a pledge is published.
        _ = try w.pledge(w.beacon, "Reading buddies", ["opportunity"])
        #expect(try app.pledgeCoverage().count("opportunity", "breckland") == 1 && app.pledgeCoverage().total == 4)
    }

    @Test func aPublishedPledgeHasACertificateAndABadgeThatKnowsWhenItIsNoLongerCurrent() throws {
        let w = try world()
        let app = w.f.app
        let draft = try w.pledge(w.acme, "A draft", ["healthy"], approve: false)
        #expect(throws: WorkflowError.self, "a pledge not published has no badge") { try app.recognition(RecordID(draft)) }
        let approved = try w.pledge(w.beacon, "Homework club", ["learning"])
        let now = try app.recognition(RecordID(approved))
        #expect(now.isCurrent && now.title == "FLOURISH Pledge 2026" && now.organisationName == "Beacon Trust" && now.approvedOn?.description == "2026-03-02")
        #expect(now.standing.hasPrefix("Current until "))
        #expect(now.pledge.contacts.isEmpty, "the public part only: no contacts")
        // A year and a day later the year is over and the badge says so.
        let ends = try #require(try Pledge(app.engine.instance(approved)).yearEnds)
        w.f.clock.set(app.time.moment(ends, hour: 9))
        _ = try app.engine.tick()
        let later = try app.recognition(RecordID(approved))
        #expect(!later.isCurrent && !later.isPublic, "after its year the badge says so, and the certificate waits for the report")
        #expect(later.standing.hasPrefix("Not current"))
        _ = try app.firePledge(RecordID(approved), event: "report", fields: ["outcome": "delivered", "evidence": "Thirty children came every week"], expectedVersion: nil, by: w.beacon.organisation.contacts[0])
        let reported = try app.recognition(RecordID(approved))
        #expect(!reported.isCurrent && reported.isPublic && reported.standing.hasPrefix("Delivered and reported"))
    }
}
