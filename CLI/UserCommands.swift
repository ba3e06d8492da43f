import Foundation
import ArgumentParsing
import Services
import Engine
#if canImport(Glibc)
import Glibc
#endif

/// `flourish user add|passwd|disable|token|list`: sign-in accounts for people in the directory.
enum UserCommands {
    static let all: [Command] = [add, passwd, disable, token, calendar, list]

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
        let app = try inv.app
        if try app.accounts.hasAccount(person) { throw UsageError("\(person) already has an account; change its password with `flourish user passwd \(person)`") }
        try app.accounts.setPassword(try readNewPassword(), for: person, at: app.clock.now())
        inv.output(["person": .string(person), "account": "created"]) { "\(person) can now sign in." }
    }

    static let passwd = Command(["user", "passwd"], "Set a new password for an account (ending its sessions).", arguments: "PERSON", discussion: passwordHelp) { inv in
        let person = try inv.positional(0, "PERSON: the person's identifier")
        try inv.expectPositionals(atMost: 1)
        let app = try inv.app
        guard try app.accounts.hasAccount(person) else { throw AccountError.noAccount(person) }
        try app.accounts.setPassword(try readNewPassword(), for: person, at: app.clock.now())
        inv.output(["person": .string(person), "account": "password-changed"]) { "\(person)'s password is changed; their other sessions have ended." }
    }

    static let disable = Command(["user", "disable"], "Disable an account: its sessions end and its API tokens stop working.", arguments: "PERSON") { inv in
        let person = try inv.positional(0, "PERSON: the person's identifier")
        try inv.expectPositionals(atMost: 1)
        let app = try inv.app
        try app.accounts.disable(person, at: app.clock.now())
        inv.output(["person": .string(person), "account": "disabled"]) { "\(person)'s account is disabled." }
    }

    static let token = Command(
        ["user", "token"], "Make an API token for an account. It is shown once; keep it secret.",
        arguments: "PERSON", discussion: "Send it as `Authorization: Bearer TOKEN` to /api/v1/.",
        options: [OptionSpec("name", takesValue: true, valueName: "NAME", help: "What the token is for (required), e.g. \"reporting script\".")]
    ) { inv in
        let person = try inv.positional(0, "PERSON: the person's identifier")
        try inv.expectPositionals(atMost: 1)
        let name = try inv.required("name", "NAME")
        let app = try inv.app
        let made = try app.accounts.createToken(for: person, name: name, at: app.clock.now())
        inv.output(["person": .string(person), "name": .string(name), "token": .string(made)]) { made }
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

    static let list = Command(["user", "list"], "List accounts.") { inv in
        try inv.expectPositionals(atMost: 0)
        let accounts = try inv.app.accounts.list()
        inv.output(.array(accounts.map { ["person": .string($0.person), "disabled": .bool($0.disabled), "tokens": .integer(Int64($0.tokens))] })) {
            accounts.isEmpty ? "No accounts yet." : accounts.map { "\($0.person)\($0.disabled ? "  disabled" : "")  \($0.tokens) API token\($0.tokens == 1 ? "" : "s")" }.joined(separator: "\n")
        }
    }
}
