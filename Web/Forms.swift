import Foundation
import HTTPServer
import Services
import Engine
import Domain

/// What a form's field is called, for turning the engine's refusals into people's words.
struct FormField {
    /// The field's id in the form (what the error summary links to).
    let id: String
    /// What to say when it is left empty: "Enter what is blocking it".
    let missing: String
    /// Its label, to name it in any other problem: "Progress should be at most 10000 characters".
    let label: String
    /// Its name in the form (its id, unless ids carry more, as when one page holds several forms).
    let name: String

    init(id: String, name: String? = nil, missing: String, label: String) {
        self.id = id; self.name = name ?? id; self.missing = missing; self.label = label
    }
}

extension WebApp {
    /// The engine's problems with a form's fields as GOV.UK error messages, every one at once,
    /// each beside its field: "Enter what is blocking it", not `"block" needs the field "blockedBy"`.
    static func inPeoplesWords(_ problems: [WorkflowError], _ fields: [String: FormField]) -> [FieldError] {
        problems.compactMap { problem -> FieldError? in
            switch problem {
            case .missingField(_, let name):
                guard let f = fields[name] else { return nil }
                return FieldError(f.id, f.missing)
            case .invalidField(_, let name, let reason):
                guard let f = fields[name] else { return nil }
                return FieldError(f.id, "\(f.label) \(reason)")
            default:
                return nil
            }
        }
    }

    /// A refusal in the words of the people reading the page: names instead of keys and
    /// identifiers, dates in words, and no CLI commands (the same errors read as they do for the
    /// CLI's operators there). Nil for an error that is not a refusal.
    static func said(_ error: any Error, _ c: Context) -> String? {
        let app = c.app
        func body(_ key: String) -> String { app.displayName("body", key) }
        func person(_ id: String) -> String { app.displayName("person", id) }
        func role(_ r: String) -> String { MembershipRole(rawValue: r)?.inWords ?? r }
        switch error {
        case DirectoryError.membershipExists(let p, let b, let r): return "\(person(p)) is already \(role(r)) of \(body(b))."
        case DirectoryError.noSuchMembership(let p, let b, let r): return "\(person(p)) is no longer \(role(r)) of \(body(b)); the list below shows the roles now."
        case DirectoryError.organisationExists: return "There is already a member organisation with that name; give this one its own name."
        case GovernanceError.bodyExists, GovernanceError.nameTaken: return "There is already a group or board with that name; give this one its own name."
        case GovernanceError.hasOpenWork(let b, let instances):
            let names = instances.compactMap { try? app.record(InstanceID($0), for: c.viewer).0 }.map { app.recordName($0) }
            return "\(body(b)) still has open work: \(names.joined(separator: "; ")). Close it or move it to another group before retiring \(body(b))."
        case GovernanceError.hasActiveChildren(let b, let children):
            return "Groups still report to \(body(b)): \(children.map(body).joined(separator: ", ")). Retire them or change who they report to first."
        case GovernanceError.isTop(let b): return "\(body(b)) is the top of the partnership and cannot be retired."
        case ReportError.sectionsOutstanding(let year, let groups, let dueOn):
            return "The \(year) report cannot be compiled yet: sections are still awaited from \(groups.map(body).joined(separator: ", ")), and their deadline (\(CalendarDay(dueOn)?.inWords ?? dueOn)) has not passed."
        default: return refusal(error)
        }
    }

    /// What is wrong with a date typed in GOV.UK's three boxes, named for people ("the new due
    /// date"): nothing typed, or not a real date; nil when it is a real date.
    static func dateProblem(_ c: Context, _ field: String, what: String, example: String) -> FieldError? {
        guard typedDate(c, field) == nil else { return nil }
        let typed = ["day", "month", "year"].compactMap { c.field("\(field)-\($0)") }
        return FieldError(field, typed.isEmpty ? "Enter the \(what)" : "The \(what) must be a real date, for example \(example)")
    }

    /// A date typed in GOV.UK's three boxes, as the engine's `YYYY-MM-DD`; nil when it is not a real date.
    static func typedDate(_ c: Context, _ field: String) -> CalendarDay? {
        guard let day = Int(c.field("\(field)-day") ?? ""), let month = Int(c.field("\(field)-month") ?? ""), let year = Int(c.field("\(field)-year") ?? ""),
              (1...31).contains(day), (1...12).contains(month), (1000...9999).contains(year) else { return nil }
        let text = String(format: "%04d-%02d-%02d", year, month, day)
        return CalendarDay(text).flatMap { $0.description == text ? $0 : nil }
    }
}
