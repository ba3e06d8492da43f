import Foundation
import Testing
@testable import WebApp
import HTTPServer
import Services
import Engine

/// Out-of-range input is refused naming the field, never a crash and never quietly replaced.
@Suite(.serialized) struct OutOfRangeInputTests {
    @Test func yearsDatesAndPagesOutOfRangeAreRefusedNamingTheField() throws {
        let f = try WebFixture()
        let token = try f.app.accounts.createToken(for: "erin", name: "range", at: f.app.clock.now())
        let sam = try f.app.accounts.createToken(for: "sam", name: "range", at: f.app.clock.now())
        func api(_ method: String, _ target: String, _ body: String? = nil, as bearer: String) throws -> (Int, JSONValue?) {
            let r = try WebFixture.Browser(f.web).send(method, target, headers: [("Authorization", "Bearer \(bearer)"), ("Content-Type", "application/json")],
                                                       body: Array((body ?? "").utf8))
            return (r.status.code, try? JSONValue.parse(r.text))
        }
        // The issue's crash: a year far outside the calendar stopped the server.
        for year in ["1000000", "-1", "0", "99999999999999999999"] {
            let (status, problem) = try api("GET", "/api/v1/reports/annual?year=\(year)", as: sam)
            #expect(status == 422 && problem?["field"] == "year", "year=\(year): \(status)")
        }
        let (asOfStatus, asOf) = try api("GET", "/api/v1/reports/annual?year=2026&asOf=99999-01-01", as: sam)
        #expect(asOfStatus == 422 && asOf?["field"] == "asOf")
        // A due date past the bank-holiday calendar: its tolerance cannot be counted.
        for due in ["2199-01-01", "2027-02-30", "99999-01-01"] {
            let (status, problem) = try api("POST", "/api/v1/actions",
                                            #"{"group":"early-prevention-board","title":"Range","owner":"erin","dueDate":"\#(due)","areas":["learning"]}"#, as: token)
            #expect(status == 422 && problem?["field"] == "dueDate", "dueDate \(due): \(status) \(String(describing: problem))")
        }
        // A page of the wall that is not there.
        let browser = WebFixture.Browser(f.web)
        for page in ["0", "-3", "abc", "99999999999999999999", "1000"] {
            let r = try browser.get("/pledges?page=\(page)")
            #expect(r.status.code == 400 && r.text.contains("“page” should be a whole number from 1 to 1"), "page=\(page): \(r.status.code)")
        }
        #expect(try browser.get("/pledges?page=1").status.code == 200)
        // And the server still answers.
        #expect(try browser.get("/healthz").status.code == 200)
    }

    @Test func aListOfNinetyFiveThousandAreasIsRefusedAndNothingIsStored() throws {
        let f = try WebFixture()
        let organisation = try #require(try f.app.organisationKeys(contactedBy: "contact-1").first)
        let token = try f.app.accounts.createToken(for: "contact-1", name: "lists", at: f.app.clock.now())
        let before = try f.app.eventCount()
        func post(_ areas: [String]) throws -> (Int, JSONValue?) {
            let body = JSONValue.object(["organisation": .string(organisation), "text": "Mentoring for young people", "areas": .array(areas.map(JSONValue.string))])
            let r = try WebFixture.Browser(f.web).send("POST", "/api/v1/pledges", headers: [("Authorization", "Bearer \(token)"), ("Content-Type", "application/json")],
                                                       body: Array(body.canonicalString.utf8))
            return (r.status.code, try? JSONValue.parse(r.text))
        }
        // The issue's request: 95,000 items, about 1 MB, which was stored twice.
        let (status, problem) = try post(Array(repeating: "learning", count: 95_000))
        #expect(status == 422 && problem?["field"] == "areas", "\(status) \(String(describing: problem))")
        #expect(problem?["detail"]?.stringValue?.contains("at most 20 values (it has 95000)") == true, "\(String(describing: problem))")
        let (longStatus, longProblem) = try post([String(repeating: "l", count: 5_000)])
        #expect(longStatus == 422 && longProblem?["field"] == "areas")
        #expect(try f.app.eventCount() == before, "nothing was written")
        #expect(try post(["learning", "healthy"]).0 == 201, "an ordinary pledge is made")
    }
}
