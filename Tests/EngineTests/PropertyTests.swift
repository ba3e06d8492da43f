import Foundation
import Testing
@testable import Engine

/// A small deterministic generator, so a failing sequence can be replayed from its seed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite struct PropertyTests {
    /// Random events, actors, payloads and clock moves never leave the declared states, and
    /// replaying the log rebuilds every instance's state and data exactly.
    @Test(arguments: [1, 2, 3, 4, 5])
    func randomSequencesStayInDeclaredStatesAndReplayExactly(seed: UInt64) throws {
        var rng = SplitMix64(state: seed)
        let f = try EngineFixture()
        let definition = try f.engine.definition("ticket")
        let actors = ["mo", "mia", "olu", "sec", "nobody"]
        let events = definition.events + ["fly"]
        for _ in 0..<5 { try f.engine.start("ticket", data: ["title": "T", "owner": "olu"], actor: Actor("mo")) }
        for _ in 0..<300 {
            let id = InstanceID("ticket-\(Int.random(in: 1...5, using: &rng))")
            let event = events.randomElement(using: &rng)!
            var payload: [String: JSONValue] = [:]
            if Bool.random(using: &rng) { payload["comment"] = .string("c\(Int.random(in: 0...99, using: &rng))") }
            if Bool.random(using: &rng) { payload["outcome"] = "done" }
            if Int.random(in: 0...3, using: &rng) == 0 { payload["rag"] = ["red", "amber", "green", "blue"].randomElement(using: &rng)! }
            let current = try f.engine.instance(id)
            let expected: Int? = Int.random(in: 0...9, using: &rng) == 0 ? current.version - 1 : current.version
            let before = try f.snapshot()
            do {
                let result = try f.engine.fire(event, on: id, payload: payload, actor: Actor(actors.randomElement(using: &rng)!), expectedVersion: expected)
                #expect(definition.states[result.instance.state] != nil)
                #expect(result.instance.version == current.version + 1)
            } catch is WorkflowError {
                #expect(try f.snapshot() == before, "a refused event must write nothing")
            }
            if Int.random(in: 0...4, using: &rng) == 0 {
                f.clock.advance(bySeconds: Double(Int.random(in: 3600...400_000, using: &rng)))
                _ = try f.engine.tick()
            }
        }
        for n in 1...5 {
            let id = InstanceID("ticket-\(n)")
            let now = try f.engine.instance(id)
            #expect(definition.states[now.state] != nil)
            let rebuilt = WorkflowEngine.replay(try f.engine.history(of: id), base: now, startVersion: 1)
            #expect(rebuilt == now)
        }
        #expect(try f.engine.verifyAuditLog().isIntact)
    }
}
