public import Foundation
public import Engine
public import Domain

/// The partnership's set-up and people's accounts, as the CLI reaches them: each call names
/// the viewer and the services decide, as they do for the web. The README's "Who sees what":
/// people, memberships, the change log and the outbox are the secretariat's; an account's
/// password, sessions and API tokens are its holder's own. The operator at the server, whom
/// `--as` names as nobody in the directory (``Viewer/isOperator``), sets the partnership up: they
/// act as the secretariat and for any account. `--as` naming a person acts as that person.
extension Flourish {
    /// The one rule for an account's password, sessions and tokens: its holder's own, or the
    /// operator's (who makes the first accounts and the tokens scripts use).
    func requireOwnAccount(_ person: String, _ viewer: Viewer, doing what: String) throws {
        guard viewer.isOperator || viewer.person == person else {
            throw WorkflowError.notPermitted(actor: viewer.person ?? "a visitor", event: what,
                                             allowed: ["\(person) themselves", "the operator at the server (--as, FLOURISH_AS or the login naming nobody in the directory)"])
        }
    }

    func requireAccount(_ person: String) throws {
        guard try accounts.hasAccount(person) else { throw AccountError.noAccount(person) }
    }

    // MARK: - People and memberships

    /// Adds a person who acts in the partnership.
    public func addPerson(id: String, name: String, email: String?, organisation: String?, by viewer: Viewer) throws -> Person {
        try requireSecretariat(viewer, doing: "add a person")
        return try directory.addPerson(id: id, name: name, email: email, organisation: organisation, actor: viewer.person ?? "", at: clock.now())
    }

    /// Everyone in the directory, with their email addresses.
    public func people(for viewer: Viewer) throws -> [Person] {
        try requireSecretariat(viewer, doing: "list people")
        return try directory.people()
    }

    /// Every active membership: who holds which role in which body.
    public func memberships(for viewer: Viewer) throws -> [Membership] {
        try requireSecretariat(viewer, doing: "list memberships")
        return try directory.memberships()
    }

    /// Adds a member organisation of the partnership under a key of the caller's choosing.
    public func addMemberOrganisation(key: String, name: String, sector: String?, by viewer: Viewer) throws -> MemberOrganisation {
        try requireSecretariat(viewer, doing: "add a member organisation")
        return try directory.addOrganisation(key: key, name: name, sector: sector, sectors: partnership.sectors.map(\.key), actor: viewer.person ?? "", at: clock.now())
    }

    /// Every change to bodies, people and memberships, oldest first: who, when, what.
    public func governanceChanges(for viewer: Viewer) throws -> [GovernanceChange] {
        try requireSecretariat(viewer, doing: "read the change log")
        return try governance.changes()
    }

    // MARK: - The outbox

    /// A page of the outbox, newest first: every message's recipient and body (links in them included).
    public func outboxPage(status: String?, _ request: PageRequest, for viewer: Viewer) throws -> ListPage<OutboxMessage> {
        try requireSecretariat(viewer, doing: "read the outbox")
        let page = try outboxPage(status: status, request)
        guard !viewer.isOperator else { return page }
        // A registration waiting for its email, a reset or an invitation is its holder's alone:
        // the secretariat read on the outbox who had registered, unconfirmed, and who asked for a reset.
        return ListPage(items: page.items.map { Self.accountLinkTemplates.contains($0.template) ? $0.showing(recipient: "(an account's own address, kept private)") : $0 },
                        total: page.total, next: page.next)
    }

    /// The messages that carry a link into someone's account.
    static let accountLinkTemplates: Set<String> = ["confirm-registration", "reset-password", "invitation"]

    /// Erases an organisation's contacts' details on request (UK GDPR).
    public func eraseContact(of key: String, reason: String, by viewer: Viewer) throws -> Int {
        try requireSecretariat(viewer, doing: "erase \(key)'s contact details")
        return try eraseContact(of: key, reason: reason, by: viewer.person ?? "")
    }

    // MARK: - Accounts

    /// Gives a person in the directory an account with this password.
    public func createAccount(for person: String, password: String, by viewer: Viewer) throws {
        try requireOwnAccount(person, viewer, doing: "give \(person) an account")
        try accounts.setPassword(password, for: person, at: clock.now())
    }

    /// Whether a person has an account, asked by someone who may manage it.
    public func hasAccount(_ person: String, for viewer: Viewer) throws -> Bool {
        try requireOwnAccount(person, viewer, doing: "manage \(person)'s account")
        return try accounts.hasAccount(person)
    }

    /// Sets a new password (ending the account's sessions), revoking its API tokens when asked;
    /// returns how many were revoked.
    public func changePassword(of person: String, to password: String, revokingTokens: Bool, by viewer: Viewer) throws -> Int {
        try requireOwnAccount(person, viewer, doing: "change \(person)'s password")
        try requireAccount(person)
        try accounts.setPassword(password, for: person, at: clock.now())
        return revokingTokens ? try accounts.revokeAllTokens(of: person, at: clock.now()) : 0
    }

    /// Ends every browser session of an account; returns how many.
    public func endAllSessions(of person: String, by viewer: Viewer) throws -> Int {
        try requireOwnAccount(person, viewer, doing: "sign \(person) out")
        try requireAccount(person)
        return try accounts.endAllSessions(of: person)
    }

    /// Makes an API token for an account; the token itself is returned once.
    public func createToken(for person: String, name: String, scope: APIToken.Scope, days: Int, by viewer: Viewer) throws -> String {
        try requireOwnAccount(person, viewer, doing: "make an API token for \(person)")
        return try accounts.createToken(for: person, name: name, scope: scope, days: days, at: clock.now())
    }

    /// An account's API tokens (never the tokens themselves).
    public func tokens(of person: String, for viewer: Viewer) throws -> [APIToken] {
        try requireOwnAccount(person, viewer, doing: "list \(person)'s API tokens")
        try requireAccount(person)
        return try accounts.tokens(of: person)
    }

    /// Revokes one API token of an account.
    public func revokeToken(_ id: String, of person: String, by viewer: Viewer) throws -> APIToken {
        try requireOwnAccount(person, viewer, doing: "revoke \(person)'s API token")
        return try accounts.revokeToken(id, of: person, at: clock.now())
    }

    /// Every account: whose, whether disabled, how many API tokens.
    public func accountList(for viewer: Viewer) throws -> [(person: String, disabled: Bool, tokens: Int)] {
        try requireSecretariat(viewer, doing: "list accounts")
        return try accounts.list()
    }
}
