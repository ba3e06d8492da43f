internal import Foundation
internal import SQLite

/// Group commit: concurrent callers' writes share one transaction, and each caller is
/// answered only after that transaction has committed.
///
/// The first caller to arrive becomes the leader: it takes every write queued so far, runs
/// each in its own savepoint (so one refused write undoes only itself), commits once, then
/// hands leadership on. A lone caller pays for no thread hop; under load, many writes share
/// each `fsync`.
///
/// A caller either waits for its answer (``submit(_:)``) or leaves a completion to be run
/// once its write has committed (``enqueue(_:whenCommitted:)``), and goes on at once: a web
/// worker that queues a write is free for the next request while the commit is on its way.
/// Leadership goes to the next waiting caller when one is first in the queue; when the next
/// write's caller is not waiting (it left a completion), a fresh thread leads it, so the
/// thread that led goes on to run its batch's completions outside the leadership. A
/// completion is therefore free to write again, even synchronously.
final class CommitQueue: @unchecked Sendable {  // `pending` and `leaderActive` guarded by `lock`
    private final class Job: @unchecked Sendable {  // fields written by the leader before `wake` signals or `completion` runs
        let work: @Sendable (Connection) throws -> any Sendable
        var result: Result<any Sendable, any Error>?
        var promoted = false
        /// Signalled for a caller that waits; nil for one that left a completion.
        let wake: DispatchSemaphore?
        let completion: (@Sendable (Result<any Sendable, any Error>) -> Void)?
        init(_ work: @escaping @Sendable (Connection) throws -> any Sendable, completion: (@Sendable (Result<any Sendable, any Error>) -> Void)?) {
            self.work = work
            self.completion = completion
            wake = completion == nil ? DispatchSemaphore(value: 0) : nil
        }
    }

    private let database: Database
    private let lock = NSLock()
    private var pending: [Job] = []
    private var leaderActive = false
    private let observations: EngineObservations
    /// Told when a caller starts and stops waiting for its commit (see ``WorkflowEngine/whileWaitingForCommits(began:ended:)``).
    private var waiting: (began: @Sendable () -> Void, ended: @Sendable () -> Void)?
    /// Where a batch is led when no waiting caller is first in the queue.
    private let leaders = DispatchQueue(label: "flourish.commit-leader", attributes: .concurrent)

    init(database: Database, observations: EngineObservations) {
        self.database = database
        self.observations = observations
    }

    /// Runs `work` in a shared write transaction and returns once it has committed.
    func submit<T: Sendable>(_ work: @escaping @Sendable (Connection) throws -> T) throws -> T {
        let job = Job({ try work($0) }, completion: nil)
        let waiting = lock.withLock { self.waiting }
        waiting?.began()
        defer { waiting?.ended() }
        lock.lock()
        pending.append(job)
        if leaderActive {
            lock.unlock()
            job.wake!.wait()
            if job.promoted { lead() }
        } else {
            leaderActive = true
            lock.unlock()
            lead()
        }
        switch job.result! {
        case .success(let value): return value as! T
        case .failure(let error): throw error
        }
    }

    /// Queues `work` for the next shared write transaction and returns at once (after leading
    /// that transaction itself when no commit is on its way). `whenCommitted` is called once,
    /// on whichever thread led the commit, with the work's result after the commit (or the
    /// reason nothing was written).
    func enqueue<T: Sendable>(_ work: @escaping @Sendable (Connection) throws -> T, whenCommitted: @escaping @Sendable (Result<T, any Error>) -> Void) {
        let job = Job({ try work($0) }, completion: { result in whenCommitted(result.map { $0 as! T }) })
        lock.lock()
        pending.append(job)
        if leaderActive {
            lock.unlock()
        } else {
            leaderActive = true
            lock.unlock()
            lead()
        }
    }

    /// Sets who is told when callers wait for their commits.
    func whileWaiting(began: @escaping @Sendable () -> Void, ended: @escaping @Sendable () -> Void) {
        lock.withLock { waiting = (began, ended) }
    }

    /// Commits every queued write, hands leadership on, then answers the batch's callers.
    private func lead() {
        lock.lock()
        let batch = pending
        pending.removeAll(keepingCapacity: true)
        lock.unlock()
        let started = DispatchTime.now().uptimeNanoseconds
        do {
            try database.write { db in
                if batch.count == 1 {
                    // Alone in its transaction: a refusal rolls the whole transaction back, so no savepoint is needed.
                    let job = batch[0]
                    job.result = Result { try job.work(db) }
                    if case .failure(let refusal)? = job.result { throw refusal }
                } else {
                    for job in batch {
                        job.result = Result { try db.savepoint("job") { try job.work($0) } }
                    }
                }
            }
        } catch {
            // Nothing in the batch happened: jobs that had succeeded get the reason; refused ones keep their own.
            for job in batch {
                if case .failure? = job.result { continue }
                job.result = .failure(error)
            }
        }
        observations.commitSeconds.observe(Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9)
        observations.commitBatchSize.observe(Double(batch.count))
        lock.lock()
        if let next = pending.first {
            if let wake = next.wake {
                next.promoted = true
                lock.unlock()
                wake.signal()
            } else {
                // Nobody waits to lead the next batch: a fresh thread does, so this one is free
                // to answer its own batch meanwhile.
                lock.unlock()
                leaders.async { self.lead() }
            }
        } else {
            leaderActive = false
            lock.unlock()
        }
        for job in batch where !job.promoted {
            if let completion = job.completion { completion(job.result!) } else { job.wake!.signal() }
        }
    }
}
