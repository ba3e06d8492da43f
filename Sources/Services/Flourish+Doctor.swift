public import Foundation
internal import CSystem

/// One thing `flourish doctor` looked at, and what it found.
public struct DoctorFinding: Sendable, Equatable {
    public enum Level: String, Sendable { case ok, warning, problem }
    public let check: String
    public let level: Level
    /// What was found, and (unless all is well) what to do about it.
    public let detail: String
}

/// What the checks need to know about how this process runs, besides the database.
public struct DoctorSettings: Sendable {
    /// FLOURISH_REPLICATED is set: Litestream is meant to stream the database.
    public var replicated: Bool
    /// The command `outbox send` will run.
    public var sendmailCommand: String
    /// Warn below this much free disk, or below `minimumFreeShare` of the disk, whichever is more.
    public var minimumFreeBytes: Int64 = 1 << 30
    public var minimumFreeShare: Double = 0.10

    public init(replicated: Bool, sendmailCommand: String) {
        self.replicated = replicated
        self.sendmailCommand = sendmailCommand
    }
}

extension Flourish {
    /// What would hurt in production, checked: the database's file system and integrity,
    /// replication, the clock, timers nobody fired, imports in steps left part-way, free disk,
    /// the mail command. Reads only
    /// (the integrity check remembers damage, as the server's does). `flourish doctor` prints
    /// every finding; `flourish serve` prints the warnings and problems when it starts.
    public func doctor(_ settings: DoctorSettings) throws -> [DoctorFinding] {
        var findings: [DoctorFinding] = []
        func add(_ check: String, _ level: DoctorFinding.Level, _ detail: String) { findings.append(DoctorFinding(check: check, level: level, detail: detail)) }
        let now = clock.now()
        let folder = URL(fileURLWithPath: database.path).deletingLastPathComponent().path

        if let network = Self.networkFileSystem(at: folder) {
            add("file system", .warning, "The database is on a network file system (\(network)). SQLite's locking and WAL need a local disk: move it to one.")
        } else {
            add("file system", .ok, "The database is on a local file system.")
        }

        if let damage = try checkIntegrity() {
            add("integrity", .problem, "SQLite's quick_check finds the database damaged (\(damage)). Changes are refused: restore it from the replica or a backup.")
        } else {
            add("integrity", .ok, "SQLite's quick_check finds the database sound.")
        }

        let litestreamState = URL(fileURLWithPath: folder).appendingPathComponent("." + URL(fileURLWithPath: database.path).lastPathComponent + "-litestream").path
        if !settings.replicated {
            add("replication", .warning, "No replication is configured: losing the disk loses everything since the last backup. Run Litestream with ops/litestream.yml and set FLOURISH_REPLICATED=1.")
        } else if !FileManager.default.fileExists(atPath: litestreamState) {
            add("replication", .warning, "FLOURISH_REPLICATED is set, but Litestream has never replicated this database (no \(litestreamState)); start it, or nothing checkpoints the WAL.")
        } else {
            add("replication", .ok, "Litestream replicates this database and runs its checkpoints.")
        }

        // What follows reads the records; on a damaged file that may fail, which is said, not thrown.
        let figures: OperationalFigures?
        do { figures = try operationalFigures() } catch {
            figures = nil
            add("records", .problem, "The timers and the outbox could not be read (\((error as? any LocalizedError)?.errorDescription ?? "\(error)")).")
        }
        let lastEvent = (try? database.read { try $0.queryOne("SELECT MAX(occurred_at) AS at FROM events")?.int64("at") })?.map(Date.init(milliseconds:))
        if let lastEvent, lastEvent.timeIntervalSince(now) > 300 {
            add("clock", .warning, "The last event is dated \(time.display(lastEvent)), after this machine's clock (\(time.display(now))). Set the clock right (NTP): deadlines are reckoned from it.")
        } else {
            add("clock", .ok, "The clock is not behind the event log.")
        }

        if let figures {
            if let oldest = figures.oldestTimerDueAt, now.timeIntervalSince(oldest) > 86_400 {
                add("timers", .warning, "\(figures.timersDue) timer\(figures.timersDue == 1 ? " is" : "s are") past due, the oldest since \(time.display(oldest)): nobody is running `flourish tick` (or the server's --tick-every). Reminders, lapses and escalations wait until it runs.")
            } else {
                add("timers", .ok, figures.timersDue == 0 ? "No timer is waiting past its moment." : "\(figures.timersDue) timer\(figures.timersDue == 1 ? "" : "s") fell due within the last day.")
            }
        }

        // An import in steps left part-way holds some of its file's rows and not the rest.
        for run in (try? unfinishedImports()) ?? [] {
            add("imports", .warning, "An import of \(run.kind) in steps, begun \(time.display(run.startedAt)) by \(run.by), "
                + "stopped after \(run.rowsWritten) of its \(run.rowsInFile) rows: the rest of its file is not imported. "
                + "Run `flourish import \(run.kind) FILE --in-steps` on the same file (mended after those rows if need be) to carry on after them, "
                + "or `flourish import set-aside \(run.kind)` if the rest is not to be imported.")
        }

        let (diskFree, diskSize) = diskSpace()
        let needed = max(settings.minimumFreeBytes, Int64(Double(diskSize) * settings.minimumFreeShare))
        let free = ByteCountFormatter.string(fromByteCount: diskFree, countStyle: .file)
        if diskSize > 0, diskFree < needed {
            add("disk", .warning, "Only \(free) is free where the database is. When it fills, every change is refused: free space or grow the disk.")
        } else {
            add("disk", .ok, "\(free) free where the database is.")
        }

        let mailer = settings.sendmailCommand.split(separator: " ").first.map(String.init) ?? ""
        if Self.isRunnable(mailer) {
            add("mail", .ok, "`outbox send` will use \(settings.sendmailCommand).")
        } else {
            add("mail", .warning, "The mail command \(mailer.isEmpty ? "(none)" : mailer) is not installed or not executable, so `flourish outbox send` cannot send. Install a sendmail (e.g. Debian's msmtp-mta) or set FLOURISH_SENDMAIL.")
        }
        return findings
    }

    /// The kind of network file system at `path`, or nil for a local one.
    static func networkFileSystem(at path: String) -> String? {
        var info = statfs()
        guard statfs(path, &info) == 0 else { return nil }
        // Magic numbers from statfs(2).
        let kinds: [Int: String] = [0x6969: "NFS", 0xFF53_4D42: "CIFS", 0xFE53_4D42: "SMB2", 0x517B: "SMB", 0x6573_5546: "FUSE",
                                    0x0102_1997: "9p", 0x0BD0_0BD0: "Lustre", 0x4750_4653: "GPFS"]
        return kinds[Int(info.f_type)]
    }

    /// Whether `command` names an executable file (a path, or a name on PATH).
    static func isRunnable(_ command: String) -> Bool {
        guard !command.isEmpty else { return false }
        if command.contains("/") { return FileManager.default.isExecutableFile(atPath: command) }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").contains { FileManager.default.isExecutableFile(atPath: "\($0)/\(command)") }
    }
}
