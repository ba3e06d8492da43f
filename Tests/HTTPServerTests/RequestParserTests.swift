import Testing
import Foundation
@testable import HTTPServer

@Suite struct RequestParserTests {
    func parse(_ text: String, limits: HTTPLimits = HTTPLimits()) -> ParseResult {
        var parser = RequestParser(limits: limits)
        return parser.parse(Array(text.utf8))
    }

    func status(_ text: String, limits: HTTPLimits = HTTPLimits()) -> Int? {
        switch parse(text, limits: limits) {
        case .failure(let e): return e.status.code
        case .request: return 200
        case .needMore: return nil
        }
    }

    @Test func onlyUploadPathsTakeTheLargerBody() throws {
        var limits = HTTPLimits()
        limits.body = 100
        limits.uploadBody = 1000
        limits.uploadPathSuffixes = ["/evidence"]
        let body = String(repeating: "x", count: 500)
        func post(_ target: String, chunked: Bool = false) -> Int? {
            let framing = chunked ? "Transfer-Encoding: chunked\r\n\r\n1f4\r\n\(body)\r\n0\r\n\r\n" : "Content-Length: 500\r\n\r\n\(body)"
            return status("POST \(target) HTTP/1.1\r\nHost: a\r\n\(framing)", limits: limits)
        }
        #expect(post("/records/pledge-4/evidence") == 200, "an upload of 500 bytes, under its 1000")
        #expect(post("/records/pledge-4/evidence?x=1", chunked: true) == 200, "chunked too; the query is not the path")
        #expect(post("/pledges/new") == 413, "anywhere else the ordinary 100")
        #expect(post("/pledges/new", chunked: true) == 413)
        #expect(post("/evidence/x") == 413 && post("/records/x/evidence/more") == 413, "the path must end with the suffix")
        #expect(status("POST /records/x/evidence HTTP/1.1\r\nHost: a\r\nContent-Length: 1001\r\n\r\n", limits: limits) == 413, "and uploads stop at theirs")
        #expect(HTTPLimits().bodyLimit(for: "/records/x/evidence") == HTTPLimits().body, "no upload paths by default")
    }

    @Test func aSimpleGetParsesWithItsPathQueryAndHeaders() throws {
        guard case .request(let r, let consumed) = parse("GET /pledges/x%20y?area=learning&q=two+words HTTP/1.1\r\nHost: a\r\nX-Thing:  v \r\n\r\nNEXT") else {
            Issue.record("not parsed"); return
        }
        #expect(r.method == "GET" && r.path == "/pledges/x y" && r.version == "HTTP/1.1")
        #expect(r.queryValue("area") == "learning" && r.queryValue("q") == "two words")
        #expect(r.headers["x-thing"] == "v")
        #expect(consumed == "GET /pledges/x%20y?area=learning&q=two+words HTTP/1.1\r\nHost: a\r\nX-Thing:  v \r\n\r\n".utf8.count)
    }

    @Test func bodiesByLengthAndByChunksAreRead() throws {
        guard case .request(let r, _) = parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello") else { Issue.record("length"); return }
        #expect(r.bodyText == "hello")
        guard case .request(let c, let used) = parse("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nTrailer: x\r\n\r\nGET") else {
            Issue.record("chunked"); return
        }
        #expect(c.bodyText == "hello world")
        #expect(used == "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nTrailer: x\r\n\r\n".utf8.count)
        #expect(status("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhel") == nil)
        #expect(status("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel") == nil)
    }

    @Test func smugglingShapesAreRefused() {
        let host = "Host: a\r\n"
        #expect(status("POST / HTTP/1.1\r\n\(host)Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n") == 400)
        #expect(status("POST / HTTP/1.1\r\n\(host)Content-Length: 5\r\nContent-Length: 5\r\n\r\n") == 400)
        #expect(status("POST / HTTP/1.1\r\n\(host)Content-Length: 5, 5\r\n\r\n") == 400)
        #expect(status("POST / HTTP/1.1\r\n\(host)Content-Length: +5\r\n\r\n") == 400)
        #expect(status("POST / HTTP/1.1\r\n\(host)Content-Length: -1\r\n\r\n") == 400)
        #expect(status("POST / HTTP/1.1\r\n\(host)Content-Length : 5\r\n\r\n") == 400)
        #expect(status("GET / HTTP/1.1\r\n\(host)X: a\r\n b\r\n\r\n") == 400)
        #expect(status("GET / HTTP/1.1\r\n\(host)X: a\nY: b\r\n\r\n") == 400)
        #expect(status("POST / HTTP/1.1\r\n\(host)Transfer-Encoding: gzip, chunked\r\n\r\n") == 501)
        // chunked twice, or not last, leaves the body's end unknowable (RFC 9112 §6.1, §6.3)
        #expect(status("POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n") == 400)
        #expect(status("POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked, chunked\r\n\r\n") == 400)
        #expect(status("POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked, gzip\r\n\r\n") == 400)
        #expect(status("POST / HTTP/1.1\r\n\(host)Transfer-Encoding: ,chunked\r\n\r\n") == 400)
        #expect(status("POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked\r\n\r\nzz\r\n") == 400)
        #expect(status("POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked\r\n\r\n3\r\nhello\r\n") == 400)
    }

    @Test func emptyLinesBeforeTheRequestLineAreIgnored() {
        // RFC 9112 §2.2: a server SHOULD ignore at least one empty line before a request line.
        #expect(status("\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n") == 200)
        #expect(status("\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n") == 200)
        #expect(status(String(repeating: "\r\n", count: 5) + "GET / HTTP/1.1\r\nHost: a\r\n\r\n") == 400)
        var parser = RequestParser()
        let bytes = Array("\r\nGET /a HTTP/1.1\r\nHost: a\r\n\r\n".utf8)
        guard case .request(let request, let consumed) = parser.parse(bytes) else { Issue.record("not parsed"); return }
        #expect(request.path == "/a" && consumed == bytes.count)
    }

    @Test func contentLengthsPastAnIntAreTooLargeNotMalformed() {
        #expect(status("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999999\r\n\r\n") == 413)
        #expect(status("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0000000000000000000002\r\n\r\nhi") == 200)
    }

    @Test func malformedRequestsAreRefusedWithTheRightStatus() {
        #expect(status("GET  / HTTP/1.1\r\nHost: a\r\n\r\n") == 400)
        #expect(status("GET / HTTP/1.1\r\n\r\n") == 400)  // no Host
        #expect(status("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n") == 400)
        #expect(status("GET / HTTP/1.0\r\n\r\n") == 200)
        #expect(status("GET / HTTP/2.0\r\nHost: a\r\n\r\n") == 505)
        #expect(status("GET / HTTQ/1.1\r\nHost: a\r\n\r\n") == 400)
        #expect(status("BREW / HTTP/1.1\r\nHost: a\r\n\r\n") == 501)
        #expect(status("GET nope HTTP/1.1\r\nHost: a\r\n\r\n") == 400)
        #expect(status("GET /%zz HTTP/1.1\r\nHost: a\r\n\r\n") == 400)
        #expect(status("GET /%00 HTTP/1.1\r\nHost: a\r\n\r\n") == 400)
        #expect(status("GET / HTTP/1.1\r\nHost: a\r\nExpect: tea\r\n\r\n") == 417)
    }

    @Test func limitsGiveTheirOwnStatuses() {
        var small = HTTPLimits()
        small.requestLine = 64; small.headerBlock = 256; small.headerCount = 3; small.body = 10
        #expect(status("GET /" + String(repeating: "a", count: 100), limits: small) == 414)
        #expect(status("GET / HTTP/1.1\r\nHost: a\r\nX: " + String(repeating: "b", count: 300), limits: small) == 431)
        #expect(status("GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", limits: small) == 431)
        #expect(status("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\n", limits: small) == 413)
        #expect(status("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n12345678\r\n8\r\n12345678\r\n", limits: small) == 413)
    }

    /// The outcome of `text` fed as the server would: whole, or cut into two reads at `cut`
    /// (the parser sees the first part, then both).
    func outcome(_ text: String, cut: Int? = nil, limits: HTTPLimits) -> Int? {
        var parser = RequestParser(limits: limits)
        let bytes = Array(text.utf8)
        if let cut, case .failure(let e) = parser.parse(Array(bytes[..<cut])) { return e.status.code }
        switch parser.parse(bytes) {
        case .failure(let e): return e.status.code
        case .request: return 200
        case .needMore: return nil
        }
    }

    /// Found by fuzzing: the answer must not depend on where a read happens to end.
    @Test func theAnswerDoesNotDependOnWhereAReadEnds() {
        var small = HTTPLimits()
        small.requestLine = 24; small.headerBlock = 64
        let atLimit = "GET /" + String(repeating: "a", count: 10) + " HTTP/1.1"  // 24 bytes
        #expect(atLimit.utf8.count == 24)
        let request = atLimit + "\r\nHost: a\r\n\r\n"
        for cut in [nil, 24, 25, 26] as [Int?] {
            #expect(outcome(request, cut: cut, limits: small) == 200, "a line of exactly the limit, cut at \(cut.map(String.init) ?? "none")")
        }
        let over = "GET /" + String(repeating: "a", count: 11) + " HTTP/1.1\r\nHost: a\r\n\r\n"  // 25-byte line
        for cut in [nil, 10, 25, 26] as [Int?] {
            #expect(outcome(over, cut: cut, limits: small) == 414, "a line one byte over, cut at \(cut.map(String.init) ?? "none")")
        }
        let bareLF = "GET /a\nb" + String(repeating: "a", count: 40) + "\r\nHost: a\r\n\r\n"
        for cut in [nil, 5, 9, 30] as [Int?] {
            #expect(outcome(bareLF, cut: cut, limits: small) == 400, "a bare LF in a long line, cut at \(cut.map(String.init) ?? "none")")
        }
        let badLineBigHead = "GE\nT / HTTP/1.1\r\nX: " + String(repeating: "b", count: 100) + "\r\n\r\n"
        for cut in [nil, 3, 20] as [Int?] {
            #expect(outcome(badLineBigHead, cut: cut, limits: small) == 400, "a bad request line is a 400 before the header block's size, cut at \(cut.map(String.init) ?? "none")")
        }
        let chunkLine = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;" + String(repeating: "e", count: 1022) + "\r\nhello\r\n0\r\n\r\n"
        let crAt = chunkLine.utf8.count - "\nhello\r\n0\r\n\r\n".utf8.count
        var big = HTTPLimits(); big.body = 100
        for cut in [nil, crAt] as [Int?] {
            #expect(outcome(chunkLine, cut: cut, limits: big) == 200, "a 1,024-byte chunk-size line, cut between its CR and LF: \(cut.map(String.init) ?? "none")")
        }
    }

    @Test func expectContinueIsAskedForOnceWhileTheBodyIsMissing() {
        var parser = RequestParser()
        let head = Array("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n".utf8)
        guard case .needMore(let first) = parser.parse(head), first else { Issue.record("no continue"); return }
        guard case .needMore(let second) = parser.parse(head), !second else { Issue.record("continue twice"); return }
        guard case .request(let r, _) = parser.parse(head + Array("abc".utf8)) else { Issue.record("no request"); return }
        #expect(r.bodyText == "abc")
    }

    @Test func responsesAreSerialisedWholeAndHeadHasNoBody() {
        let response = HTTPResponse.text(.ok, "hi\n")
        let full = String(decoding: response.serialized(keepAlive: true), as: UTF8.self)
        #expect(full.hasPrefix("HTTP/1.1 200 OK\r\nDate: "))
        #expect(full.hasSuffix("Content-Type: text/plain; charset=utf-8\r\nContent-Length: 3\r\nConnection: keep-alive\r\n\r\nhi\n"))
        let head = String(decoding: response.serialized(keepAlive: false, head: true), as: UTF8.self)
        #expect(head.hasSuffix("Content-Length: 3\r\nConnection: close\r\n\r\n"))
    }

    @Test func formsAndPercentEncodingRoundTrip() {
        #expect(URLEncoding.formDecode("a=1&b=two+words&c=%C3%A9&d").map { "\($0.name)=\($0.value)" } == ["a=1", "b=two words", "c=é", "d="])
        #expect(URLEncoding.encode("a b&é/") == "a%20b%26%C3%A9%2F")
        #expect(URLEncoding.percentDecode(URLEncoding.encode("<script>'\"")) == "<script>'\"")
        #expect(HTTPDate.format(Date(timeIntervalSince1970: 784111777)) == "Sun, 06 Nov 1994 08:49:37 GMT")  // RFC 9110's example
    }
}
