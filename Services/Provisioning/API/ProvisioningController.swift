import Foundation
import HTTPSupport
import Hummingbird
import Persistence
import PostgresNIO
import ServiceKit
import Validation

/// `/api/provisioning/…` and `/api/accounts`: the endpoints operators of the original
/// system know — queue or run a provisioning, tasks, retry, stats, failed — plus accounts.
struct ProvisioningController: Sendable {
    let dependencies: ServiceDependencies
    let accounts: AccountStore
    let provisioner: Provisioner

    func addRoutes(to api: RouterGroup<ServiceRequestContext>) {
        let tasks = TasksController<ServiceRequestContext>(
            store: dependencies.store, registry: dependencies.taskRegistry)
        let provisioning = api.group("provisioning")
        tasks.addRoutes(to: provisioning)
        provisioning.post("provision") { request, _ in
            let new = try await validated(request)
            let id = try await dependencies.store.transaction(correlationID: new.orderID) { transaction -> UUID in
                guard
                    let id = try await AccountStore.insert(new, on: transaction.connection, logger: transaction.logger)
                else {
                    throw APIError.conflict("account_exists", "an account for this order or domain exists")
                }
                try await transaction.enqueue(ProvisionAccountTask(accountID: id), dedupeKey: "provision-\(id)")
                return id
            }
            return APIResponse.json(["account_id": id.uuidString, "status": "queued"], status: .accepted)
        }
        // Runs every step now and answers with the outcome; nothing is queued.
        provisioning.post("manual") { request, _ in
            let new = try await validated(request)
            let id = try await dependencies.database.transaction { connection -> UUID in
                guard let id = try await AccountStore.insert(new, on: connection, logger: dependencies.logger) else {
                    throw APIError.conflict("account_exists", "an account for this order or domain exists")
                }
                return id
            }
            do {
                let provisioned = try await provisioner.run(id)
                try await dependencies.store.transaction(correlationID: new.orderID) { transaction in
                    try await provisioner.finish(provisioned, in: transaction)
                }
                return APIResponse.json(try await accounts.account(id), status: .created)
            } catch {
                try await accounts.markFailed(id, error: "\(error)")
                throw APIError(.badGateway, code: "provisioning_failed", "account \(id) was not provisioned: \(error)")
            }
        }
        provisioning.get("stats") { _, _ in
            struct Stats: Encodable {
                let tasks: [String: [String: Int]]
                let accounts: [String: Int]
                let servers: [Server]
            }
            let servers = ServerStore(
                database: dependencies.database, cipher: provisioner.settings.cipher, logger: dependencies.logger)
            return APIResponse.json(
                Stats(
                    tasks: try await tasks.counts(), accounts: try await accounts.counts(),
                    servers: try await servers.all()))
        }
        // Per day (UTC): accounts provisioned, how long they took from order to active (p50, p95), tasks that failed for good.
        provisioning.get("stats/daily") { request, _ in
            APIResponse.json(try await accounts.daily(try StatsWindow(request)))
        }
        api.get("accounts") { request, _ in
            let status = try request.query(
                "status", as: AccountStatus.self,
                otherwise: "status is provisioning, active, suspended, terminated or failed")
            let customer = try request.uuidQuery("customer_id")
            let paging = try Paging(request)
            return APIResponse.json(
                try await accounts.accounts(
                    status: status, customer: customer, limit: paging.perPage, offset: paging.offset))
        }
        api.get("accounts/{id}") { _, context in
            guard let account = try await accounts.account(try context.parameters.require("id", as: UUID.self)) else {
                throw APIError.notFound("account")
            }
            return APIResponse.json(account)
        }
    }

    private func validated(_ request: Request) async throws -> AccountRequest {
        var new = try await APIResponse.decode(AccountRequest.self, from: request)
        do {
            new.domain = try DomainName(new.domain).ascii
            new.contactEmail = try EmailAddress(new.contactEmail).address
        } catch { throw APIError.invalid(error.field, error.message) }
        guard !new.plan.isEmpty else { throw APIError.invalid("plan", "plan is the panel plan name") }
        guard !new.customerName.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw APIError.invalid("customer_name", "customer_name is required")
        }
        return new
    }
}
