import Contracts
import Foundation
import Messaging
import ServiceRuntime

/// Turns each account command into a task in the transaction that records the command,
/// so the panel work is retried by provisioning itself until it is done.
enum AccountCommands {
    static func register(in definition: inout ServiceDefinition) {
        // Set-wise: a burst of paid orders is recorded in one transaction.
        definition.handlers.handleInBatches(ProvisionAccount.self) { commands, context in
            for command in commands {
                let request = AccountRequest(orderID: command.orderID, customerID: command.customerID, customerName: command.customerName,
                                             contactEmail: command.contactEmail, domain: command.domain, plan: command.plan,
                                             group: command.serverGroup)
                try await enqueueProvisioning(request, context: context)
            }
        }
        definition.handlers.handle(SuspendAccount.self) { command, context in
            try await enqueue(SuspendAccountTask(accountID: command.accountID, reason: command.reason), context)
        }
        definition.handlers.handle(UnsuspendAccount.self) { command, context in
            try await enqueue(UnsuspendAccountTask(accountID: command.accountID, onlyIfSuspendedFor: command.onlyIfSuspendedFor), context)
        }
        definition.handlers.handle(TerminateAccount.self) { command, context in
            try await enqueue(TerminateAccountTask(accountID: command.accountID), context)
        }
        definition.handlers.handle(ChangePackage.self) { command, context in
            try await enqueue(ChangePackageTask(accountID: command.accountID, plan: command.plan), context)
        }
        definition.handlers.handle(ChangePassword.self) { command, context in
            try await enqueue(ChangePasswordTask(accountID: command.accountID), context)
        }
        definition.handlers.on(CertificateIssued.self) { event, context in
            guard let sealed = event.sealedPrivateKey else {
                context.logger.warning("certificate issued without a key sealed for provisioning; not installed",
                                       metadata: ["domain": "\(event.domain)"])
                return
            }
            try await enqueue(InstallCertificateTask(accountID: event.accountID, certificateID: event.certificateID,
                                                     certificate: event.certificate, chain: event.chain, sealedPrivateKey: sealed), context)
        }
    }

    /// Records the account (once per order) and its provisioning task.
    static func enqueueProvisioning(_ request: AccountRequest, context: HandlerContext) async throws {
        guard let id = try await AccountStore.insert(request, on: context.connection, logger: context.logger) else {
            context.logger.info("order already has an account", metadata: ["order": "\(request.orderID.map { "\($0)" } ?? "-")"])
            return
        }
        try await context.tasks.enqueue(ProvisionAccountTask(accountID: id), dedupeKey: "provision-\(id)",
                                        correlationID: request.orderID, on: context.connection, logger: context.logger)
    }

    private static func enqueue<T: TaskPayload>(_ task: T, _ context: HandlerContext) async throws {
        try await context.tasks.enqueue(task, dedupeKey: "\(T.taskType)-\(context.header.id)",
                                        correlationID: context.header.correlationID, on: context.connection, logger: context.logger)
    }
}
