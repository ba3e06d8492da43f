internal import Foundation

/// Every installed version of every workflow, and which version new instances start on.
final class DefinitionRegistry: @unchecked Sendable {  // `byName` guarded by `lock`
    private let lock = NSLock()
    private var byName: [String: [Int: WorkflowDefinition]] = [:]

    func add(_ definition: WorkflowDefinition) {
        lock.withLock { byName[definition.name, default: [:]][definition.version] = definition }
    }

    func definition(_ name: String, version: Int) -> WorkflowDefinition? {
        lock.withLock { byName[name]?[version] }
    }

    /// The newest version: the one new instances start on.
    func current(_ name: String) -> WorkflowDefinition? {
        lock.withLock { byName[name].flatMap { versions in versions.keys.max().flatMap { versions[$0] } } }
    }

    var names: [String] { lock.withLock { byName.keys.sorted() } }

    func versions(_ name: String) -> [WorkflowDefinition] {
        lock.withLock { (byName[name] ?? [:]).keys.sorted().compactMap { byName[name]?[$0] } }
    }
}
