public import Foundation

/// Why the engine refused a request. A refused request changes nothing.
public enum WorkflowError: Error, Equatable, Sendable, LocalizedError {
    case unknownWorkflow(String, known: [String])
    case unknownInstance(InstanceID)
    case unknownEvent(event: String, workflow: String, known: [String])
    case wrongState(event: String, state: String, allowedFrom: [String])
    /// `allowed` names, in words, who may (from the role catalog's phrases).
    case notPermitted(actor: String, event: String, allowed: [String])
    case missingField(event: String, field: String)
    case invalidField(event: String, field: String, reason: String)
    case unexpectedField(event: String, field: String, accepted: [String])
    /// A caller sent a field only Flourish sets.
    case computedField(event: String, field: String)
    case versionConflict(instance: InstanceID, expected: Int, actual: Int)
    case idempotencyKeyReused(String)
    case definitionChanged(workflow: String, version: Int)
    case migrationWouldStrand(workflow: String, states: [String: Int], toVersion: Int)
    case badMapping(String)
    case dataFormatTooNew(found: Int, known: Int)
    case finalState(instance: InstanceID, state: String)

    /// A stable code for scripts and the API's problem types.
    public var code: String {
        switch self {
        case .unknownWorkflow: return "unknown-workflow"
        case .unknownInstance: return "unknown-instance"
        case .unknownEvent: return "unknown-event"
        case .wrongState: return "wrong-state"
        case .notPermitted: return "not-permitted"
        case .missingField: return "missing-field"
        case .invalidField: return "invalid-field"
        case .unexpectedField: return "unexpected-field"
        case .computedField: return "computed-field"
        case .versionConflict: return "version-conflict"
        case .idempotencyKeyReused: return "idempotency-key-reused"
        case .definitionChanged: return "definition-changed"
        case .migrationWouldStrand: return "migration-would-strand"
        case .badMapping: return "bad-mapping"
        case .dataFormatTooNew: return "data-format-too-new"
        case .finalState: return "final-state"
        }
    }

    /// The field at fault, when there is one.
    public var field: String? {
        switch self {
        case .missingField(_, let f), .invalidField(_, let f, _), .unexpectedField(_, let f, _), .computedField(_, let f): return f
        default: return nil
        }
    }

    public var errorDescription: String? {
        switch self {
        case .unknownWorkflow(let name, let known):
            return "There is no workflow called \"\(name)\". Known workflows: \(known.joined(separator: ", "))."
        case .computedField(let event, let field):
            return "\"\(field)\" is worked out by Flourish, so \"\(event)\" cannot be given it; leave it out and try again."
        case .unknownInstance(let id):
            return "There is no record \(id). Check the identifier (`flourish instance list` lists them)."
        case .unknownEvent(let event, let workflow, let known):
            return "The \(workflow) workflow has no event \"\(event)\". Its events are: \(known.joined(separator: ", "))."
        case .wrongState(let event, let state, let allowed):
            return "\"\(event)\" cannot happen while it is \(state); it can happen only when it is \(allowed.joined(separator: " or "))."
        case .notPermitted(let actor, let event, let allowed):
            // An event's name ("approve") takes "this"; a phrase with its own object ("invite someone") does not.
            let what = event.contains(" ") ? event : "\(event) this"
            return "\(actor) may not \(what); only \(allowed.joined(separator: " or ")) may."
        case .missingField(let event, let field):
            return "\"\(event)\" needs the field \"\(field)\"; supply it and try again."
        case .invalidField(let event, let field, let reason):
            return "The field \"\(field)\" of \"\(event)\" \(reason)."
        case .unexpectedField(let event, let field, let accepted):
            return "\"\(event)\" does not take a field \"\(field)\"" + (accepted.isEmpty ? "; it takes no fields." : "; it takes: \(accepted.joined(separator: ", ")).")
        case .versionConflict(let id, let expected, let actual):
            return "\(id) was changed by someone else (you had version \(expected); it is now version \(actual)). Reload it and try again."
        case .idempotencyKeyReused(let key):
            return "The idempotency key \"\(key)\" was already used for a different request; use a new key for a new request."
        case .definitionChanged(let workflow, let version):
            return "Version \(version) of the \(workflow) workflow is already installed with different content. Give the changed definition a new version number."
        case .migrationWouldStrand(let workflow, let states, let version):
            let list = states.keys.sorted().map { "\($0) (\(states[$0]!) instance\(states[$0]! == 1 ? "" : "s"))" }.joined(separator: ", ")
            return "Moving live \(workflow) instances to version \(version) would strand those in states it no longer has: \(list). Give a mapping for each, e.g. --map \(states.keys.sorted().first ?? "old")=NEW."
        case .badMapping(let why): return "The state mapping is not usable: \(why)."
        case .dataFormatTooNew(let found, let known):
            return "Stored data is in format \(found), newer than this program knows (\(known)); use a newer flourish."
        case .finalState(let id, let state):
            return "\(id) has ended (it is \(state)); nothing more can happen to it."
        }
    }
}
