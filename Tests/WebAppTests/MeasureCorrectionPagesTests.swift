import Foundation
import Testing
@testable import WebApp
import Services
import Engine
import HTTPServer

/// One value a period, through the pages and the API: a second value for a period is refused
/// beside the period field, naming the value there, and "It corrects the value already
/// recorded" replaces the latest one, shown as corrected in the trend.
@Suite struct MeasureCorrectionPagesTests {
    @Test func aChairIsToldOfTheValueAlreadyThereAndCorrectsIt() throws {
        let f = try WebFixture()
        let measure = try #require(try f.app.measures(group: "early-prevention-board").first?.measure)
        let path = "/measures/\(measure.id.rawValue)"
        let erin = WebFixture.Browser(f.web)
        try erin.signIn("erin")
        try erin.get(path)
        #expect(try erin.post("\(path)/values", [("period", "2027 Q1"), ("value", "1500")]).status.code == 303)
        let page = try erin.get(path).text
        #expect(page.contains("The value for 2027 Q1 is recorded:"))
        // The box names the value it would replace: the latest.
        #expect(page.contains("It corrects the value recorded for 2027 Q1 (1500 \(measure.unit))") && page.contains("name=\"corrects\" type=\"checkbox\" value=\"yes\""))

        let again = try erin.post("\(path)/values", [("period", "2027-Q1"), ("value", "1750")])
        #expect(again.status.code == 422)
        #expect(again.text.contains("<a href=\"#period\">The period already has a value, 1500 "), "\(again.text.components(separatedBy: "govuk-error-summary__list").last?.prefix(400) ?? "")")
        #expect(again.text.contains("record this one as a correction of it"))
        #expect(again.text.contains("value=\"1750\""), "what was typed is kept")

        let corrected = try erin.post("\(path)/values", [("period", "2027-Q1"), ("value", "1750"), ("corrects", "yes")])
        #expect(corrected.status.code == 303)
        let after = try erin.get(path).text
        #expect(after.contains("The value for 2027-Q1 is corrected from 1500 to 1750:"))
        #expect(after.components(separatedBy: "<th scope=\"row\" class=\"govuk-table__header\">2027").count == 2, "one row for the quarter")
        #expect(after.contains("; corrected, was 1500"))
    }

    /// A measure with no value yet has nothing to correct, so its form asks no such question.
    @Test func aMeasureWithNoValueOffersNoCorrection() throws {
        let f = try WebFixture()
        let erin = WebFixture.Browser(f.web)
        try erin.signIn("erin")
        let defined = try f.app.defineMeasure(MeasureRequest(group: "early-prevention-board", name: "Family hub visits", unit: "visits", direction: "higher-is-better",
                                                             baseline: 10, target: 20, tolerance: 5, frequency: "quarterly", area: "family-and-friends"), by: "erin")
        let page = try erin.get("/measures/\(defined.measure.id.rawValue)").text
        #expect(page.contains("Record a value") && !page.contains("name=\"corrects\""))
    }

    @Test func theAPITakesCorrectsAndRefusesASecondValueWithoutIt() throws {
        let f = try WebFixture()
        let measure = try #require(try f.app.measures(group: "early-prevention-board").first?.measure)
        let erin = try f.bearer("erin"), client = WebFixture.Browser(f.web)
        func post(_ body: String) throws -> HTTPResponse {
            try client.send("POST", "/api/v1/measures/\(measure.id.rawValue)/values", headers: [erin, ("Content-Type", "application/json")], body: Array(body.utf8))
        }
        #expect(try post(#"{"period":"2027-Q1","value":1500}"#).status.code == 200)
        let twice = try post(#"{"period":"2027-Q1","value":1750}"#)
        let problem = try JSONValue.parse(twice.text)
        #expect(twice.status.code == 422 && problem["field"]?.stringValue == "period" && problem["detail"]?.stringValue?.contains("already has a value, 1500") == true, "\(twice.text)")
        let wrongType = try post(#"{"period":"2027-Q1","value":1750,"corrects":"yes"}"#)
        let wrongTypeProblem = try JSONValue.parse(wrongType.text)
        #expect(wrongType.status.code == 422 && wrongTypeProblem["detail"]?.stringValue == "corrects must be true or false.")
        #expect(try post(#"{"period":"2027-Q1","value":1750,"corrects":true}"#).status.code == 200)
        let listed = try JSONValue.parse(try client.get("/api/v1/measures?group=early-prevention-board&limit=100", headers: [erin]).text)
        let shown = try #require(listed["measures"]?.arrayValue?.first { $0["id"]?.stringValue == measure.id.rawValue }, "\(listed)")
        let last = try #require(shown["values"]?.arrayValue?.last)
        #expect(last["period"] == "2027-Q1" && last["value"]?.doubleValue == 1750 && last["replaced"]?.doubleValue == 1500, "\(last)")
        // The OpenAPI document says the field is a boolean.
        let spec = try client.get("/api/openapi.json").text
        let schema = try JSONValue.parse(spec)["paths"]?["/api/v1/measures/{id}/values"]?["post"]?["requestBody"]?["content"]?["application/json"]?["schema"]
        #expect(schema?["properties"]?["corrects"]?["type"] == "boolean", "\(String(describing: schema))")
    }
}
