import Contracts
import Foundation
import Logging
import ServiceKit
import Tasks
import WireCodec

/// Turns each account command into a task in the transaction that records the command,
/// so the panel work is retried by provisioning itself until it is done.
enum AccountCommands {
    static func register(in definition: inout ServiceDefinition) {
        // Set-wise: a burst of paid orders is recorded in one transaction.
        definition.handlers.handleInBatches(ProvisionAccount.self) { commands, transaction in
            for command in commands {
                let request = AccountRequest(
                    orderID: command.orderID, customerID: command.customerID, customerName: command.customerName,
                    contactEmail: command.contactEmail, domain: command.domain, plan: command.plan,
                    group: command.serverGroup, limits: command.limits)
                try await enqueueProvisioning(request, transaction: transaction)
            }
        }
        definition.handlers.handle(SuspendAccount.self) { command, transaction in
            try await request(
                SuspendAccountTask(
                    accountID: command.accountID, reason: command.reason, actionID: UUID(),
                    actor: command.actor), transaction)
        }
        definition.handlers.handle(UnsuspendAccount.self) { command, transaction in
            try await request(
                UnsuspendAccountTask(
                    accountID: command.accountID, onlyIfSuspendedFor: command.onlyIfSuspendedFor,
                    actionID: UUID(), actor: command.actor), transaction)
        }
        definition.handlers.handle(TerminateAccount.self) { command, transaction in
            try await request(
                TerminateAccountTask(accountID: command.accountID, actionID: UUID(), actor: command.actor), transaction)
        }
        definition.handlers.handle(ChangePackage.self) { command, transaction in
            try await request(
                ChangePackageTask(
                    accountID: command.accountID, plan: command.plan, actionID: UUID(), actor: command.actor,
                    limits: command.limits),
                transaction)
        }
        definition.handlers.handle(ChangePassword.self) { command, transaction in
            try await request(
                ChangePasswordTask(accountID: command.accountID, actionID: UUID(), actor: command.actor), transaction)
        }
        definition.handlers.on(CustomerErased.self) { event, transaction in
            guard let customer = event.customerID else { return }
            try await AccountStore.forget(
                customer: customer, placeholder: CustomerErased.placeholderEmail(for: customer), in: transaction)
        }
        definition.handlers.on(CertificateIssued.self) { event, transaction in
            guard let sealed = event.sealedPrivateKey else {
                transaction.logger.warning(
                    "certificate issued without a key sealed for provisioning; not installed",
                    metadata: ["domain": "\(event.domain)"])
                return
            }
            // Once per certificate, whatever message carried it.
            try await transaction.enqueue(
                InstallCertificateTask(
                    accountID: event.accountID, certificateID: event.certificateID,
                    certificate: event.certificate, chain: event.chain, sealedPrivateKey: sealed),
                dedupeKey: "install-certificate-\(event.certificateID)")
        }
    }

    /// Records the account (once per order) and its provisioning task.
    static func enqueueProvisioning(_ request: AccountRequest, transaction: Transaction) async throws {
        guard let id = try await AccountStore.insert(request, on: transaction.connection, logger: transaction.logger)
        else {
            transaction.logger.info(
                "order already has an account", metadata: ["order": "\(request.orderID.map { "\($0)" } ?? "-")"])
            return
        }
        try await transaction.enqueue(ProvisionAccountTask(accountID: id), dedupeKey: "provision-\(id)")
    }

    /// Queues `task` and records its action once per command: a command redelivered after a
    /// lost inbox row queues nothing new.
    private static func request<T: AccountActionTask>(_ task: T, _ transaction: Transaction) async throws {
        try await AccountActions.request(
            task, dedupeKey: transaction.message.map { "\(T.taskType)-\($0.id)" }, in: transaction)
    }
}
