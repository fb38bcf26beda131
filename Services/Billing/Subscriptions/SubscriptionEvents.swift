import Contracts
import Foundation
import Logging
import PostgresNIO
import ServiceKit
import WireCodec

/// What billing hears: a paid order starts a subscription (its first period paid by the
/// order), a provisioned account tells which account a subscription bills, an account that
/// could not be created or was terminated ends it, and the timer's daily slots run
/// invoicing and dunning.
struct SubscriptionEvents: Sendable {
    let settings: BillingSettings

    static let cycleMonths = ["monthly": 1, "quarterly": 3, "semi-annual": 6, "annual": 12]

    func register(in definition: inout ServiceDefinition) {
        let ledger = PaymentLedger(settings: settings)
        let invoicing = Invoicing(settings: settings)
        let dunning = Dunning(settings: settings)
        definition.handlers.on(OrderPaid.self) { event, transaction in
            guard let months = Self.cycleMonths[event.billingCycle] else {
                transaction.logger.error(
                    "order with an unknown billing cycle; no subscription",
                    metadata: [
                        "order": "\(event.orderID)", "cycle": "\(event.billingCycle)",
                    ])
                return
            }
            let connection = transaction.connection
            let logger = transaction.logger
            try await BillingLock.take(on: connection, logger: logger)
            try await connection.query(
                """
                INSERT INTO customers (id, email, name, payment_customer, payment_method)
                VALUES (\(event.customerID), \(event.customerEmail), \(event.customerName), \(event.paymentCustomer), \(event.paymentMethod))
                ON CONFLICT (id) DO UPDATE SET email = excluded.email, name = excluded.name,
                    payment_customer = coalesce(excluded.payment_customer, customers.payment_customer),
                    payment_method = coalesce(excluded.payment_method, customers.payment_method), updated_at = now()
                """, logger: logger)
            let start = BillingDay(transaction.message?.occurredAt ?? Date()).description
            let subscription = UUID()
            let created = try await connection.query(
                """
                INSERT INTO subscriptions (id, order_id, customer_id, product_id, product_name, domain, cycle, cycle_months,
                                           amount, currency, started_on, next_due)
                VALUES (\(subscription), \(event.orderID), \(event.customerID), \(event.productID), \(event.productName),
                        \(event.domain), \(event.billingCycle), \(months), \(event.amount), \(event.currency), \(start)::date,
                        (\(start)::date + \(months) * interval '1 month')::date)
                ON CONFLICT (order_id) DO NOTHING RETURNING id
                """, logger: logger
            ).collect()
            guard !created.isEmpty else { return }
            // The first period is invoiced and paid by the order itself.
            let invoice = UUID()
            try await connection.query(
                """
                WITH counter AS (UPDATE invoice_counter SET last = last + 1 RETURNING last), inserted AS (
                    INSERT INTO invoices (id, number, subscription_id, customer_id, period_start, period_end, issued_on, due_on,
                                          subtotal, total, currency)
                    SELECT \(invoice), invoice_number((SELECT last FROM counter)), id, customer_id, started_on, next_due, started_on,
                           started_on, amount, amount, currency
                    FROM subscriptions WHERE id = \(subscription)
                )
                INSERT INTO invoice_lines (invoice_id, position, description, amount)
                SELECT \(invoice), 1, period_line(product_name, domain, started_on, next_due), amount
                FROM subscriptions WHERE id = \(subscription)
                """, logger: logger)
            _ = try await ledger.record(
                .init(
                    invoiceID: invoice, method: "order", reference: event.paymentReference,
                    amount: event.amount, currency: event.currency),
                in: transaction)
            try await UndeliveredOrders.end(event.orderID, in: transaction)
        }
        definition.handlers.on(AccountProvisioningFailed.self) { event, transaction in
            try await BillingLock.take(on: transaction.connection, logger: transaction.logger)
            try await UndeliveredOrders.report(event.orderID, reason: event.reason, in: transaction)
        }
        // However the account ended (dunning, cancellation, an operator), nothing more is billed
        // from today; arrears stay due.
        definition.handlers.on(AccountTerminated.self) { event, transaction in
            try await BillingLock.take(on: transaction.connection, logger: transaction.logger)
            let ended = try await transaction.query(
                """
                UPDATE subscriptions s SET status = 'terminated', end_reason = 'account_terminated', updated_at = now()
                FROM accounts a WHERE a.order_id = s.order_id AND a.account_id = \(event.accountID) AND s.status IN ('active', 'suspended')
                RETURNING s.id
                """)
            for row in ended {
                try await transaction.query(
                    """
                    UPDATE invoices SET status = 'cancelled', next_charge_on = NULL
                    WHERE subscription_id = \(try row.decode(UUID.self)) AND status = 'open' AND period_start >= current_date
                    """)
            }
        }
        definition.handlers.on(AccountProvisioned.self) { event, transaction in
            try await transaction.query(
                """
                INSERT INTO accounts (order_id, account_id) VALUES (\(event.orderID), \(event.accountID)) ON CONFLICT DO NOTHING
                """)
        }
        definition.handlers.on(TimerFired.self) { event, transaction in
            let day = BillingDay(event.slot)
            switch event.schedule {
            case "recurring-billing":
                // Cancellations due first: nothing is invoiced for a subscription ending today.
                _ = try await Cancellations().apply(on: day, in: transaction)
                _ = try await invoicing.run(on: day, trigger: "timer", in: transaction)
            case "overdue-suspensions":
                _ = try await dunning.run(on: day, trigger: "timer", in: transaction)
            default:
                return
            }
        }
    }
}
