import Contracts
import ControlPanels
import Foundation
import Persistence
import PostgresNIO
import Secrets
import ServiceKit
import Tasks

/// Creates an account on its panel step by step — server, create, limits, then the mailbox,
/// the database and the DKIM key at once —
/// each step safe to repeat (a thing the panel refuses because it exists counts as made),
/// so a retry after any failure or crash picks up where the last attempt stopped.
struct Provisioner: Sendable {
    let accounts: AccountStore
    let servers: ServerStore
    let panels: PanelDirectory
    let settings: ProvisioningSettings

    /// Runs the remaining steps; returns the account and server once everything exists.
    /// Placement and the panel account's creation are written as they happen; the later
    /// steps take a refusal of what exists as done, so a retry after a crash or failure
    /// goes on from there. A failure after some step was completed in this attempt is
    /// retried soon without using up an attempt: only attempts that get nowhere count.
    func run(_ id: UUID) async throws -> Provisioned {
        var progressed = false
        do {
            return try await steps(id) { progressed = true }
        } catch let error as PanelError where progressed {
            throw TaskDeferral("\(error) (after progress; trying again)", delay: .seconds(1))
        }
    }

    private func steps(_ id: UUID, progressed: () -> Void) async throws -> Provisioned {
        guard var account = try await accounts.account(id) else { throw PermanentTaskFailure("no account \(id)") }
        var server: Server?
        if account.step == .server {
            if let placement = try await place(account) {
                (account, server) = placement
            } else {
                account = try await reload(id)  // placed meanwhile by a worker that had the task before
            }
        }
        if server == nil, let serverID = account.serverID { server = try await servers.server(serverID) }
        guard let server, let username = account.username, let sealed = account.passwordSealed else {
            throw PermanentTaskFailure("account \(id) has no server or credentials after placement")
        }
        guard account.step != .done else { return Provisioned(account: account, server: server, dkim: nil) }
        // A server that stopped answering before its panel account was made loses the account to another.
        if account.step == .create, server.healthFailures >= settings.unhealthyAfter,
            try await accounts.moveOff(account, from: server.id)
        {
            return try await steps(id, progressed: progressed)
        }
        let panel = try panels.panel(for: server)
        let password = try settings.cipher.open(sealed)
        if account.step == .create {
            try await withPanelRetries {
                try await create(account, username: username, password: password, server: server, on: panel)
            }
            try await accounts.advance(id, to: .mailbox)
            progressed()
        }
        // The product's limits over the package's, set again on every attempt (the same values change nothing).
        if let limits = account.limits?.panel {
            try await withPanelRetries {
                try await panel.setLimits(limits, username: username, domain: account.domain)
            }
        }
        // The mailbox may hold what the account may (0 is unlimited); without limits, 1 GB.
        let mailbox = NewMailbox(
            username: username, localPart: settings.defaultMailbox, domain: account.domain,
            password: password, quotaMB: account.limits?.diskMB ?? 1024)
        let database = NewDatabase(
            username: username, domain: account.domain, name: Self.databaseName(of: username),
            user: Self.databaseName(of: username), password: password)
        // The mailbox, the database and the DKIM key at once: each needs only the account (and
        // its limits, set above), so an account waits for the slowest call, not for their sum.
        // Neither counts as progress: each is made, or found made, on every attempt, so an
        // attempt in which one of them keeps failing is an attempt that got nowhere.
        async let mailboxMade = Self.outcome {
            try await withPanelRetries {
                try await createUnlessPresent {
                    try await panel.createMailbox(mailbox)
                } isPresent: {
                    try await panel.mailboxExists(mailbox.address, username: username)
                }
            }
        }
        async let databaseMade = Self.outcome {
            try await withPanelRetries {
                try await createUnlessPresent {
                    try await panel.createDatabase(database)
                } isPresent: {
                    try await panel.databases(of: username).contains(database.name)
                }
            }
        }
        // For the zone; a panel that cannot say does not hold the account back.
        async let dkim = try? withPanelRetries { try await panel.dkimKey(username: username, domain: account.domain) }
        let made = await (mailboxMade, databaseMade, dkim)
        try made.0.get()
        try made.1.get()
        return Provisioned(account: account, server: server, dkim: made.2)
    }

    /// What `body` ended with, its error kept rather than thrown, so every call ends before one throws.
    private static func outcome(_ body: () async throws -> Void) async -> Result<Void, any Error> {
        do {
            try await body()
            return .success(())
        } catch {
            return .failure(error)
        }
    }

    /// An account whose panel steps are done, with what its zone needs from the panel.
    struct Provisioned: Sendable {
        let account: Account
        let server: Server
        let dkim: PanelDKIM?
    }

    /// Marks the account active and publishes `account.provisioned`, in the caller's
    /// transaction; does nothing if it was already marked (a repeated finish).
    func finish(_ provisioned: Provisioned, in transaction: Transaction) async throws {
        let (account, server) = (provisioned.account, provisioned.server)
        let updated = try await transaction.connection.run(
            AccountStore.MarkProvisioned(id: account.id), logger: transaction.logger)
        guard !updated.isEmpty else { return }
        let password = try account.passwordSealed.map { try settings.cipher.open($0) }
        try await transaction.publish(
            AccountProvisioned(
                accountID: account.id, orderID: account.orderID ?? account.id,
                customerID: account.customerID ?? account.id,
                customerName: account.customerName, contactEmail: account.contactEmail, domain: account.domain,
                username: account.username ?? "", serverHostname: server.hostname, serverIP: server.ip,
                nameservers: server.nameservers, panel: server.panel.rawValue, controlPanelURL: server.controlPanelURL,
                sealedPassword: try password.flatMap { try settings.mailSealer?.seal($0) },
                mailbox: mailboxAddress(of: account), database: account.username.map(Self.databaseName),
                dkim: provisioned.dkim.map { DKIMKey(selector: $0.selector, record: $0.record) }))
    }

    /// The mailbox every account gets.
    func mailboxAddress(of account: Account) -> String { "\(settings.defaultMailbox)@\(account.domain)" }

    /// The database (and its user) every account gets.
    static func databaseName(of username: String) -> String { "\(username)_main" }

    /// Chooses the least-full server with room and a username free on it, with a new
    /// password; waits (without using an attempt) when no server has room. Returns the
    /// account as placed and its server, or `nil` if it had been placed already.
    private func place(_ account: Account) async throws -> (Account, Server)? {
        let sealed = try settings.cipher.seal(Credentials.password())
        // Only the names it could get are looked up (by the unique index), not every name on the server.
        let base = Credentials.username(for: account.domain)
        let candidates = [base] + (1..<100).map { Credentials.alternative(to: base, attempt: $0) }
        let fallback = Credentials.alternative(to: base, attempt: Int.random(in: 100...999))
        guard
            let (server, username) = try await accounts.place(
                account.id, in: account.group, usernames: candidates,
                fallback: fallback, sealedPassword: sealed, unhealthyAfter: settings.unhealthyAfter)
        else {
            if try await reload(account.id).step != .server { return nil }
            throw TaskDeferral("no active server with room in group \(account.group)", delay: settings.noRoomRetry)
        }
        var placed = account
        (placed.serverID, placed.username, placed.passwordSealed, placed.step) = (server.id, username, sealed, .create)
        return (placed, server)
    }

    /// Creates the panel account unless it exists already from an earlier attempt. A name
    /// taken by someone else on the panel gets the account a new one before the retry.
    private func create(
        _ account: Account, username: String, password: String, server: Server, on panel: any ControlPanel
    ) async throws {
        try await createUnlessPresent {
            try await panel.createAccount(
                NewAccount(
                    username: username, domain: account.domain, plan: account.plan,
                    password: password, contactEmail: account.contactEmail, ip: server.ip))
        } isPresent: {
            guard let existing = try await panel.account(named: username), !existing.domain.isEmpty else {
                return false
            }
            guard existing.domain == account.domain else {
                try await rename(account)
                throw PanelError.rejected(
                    "username \(username) is taken on \(server.name) by \(existing.domain); chose another")
            }
            return true
        }
    }

    private func rename(_ account: Account) async throws {
        let name = Credentials.alternative(
            to: Credentials.username(for: account.domain), attempt: Int.random(in: 100...999))
        try await accounts.rename(account.id, to: name)
    }

    private func reload(_ id: UUID) async throws -> Account {
        guard let account = try await accounts.account(id) else { throw PermanentTaskFailure("no account \(id)") }
        return account
    }
}
