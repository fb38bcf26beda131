import Contracts
import ControlPanels
import Foundation
import Messaging
import PostgresNIO
import ServiceRuntime

/// The task handlers that drive the panels, and what a task's final failure does.
struct AccountTasks: Sendable {
    let panels: PanelDirectory
    let settings: ProvisioningSettings

    func register(in definition: inout ServiceDefinition) {
        definition.tasks[ProvisionAccountTask.taskType] = { task, completion in
            let provisioner = provisioner(completion)
            let (account, server) = try await provisioner.run(try task.decode(ProvisionAccountTask.self).accountID)
            try await completion.finish { connection in
                try await provisioner.finish(account, on: server, connection: connection) { event in
                    try await completion.outbox.publish(event, correlationID: task.correlationID, on: connection, logger: completion.logger)
                }
            }
        }
        definition.tasks[RollbackAccountTask.taskType] = { task, completion in
            let id = try task.decode(RollbackAccountTask.self).accountID
            try await change(id, completion, allow: ["failed"]) { account, panel in
                if let username = account.username, let existing = try await panel.account(named: username),
                   existing.domain == account.domain {
                    try await panel.terminate(username)
                }
            } effects: { account, connection in
                // The account starts over from placement if an operator retries it.
                try await connection.query("""
                    UPDATE accounts SET step = 'server', server_id = NULL, username = NULL, updated_at = now()
                    WHERE id = \(account.id) AND status = 'failed'
                    """, logger: completion.logger)
            }
        }
        definition.tasks[SuspendAccountTask.taskType] = { task, completion in
            let payload = try task.decode(SuspendAccountTask.self)
            try await change(payload.accountID, completion, allow: ["active", "suspended"]) { account, panel in
                if try await panel.account(named: account.username!)?.suspended != true {
                    try await panel.suspend(account.username!, reason: payload.reason)
                }
            } effects: { account, connection in
                try await set(account, status: "suspended", reason: payload.reason, connection, completion)
                try await completion.outbox.publish(AccountSuspended(accountID: account.id, domain: account.domain, reason: payload.reason),
                                                    correlationID: task.correlationID, on: connection, logger: completion.logger)
            }
        }
        definition.tasks[UnsuspendAccountTask.taskType] = { task, completion in
            let payload = try task.decode(UnsuspendAccountTask.self)
            try await change(payload.accountID, completion, allow: ["suspended"], when: { account in
                payload.onlyIfSuspendedFor.map { $0 == account.suspendReason } ?? true
            }) { account, panel in
                if try await panel.account(named: account.username!)?.suspended != false {
                    try await panel.unsuspend(account.username!)
                }
            } effects: { account, connection in
                try await set(account, status: "active", reason: nil, connection, completion)
                try await completion.outbox.publish(AccountUnsuspended(accountID: account.id, domain: account.domain),
                                                    correlationID: task.correlationID, on: connection, logger: completion.logger)
            }
        }
        definition.tasks[TerminateAccountTask.taskType] = { task, completion in
            let payload = try task.decode(TerminateAccountTask.self)
            try await change(payload.accountID, completion, allow: ["active", "suspended"]) { account, panel in
                if try await panel.account(named: account.username!) != nil {
                    try await panel.terminate(account.username!)
                }
            } effects: { account, connection in
                try await set(account, status: "terminated", reason: nil, connection, completion)
                try await completion.outbox.publish(AccountTerminated(accountID: account.id, domain: account.domain),
                                                    correlationID: task.correlationID, on: connection, logger: completion.logger)
            }
        }
        definition.tasks[InstallCertificateTask.taskType] = { task, completion in
            let payload = try task.decode(InstallCertificateTask.self)
            guard let opener = settings.certificateKeyOpener else {
                throw PermanentTaskFailure("HOSTWIRE_CERT_SEAL_PRIVATE_KEY is not set: certificate keys cannot be opened")
            }
            let key = try opener.open(payload.sealedPrivateKey)
            try await change(payload.accountID, completion, allow: ["active", "suspended"]) { account, panel in
                try await panel.installCertificate(CertificateBundle(certificate: payload.certificate, privateKey: key, chain: payload.chain),
                                                   username: account.username!, domain: account.domain)
            } effects: { account, connection in
                try await connection.query("""
                    UPDATE accounts SET certificate_id = \(payload.certificateID), updated_at = now() WHERE id = \(account.id)
                    """, logger: completion.logger)
            }
        }
        definition.tasks[ChangePackageTask.taskType] = { task, completion in
            let payload = try task.decode(ChangePackageTask.self)
            try await change(payload.accountID, completion, allow: ["active", "suspended"]) { account, panel in
                try await panel.changePackage(account.username!, to: payload.plan)
            } effects: { account, connection in
                try await connection.query("UPDATE accounts SET plan = \(payload.plan), updated_at = now() WHERE id = \(account.id)",
                                           logger: completion.logger)
                try await completion.outbox.publish(AccountPackageChanged(accountID: account.id, plan: payload.plan),
                                                    correlationID: task.correlationID, on: connection, logger: completion.logger)
            }
        }
        definition.tasks[ChangePasswordTask.taskType] = { task, completion in
            let payload = try task.decode(ChangePasswordTask.self)
            let accounts = AccountStore(database: completion.database, logger: completion.logger)
            let password = Credentials.password()
            try await change(payload.accountID, completion, allow: ["active", "suspended"]) { account, panel in
                // Stored first: whatever the panel ends up with, the stored one is its latest.
                try await accounts.setPassword(account.id, sealed: try settings.cipher.seal(password))
                try await panel.changePassword(account.username!, to: password)
            } effects: { account, connection in
                try await completion.outbox.publish(
                    AccountPasswordChanged(accountID: account.id, contactEmail: account.contactEmail,
                                           sealedPassword: try settings.mailSealer?.seal(password)),
                    correlationID: task.correlationID, on: connection, logger: completion.logger)
            }
        }
        definition.onTaskFailure = { task, message, context in
            guard task.type == ProvisionAccountTask.taskType else { return }
            try await provisioningFailed(try task.decode(ProvisionAccountTask.self).accountID, message, task, context)
        }
    }

    /// Marks the account failed and publishes `account.provisioning-failed`; when the panel
    /// account had been created, a rollback task removes it.
    private func provisioningFailed(_ id: UUID, _ message: String, _ task: ClaimedTask, _ context: TaskFailureContext) async throws {
        let rows = try await context.connection.query("""
            UPDATE accounts SET status = 'failed', last_error = \(message), updated_at = now()
            WHERE id = \(id) AND status = 'provisioning' RETURNING order_id, step
            """, logger: context.logger).collect()
        guard let row = rows.first else { return }
        let (orderID, step) = try row.decode((UUID?, String).self)
        try await context.outbox.publish(AccountProvisioningFailed(orderID: orderID ?? id, reason: message),
                                         correlationID: task.correlationID, on: context.connection, logger: context.logger)
        if ["mailbox", "database", "done"].contains(step) {
            try await context.tasks.enqueue(RollbackAccountTask(accountID: id), dedupeKey: "rollback-\(id)-\(task.id)-\(task.attempt)",
                                            correlationID: task.correlationID, on: context.connection, logger: context.logger)
        }
    }

    /// Runs one panel change for an account in an allowed state, then `effects` with the
    /// task's completion. An account still being provisioned is waited for; one in another
    /// state (terminated, failed), or not matching `when`, is left alone.
    private func change(_ id: UUID, _ completion: TaskCompletion, allow: Set<String>,
                        when condition: @Sendable (Account) -> Bool = { _ in true },
                        panelCall: (Account, any ControlPanel) async throws -> Void,
                        effects: @escaping @Sendable (Account, PostgresConnection) async throws -> Void) async throws {
        let accounts = AccountStore(database: completion.database, logger: completion.logger)
        guard let account = try await accounts.account(id) else { throw PermanentTaskFailure("no account \(id)") }
        if account.status == "provisioning" { throw TaskDeferral("account \(id) is still being provisioned", delay: .seconds(10)) }
        guard allow.contains(account.status), condition(account) else {
            completion.logger.info("account change skipped", metadata: ["account": "\(id)", "status": "\(account.status)"])
            return
        }
        guard let serverID = account.serverID, let username = account.username, !username.isEmpty,
              let server = try await ServerStore(database: completion.database, cipher: settings.cipher, logger: completion.logger)
                .server(serverID) else {
            try await completion.finish { connection in try await effects(account, connection) }
            return
        }
        try await panelCall(account, try panels.panel(for: server))
        try await completion.finish { connection in try await effects(account, connection) }
    }

    private func set(_ account: Account, status: String, reason: String?, _ connection: PostgresConnection,
                     _ completion: TaskCompletion) async throws {
        try await connection.query("""
            UPDATE accounts SET status = \(status), suspend_reason = \(reason), updated_at = now() WHERE id = \(account.id)
            """, logger: completion.logger)
    }

    private func provisioner(_ completion: TaskCompletion) -> Provisioner {
        let accounts = AccountStore(database: completion.database, logger: completion.logger)
        let servers = ServerStore(database: completion.database, cipher: settings.cipher, logger: completion.logger)
        return Provisioner(accounts: accounts, servers: servers, panels: panels, settings: settings)
    }
}
