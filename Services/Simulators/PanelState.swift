import Crypto
import Foundation
import Synchronization

/// One hosting account as a simulated panel keeps it.
struct SimulatedAccount: Sendable {
    let id: Int
    var username: String
    var domain: String
    var plan: String
    var password: String
    var email: String
    var suspended = false
    var suspendReason: String?
    var mailboxes: Set<String> = []
    var databases: Set<String> = []
    var databaseUsers: Set<String> = []
    var grants: Set<String> = []
    var certificates: [String: String] = [:]
    var diskMB = 0
    /// This month's traffic.
    var bandwidthMB = 0
    /// Limits set on the account over its plan's (`nil`: the plan's; 0: unlimited).
    var limits = Limits()

    struct Limits: Sendable {
        var diskMB: Int?, bandwidthMB: Int?, mailboxes: Int?, databases: Int?
    }

    /// Whether one more mailbox fits the account's limit (none or 0: unlimited), as a panel refuses one over it.
    var roomForMailbox: Bool { Self.room(limits.mailboxes, used: mailboxes.count) }
    /// Whether one more database fits the account's limit.
    var roomForDatabase: Bool { Self.room(limits.databases, used: databases.count) }

    private static func room(_ limit: Int?, used: Int) -> Bool { limit.map { $0 == 0 || used < $0 } ?? true }
}

/// The accounts of a simulated panel, shared by its handlers.
final class PanelState: Sendable {
    struct Accounts: Sendable {
        var byUsername: [String: SimulatedAccount] = [:]
        var nextID = 1
    }

    let plans: Set<String> = ["default", "starter", "pro", "business"]
    let backups = PanelBackups()

    /// Each plan's disk and monthly traffic in MB; `nil` is unlimited.
    func limits(of plan: String) -> (diskMB: Int?, bandwidthMB: Int?) {
        switch plan {
        case "pro": (10_240, 102_400)
        case "business": (51_200, nil)
        default: (1_024, 10_240)
        }
    }

    /// The account's disk and traffic limits: its own where set, else its plan's.
    func limits(of account: SimulatedAccount) -> (diskMB: Int?, bandwidthMB: Int?) {
        let plan = limits(of: account.plan)
        func own(_ value: Int?, _ fallback: Int?) -> Int? { value.map { $0 > 0 ? $0 : nil } ?? fallback }
        return (own(account.limits.diskMB, plan.diskMB), own(account.limits.bandwidthMB, plan.bandwidthMB))
    }

    /// Sets the limits a panel call named (`unlimited`, `-1` and 0 are none; an `M` suffix is
    /// dropped); `false` when there is no such account or a value is not a number.
    func setLimits(_ username: String, disk: String?, bandwidth: String?, mailboxes: String?, databases: String?)
        -> Bool
    {
        func number(_ text: String?) -> Int?? {
            guard let text else { return .some(nil) }
            if text == "unlimited" || text == "-1" { return .some(0) }
            let digits = text.hasSuffix("M") ? String(text.dropLast()) : text
            return Int(digits).map { .some(max($0, 0)) } ?? nil
        }
        guard let disk = number(disk), let bandwidth = number(bandwidth), let mailboxes = number(mailboxes),
            let databases = number(databases)
        else { return false }
        return update(username) {
            if let disk { $0.limits.diskMB = disk }
            if let bandwidth { $0.limits.bandwidthMB = bandwidth }
            if let mailboxes { $0.limits.mailboxes = mailboxes }
            if let databases { $0.limits.databases = databases }
        }
    }
    /// The domain's DKIM public key record: a 2048-bit RSA key's length, made from the domain.
    func dkimRecord(for domain: String) -> String {
        var bytes: [UInt8] = []
        var seed = Array(domain.utf8)
        while bytes.count < 294 {
            seed = Array(SHA256.hash(data: seed))
            bytes += seed
        }
        return "v=DKIM1; k=rsa; p=" + Data(bytes.prefix(294)).base64EncodedString()
    }

    private let accounts = Mutex(Accounts())

    func with<R>(_ body: (inout Accounts) throws -> R) rethrows -> R {
        try accounts.withLock { try body(&$0) }
    }

    func account(_ username: String) -> SimulatedAccount? {
        accounts.withLock { $0.byUsername[username] }
    }

    /// Adds an account; `nil` with the reason when the name or domain is taken.
    func create(username: String, domain: String, plan: String, password: String, email: String) -> String? {
        accounts.withLock { state in
            if state.byUsername[username] != nil { return "Sorry, a group or user named \(username) already exists." }
            if !domain.isEmpty, state.byUsername.values.contains(where: { $0.domain == domain }) {
                return "Sorry, the domain \(domain) is already owned by another account."
            }
            state.byUsername[username] = SimulatedAccount(
                id: state.nextID, username: username, domain: domain, plan: plan,
                password: password, email: email)
            state.nextID += 1
            return nil
        }
    }

    /// Changes an existing account; `false` when there is none.
    func update(_ username: String, _ change: (inout SimulatedAccount) -> Void) -> Bool {
        accounts.withLock { state in
            guard var account = state.byUsername[username] else { return false }
            change(&account)
            state.byUsername[username] = account
            return true
        }
    }

    func remove(_ username: String) -> Bool {
        accounts.withLock { $0.byUsername.removeValue(forKey: username) != nil }
    }

    var all: [SimulatedAccount] {
        accounts.withLock { $0.byUsername.values.sorted { $0.id < $1.id } }
    }
}

extension PanelState {
    func account(byID id: Int) -> SimulatedAccount? {
        all.first { $0.id == id }
    }
}

/// A value behind a lock that value-type simulators can share across requests.
final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>

    init(_ value: Value) { mutex = Mutex(value) }

    func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        try mutex.withLock { try body(&$0) }
    }
}
