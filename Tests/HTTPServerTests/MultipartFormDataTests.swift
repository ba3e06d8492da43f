import Testing
import Foundation
@testable import HTTPServer

/// One body from Tests/proof/check_multipart_peer.py: curl's bytes or a hand-written body, and
/// what Python's email parser reads in it (or where Flourish deliberately differs, and why).
struct MultipartPeerCase: Decodable, Sendable, CustomTestStringConvertible {
    struct Part: Decodable, Sendable {
        let name: String
        let filename: String?
        let contentType: String?
        let body: String
    }
    let id: String
    let contentType: String
    let body: String
    let parts: [Part]?
    let refused: String?
    let differsFromPython: String?

    var testDescription: String { id }
    var bodyBytes: [UInt8] { Array(Data(base64Encoded: body) ?? Data()) }
}

let multipartPeerCases: [MultipartPeerCase] = {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/multipart-cases.json")
    struct Fixture: Decodable { let cases: [MultipartPeerCase] }
    guard let data = try? Data(contentsOf: url), let fixture = try? JSONDecoder().decode(Fixture.self, from: data) else { return [] }
    return fixture.cases
}()

@Suite struct MultipartFormDataTests {
    static let contentType = "multipart/form-data; boundary=XyZ"

    func parse(_ body: String, contentType: String = contentType, limits: MultipartLimits = .standard) throws(MultipartError) -> [MultipartPart] {
        try MultipartFormData.parse(body: Array(body.utf8), contentType: contentType, limits: limits)
    }

    func error(_ body: String, contentType: String = contentType, limits: MultipartLimits = .standard) -> MultipartError? {
        do {
            _ = try parse(body, contentType: contentType, limits: limits)
            return nil
        } catch {
            return error
        }
    }

    func field(_ name: String, _ value: String) -> String {
        "--XyZ\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n"
    }

    // MARK: - The peers

    @Test func theFixtureIsThere() {
        #expect(multipartPeerCases.count >= 60)
        #expect(multipartPeerCases.filter { $0.id.hasPrefix("curl-") }.count >= 10)
    }

    @Test(arguments: multipartPeerCases)
    func readsEachBodyAsTheFixtureSays(_ c: MultipartPeerCase) {
        let result: Result<[MultipartPart], MultipartError>
        do {
            result = .success(try MultipartFormData.parse(body: c.bodyBytes, contentType: c.contentType))
        } catch {
            result = .failure(error)
        }
        switch (result, c.parts, c.refused) {
        case (.success(let parts), let expected?, nil):
            #expect(parts.count == expected.count)
            for (part, want) in zip(parts, expected) {
                #expect(part.name == want.name)
                #expect(part.filename == want.filename)
                #expect(part.contentType == want.contentType)
                let wanted = Array(Data(base64Encoded: want.body) ?? Data())
                let firstDifference = zip(part.body, wanted).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(part.body.count, wanted.count)
                let same = part.body == wanted  // not the arrays themselves: a file's bytes would fill the log
                #expect(same, "\(want.name): \(part.body.count) bytes, expected \(wanted.count); the first difference at byte \(firstDifference)")
            }
        case (.failure(let error), nil, let code?):
            #expect(error.code == code, "\(error)")
        case (.success(let parts), _, let code?):
            Issue.record("accepted \(parts.count) parts; the fixture says refused (\(code))")
        case (.failure(let error), _, _):
            Issue.record("refused (\(error.code): \(error)); the fixture says \(c.parts?.count ?? 0) parts")
        default:
            Issue.record("the case has neither parts nor a refusal")
        }
    }

    // MARK: - Framing

    @Test func fieldsAndFilesComeBackInOrderWithTheirBytes() throws {
        let body = field("title", "Year-end report")
            + "--XyZ\r\nContent-Disposition: form-data; name=\"evidence\"; filename=\"report.pdf\"\r\nContent-Type: Application/PDF\r\n\r\n%PDF\r\n\r\n--XyZ--\r\n"
        let parts = try parse(body)
        #expect(parts.count == 2)
        #expect(parts[0] == MultipartPart(name: "title", filename: nil, contentType: nil,
                                          headers: HTTPHeaders([("Content-Disposition", "form-data; name=\"title\"")]), body: Array("Year-end report".utf8)))
        #expect(parts[0].text == "Year-end report" && !parts[0].isFile)
        #expect(parts[1].filename == "report.pdf" && parts[1].isFile)
        #expect(parts[1].contentType == "application/pdf")
        #expect(parts[1].headers["content-type"] == "Application/PDF")
        #expect(parts[1].body == Array("%PDF\r\n".utf8))
    }

    @Test func binaryBytesAreKeptExactly() throws {
        var file: [UInt8] = Array(0...255) + Array("\r\n--XyZz\r\n--Xy\r\r\n\n--XyZ-\r\n\u{0}".utf8) + [0xFF, 0xFE, 0x0D]
        file += file.reversed()
        var body = Array("--XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.bin\"\r\n\r\n".utf8)
        body += file + Array("\r\n--XyZ--\r\n".utf8)
        let parts = try MultipartFormData.parse(body: body, contentType: Self.contentType)
        #expect(parts.map(\.body) == [file])
    }

    @Test func theCRLFBeforeADelimiterBelongsToTheDelimiter() throws {
        #expect(try parse(field("a", "") + field("b", "\r\n") + field("c", "x\r") + field("d", "\r\n\r\n") + "--XyZ--").map(\.body)
                == [[], [13, 10], [0x78, 13], [13, 10, 13, 10]])
    }

    @Test func anEmptyFormHasNoParts() throws {
        #expect(try parse("--XyZ--\r\n").isEmpty)
        #expect(try parse("--XyZ--").isEmpty)
        #expect(try parse("preamble\r\n--XyZ--  \r\n").isEmpty)
    }

    @Test func preambleEpilogueAndTransportPaddingAreIgnored() throws {
        let body = "preamble --XyZ\r\n--XyZ \t\r\nContent-Disposition: form-data; name=a\r\n\r\nx\r\n--XyZ\t\r\n"
            + "Content-Disposition: form-data; name=b\r\n\r\ny\r\n--XyZ-- \r\nepilogue\r\n--XyZ\r\nnot a part"
        #expect(try parse(body).map(\.text) == ["x", "y"])
    }

    @Test func boundaryTextNotAtALineStartIsContent() throws {
        let value = "a--XyZ\r\n--XyZz\r\n--XyZ-\r\n--XyZ--x\r\n--XyZ x\n--XyZ\r\n\r--XyZ\r\nend"
        let parts = try parse(field("a", value) + "--XyZ--")
        #expect(parts.map(\.text) == [value])
    }

    @Test func theBodyMustStartWithTheBoundaryAndEndWithTheCloseDelimiter() {
        #expect(error("a=1&b=2") == .missingStartDelimiter)
        #expect(error("--XyZz\r\n") == .missingStartDelimiter)
        #expect(error("") == .missingStartDelimiter)
        #expect(error(field("a", "x")) == .unterminated)
        #expect(error(field("a", "x") + "--XyZ") == .unterminated)
        #expect(error(field("a", "x") + "--XyZ--x") == .unterminated)
        #expect(error(field("a", "x") + "--XyZ--\nepilogue") == .unterminated)
        #expect(error("--XyZ\r\n") == .unterminated)
    }

    @Test func lineEndsMustBeCRLF() {
        #expect(error("--XyZ\nContent-Disposition: form-data; name=a\n\nx\n--XyZ--\n") == .lineEndsNotCRLF)
        #expect(error("--XyZ \rContent-Disposition: form-data; name=a\r\rx\r--XyZ--\r") == .lineEndsNotCRLF)
        #expect(error("--XyZ--\n") == .lineEndsNotCRLF)
    }

    // MARK: - The Content-Type

    @Test func theBoundaryIsReadFromTheContentType() {
        #expect(MultipartFormData.boundary(fromContentType: "multipart/form-data; boundary=XyZ") == "XyZ")
        #expect(MultipartFormData.boundary(fromContentType: "Multipart/Form-Data;BOUNDARY=\"a b:c\"") == "a b:c")
        #expect(MultipartFormData.boundary(fromContentType: "multipart/form-data; charset=utf-8; boundary = \"q\\\"x\" ") == nil)  // " is not a bchar
        #expect(MultipartFormData.boundary(fromContentType: "multipart/form-data; boundary=" + String(repeating: "z", count: 70)) != nil)
        #expect(MultipartFormData.boundary(fromContentType: "multipart/form-data; boundary=" + String(repeating: "z", count: 71)) == nil)
        #expect(MultipartFormData.boundary(fromContentType: "multipart/form-data; boundary=ab@c") == nil)
        #expect(MultipartFormData.boundary(fromContentType: "multipart/form-data; boundary=\"ab \"") == nil)
        #expect(MultipartFormData.boundary(fromContentType: "multipart/form-data; boundary=\"\"") == nil)
        #expect(MultipartFormData.boundary(fromContentType: "multipart/mixed; boundary=XyZ") == nil)
        #expect(MultipartFormData.boundary(fromContentType: "multipart/form-data; boundary=one; boundary=two") == "one")
    }

    @Test func aContentTypeThatIsNotAFormWithABoundaryIsRefused() {
        let body = field("a", "x") + "--XyZ--"
        #expect(error(body, contentType: "application/json") == .notFormData(contentType: "application/json"))
        #expect(error(body, contentType: "multipart/mixed; boundary=XyZ") == .notFormData(contentType: "multipart/mixed; boundary=XyZ"))
        #expect(error(body, contentType: "multipart/form-data") == .missingBoundary)
        #expect(error(body, contentType: "multipart/form-data; boundary=\"XyZ") == .missingBoundary)
        #expect(error(body, contentType: "multipart/form-data; boundary=X@Z") == .invalidBoundary("X@Z"))
        #expect(error(body, contentType: "multipart/form-data; boundary=\"XyZ \"") == .invalidBoundary("XyZ "))
    }

    // MARK: - Part headers

    @Test func partHeadersAreCaseInsensitiveAndFoldedLinesAreUnfolded() throws {
        let part = try #require(try parse("--XyZ\r\ncontent-DISPOSITION: FORM-DATA;\r\n\tNAME=\"Title\";\r\n filename=x.txt\r\nX-Extra:  kept  \r\n\r\nv\r\n--XyZ--").first)
        #expect(part.name == "Title" && part.filename == "x.txt")
        #expect(part.headers["Content-Disposition"] == "FORM-DATA;\tNAME=\"Title\"; filename=x.txt")
        #expect(part.headers["x-extra"] == "kept")
    }

    @Test func everyPartNeedsFormDataDispositionAndAName() {
        #expect(error("--XyZ\r\nContent-Type: text/plain\r\n\r\nx\r\n--XyZ--") == .missingFormDataDisposition(part: 1))
        #expect(error(field("a", "x") + "--XyZ\r\nContent-Disposition: attachment; name=b\r\n\r\nx\r\n--XyZ--") == .missingFormDataDisposition(part: 2))
        #expect(error("--XyZ\r\n\r\nx\r\n--XyZ--") == .missingFormDataDisposition(part: 1))
        #expect(error("--XyZ\r\nContent-Disposition: form-data; filename=a.txt\r\n\r\nx\r\n--XyZ--") == .missingName(part: 1))
        #expect(error("--XyZ\r\nContent-Disposition: form-data; name\r\n\r\nx\r\n--XyZ--") == .missingName(part: 1))
        #expect((try? parse("--XyZ\r\nContent-Disposition: form-data; name=\"\"\r\n\r\nx\r\n--XyZ--"))?.first?.name == "")
    }

    @Test(arguments: [
        ("Content-Disposition: form-data; name=a\r\ngarbage", "no colon"),
        ("Content-Disposition : form-data; name=a", "space before the colon"),
        (" folded\r\nContent-Disposition: form-data; name=a", "first line folded"),
        ("Content-Disposition: form-data; name=\"a\u{1}\"", "control character"),
        ("Content-Disposition: form-data; name=\"a\rb\"", "bare CR"),
        ("Content-Disposition: form-data; name=\"a\nb\"", "bare LF"),
        ("Content-Disposition: form-data; name=a\r\nContent-Disposition: form-data; name=b", "Content-Disposition twice"),
        ("Content-Disposition: form-data; name=a; NAME=b", "a parameter twice"),
        ("Content-Disposition: form-data; name=\"a", "quoted string left open"),
        ("Content-Disposition: form-data; name=\"a\"b", "text after the closing quote"),
        ("Content-Disposition: form-data; n@me=a; name=b", "parameter name not a token"),
        ("Content-Disposition: form-data; name=a\r\nContent-Type: garbage", "Content-Type not a media type"),
        ("Content-Disposition: form-data; name=a\r\nContent-Type: text/", "Content-Type without a subtype"),
        ("Content-Disposition: form-data; name=a\r\nContent-Type: text/plain\r\nContent-Type: text/html", "Content-Type twice"),
        ("Content-Disposition: form-data; name=a; filename*=KOI8-R''%E9", "filename* in another charset"),
        ("Content-Disposition: form-data; name=a; filename*=UTF-8''%ZZ", "filename* badly percent-encoded"),
        ("Content-Disposition: form-data; name=a; filename*=UTF-8''%FF", "filename* not UTF-8"),
        ("Content-Disposition: form-data; name=a; filename*=a.txt", "filename* without a charset"),
    ])
    func malformedPartHeadersAreRefused(_ headers: String, _ why: String) {
        let refusal = error("--XyZ\r\n\(headers)\r\n\r\nx\r\n--XyZ--")
        guard case .malformedPartHeader(part: 1, _)? = refusal else {
            Issue.record("\(why): \(String(describing: refusal))"); return
        }
    }

    @Test func headersNotEndedByAnEmptyLineAreRefused() {
        guard case .malformedPartHeader(part: 2, _)? = error(field("a", "x") + "--XyZ\r\nContent-Disposition: form-data; name=b\r\n--XyZ--") else {
            Issue.record("accepted"); return
        }
        guard case .malformedPartHeader(part: 1, _)? = error("--XyZ\r\n\r\n--XyZ--") else {
            Issue.record("an empty part was accepted"); return
        }
    }

    @Test func transferEncodingsOtherThanIdentityAreRefused() throws {
        let cte = { (encoding: String) in "--XyZ\r\nContent-Disposition: form-data; name=a\r\nContent-Transfer-Encoding: \(encoding)\r\n\r\naGk=\r\n--XyZ--" }
        #expect(error(cte("base64")) == .unsupportedTransferEncoding(part: 1, encoding: "base64"))
        #expect(error(cte("Quoted-Printable")) == .unsupportedTransferEncoding(part: 1, encoding: "Quoted-Printable"))
        for identity in ["binary", "8bit", "7BIT"] { #expect(try parse(cte(identity)).first?.text == "aGk=") }
        #expect(error(cte("binary\r\nContent-Transfer-Encoding: base64")) == .unsupportedTransferEncoding(part: 1, encoding: "base64"))
    }

    @Test func parameterValuesMayBeQuotedWithEscapesOrBare() throws {
        let parts = try parse("--XyZ\r\nContent-Disposition: form-data; foo; name=\"a\\\"b\\\\c;d\"; filename = \" x;y.txt \" \r\n\r\n1\r\n"
                              + "--XyZ\r\nContent-Disposition: form-data;name=plain field;filename=été.pdf;\r\n\r\n2\r\n--XyZ--")
        #expect(parts.map(\.name) == ["a\"b\\c;d", "plain field"])
        #expect(parts.map(\.filename) == ["x;y.txt", "été.pdf"])
    }

    // MARK: - Filenames

    @Test(arguments: [
        ("\"report.pdf\"", "report.pdf"),
        ("\"../../etc/passwd\"", "passwd"),
        ("\"C:\\\\Users\\\\me\\\\report.pdf\"", "report.pdf"),
        ("\"C:\\Users\\me\\report.pdf\"", "report.pdf"),
        ("\"dir/\"", ""),
        ("\"..\"", ""),
        ("\".\"", ""),
        ("\"a/..\"", ""),
        ("\"  spaced name.txt  \"", "spaced name.txt"),
        ("\"dir/ x.txt\"", "x.txt"),
        ("\"\"", ""),
        ("\"a/\u{301}b.txt\"", "\u{301}b.txt"),
        ("x.txt; filename*=UTF-8''%E2%82%AC%2Fa%5Cb.txt", "b.txt"),
        ("\"plain.txt\"; filename*=utf-8'en'%C3%A9t%C3%A9.pdf", "été.pdf"),
        ("\"plain.txt\"; filename*=ISO-8859-1''%E9t%E9.pdf", "été.pdf"),
    ])
    func filenamesLoseTheirDirectories(_ parameter: String, _ expected: String) throws {
        let part = try #require(try parse("--XyZ\r\nContent-Disposition: form-data; name=f; filename=\(parameter)\r\n\r\nx\r\n--XyZ--").first)
        #expect(part.filename == expected)
        #expect(part.filename?.unicodeScalars.contains { $0 == "/" || $0 == "\\" } == false)
    }

    // MARK: - Limits

    @Test func partsUpToTheLimitAreAcceptedAndOneMoreIsRefused() throws {
        let limits = MultipartLimits(maxParts: 3)
        #expect(try parse(String(repeating: field("a", "x"), count: 3) + "--XyZ--", limits: limits).count == 3)
        #expect(error(String(repeating: field("a", "x"), count: 4) + "--XyZ--", limits: limits) == .tooManyParts(limit: 3))
        #expect(error(String(repeating: field("a", "x"), count: 4), limits: limits) == .tooManyParts(limit: 3))
    }

    @Test func fieldsAndFilesHaveTheirOwnSizeLimits() throws {
        let limits = MultipartLimits(maxFieldBytes: 4, maxFileBytes: 6)
        let file = { (bytes: String) in "--XyZ\r\nContent-Disposition: form-data; name=f; filename=r.pdf\r\n\r\n\(bytes)\r\n--XyZ--" }
        #expect(try parse(field("a", "1234") + "--XyZ--", limits: limits).count == 1)
        #expect(error(field("a", "12345") + "--XyZ--", limits: limits) == .fieldTooLarge(name: "a", size: 5, limit: 4))
        #expect(try parse(file("123456"), limits: limits).count == 1)
        #expect(error(file("1234567"), limits: limits) == .fileTooLarge(filename: "r.pdf", size: 7, limit: 6))
    }

    @Test func partHeadersHaveASizeLimit() throws {
        let headers = "Content-Disposition: form-data; name=a\r\n"  // 40 bytes with its CRLF
        let body = "--XyZ\r\n\(headers)\r\nx\r\n--XyZ--"
        #expect(try parse(body, limits: MultipartLimits(maxHeaderBytesPerPart: 40)).count == 1)
        #expect(error(body, limits: MultipartLimits(maxHeaderBytesPerPart: 39)) == .partHeaderTooLarge(part: 1, limit: 39))
        let long = "--XyZ\r\n\(headers)X-Long: \(String(repeating: "y", count: 100))\r\n\r\nx\r\n--XyZ--"
        #expect(error(long, limits: MultipartLimits(maxHeaderBytesPerPart: 60)) == .partHeaderTooLarge(part: 1, limit: 60))
        let unended = "--XyZ\r\n\(headers)X-Long: \(String(repeating: "y", count: 100))\r\n--XyZ--"
        #expect(error(unended, limits: MultipartLimits(maxHeaderBytesPerPart: 60)) == .partHeaderTooLarge(part: 1, limit: 60))
    }

    @Test func limitsBelowZeroRefuseRatherThanTrap() {
        let body = field("a", "x") + "--XyZ--"
        #expect(error(body, limits: MultipartLimits(maxHeaderBytesPerPart: -1)) == .partHeaderTooLarge(part: 1, limit: -1))
        #expect(error(body, limits: MultipartLimits(maxParts: -1)) == .tooManyParts(limit: -1))
        #expect(error(body, limits: MultipartLimits(maxFieldBytes: -1)) == .fieldTooLarge(name: "a", size: 1, limit: -1))
    }

    @Test func theStandardLimits() {
        let standard = MultipartLimits.standard
        #expect(standard.maxParts == 100 && standard.maxHeaderBytesPerPart == 8192)
        #expect(standard.maxFieldBytes == 65536 && standard.maxFileBytes == 10 * 1024 * 1024)
    }

    // MARK: - Messages

    @Test func messagesAreForPeople() {
        let mb = 1024 * 1024
        #expect(MultipartError.fileTooLarge(filename: "report.pdf", size: 12 * mb + 3 * mb / 10, limit: 10 * mb).description
                == "The file report.pdf is 12.3 MB; the most a file may be is 10 MB.")
        #expect(MultipartError.fileTooLarge(filename: "report.pdf", size: 10 * mb + 1, limit: 10 * mb).description
                == "The file report.pdf is 10.1 MB; the most a file may be is 10 MB.")
        #expect(MultipartError.fileTooLarge(filename: "", size: 2048, limit: 1000).description
                == "The file is 2 KB; the most a file may be is 1000 bytes.")
        #expect(MultipartError.fieldTooLarge(name: "comments", size: 70 * 1024 + 200, limit: 64 * 1024).description
                == "The field “comments” is 70.2 KB; the most a field may be is 64 KB.")
        #expect(MultipartError.tooManyParts(limit: 100).description == "The form has more than 100 fields and files; the most it may have is 100.")
        #expect(MultipartError.partHeaderTooLarge(part: 2, limit: 8192).description == "Part 2 of the form data has more than 8 KB of headers, the most a part may have.")
        #expect(MultipartError.notFormData(contentType: "application/json; charset=utf-8").description
                == "The request was sent as “application/json”, not as multipart/form-data, so its fields and files cannot be read.")
        #expect(MultipartError.notFormData(contentType: nil).description.hasPrefix("The request has no Content-Type"))
        #expect(MultipartError.size(1, roundingUp: true) == "1 byte" && MultipartError.size(1023, roundingUp: true) == "1023 bytes")
        #expect(MultipartError.size(1025, roundingUp: true) == "1.1 KB" && MultipartError.size(1025, roundingUp: false) == "1 KB")
        let all: [MultipartError] = [.notFormData(contentType: "text/plain"), .notFormData(contentType: nil), .missingBoundary, .invalidBoundary("x@"),
                                     .lineEndsNotCRLF, .missingStartDelimiter, .unterminated, .missingFormDataDisposition(part: 1),
                                     .missingName(part: 1), .malformedPartHeader(part: 1, detail: "a header line has no colon"),
                                     .partHeaderTooLarge(part: 1, limit: 10), .unsupportedTransferEncoding(part: 1, encoding: "base64"),
                                     .tooManyParts(limit: 1), .fieldTooLarge(name: "a", size: 2, limit: 1), .fileTooLarge(filename: "b", size: 2, limit: 1)]
        for e in all {
            #expect(e.description.first?.isUppercase == true && e.description.hasSuffix("."), "\(e.code)")
            #expect(e.errorDescription == e.description && e.code.hasPrefix("multipart-"))
        }
        #expect(Set(all.map(\.code)).count == all.count - 1)
        #expect(MultipartError.notFormData(contentType: nil).status == .unsupportedMediaType)
        #expect(MultipartError.fileTooLarge(filename: "b", size: 2, limit: 1).status == .contentTooLarge)
        #expect(MultipartError.unterminated.status == .badRequest)
    }

    // MARK: - Requests and scale

    @Test func aRequestsPartsAreReadFromItsContentTypeAndBody() throws {
        let body = Array((field("a", "x") + "--XyZ--\r\n").utf8)
        let request = try HTTPRequest(method: "POST", target: "/upload", headers: HTTPHeaders([("content-type", Self.contentType)]), body: body)
        #expect(try request.multipartParts().map(\.text) == ["x"])
        let bare = try HTTPRequest(method: "POST", target: "/upload", body: body)
        #expect(throws: MultipartError.notFormData(contentType: nil)) { try bare.multipartParts() }
        #expect(throws: MultipartError.tooManyParts(limit: 0)) { try request.multipartParts(limits: MultipartLimits(maxParts: 0)) }
    }

    @Test func hostileBodiesTakeLinearTime() throws {
        let boundary = String(repeating: "b", count: 70)
        let contentType = "multipart/form-data; boundary=\(boundary)"
        // Near-misses of the delimiter all through a 4 MB file, then thousands of small parts.
        let nearMiss = Array("\r\n--\(boundary.dropLast())x".utf8)
        var body = Array("--\(boundary)\r\nContent-Disposition: form-data; name=f; filename=a\r\n\r\n".utf8)
        while body.count < 4 << 20 { body += nearMiss; body += [13, 13, 10, 45] }
        let smallPart = Array("\r\n--\(boundary)\r\nContent-Disposition: form-data; name=a\r\n\r\nx".utf8)
        for _ in 0..<5000 { body += smallPart }
        body += Array("\r\n--\(boundary)--\r\n".utf8)
        let clock = ContinuousClock()
        let started = clock.now
        let parts = try MultipartFormData.parse(body: body, contentType: contentType, limits: MultipartLimits(maxParts: 6000))
        #expect(parts.count == 5001)
        #expect(clock.now - started < .seconds(20), "a hostile 4 MB body took \(clock.now - started)")
    }
}
