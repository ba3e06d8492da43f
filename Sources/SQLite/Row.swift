public import Foundation

/// One result row, copied out of the statement so it can outlive the step that read it.
public struct Row: Sendable, Equatable {
    /// Column names, in select order.
    public let columns: [String]
    /// Values, in select order.
    public let values: [SQLiteValue]

    /// Creates a row from its columns and values.
    public init(columns: [String], values: [SQLiteValue]) {
        self.columns = columns
        self.values = values
    }

    /// The value at a column index.
    public subscript(index: Int) -> SQLiteValue { values[index] }

    /// The value of the named column, or `.null` when there is no such column.
    public subscript(name: String) -> SQLiteValue {
        guard let index = columns.firstIndex(of: name) else { return .null }
        return values[index]
    }

    /// The column as an integer, or nil when it is NULL or not a number.
    public func int(_ name: String) -> Int? {
        switch self[name] {
        case .integer(let v): return Int(v)
        case .real(let v): return Int(v)
        default: return nil
        }
    }

    /// The column as an Int64, or nil.
    public func int64(_ name: String) -> Int64? {
        if case .integer(let v) = self[name] { return v }
        return nil
    }

    /// The column as text, or nil when it is NULL.
    public func string(_ name: String) -> String? {
        switch self[name] {
        case .text(let s): return s
        case .integer(let v): return String(v)
        case .real(let v): return String(v)
        case .blob(let b): return String(decoding: b, as: UTF8.self)
        case .null: return nil
        }
    }

    /// The column as a double, or nil.
    public func double(_ name: String) -> Double? {
        switch self[name] {
        case .integer(let v): return Double(v)
        case .real(let v): return v
        default: return nil
        }
    }
}
