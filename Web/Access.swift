import Foundation
import Services
import Domain

/// Who may reach a route. Decided in one place, `Viewer.may`, from the governance
/// memberships and the organisations a person is contact for. Finer rules (this pledge's
/// organisation, this group's chair) are the services' and the workflows' own.
public enum Access: String, Sendable, CaseIterable {
    /// Anyone, signed in or not.
    case everyone
    /// Anyone signed in.
    case signedIn
    /// A contact for a pledging organisation (or the secretariat).
    case organisationContact
    /// A chair or vice-chair of a group (or the secretariat).
    case chair
    /// The partnership's secretariat.
    case secretariat
    /// A member of a board (or the secretariat).
    case boardMember
}

/// The person making a request, with what their memberships let them reach.
public struct Viewer: Sendable {
    public let person: String?
    public let name: String
    public let isSecretariat: Bool
    /// Bodies they chair or vice-chair.
    public let chairOf: [String]
    /// Boards they sit on.
    public let boardOf: [String]
    /// Organisations they are a contact for.
    public let organisations: [String]

    public static let anonymous = Viewer(person: nil, name: "", isSecretariat: false, chairOf: [], boardOf: [], organisations: [])

    /// The rule for every route.
    public func may(_ access: Access) -> Bool {
        guard person != nil else { return access == .everyone }
        switch access {
        case .everyone, .signedIn: return true
        case .organisationContact: return isSecretariat || !organisations.isEmpty
        case .chair: return isSecretariat || !chairOf.isEmpty
        case .secretariat: return isSecretariat
        case .boardMember: return isSecretariat || !boardOf.isEmpty
        }
    }

    /// Works out a person's reach from the directory and the organisations' contacts.
    static func load(_ person: String, app: Flourish) throws -> Viewer {
        let memberships = try app.directory.memberships(of: person)
        let boards = Set(try app.governance.bodies().filter { $0.kind == .board }.map(\.key))
        let name = try app.directory.person(person)?.name ?? person
        let organisations = try app.organisationKeys(contactedBy: person)
        return Viewer(person: person, name: name,
                      isSecretariat: memberships.contains { $0.role == .secretariat },
                      chairOf: memberships.filter { $0.role == .chair || $0.role == .viceChair }.map(\.body),
                      boardOf: memberships.filter { boards.contains($0.body) && $0.role != .secretariat }.map(\.body),
                      organisations: organisations)
    }
}
