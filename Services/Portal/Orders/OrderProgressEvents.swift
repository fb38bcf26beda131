import Contracts
import Foundation
import PostgresNIO
import ServiceKit

/// Follows an order through the other services' events into `order_progress` and
/// `account_progress`; every write keeps the first time a step was seen, so a redelivered
/// event changes nothing.
enum OrderProgressEvents {
    static func register(in definition: inout ServiceDefinition) {
        definition.handlers.on(OrderPaid.self) { event, transaction in
            _ = try await transaction.query(
                """
                INSERT INTO order_progress (order_id, customer_id, paid_at) VALUES (\(event.orderID), \(event.customerID), now())
                ON CONFLICT (order_id) DO UPDATE SET customer_id = excluded.customer_id,
                    paid_at = coalesce(order_progress.paid_at, excluded.paid_at)
                """)
        }
        definition.handlers.on(AccountProvisioned.self) { event, transaction in
            _ = try await transaction.query(
                """
                INSERT INTO order_progress (order_id, customer_id, account_id, account_at)
                VALUES (\(event.orderID), \(event.customerID), \(event.accountID), now())
                ON CONFLICT (order_id) DO UPDATE SET account_id = excluded.account_id,
                    account_at = coalesce(order_progress.account_at, excluded.account_at)
                """)
        }
        definition.handlers.on(AccountProvisioningFailed.self) { event, transaction in
            _ = try await transaction.query(
                """
                INSERT INTO order_progress (order_id, failed_at, failure) VALUES (\(event.orderID), now(), \(event.reason))
                ON CONFLICT (order_id) DO UPDATE SET failed_at = coalesce(order_progress.failed_at, excluded.failed_at),
                    failure = excluded.failure
                """)
        }
        definition.handlers.on(ZoneCreated.self) { event, transaction in
            try await account(event.accountID, set: "zone_at", transaction)
        }
        definition.handlers.on(CertificateIssued.self) { event, transaction in
            try await account(event.accountID, set: "certificate_at", transaction)
        }
        definition.handlers.on(CertificateFailed.self) { event, transaction in
            _ = try await transaction.query(
                """
                INSERT INTO account_progress (account_id, certificate_failure) VALUES (\(event.accountID), \(event.reason))
                ON CONFLICT (account_id) DO UPDATE SET certificate_failure = excluded.certificate_failure
                """)
        }
        definition.handlers.on(EmailSent.self) { event, transaction in
            guard event.template == "welcome", let account = event.accountID else { return }
            try await Self.account(account, set: "welcome_at", transaction)
        }
        definition.handlers.on(EmailFailed.self) { event, transaction in
            guard event.template == "welcome", let account = event.accountID else { return }
            _ = try await transaction.query(
                """
                INSERT INTO account_progress (account_id, welcome_failure) VALUES (\(account), \(event.reason))
                ON CONFLICT (account_id) DO UPDATE SET welcome_failure = excluded.welcome_failure
                """)
        }
    }

    /// Records the first time `column` (one of this file's own step columns) was reached.
    private static func account(_ id: UUID, set column: StaticString, _ transaction: Transaction) async throws {
        let column = "\(column)"
        _ = try await transaction.query(
            """
            INSERT INTO account_progress (account_id, \(unescaped: column)) VALUES (\(id), now())
            ON CONFLICT (account_id) DO UPDATE SET \(unescaped: column) = coalesce(account_progress.\(unescaped: column), now())
            """)
    }
}
