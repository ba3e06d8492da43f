public import Foundation

/// What a caller asks of a list: how many at most, and after which item. Every list in the CLI
/// and the API is read through one of these, so no list is ever cut without saying so.
public struct PageRequest: Sendable, Equatable {
    /// The key of the last item of the page before (nil: the first page).
    public let after: String?
    public let limit: Int

    /// The page size when none is asked for.
    public static let defaultLimit = 100
    /// The largest page the API serves (a program pages on; a person at the terminal may ask
    /// for more).
    public static let apiMaximum = 1000
    /// The largest page the CLI prints.
    public static let terminalMaximum = 100_000

    /// - Throws: ``PagingError/limitOutOfRange(_:maximum:)`` when `limit` is not 1 to `maximum`.
    public init(after: String? = nil, limit: Int = PageRequest.defaultLimit, maximum: Int = PageRequest.apiMaximum) throws {
        guard (1...maximum).contains(limit) else { throw PagingError.limitOutOfRange(String(limit), maximum: maximum) }
        self.after = after.flatMap { $0.isEmpty ? nil : $0 }
        self.limit = limit
    }

    /// The page a caller asked for in words: `limit` as typed (nil: the default) and `after`.
    ///
    /// - Throws: ``PagingError/limitOutOfRange(_:maximum:)`` when `limit` is not a whole number
    ///   from 1 to `maximum`.
    public init(after: String?, limitText: String?, defaultLimit: Int = PageRequest.defaultLimit, maximum: Int = PageRequest.apiMaximum) throws {
        guard let limitText else { try self.init(after: after, limit: defaultLimit, maximum: maximum); return }
        guard let limit = Int(limitText) else { throw PagingError.limitOutOfRange(limitText, maximum: maximum) }
        try self.init(after: after, limit: limit, maximum: maximum)
    }

    private init(uncheckedAfter after: String?, limit: Int) { self.after = after; self.limit = limit }

    /// The first `count` items (at least one).
    public static func first(_ count: Int) -> PageRequest { PageRequest(uncheckedAfter: nil, limit: max(1, count)) }

    /// The cursor as the instance or message number it names, for lists read page by page
    /// from the database.
    func number() throws -> Int64? {
        guard let after else { return nil }
        guard let n = Int64(after), n > 0 else { throw PagingError.unknownCursor(after) }
        return n
    }
}

/// One page of a list, in the list's own order, with how many there are in all and where the
/// next page starts.
public struct ListPage<Item: Sendable>: Sendable {
    public let items: [Item]
    /// How many items the whole list holds (as the caller may see it).
    public let total: Int
    /// The key to pass as `after` for the next page, or nil when this is the last.
    public let next: String?

    /// The page of `all` that `request` asks for; `key` names each item stably (an ID), so a
    /// page asked for again after new items arrive starts where the last one ended.
    ///
    /// - Throws: ``PagingError/unknownCursor(_:)`` when `after` names no item of the list.
    public init(_ all: [Item], _ request: PageRequest, key: (Item) -> String) throws {
        var start = all.startIndex
        if let after = request.after {
            guard let index = all.firstIndex(where: { key($0) == after }) else { throw PagingError.unknownCursor(after) }
            start = all.index(after: index)
        }
        let end = all.count - start > request.limit ? start + request.limit : all.endIndex
        items = Array(all[start..<end])
        total = all.count
        next = end < all.endIndex ? items.last.map(key) : nil
    }

    public init(items: [Item], total: Int, next: String?) {
        self.items = items; self.total = total; self.next = next
    }

    /// The same page with each item changed.
    public func map<Other: Sendable>(_ transform: (Item) throws -> Other) rethrows -> ListPage<Other> {
        ListPage<Other>(items: try items.map(transform), total: total, next: next)
    }
}

public enum PagingError: Error, Equatable, LocalizedError {
    case limitOutOfRange(String, maximum: Int)
    case unknownCursor(String)

    public var errorDescription: String? {
        switch self {
        case .limitOutOfRange(let n, let maximum): "The page size (limit) must be a whole number from 1 to \(maximum), not '\(n)'."
        case .unknownCursor(let key): "'\(key)' is not in this list (it may have been removed or fall outside the filters); start again from the first page."
        }
    }

    /// Which parameter was at fault: `limit` or `after`.
    public var field: String {
        switch self {
        case .limitOutOfRange: "limit"
        case .unknownCursor: "after"
        }
    }
}
