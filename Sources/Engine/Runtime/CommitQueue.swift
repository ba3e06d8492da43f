internal import Foundation
internal import SQLite
internal import CSystem

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
/// write's caller is not waiting (it left a completion), the queue's own committing thread
/// leads it, batch after batch while such writes keep coming, and hands each batch's
/// completions to its answering thread so the next commit is not kept waiting for them. A
/// caller that led its own batch runs that batch's completions itself, after it has handed
/// leadership on. Either way a completion runs outside the leadership, so it is free to
/// write again, even synchronously.
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
    /// Leads a batch when no waiting caller is first in the queue.
    private let committing = SerialLane(name: "flourish-commit")
    /// Runs the completions of the batches `committing` led.
    private let answering = SerialLane(name: "flourish-answers")

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

    /// Commits every queued write, hands leadership on, then answers the batch's callers: its
    /// completions here, or on the answering thread when this is the committing thread.
    private func lead(onCommittingThread: Bool = false) {
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
                // Nobody waits to lead the next batch: the committing thread does.
                lock.unlock()
                committing.run { self.lead(onCommittingThread: true) }
            }
        } else {
            leaderActive = false
            lock.unlock()
        }
        var completions: [@Sendable () -> Void] = []
        for job in batch {
            if let completion = job.completion {
                let result = job.result!
                completions.append { completion(result) }
            } else {
                job.wake!.signal()
            }
        }
        guard !completions.isEmpty else { return }
        if onCommittingThread {
            let answers = completions
            answering.run { for completion in answers { completion() } }
        } else {
            for completion in completions { completion() }
        }
    }
}

/// One thread running work in the order given: started when work comes, and ended after two
/// seconds with none, so an engine that is done with leaves no thread behind.
final class SerialLane: @unchecked Sendable {  // `work` and `running` guarded by `condition`
    private let name: String
    private let condition = NSCondition()
    private var work: [@Sendable () -> Void] = []
    private var head = 0
    private var running = false

    init(name: String) { self.name = name }

    func run(_ job: @escaping @Sendable () -> Void) {
        condition.lock()
        work.append(job)
        if running {
            condition.signal()
            condition.unlock()
            return
        }
        running = true
        condition.unlock()
        let thread = Thread { [self] in
            // Named where `top -H` and perf show it (Foundation's name is not the thread's own).
            _ = flourish_name_this_thread(name)
            loop()
        }
        thread.name = name
        thread.stackSize = 1 << 21
        thread.start()
    }

    private func loop() {
        condition.lock()
        while true {
            while head == work.count {
                if !condition.wait(until: Date(timeIntervalSinceNow: 2)) && head == work.count {
                    running = false
                    work.removeAll()
                    head = 0
                    condition.unlock()
                    return
                }
            }
            let job = work[head]
            head += 1
            if head > 256 && head * 2 > work.count { work.removeFirst(head); head = 0 }
            condition.unlock()
            job()
            condition.lock()
        }
    }
}
