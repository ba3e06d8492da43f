import Testing
import Foundation
import Synchronization
@testable import HTTPServer

/// Issue 22: a worker waiting for a commit is not the ceiling: another thread takes the next
/// job meanwhile; with no one waiting, no more than the base number run at once.
@Suite struct WorkerPoolTests {
    final class Gate: @unchecked Sendable {
        let release = DispatchSemaphore(value: 0)
        let ran = DispatchSemaphore(value: 0)
        let running = Mutex(0), most = Mutex(0)
        func enter() { running.withLock { $0 += 1; let n = $0; most.withLock { $0 = max($0, n) } } }
        func leave() { running.withLock { $0 -= 1 } }
    }

    @Test func aJobRunsWhileEveryWorkerWaitsForACommit() {
        let pool = WorkerPool(threads: 2, most: 8)
        defer { pool.stop() }
        let gate = Gate()
        for _ in 0..<2 {
            pool.submit {
                pool.blockingBegan()
                gate.release.wait()  // waiting for the disk
                pool.blockingEnded()
                gate.ran.signal()
            }
        }
        pool.submit { gate.ran.signal() }
        // The third job runs although both workers are still waiting.
        #expect(gate.ran.wait(timeout: .now() + 10) == .success, "a job waited behind workers that were only waiting for a commit")
        gate.release.signal(); gate.release.signal()
        #expect(gate.ran.wait(timeout: .now() + 10) == .success && gate.ran.wait(timeout: .now() + 10) == .success)
    }

    /// A job sent ahead runs before those queued earlier, and jobs sent ahead keep their own order.
    @Test func jobsSentAheadRunBeforeThoseQueuedAndInTheirOwnOrder() {
        let pool = WorkerPool(threads: 1, most: 1)
        defer { pool.stop() }
        let gate = Gate()
        let order = Mutex<[String]>([])
        pool.submit { gate.release.wait() }  // the one worker is busy while the rest queue
        for n in 1...3 { pool.submit { order.withLock { $0.append("queued \(n)") }; gate.ran.signal() } }
        for n in 1...2 { pool.submit(ahead: true) { order.withLock { $0.append("ahead \(n)") }; gate.ran.signal() } }
        gate.release.signal()
        for _ in 0..<5 { #expect(gate.ran.wait(timeout: .now() + 10) == .success) }
        #expect(order.withLock { $0 } == ["ahead 1", "ahead 2", "queued 1", "queued 2", "queued 3"])
    }

    @Test func busyWorkersThatAreNotWaitingKeepTheRestQueued() {
        let pool = WorkerPool(threads: 2, most: 8)
        defer { pool.stop() }
        let gate = Gate()
        for _ in 0..<2 { pool.submit { gate.release.wait(); gate.ran.signal() } }  // busy, not declared waiting
        pool.submit { gate.ran.signal() }
        #expect(gate.ran.wait(timeout: .now() + 0.3) == .timedOut, "a third job ran beside two busy workers")
        #expect(pool.threads == 2)
        gate.release.signal(); gate.release.signal()
        for _ in 0..<3 { #expect(gate.ran.wait(timeout: .now() + 10) == .success) }
    }

    @Test func onceNoOneWaitsNoMoreThanTheBaseRunAtOnce() {
        let pool = WorkerPool(threads: 2, most: 8)
        defer { pool.stop() }
        let gate = Gate()
        // Grow the pool: four workers waiting at once.
        for _ in 0..<4 { pool.submit { pool.blockingBegan(); gate.release.wait(); pool.blockingEnded(); gate.ran.signal() } }
        for _ in 0..<4 { pool.submit { gate.ran.signal() } }
        for _ in 0..<4 { #expect(gate.ran.wait(timeout: .now() + 10) == .success) }
        for _ in 0..<4 { gate.release.signal() }
        for _ in 0..<4 { #expect(gate.ran.wait(timeout: .now() + 10) == .success) }
        #expect(pool.threads > 2 && pool.threads <= 8, "\(pool.threads) threads")
        // Now CPU work only: the extra threads stay idle.
        let done = DispatchSemaphore(value: 0)
        for _ in 0..<40 {
            pool.submit { gate.enter(); Thread.sleep(forTimeInterval: 0.005); gate.leave(); done.signal() }
        }
        for _ in 0..<40 { #expect(done.wait(timeout: .now() + 10) == .success) }
        #expect(gate.most.withLock { $0 } <= 2, "more than the base ran at once with no one waiting")
    }

    /// Workers that stop waiting together go on no more than `base` at a time (each reads the
    /// database to answer: the readers in use, and their memory, stay bounded).
    @Test func workersThatStopWaitingGoOnNoMoreThanTheBaseAtATime() {
        let pool = WorkerPool(threads: 2, most: 16)
        defer { pool.stop() }
        let gate = Gate()
        let done = DispatchSemaphore(value: 0)
        for _ in 0..<8 {
            pool.submit {
                pool.blockingBegan()
                gate.release.wait()
                pool.blockingEnded()
                gate.enter(); Thread.sleep(forTimeInterval: 0.01); gate.leave()
                done.signal()
            }
        }
        Thread.sleep(forTimeInterval: 0.2)  // all eight waiting
        #expect(pool.threads >= 8, "\(pool.threads) threads for eight waiting jobs")
        for _ in 0..<8 { gate.release.signal() }
        for _ in 0..<8 { #expect(done.wait(timeout: .now() + 10) == .success) }
        #expect(gate.most.withLock { $0 } <= 2, "\(gate.most.withLock { $0 }) worked at once after their waits")
    }

    @Test func aThreadOutsideThePoolChangesNothing() {
        let pool = WorkerPool(threads: 1, most: 4)
        defer { pool.stop() }
        pool.blockingBegan()  // the test's own thread: not a worker
        let gate = Gate()
        pool.submit { gate.release.wait(); gate.ran.signal() }
        pool.submit { gate.ran.signal() }
        #expect(gate.ran.wait(timeout: .now() + 0.3) == .timedOut)
        pool.blockingEnded()
        gate.release.signal()
        for _ in 0..<2 { #expect(gate.ran.wait(timeout: .now() + 10) == .success) }
    }
}
