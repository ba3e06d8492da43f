public import Foundation

/// An option a command accepts.
public struct OptionSpec: Sendable, Equatable {
    /// The long name without dashes, e.g. "db".
    public let name: String
    /// Whether it takes a value (`--db FILE`); otherwise it is a flag (`--json`).
    public let takesValue: Bool
    /// Whether it may be given more than once (`--field a=1 --field b=2`).
    public let isRepeatable: Bool
    /// A one-letter alias, e.g. "h" for help.
    public let short: Character?
    /// One line for `--help`.
    public let help: String
    /// The value's placeholder in help, e.g. "FILE".
    public let valueName: String

    public init(_ name: String, takesValue: Bool = false, repeatable: Bool = false, short: Character? = nil, valueName: String = "VALUE", help: String) {
        self.name = name
        self.takesValue = takesValue
        self.isRepeatable = repeatable
        self.short = short
        self.help = help
        self.valueName = valueName
    }
}

/// A command line taken apart: its positional words and its options.
public struct ParsedArguments: Sendable, Equatable {
    /// Words that are not options, in order.
    public var positionals: [String] = []
    /// Values of options that take one, in order given.
    public var values: [String: [String]] = [:]
    /// Flags that were given.
    public var flags: Set<String> = []

    public init(positionals: [String] = [], values: [String: [String]] = [:], flags: Set<String> = []) {
        self.positionals = positionals
        self.values = values
        self.flags = flags
    }

    /// The last value given for an option.
    public func value(_ name: String) -> String? { values[name]?.last }
    /// Whether a flag was given.
    public func flag(_ name: String) -> Bool { flags.contains(name) }
}

/// A command line that cannot be understood; the message says how to fix it.
public struct ArgumentError: Error, Equatable, Sendable, LocalizedError {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var errorDescription: String? { message }
}

/// Parses arguments the way GNU `getopt_long` does: `--name value`, `--name=value`,
/// `-x value`, flags, options anywhere among the positionals, and `--` ending the options.
///
/// Checked against Python's `argparse` by `Tests/proof/check_argv_peer.py`.
public enum ArgumentParser {
    public static func parse(_ arguments: [String], options: [OptionSpec]) throws -> ParsedArguments {
        var result = ParsedArguments()
        var index = 0
        func spec(named name: String) throws -> OptionSpec {
            if let found = options.first(where: { $0.name == name }) { return found }
            let close = options.filter { $0.name.hasPrefix(name) || name.hasPrefix($0.name) }.map { "--" + $0.name }
            throw ArgumentError("unknown option '--\(name)'" + (close.isEmpty ? "" : "; did you mean \(close.joined(separator: " or "))?"))
        }
        func record(_ option: OptionSpec, value: String?, as written: String) throws {
            if option.takesValue {
                guard let value else { throw ArgumentError("the option '\(written)' needs a value (\(option.valueName))") }
                if !option.isRepeatable, result.values[option.name] != nil {
                    throw ArgumentError("the option '\(written)' was given more than once")
                }
                result.values[option.name, default: []].append(value)
            } else {
                if value != nil { throw ArgumentError("the option '\(written)' does not take a value") }
                result.flags.insert(option.name)
            }
        }
        /// The word after an option that takes a value, unless it is itself an option:
        /// `--name --kind business` would register an organisation called "--kind".
        func nextValue(for option: OptionSpec, as written: String) throws -> String {
            guard index < arguments.count else { throw ArgumentError("the option '\(written)' needs a value (\(option.valueName))") }
            let word = arguments[index]
            if looksLikeOption(word) {
                throw ArgumentError("the option '\(written)' needs a value (\(option.valueName)), but '\(word)' is an option; "
                                    + "to give a value that starts with '-', write \(written.hasPrefix("--") ? "\(written)=\(word)" : "\(written)\(word)")")
            }
            index += 1
            return word
        }
        while index < arguments.count {
            let word = arguments[index]
            index += 1
            if word == "--" {
                result.positionals += arguments[index...]
                break
            }
            if word.hasPrefix("--") {
                let body = word.dropFirst(2)
                let name: String, inline: String?
                if let eq = body.firstIndex(of: "=") {
                    name = String(body[..<eq]); inline = String(body[body.index(after: eq)...])
                } else {
                    name = String(body); inline = nil
                }
                let option = try spec(named: name)
                var value = inline
                if option.takesValue, value == nil {
                    value = try nextValue(for: option, as: "--\(name)")
                }
                try record(option, value: value, as: "--\(name)")
            } else if looksLikeOption(word) {
                let letter = word[word.index(after: word.startIndex)]
                guard let option = options.first(where: { $0.short == letter }) else {
                    throw ArgumentError("unknown option '-\(letter)'")
                }
                var value: String? = word.count > 2 ? String(word.dropFirst(2)) : nil
                if option.takesValue, value == nil {
                    value = try nextValue(for: option, as: "-\(letter)")
                } else if !option.takesValue, value != nil {
                    throw ArgumentError("the option '-\(letter)' does not take a value")
                }
                try record(option, value: value, as: "-\(letter)")
            } else {
                result.positionals.append(word)
            }
        }
        return result
    }

    /// Whether a word is taken for an option rather than a value, as argparse decides: it starts
    /// with "-", is not "-" alone, is not a negative number (-3, -3.5, -.5) and has no space.
    static func looksLikeOption(_ word: String) -> Bool {
        guard word.hasPrefix("-"), word.count >= 2, !word.contains(" ") else { return false }
        let digits = word.dropFirst()
        let isNegativeNumber: Bool = {
            let parts = digits.split(separator: ".", omittingEmptySubsequences: false)
            let allDigits: (Substring) -> Bool = { $0.allSatisfy { ("0"..."9").contains($0) } }
            switch parts.count {
            case 1: return !parts[0].isEmpty && allDigits(parts[0])
            case 2: return allDigits(parts[0]) && !parts[1].isEmpty && allDigits(parts[1])
            default: return false
            }
        }()
        return !isNegativeNumber
    }
}
