import Foundation
import ArgumentParsing
import Services
import Engine

/// `flourish init`.
enum SetupCommands {
    static let all: [Command] = [initialise]

    static let initialise = Command(
        ["init"], "Create the database (when missing) and install the workflows.",
        discussion: "Safe to run again: it only adds what is missing."
    ) { inv in
        try inv.expectPositionals(atMost: 0)
        let app = try inv.app
        let defs = app.engine.definitions
        inv.output(["database": .string(app.database.path), "workflows": .array(defs.map { .string("\($0.name)@\($0.version)") })]) {
            "Database ready at \(app.database.path) with workflows: \(defs.map { "\($0.name) (version \($0.version))" }.joined(separator: ", "))."
        }
    }
}
