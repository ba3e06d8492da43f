import Testing
import Services

/// Issue 18: lists never cut silently. One page type serves every list in the CLI and the API.
@Suite struct PagingTests {
    let letters = (0..<7).map { "item-\($0)" }

    @Test func pagesTogetherHoldEveryItemOnceInOrder() throws {
        var seen: [String] = []
        var request = try PageRequest(limit: 3)
        var pages = 0
        while true {
            let page = try ListPage(letters, request) { $0 }
            #expect(page.total == 7)
            seen += page.items
            pages += 1
            guard let next = page.next else { break }
            #expect(next == page.items.last)
            request = try PageRequest(after: next, limit: 3)
        }
        #expect(seen == letters)
        #expect(pages == 3, "3 + 3 + 1")
    }

    @Test func aPageThatHoldsTheRestHasNoNext() throws {
        let exact = try ListPage(letters, try PageRequest(limit: 7)) { $0 }
        #expect(exact.items == letters && exact.next == nil)
        let after = try ListPage(letters, try PageRequest(after: "item-3", limit: 3)) { $0 }
        #expect(after.items == ["item-4", "item-5", "item-6"] && after.next == nil)
        let empty = try ListPage([String](), try PageRequest()) { $0 }
        #expect(empty.items.isEmpty && empty.total == 0 && empty.next == nil)
    }

    /// A page asked for after new items arrive at the front starts where the last page ended:
    /// nothing is shown twice and nothing is skipped (the cursor is an item, not an offset).
    @Test func newItemsAtTheFrontDoNotShiftTheNextPage() throws {
        let first = try ListPage(letters, try PageRequest(limit: 3)) { $0 }
        let grown = ["item-new"] + letters
        let second = try ListPage(grown, try PageRequest(after: first.next, limit: 3)) { $0 }
        #expect(second.items == ["item-3", "item-4", "item-5"])
        #expect(second.total == 8)
    }

    @Test func badLimitsAndUnknownCursorsAreRefusedByName() throws {
        #expect(throws: PagingError.limitOutOfRange("0", maximum: 1000)) { try PageRequest(limit: 0) }
        #expect(throws: PagingError.limitOutOfRange("1001", maximum: 1000)) { try PageRequest(limit: 1001) }
        #expect(throws: PagingError.limitOutOfRange("ten", maximum: 1000)) { try PageRequest(after: nil, limitText: "ten") }
        #expect(try PageRequest(after: nil, limitText: nil).limit == PageRequest.defaultLimit)
        #expect(try PageRequest(after: "", limitText: "5").after == nil, "an empty cursor is the first page")
        #expect(throws: PagingError.unknownCursor("item-99")) { try ListPage(letters, try PageRequest(after: "item-99")) { $0 } }
        #expect(PagingError.limitOutOfRange("0", maximum: 1000).localizedDescription == "The page size (limit) must be a whole number from 1 to 1000, not '0'.")
        #expect(PagingError.unknownCursor("x").field == "after")
    }
}
