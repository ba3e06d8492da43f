internal import Foundation

extension WorkflowDefinition {
    /// The workflow as a Graphviz DOT digraph: states as nodes (final ones double-circled),
    /// transitions as edges labelled with their event and who may fire it.
    public var dot: String {
        var lines = ["digraph \"\(Self.dotEscape(name))\" {", "  rankdir=LR;", "  node [shape=box, style=rounded];",
                     "  \"__start\" [shape=point, label=\"\"];", "  \"__start\" -> \"\(Self.dotEscape(initial))\";"]
        for state in states.keys.sorted() {
            let shape = isFinal(state) ? ", peripheries=2" : ""
            lines.append("  \"\(Self.dotEscape(state))\" [label=\"\(Self.dotEscape(states[state]!.title))\"\(shape)];")
        }
        for t in transitions {
            let who = t.by.map(Self.whoLabel).joined(separator: " | ")
            for from in t.from {
                lines.append("  \"\(Self.dotEscape(from))\" -> \"\(Self.dotEscape(t.to))\" [label=\"\(Self.dotEscape(t.event))\\n(\(Self.dotEscape(who)))\"];")
            }
        }
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }

    /// The workflow as a Mermaid state diagram.
    public var mermaid: String {
        var lines = ["stateDiagram-v2", "  [*] --> \(Self.mermaidID(initial))"]
        for state in states.keys.sorted() {
            lines.append("  \(Self.mermaidID(state)) : \(states[state]!.title.replacingOccurrences(of: ":", with: " -"))")
        }
        for t in transitions {
            for from in t.from {
                lines.append("  \(Self.mermaidID(from)) --> \(Self.mermaidID(t.to)) : \(t.event) (\(t.by.map(Self.whoLabel).joined(separator: ", ")))")
            }
        }
        for state in finalStates.sorted() { lines.append("  \(Self.mermaidID(state)) --> [*]") }
        return lines.joined(separator: "\n") + "\n"
    }

    /// States and transitions as plain text for a terminal.
    public var outline: String {
        var lines = ["\(title) (\(name), version \(version))", ""]
        if !description.isEmpty { lines += [description, ""] }
        lines.append("States (initial: \(initial); final: \(finalStates.sorted().joined(separator: ", "))):")
        for state in states.keys.sorted() {
            let marks = (state == initial ? " [initial]" : "") + (isFinal(state) ? " [final]" : "")
            lines.append("  \(state)\(marks): \(states[state]!.title)")
        }
        lines += ["", "Transitions:"]
        for t in transitions {
            let fields = t.fields.map { $0.name + ($0.isRequired ? "*" : "") }
            lines.append("  \(t.event): \(t.from.joined(separator: ", ")) -> \(t.to)  by \(t.by.map(Self.whoLabel).joined(separator: " or "))"
                         + (fields.isEmpty ? "" : "  fields: \(fields.joined(separator: ", "))"))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func whoLabel(_ a: Authority) -> String {
        switch a {
        case .role(let r): return r
        case .relation(let r): return "the \(r)"
        }
    }

    static func dotEscape(_ s: String) -> String {
        s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
    }

    static func mermaidID(_ s: String) -> String { s.replacingOccurrences(of: "-", with: "_") }
}
