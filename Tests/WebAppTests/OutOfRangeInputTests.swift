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
}
