import Foundation
import ArgumentParsing
import Services
import Engine

/// `flourish init`.
enum SetupCommands {
    static let all: [Command] = [initialise]

    static let initialise = Command(
        ["init"], "Create the database (when missing) and install the workflows.",
        discussion: "Safe to run again: it only adds what is missing. With --demo, a new database is filled with the demo partnership's\npeople, accounts, organisations, pledges, actions, measures and escalations.",
        options: [OptionSpec("demo", help: "Load the demo data into a new, empty database.")]
    ) { inv in
        try inv.expectPositionals(atMost: 0)
        let app = try inv.app
        let defs = app.engine.definitions
        let demo = inv.arguments.flag("demo") ? try app.loadDemo() : []
        inv.output(["database": .string(app.database.path), "workflows": .array(defs.map { .string("\($0.name)@\($0.version)") }),
                    "demoAccounts": .array(demo.map { ["person": .string($0.person), "name": .string($0.name), "does": .string($0.does)] })]) {
            "Database ready at \(app.database.path) with workflows: \(defs.map { "\($0.name) (version \($0.version))" }.joined(separator: ", "))."
                + (demo.isEmpty ? "" : "\n" + demoAccountsText(demo))
        }
    }

    /// The demo accounts, as printed by `init --demo` and `serve --demo`.
    static func demoAccountsText(_ accounts: [DemoAccount]) -> String {
        let width = accounts.map(\.person.count).max() ?? 0
        return "Demo data loaded. Sign in as any of these, with the password \(Flourish.demoPassword):\n"
            + accounts.map { "  " + $0.person.padding(toLength: width, withPad: " ", startingAt: 0) + "  \($0.name): \($0.does)" }.joined(separator: "\n")
    }
}
