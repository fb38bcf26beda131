import Foundation
import Hummingbird
import Synchronization

/// Backups and restores as a simulated panel runs them: each takes `duration_ms`, the next
/// `fail_next` backups end failed, and an archive holds the account as it was when its
/// backup started; restoring it puts that content back (suspension is the account's, not
/// the archive's, and stays as it is).
final class PanelBackups: Sendable {
    struct Archive: Sendable {
        let location: String
        let username: String
        let snapshot: SimulatedAccount
        let sizeMB: Int
        let createdAt: Date
    }

    enum Kind: String, Sendable { case backup, restore }

    struct Job: Sendable {
        let kind: Kind
        let username: String
        let readyAt: Date
        /// Set when the run ends failed.
        let failure: String?
        /// The archive a backup makes or a restore reads.
        let location: String
        let snapshot: SimulatedAccount?
    }

    struct Settings: Codable, Sendable {
        var durationMs = 200
        var failNext = 0
        enum CodingKeys: String, CodingKey {
            case durationMs = "duration_ms"
            case failNext = "fail_next"
        }

        init() {}

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            durationMs = min(max(try container.decodeIfPresent(Int.self, forKey: .durationMs) ?? 200, 0), 3_600_000)
            failNext = max(try container.decodeIfPresent(Int.self, forKey: .failNext) ?? 0, 0)
        }
    }

    struct Held: Sendable {
        var archives: [String: Archive] = [:]
        var jobs: [String: Job] = [:]
        var settings = Settings()
        /// Archives deleted, each with how many calls deleted it (a second call finds nothing).
        var deletions: [String: Int] = [:]
        var restores: [String] = []
        var nextJob = 1
        /// The most backups ever running at once.
        var mostRunning = 0
    }

    private let held = Mutex(Held())

    /// Starts a backup of `account` into the location made from the job's id; the job's id.
    func startBackup(of account: SimulatedAccount, id prefix: String = "", into location: (String) -> String) -> String
    {
        held.withLock { held in
            let id = "\(prefix)\(held.nextJob)"
            let location = location(id)
            held.nextJob += 1
            let now = Date()
            let running = held.jobs.values.filter { $0.kind == .backup && $0.readyAt > now }.count + 1
            held.mostRunning = max(held.mostRunning, running)
            let failing = held.settings.failNext > 0
            if failing { held.settings.failNext -= 1 }
            held.jobs[id] = Job(
                kind: .backup, username: account.username,
                readyAt: Date().addingTimeInterval(Double(held.settings.durationMs) / 1000),
                failure: failing ? "pkgacct failed: not enough space on the backup destination" : nil,
                location: location, snapshot: account)
            return id
        }
    }

    /// Starts restoring `username` from the archive at `location`; `nil` when there is none.
    func startRestore(_ username: String, from location: String) -> String? {
        held.withLock { held in
            guard let archive = held.archives[location], archive.username == username else { return nil }
            let id = "\(held.nextJob)"
            held.nextJob += 1
            held.jobs[id] = Job(
                kind: .restore, username: username,
                readyAt: Date().addingTimeInterval(Double(held.settings.durationMs) / 1000), failure: nil,
                location: location, snapshot: archive.snapshot)
            return id
        }
    }

    /// The job's state, finishing it (its archive kept, or its restore applied) once its time
    /// is up; `nil` for an unknown job or one of another kind.
    func state(of id: String, kind: Kind, accounts: PanelState) -> (running: Bool, failure: String?, archive: Archive?)?
    {
        let finished: Job? = held.withLock { held in
            guard let job = held.jobs[id], job.kind == kind else { return nil }
            return job.readyAt <= Date() ? job : nil
        }
        guard let job = held.withLock({ $0.jobs[id] }), job.kind == kind else { return nil }
        guard let finished else { return (true, nil, nil) }
        if let failure = finished.failure { return (false, failure, nil) }
        switch kind {
        case .backup:
            // Kept once: an archive deleted since is not made again by a later look.
            let archive = held.withLock { held -> Archive? in
                guard let snapshot = held.jobs[id]?.snapshot else { return held.archives[finished.location] }
                let archive = Archive(
                    location: finished.location, username: finished.username, snapshot: snapshot,
                    sizeMB: max(1, snapshot.diskMB), createdAt: finished.readyAt)
                held.archives[finished.location] = archive
                held.jobs[id] = Job(
                    kind: .backup, username: finished.username, readyAt: finished.readyAt, failure: nil,
                    location: finished.location, snapshot: nil)
                return archive
            }
            return (false, nil, archive)
        case .restore:
            let first = held.withLock { held in
                guard held.jobs[id]?.snapshot != nil else { return false }
                held.jobs[id] = Job(
                    kind: .restore, username: finished.username, readyAt: finished.readyAt, failure: nil,
                    location: finished.location, snapshot: nil)
                held.restores.append(finished.location)
                return true
            }
            if first, let snapshot = finished.snapshot {
                _ = accounts.update(finished.username) { account in
                    account.plan = snapshot.plan
                    account.mailboxes = snapshot.mailboxes
                    account.databases = snapshot.databases
                    account.databaseUsers = snapshot.databaseUsers
                    account.grants = snapshot.grants
                    account.certificates = snapshot.certificates
                    account.diskMB = snapshot.diskMB
                    account.limits = snapshot.limits
                }
            }
            return (false, nil, nil)
        }
    }

    /// Restores at once (panels whose restore the caller cannot watch); `false` without the archive.
    func restoreNow(_ username: String, from location: String, accounts: PanelState) -> Bool {
        guard let id = startRestore(username, from: location) else { return false }
        held.withLock { held in
            if let job = held.jobs[id] {
                held.jobs[id] = Job(
                    kind: .restore, username: job.username, readyAt: .distantPast, failure: nil,
                    location: job.location, snapshot: job.snapshot)
            }
        }
        _ = state(of: id, kind: .restore, accounts: accounts)
        return true
    }

    /// Deletes an archive; `false` when there was none there.
    @discardableResult
    func delete(_ location: String) -> Bool {
        held.withLock { held in
            guard held.archives.removeValue(forKey: location) != nil else { return false }
            held.deletions[location, default: 0] += 1
            return true
        }
    }

    func archives(of username: String) -> [Archive] {
        held.withLock { $0.archives.values.filter { $0.username == username }.sorted { $0.createdAt < $1.createdAt } }
    }

    /// `GET /__sim/backups`: the archives kept, the deletions and restores made;
    /// `PUT /__sim/backups/settings`: how long a run takes and how many of the next fail.
    func addInspectionRoutes(to router: Router<BasicRequestContext>) {
        router.get("__sim/backups") { _, _ in
            let held = self.held.withLock { $0 }
            let iso = ISO8601DateFormatter()
            return JSONBody(
                Inspection(
                    archives: held.archives.values.sorted { $0.createdAt < $1.createdAt }.map {
                        [
                            "location": $0.location, "user": $0.username, "size_mb": String($0.sizeMB),
                            "created_at": iso.string(from: $0.createdAt),
                        ]
                    },
                    deletions: held.deletions, restores: held.restores, mostRunning: held.mostRunning))
        }
        router.put("__sim/backups/settings") { request, context -> JSONBody<Settings> in
            let settings = try await request.decode(as: Settings.self, context: context)
            self.held.withLock { $0.settings = settings }
            return JSONBody(settings)
        }
    }

    struct Inspection: Encodable, Sendable {
        let archives: [[String: String]]
        let deletions: [String: Int]
        let restores: [String]
        let mostRunning: Int
        enum CodingKeys: String, CodingKey {
            case archives, deletions, restores
            case mostRunning = "most_running"
        }
    }
}
