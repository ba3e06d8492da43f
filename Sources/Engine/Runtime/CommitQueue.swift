internal import Foundation
internal import SQLite

/// Group commit: concurrent callers' writes share one transaction, and each caller is
/// answered only after that transaction has committed.
///
/// The first caller to arrive becomes the leader: it takes every write queued so far, runs
/// each in its own savepoint (so one refused write undoes only itself), commits once, then
/// hands leadership to the next waiting caller. A lone caller pays for no thread hop; under
/// load, many writes share each `fsync`.
final class CommitQueue: @unchecked Sendable {  // `pending` and `leaderActive` guarded by `lock`
    private final class Job: @unchecked Sendable {  // fields written by the leader before `wake` signals
        let work: @Sendable (Connection) throws -> any Sendable
        var result: Result<any Sendable, any Error>?
        var promoted = false
        let wake = DispatchSemaphore(value: 0)
        init(_ work: @escaping @Sendable (Connection) throws -> any Sendable) { self.work = work }
    }

    private let database: Database
    private let lock = NSLock()
    private var pending: [Job] = []
    private var leaderActive = false
    private let observations: EngineObservations
    /// Told when a caller starts and stops waiting for its commit (see ``WorkflowEngine/whileWaitingForCommits(began:ended:)``).
    private var waiting: (began: @Sendable () -> Void, ended: @Sendable () -> Void)?

    init(database: Database, observations: EngineObservations) {
        self.database = database
        self.observations = observations
    }

    /// Runs `work` in a shared write transaction and returns once it has committed.
    func submit<T: Sendable>(_ work: @escaping @Sendable (Connection) throws -> T) throws -> T {
        let job = Job { try work($0) }
        let waiting = lock.withLock { self.waiting }
        waiting?.began()
        defer { waiting?.ended() }
        lock.lock()
        pending.append(job)
        if leaderActive {
            lock.unlock()
            job.wake.wait()
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

    /// Sets who is told when callers wait for their commits.
    func whileWaiting(began: @escaping @Sendable () -> Void, ended: @escaping @Sendable () -> Void) {
        lock.withLock { waiting = (began, ended) }
    }

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
            next.promoted = true
            lock.unlock()
            next.wake.signal()
        } else {
            leaderActive = false
            lock.unlock()
        }
        for job in batch where !job.promoted { job.wake.signal() }
    }
}
