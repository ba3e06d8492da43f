import Foundation
import Testing
@_spi(Harness) @testable import Services
import Domain
import Engine

/// Passwords, sign-in throttling, sessions and API tokens.
@Suite(.serialized) struct AccountTests {
    @Test func passwordsFollowNCSCAndNIST() throws {
        let library = try WorkflowLibrary(directory: repositoryRoot.appendingPathComponent("Workflows"))
        let policy = library.passwordPolicy
        #expect(policy.commonPasswordCount > 40_000, "the shipped list of common passwords is loaded")
        // The three the issue found accepted.
        for weak in ["Password1!", "Welcome2026", "qwerty123456"] {
            #expect(policy.problem(with: weak, person: "hal") != nil, "\(weak) is refused")
        }
        #expect(policy.problem(with: "Welcome2026!!", person: "hal")?.contains("commonly used password with digits or symbols added") == true)
        #expect(policy.problem(with: "QWERTY123456", person: "hal")?.contains("list of commonly used passwords") == true, "the list is checked without regard to case")
        #expect(policy.problem(with: "hal-hobbs-rules-ok", person: "hal")?.contains("user name") == true)
        #expect(policy.problem(with: "holthedgehogrescue1", person: "hh", names: ["Holt Hedgehog Rescue"])?.contains("organisation") == true)
        #expect(policy.problem(with: "abababababab", person: "hal")?.contains("repeats") == true)
        // Any characters, no composition rules: a few ordinary words are fine, and so is Unicode.
        #expect(policy.problem(with: "prickles in the leaves", person: "hal") == nil)
        #expect(policy.problem(with: "ceffyl du ar y bryn 🐎", person: "hal") == nil)
        #expect(policy.problem(with: String(repeating: "x y z ", count: 50), person: "hal")?.contains("at most 256") == true)
    }

    @Test func wrongPasswordsSlowTheirAddressButNeverLockTheOwnerOut() throws {
        let f = try NorfolkFixture(start: "2026-03-02T09:00")
        try f.person("sec", alliance, "secretariat")
        try f.app.accounts.setPassword("prickles in the leaves", for: "sec", at: f.clock.now())
        let attacker = "203.0.113.66", owner = "198.51.100.7"
        func attempt(_ password: String, from address: String) throws -> String? {
            try f.app.accounts.signIn(person: "sec", password: password, from: address, at: f.clock.now())
        }
        // Three free tries, then each further one from that address waits longer: 5 s, 10 s, 20 s.
        for _ in 0..<3 { #expect(try attempt("guess", from: attacker) == nil) }
        #expect(throws: AccountError.throttled(seconds: 5)) { try attempt("guess", from: attacker) }
        // The owner, from anywhere else, signs in at once (five failures locked them out for 15 minutes before).
        #expect(try attempt("prickles in the leaves", from: owner) != nil)
        f.clock.advance(bySeconds: 5)
        #expect(try attempt("guess", from: attacker) == nil)
        #expect(throws: AccountError.throttled(seconds: 10)) { try attempt("prickles in the leaves", from: attacker) }
        f.clock.advance(bySeconds: 10)
        #expect(try attempt("guess", from: attacker) == nil)
        #expect(throws: AccountError.throttled(seconds: 20)) { try attempt("guess", from: attacker) }
        #expect(SignInThrottle.delay(afterFailures: 30) == SignInThrottle.window, "the wait stops growing at 15 minutes")

        // Twenty failures from one address across many user names hold up that address only.
        let sprayer = "203.0.113.99"
        for n in 0..<SignInThrottle.failuresPerAddress {
            _ = try f.app.accounts.signIn(person: "nobody\(n)", password: "guess", from: sprayer, at: f.clock.now())
        }
        #expect(throws: AccountError.self) { try f.app.accounts.signIn(person: "sec", password: "prickles in the leaves", from: sprayer, at: f.clock.now()) }
        #expect(try attempt("prickles in the leaves", from: owner) != nil, "everyone else signs in")
        f.clock.advance(bySeconds: SignInThrottle.window + 1)
        #expect(try f.app.accounts.signIn(person: "sec", password: "prickles in the leaves", from: sprayer, at: f.clock.now()) != nil, "the ceiling lifts after the window")
    }
}
