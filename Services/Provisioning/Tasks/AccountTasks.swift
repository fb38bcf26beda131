import Contracts
import ControlPanels
import Foundation
import PostgresNIO
import Secrets
import ServiceKit
import Tasks

/// The task handlers that drive the panels, and what a task's final failure does.
struct AccountTasks: Sendable {
    let panels: PanelDirectory
    let settings: ProvisioningSettings

    func register(in definition: inout ServiceDefinition) {
        definition.tasks.register(ProvisionAccountTask.self) { payload, completion in
            let provisioner = provisioner(completion)
            let provisioned = try await provisioner.run(payload.accountID)
            try await completion.finish { transaction in
                try await provisioner.finish(provisioned, in: transaction)
            }
        } onFinalFailure: { payload, failure, transaction in
            try await provisioningFailed(payload.accountID, failure, transaction)
        } beforeRetry: { payload, transaction in
            // A retried provisioning starts its account over from where it failed.
            guard
                try await !transaction.hasUnfinished(
                    RollbackAccountTask.self, whose: "account_id", is: payload.accountID.uuidString.lowercased())
            else {
                throw RetryRefused(code: "rollback_pending", "the failed attempt is still being rolled back")
            }
            try await AccountStore.restartProvisioning(payload.accountID, in: transaction)
        }
        definition.tasks.register(RollbackAccountTask.self) { payload, completion in
            try await change(payload.accountID, action: nil, completion, allow: [.failed]) { account, username, panel in
                if let existing = try await panel.account(named: username), existing.domain == account.domain {
                    try await panel.terminate(username)
                }
            } effects: { account, transaction in
                // The account starts over from placement if an operator retries it.
                try await AccountStore.resetPlacement(of: account.id, in: transaction)
            }
        }
        definition.tasks.register(SuspendAccountTask.self) { payload, completion in
            try await change(payload, completion, allow: [.active, .suspended]) { _, username, panel in
                if try await panel.account(named: username)?.suspended != true {
                    try await panel.suspend(username, reason: payload.reason)
                }
            } effects: { account, transaction in
                try await set(account, status: .suspended, reason: payload.reason, transaction)
                try await transaction.publish(
                    AccountSuspended(
                        accountID: account.id, domain: account.domain, reason: payload.reason,
                        actor: payload.actor))
            }
        } onFinalFailure: { payload, _, transaction in
            try await AccountActions.finish(payload, .failed, in: transaction)
        }
        definition.tasks.register(UnsuspendAccountTask.self) { payload, completion in
            try await change(
                payload, completion, allow: [.suspended],
                when: { account in
                    payload.onlyIfSuspendedFor.map { $0 == account.suspendReason } ?? true
                }
            ) { _, username, panel in
                if try await panel.account(named: username)?.suspended != false {
                    try await panel.unsuspend(username)
                }
            } effects: { account, transaction in
                try await set(account, status: .active, reason: nil, transaction)
                try await transaction.publish(
                    AccountUnsuspended(accountID: account.id, domain: account.domain, actor: payload.actor))
            }
        } onFinalFailure: { payload, _, transaction in
            try await AccountActions.finish(payload, .failed, in: transaction)
        }
        definition.tasks.register(TerminateAccountTask.self) { payload, completion in
            try await change(payload, completion, allow: [.active, .suspended]) { _, username, panel in
                if try await panel.account(named: username) != nil {
                    try await panel.terminate(username)
                }
            } effects: { account, transaction in
                try await set(account, status: .terminated, reason: nil, transaction)
                try await transaction.publish(
                    AccountTerminated(accountID: account.id, domain: account.domain, actor: payload.actor))
            }
        } onFinalFailure: { payload, _, transaction in
            try await AccountActions.finish(payload, .failed, in: transaction)
        }
        definition.tasks.register(InstallCertificateTask.self) { payload, completion in
            guard let opener = settings.certificateKeyOpener else {
                throw PermanentTaskFailure(
                    "HOSTWIRE_CERT_SEAL_PRIVATE_KEY is not set: certificate keys cannot be opened")
            }
            let key = try opener.open(payload.sealedPrivateKey)
            try await change(payload.accountID, action: nil, completion, allow: [.active, .suspended]) {
                account, username, panel in
                try await panel.installCertificate(
                    CertificateBundle(certificate: payload.certificate, privateKey: key, chain: payload.chain),
                    username: username, domain: account.domain)
            } effects: { account, transaction in
                try await AccountStore.setCertificate(payload.certificateID, of: account.id, in: transaction)
            }
        }
        definition.tasks.register(ChangePackageTask.self) { payload, completion in
            try await change(payload, completion, allow: [.active, .suspended]) { account, username, panel in
                try await panel.changePackage(username, to: payload.plan)
                if let limits = payload.limits?.panel {
                    try await withPanelRetries {
                        try await panel.setLimits(limits, username: username, domain: account.domain)
                    }
                }
            } effects: { account, transaction in
                try await AccountStore.setPlan(payload.plan, limits: payload.limits, of: account.id, in: transaction)
                try await transaction.publish(
                    AccountPackageChanged(accountID: account.id, plan: payload.plan, actor: payload.actor))
            }
        } onFinalFailure: { payload, _, transaction in
            try await AccountActions.finish(payload, .failed, in: transaction)
        }
        definition.tasks.register(ChangePasswordTask.self) { payload, completion in
            let accounts = AccountStore(database: completion.database, logger: completion.logger)
            let password = try payload.chosenPassword.map { try settings.cipher.open($0) } ?? Credentials.password()
            try await change(payload, completion, allow: [.active, .suspended]) { _, username, panel in
                // Stored first: whatever the panel ends up with, the stored one is its latest.
                try await accounts.setPassword(payload.accountID, sealed: try settings.cipher.seal(password))
                try await panel.changePassword(username, to: password)
            } effects: { account, transaction in
                try await transaction.publish(
                    AccountPasswordChanged(
                        accountID: account.id, contactEmail: account.contactEmail,
                        // A password the customer chose is not mailed back to them.
                        sealedPassword: payload.chosenPassword == nil ? try settings.mailSealer?.seal(password) : nil,
                        actor: payload.actor))
            }
        } onFinalFailure: { payload, _, transaction in
            try await AccountActions.finish(payload, .failed, in: transaction)
        }
    }

    /// Marks the account failed and publishes `account.provisioning-failed`; when the panel
    /// account had been created, a rollback task removes it.
    private func provisioningFailed(_ id: UUID, _ failure: TaskFailure, _ transaction: Transaction) async throws {
        guard
            let (orderID, step) = try await AccountStore.failProvisioning(id, reason: failure.message, in: transaction)
        else { return }
        try await transaction.publish(AccountProvisioningFailed(orderID: orderID ?? id, reason: failure.message))
        if step.panelAccountExists {
            try await transaction.enqueue(
                RollbackAccountTask(accountID: id),
                dedupeKey: "rollback-\(id)-\(failure.taskID)-\(failure.attempt)")
        }
    }

    /// Runs one account action's panel change, as ``change(_:action:_:allow:when:panelCall:effects:)``.
    private func change(
        _ task: some AccountActionTask, _ completion: TaskCompletion, allow: Set<AccountStatus>,
        when condition: @Sendable (Account) -> Bool = { _ in true },
        panelCall: (Account, String, any ControlPanel) async throws -> Void,
        effects: @escaping @Sendable (Account, Transaction) async throws -> Void
    ) async throws {
        try await change(
            task.accountID, action: task, completion, allow: allow, when: condition, panelCall: panelCall,
            effects: effects)
    }

    /// Runs one panel change (given the account and its panel username) for an account in an
    /// allowed state, then `effects` with the task's completion, recording how `action`
    /// ended. An account still being provisioned is waited for; one in another state
    /// (terminated, failed), or not matching `when`, is left alone.
    private func change(
        _ id: UUID, action: (any AccountActionTask)?, _ completion: TaskCompletion, allow: Set<AccountStatus>,
        when condition: @Sendable (Account) -> Bool = { _ in true },
        panelCall: (Account, String, any ControlPanel) async throws -> Void,
        effects: @escaping @Sendable (Account, Transaction) async throws -> Void
    ) async throws {
        let accounts = AccountStore(database: completion.database, logger: completion.logger)
        guard let account = try await accounts.account(id) else { throw PermanentTaskFailure("no account \(id)") }
        if account.status == .provisioning {
            throw TaskDeferral("account \(id) is still being provisioned", delay: .seconds(10))
        }
        guard allow.contains(account.status), condition(account) else {
            completion.logger.info(
                "account change skipped", metadata: ["account": "\(id)", "status": "\(account.status)"])
            try await completion.finish { transaction in
                if let action { try await AccountActions.finish(action, .skipped, in: transaction) }
            }
            return
        }
        let finish = { @Sendable (transaction: Transaction) async throws in
            try await effects(account, transaction)
            if let action { try await AccountActions.finish(action, .done, in: transaction) }
        }
        guard let serverID = account.serverID, let username = account.username, !username.isEmpty,
            let server = try await ServerStore(
                database: completion.database, cipher: settings.cipher, logger: completion.logger
            )
            .server(serverID)
        else {
            try await completion.finish(finish)
            return
        }
        try await panelCall(account, username, try panels.panel(for: server))
        try await completion.finish(finish)
    }

    private func set(_ account: Account, status: AccountStatus, reason: String?, _ transaction: Transaction)
        async throws
    {
        try await AccountStore.setStatus(status, reason: reason, of: account.id, in: transaction)
    }

    private func provisioner(_ completion: TaskCompletion) -> Provisioner {
        let accounts = AccountStore(database: completion.database, logger: completion.logger)
        let servers = ServerStore(database: completion.database, cipher: settings.cipher, logger: completion.logger)
        return Provisioner(accounts: accounts, servers: servers, panels: panels, settings: settings)
    }
}
