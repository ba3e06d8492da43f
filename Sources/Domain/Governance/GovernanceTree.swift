/// Draws the governance graph as an indented tree for a terminal.
///
/// A body with two parents appears under each, marked with the other; partners and bodies
/// with their own governance are listed after the tree.
public enum GovernanceTree {
    public static func render(_ bodies: [GovernanceBody], top: String) -> String {
        let byKey = Dictionary(bodies.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        var lines: [String] = []
        var shown = Set<String>()
        func label(_ b: GovernanceBody, under parent: String?) -> String {
            var text = "\(b.name) [\(b.kind.rawValue)]"
            if let p = b.priority { text += " priority: \(p)" }
            let others = b.reportsTo.filter { $0 != parent }.compactMap { byKey[$0]?.name }
            if parent != nil, !others.isEmpty { text += "  (also reports to \(others.joined(separator: ", ")))" }
            if !b.functions.isEmpty { text += "  functions: \(b.functions.map(\.name).joined(separator: ", "))" }
            return text
        }
        func walk(_ key: String, depth: Int, parent: String?, path: Set<String>) {
            guard let b = byKey[key], !path.contains(key) else { return }
            lines.append(String(repeating: "  ", count: depth) + (depth == 0 ? "" : "- ") + label(b, under: parent))
            shown.insert(key)
            for child in bodies where child.reportsTo.contains(key) {
                walk(child.key, depth: depth + 1, parent: key, path: path.union([key]))
            }
        }
        walk(top, depth: 0, parent: nil, path: [])
        // Bodies outside the reporting lines to the top, with their own sub-trees.
        for b in bodies where !shown.contains(b.key) && b.kind.isInReportingLines && !b.reportsTo.contains(where: { byKey[$0] != nil && shown.contains($0) }) {
            if b.reportsTo.allSatisfy({ byKey[$0] == nil }) {
                lines.append("")
                lines.append("Own governance:")
                walk(b.key, depth: 1, parent: nil, path: [])
            }
        }
        let voices = bodies.filter { $0.kind == .participationGroup }
        if !voices.isEmpty {
            lines.append("")
            lines.append("Participation groups (the voice of children, young people and families):")
            for v in voices {
                let to = v.worksWith.compactMap { byKey[$0]?.name }
                lines.append("  - \(v.name)" + (to.isEmpty ? "" : "  (speaks to \(to.joined(separator: ", ")))"))
            }
        }
        let partners = bodies.filter { $0.kind == .partner }
        if !partners.isEmpty {
            lines.append("")
            lines.append("Works with (no reporting line):")
            for p in partners {
                let with = bodies.filter { $0.worksWith.contains(p.key) }.map(\.name)
                lines.append("  - \(p.name)" + (with.isEmpty ? "" : "  (with \(with.joined(separator: ", ")))"))
            }
        }
        return lines.joined(separator: "\n")
    }
}
