import Foundation
import ArgumentParsing
import Services
import Engine
#if canImport(Glibc)
import Glibc
#endif

/// `flourish user …`: sign-in accounts for people in the directory, and their API tokens.
enum UserCommands {
    static let all: [Command] = [add, passwd, disable, enable, signOut, token, tokens, revokeToken, calendar, list]

    static let passwordHelp = "The password is read from standard input (the first line), or asked for twice when run at a terminal."

    /// Reads a new password: twice, unechoed, at a terminal; otherwise the first line of stdin.
    static func readNewPassword() throws -> String {
        if isatty(0) == 1 {
            let first = try prompt("New password (at least \(PasswordPolicy.minimumLength) characters): ")
            let second = try prompt("The same again: ")
            guard first == second else { throw UsageError("the two passwords differ; nothing was changed") }
            return first
        }
        guard let line = readLine(strippingNewline: true), !line.isEmpty else { throw UsageError("no password on standard input; pipe one line in, or run at a terminal") }
        return line
    }

    static func prompt(_ text: String) throws -> String {
        FileHandle.standardError.write(Data(text.utf8))
        var saved = termios()
        tcgetattr(0, &saved)
        var quiet = saved
        quiet.c_lflag &= ~tcflag_t(ECHO)
        tcsetattr(0, TCSAFLUSH, &quiet)
        defer { tcsetattr(0, TCSAFLUSH, &saved); FileHandle.standardError.write(Data("\n".utf8)) }
        guard let line = readLine(strippingNewline: true) else { throw UsageError("no password given") }
        return line
    }

    static let add = Command(
        ["user", "add"], "Give a person in the directory an account to sign in to the web pages and API.",
        arguments: "PERSON", discussion: passwordHelp + "\nPasswords need \(PasswordPolicy.minimumLength) or more characters and may not be a commonly used one."
    ) { inv in
        let person = try inv.positional(0, "PERSON: the person's identifier (see `flourish person list`)")
        try inv.expectPositionals(atMost: 1)
        let app = try inv.app, viewer = try inv.viewer
        if try app.hasAccount(person, for: viewer) { throw UsageError("\(person) already has an account; change its password with `flourish user passwd \(person)`") }
        try app.createAccount(for: person, password: try readNewPassword(), by: viewer)
        inv.output(["person": .string(person), "account": "created"]) { "\(person) can now sign in." }
    }

    static let passwd = Command(
        ["user", "passwd"], "Set a new password for an account (ending its sessions).", arguments: "PERSON",
        discussion: passwordHelp + "\nSay what becomes of the account's API tokens: --revoke-tokens (if the password may have been known to someone else) or --keep-tokens.",
        options: [OptionSpec("revoke-tokens", help: "Also revoke every API token of the account."),
                  OptionSpec("keep-tokens", help: "Leave the account's API tokens working.")]
    ) { inv in
        let person = try inv.positional(0, "PERSON: the person's identifier")
        try inv.expectPositionals(atMost: 1)
        let revoke = inv.arguments.flag("revoke-tokens"), keep = inv.arguments.flag("keep-tokens")
        let app = try inv.app, viewer = try inv.viewer
        let live = try app.tokens(of: person, for: viewer).filter { $0.isLive(at: app.clock.now()) }.count
        guard revoke != keep || live == 0 else {
            throw UsageError("\(person) has \(live) live API token\(live == 1 ? "" : "s"): add --revoke-tokens to revoke them with the old password, or --keep-tokens to leave them working")
        }
        let revoked = try app.changePassword(of: person, to: try readNewPassword(), revokingTokens: revoke, by: viewer)
        inv.output(["person": .string(person), "account": "password-changed", "tokensRevoked": .integer(Int64(revoked))]) {
            "\(person)'s password is changed; their other sessions have ended." + (revoke ? " \(revoked) API token\(revoked == 1 ? " was" : "s were") revoked." : live > 0 ? " Their \(live) API token\(live == 1 ? " still works" : "s still work")." : "")
        }
    }

    static let disable = Command(["user", "disable"], "Disable an account: its sessions end and its API tokens stop working.", arguments: "PERSON") { inv in
        let person = try inv.positional(0, "PERSON: the person's identifier")
        try inv.expectPositionals(atMost: 1)
        let app = try inv.app
        try app.setAccountDisabled(person, true, by: try inv.viewer)
        inv.output(["person": .string(person), "account": "disabled"]) { "\(person)'s account is disabled: they cannot sign in, and their API tokens are revoked. `flourish user enable \(person)` undoes it." }
    }

    static let enable = Command(["user", "enable"], "Enable a disabled account again (its old API tokens stay revoked).", arguments: "PERSON") { inv in
        let person = try inv.positional(0, "PERSON: the person's identifier")
        try inv.expectPositionals(atMost: 1)
        let app = try inv.app
        try app.setAccountDisabled(person, false, by: try inv.viewer)
        inv.output(["person": .string(person), "account": "enabled"]) { "\(person) can sign in again with their password." }
    }

    static let signOut = Command(["user", "sign-out-everywhere"], "End every browser session of an account (its API tokens are left alone).", arguments: "PERSON") { inv in
        let person = try inv.positional(0, "PERSON: the person's identifier")
        try inv.expectPositionals(atMost: 1)
        let ended = try inv.app.endAllSessions(of: person, by: try inv.viewer)
        inv.output(["person": .string(person), "sessionsEnded": .integer(Int64(ended))]) { "\(ended) session\(ended == 1 ? "" : "s") of \(person) ended." }
    }

    static let token = Command(
        ["user", "token"], "Make an API token for an account. It is shown once; keep it secret.",
        arguments: "PERSON", discussion: "Send it as `Authorization: Bearer TOKEN` to /api/v1/ (or to /metrics with --scope metrics).",
        options: [OptionSpec("name", takesValue: true, valueName: "NAME", help: "What the token is for (required), e.g. \"reporting script\"."),
                  OptionSpec("scope", takesValue: true, valueName: "SCOPE", help: "read, read-write (default) or metrics (Prometheus: /metrics only, the secretariat's)."),
                  OptionSpec("days", takesValue: true, valueName: "N", help: "How long it lasts (default \(APIToken.defaultDays), at most \(APIToken.maximumDays)).")]
    ) { inv in
        let person = try inv.positional(0, "PERSON: the person's identifier")
        try inv.expectPositionals(atMost: 1)
        let name = try inv.required("name", "NAME")
        let scopeText = inv.arguments.value("scope") ?? APIToken.Scope.readWrite.rawValue
        guard let scope = APIToken.Scope(rawValue: scopeText) else {
            throw UsageError("--scope takes one of: \(APIToken.Scope.allCases.map(\.rawValue).joined(separator: ", ")) (not \"\(scopeText)\")")
        }
        let app = try inv.app
        let made = try app.createToken(for: person, name: name, scope: scope, days: try inv.integer("days") ?? APIToken.defaultDays, by: try inv.viewer)
        inv.output(["person": .string(person), "name": .string(name), "scope": .string(scope.rawValue), "token": .string(made)]) { made }
    }

    static let tokens = Command(["user", "tokens"], "List an account's API tokens (never the tokens themselves), live ones first, newest first.",
                                arguments: "PERSON", options: pagingOptions()) { inv in
        let person = try inv.positional(0, "PERSON: the person's identifier")
        try inv.expectPositionals(atMost: 1)
        let app = try inv.app
        let now = app.clock.now()
        let request = try inv.pageRequest()
        let page = try ListPage(try app.tokens(of: person, for: try inv.viewer), request, key: \.id)
        func day(_ d: Date?) -> String { d.map { app.time.day(of: $0).inWords } ?? "never" }
        inv.outputPage(page, request, name: "tokens", order: "live ones first", none: "\(person) has no API tokens.", json: { t in
            ["id": .string(t.id), "name": .string(t.name), "scope": .string(t.scope.rawValue), "createdAt": .string(app.time.localTimestamp(t.createdAt)),
             "lastUsedAt": t.lastUsedAt.map { .string(app.time.localTimestamp($0)) } ?? .null,
             "expiresAt": t.expiresAt.map { .string(app.time.localTimestamp($0)) } ?? .null,
             "revokedAt": t.revokedAt.map { .string(app.time.localTimestamp($0)) } ?? .null, "live": .bool(t.isLive(at: now))]
        }) { t in
            let state = t.revokedAt != nil ? "revoked \(day(t.revokedAt))" : t.isLive(at: now) ? "expires \(day(t.expiresAt))" : "expired \(day(t.expiresAt))"
            return "\(t.id)  \(t.name)  \(t.scope.description)  made \(day(t.createdAt))  last used \(day(t.lastUsedAt))  \(state)"
        }
    }

    static let revokeToken = Command(["user", "revoke-token"], "Revoke one API token of an account, by the id `user tokens` shows.", arguments: "PERSON ID") { inv in
        let person = try inv.positional(0, "PERSON: the person's identifier")
        let id = try inv.positional(1, "ID: the token's id, as `flourish user tokens \(person)` lists it")
        try inv.expectPositionals(atMost: 2)
        let app = try inv.app
        let revoked = try app.revokeToken(id, of: person, by: try inv.viewer)
        inv.output(["person": .string(person), "id": .string(revoked.id), "name": .string(revoked.name), "revoked": true]) {
            "Revoked \(person)'s token \"\(revoked.name)\" (\(revoked.id)); it no longer works."
        }
    }

    static let calendar = Command(
        ["user", "calendar"], "Print a person's own link to a deadlines calendar, to send them or paste into a calendar app.",
        arguments: "PERSON", discussion: "The link shows the feed as that person may see it (their group's actions and escalations, their organisation's renewal dates); keep it private.",
        options: [OptionSpec("group", takesValue: true, valueName: "BODY", help: "A group's deadlines."),
                  OptionSpec("organisation", takesValue: true, valueName: "ORG", help: "An organisation's pledge deadlines.")]
    ) { inv in
        let person = try inv.positional(0, "PERSON: the person's identifier")
        try inv.expectPositionals(atMost: 1)
        let path: String
        switch (inv.arguments.value("group"), inv.arguments.value("organisation")) {
        case (let group?, nil): path = "/groups/\(group)/deadlines.ics"
        case (nil, let organisation?): path = "/organisations/\(organisation)/deadlines.ics"
        default: throw UsageError("give one of --group BODY or --organisation ORG")
        }
        let link = try inv.app.personalFeedLink(path, of: person, requestedBy: try inv.viewer)
        inv.output(["person": .string(person), "link": .string(link)]) { link }
    }

    static let list = Command(["user", "list"], "List accounts.", options: pagingOptions(after: "PERSON")) { inv in
        try inv.expectPositionals(atMost: 0)
        let request = try inv.pageRequest()
        let app = try inv.app
        let accounts = try app.accountList(for: try inv.viewer)
        inv.outputPage(try ListPage(accounts, request) { $0.person }, request, name: "accounts", none: "No accounts yet.",
                       json: { ["person": .string($0.person), "disabled": .bool($0.disabled), "tokens": .integer(Int64($0.tokens))] }) {
            "\($0.person)  \(app.displayName("person", $0.person))\($0.disabled ? "  disabled" : "")  \($0.tokens) API token\($0.tokens == 1 ? "" : "s")"
        }
    }
}
