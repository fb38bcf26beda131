import Contracts
import Foundation
import Logging
import Messaging
import Payments
import Persistence
import PostgresNIO
import ServiceRuntime

/// Checkout's orders in Postgres, and the messages their changes cause.
struct OrderStore: Sendable {
    let database: Database
    let outbox: Outbox
    let logger: Logger

    /// Records the customer (by email) and a `pending_payment` order at the catalog price,
    /// and publishes `order.placed`, in one transaction; returns the order as stored.
    func place(_ order: PlaceOrder.Valid) async throws -> Order {
        let id = UUID()
        let (outbox, logger) = (outbox, logger)
        let placed = try await database.transaction { connection -> Order in
            let product = try await connection.query("""
                SELECT p.name, p.type, pr.amount FROM products p
                LEFT JOIN prices pr ON pr.product_id = p.id AND pr.billing_cycle = \(order.billingCycle) AND pr.currency = \(order.currency)
                WHERE p.id = \(order.productID) AND p.active
                """, logger: logger).collect().first
            guard let product else { throw APIError.invalid("product_id", "no product \(order.productID) is on sale") }
            let (productName, type, amount) = try product.decode((String, String, Int?).self)
            guard let amount else {
                throw APIError.invalid("currency", "\(productName) has no \(order.billingCycle) price in \(order.currency)")
            }
            if type == "hosting" && order.domain == nil { throw APIError.invalid("domain", "a hosting order needs a domain") }
            let (customerID, paymentCustomer) = try await connection.query("""
                INSERT INTO customers (id, email, name, company, country) VALUES (\(UUID()), \(order.email), \(order.name),
                    \(order.company), \(order.country))
                ON CONFLICT (email) DO UPDATE SET name = excluded.name RETURNING id, payment_customer
                """, logger: logger).collect().first!.decode((UUID, String?).self)
            let inserted = try await connection.query("""
                INSERT INTO orders (id, customer_id, product_id, billing_cycle, currency, amount, domain)
                VALUES (\(id), \(customerID), \(order.productID), \(order.billingCycle), \(order.currency), \(amount), \(order.domain))
                ON CONFLICT (domain) WHERE status <> 'cancelled' AND domain IS NOT NULL DO NOTHING RETURNING created_at
                """, logger: logger).collect()
            guard let created = try inserted.first?.decode(Date.self) else {
                throw APIError.conflict("domain_already_ordered", "an active order for \(order.domain ?? "") exists")
            }
            try await outbox.publish(OrderPlaced(orderID: id, customerID: customerID, customerEmail: order.email,
                                                 customerName: order.name, productName: productName,
                                                 billingCycle: order.billingCycle, amount: amount, currency: order.currency,
                                                 domain: order.domain), correlationID: id, on: connection, logger: logger)
            return Order(id: id, customerID: customerID, customerEmail: order.email, productID: order.productID,
                         productName: productName, billingCycle: order.billingCycle, amount: amount, currency: order.currency,
                         domain: order.domain, status: "pending_payment",
                         payment: .init(provider: "stripe", paymentIntent: nil, clientSecret: nil),
                         createdAt: created, paidAt: nil, paymentCustomer: paymentCustomer)
        }
        outbox.wakeRelay()
        return placed
    }

    /// Stores the order's payment intent unless it has another; returns whether it stored it.
    func attach(_ intent: PaymentIntent, to orderID: UUID) async throws -> Bool {
        try await !database.query("""
            UPDATE orders SET payment_intent = \(intent.id), payment_client_secret = \(intent.clientSecret), updated_at = now()
            WHERE id = \(orderID) AND (payment_intent IS NULL OR payment_intent = \(intent.id)) RETURNING id
            """).isEmpty
    }

    /// Stores the provider's customer unless one is stored already; returns the stored one.
    func setPaymentCustomer(_ reference: String, of customer: UUID) async throws -> String {
        let rows = try await database.query("""
            UPDATE customers SET payment_customer = coalesce(payment_customer, \(reference)) WHERE id = \(customer) RETURNING payment_customer
            """)
        return try rows.first?.decode(String.self) ?? reference
    }

    func order(_ id: UUID) async throws -> Order? {
        try await orders(id: id, status: nil, limit: 1, offset: 0).first
    }

    func orders(id: UUID? = nil, status: String?, limit: Int, offset: Int) async throws -> [Order] {
        try await database.query("""
            SELECT o.id, o.customer_id, c.email, o.product_id, p.name, o.billing_cycle, o.amount, o.currency::text, o.domain,
                   o.status, o.payment_intent, o.payment_client_secret, o.created_at, o.paid_at, c.payment_customer
            FROM orders o JOIN customers c ON c.id = o.customer_id JOIN products p ON p.id = o.product_id
            WHERE (\(id)::uuid IS NULL OR o.id = \(id)) AND (\(status)::text IS NULL OR o.status = \(status))
            ORDER BY o.created_at DESC, o.id LIMIT \(limit) OFFSET \(offset)
            """).map { row in
            let (id, customer, email, product, productName, cycle, amount, currency, domain, status, intent, secret, created, paid,
                 paymentCustomer) = try row.decode(
                    (UUID, UUID, String, UUID, String, String, Int, String, String?, String, String?, String?, Date, Date?, String?).self)
            return Order(id: id, customerID: customer, customerEmail: email, productID: product, productName: productName,
                         billingCycle: cycle, amount: amount, currency: currency, domain: domain, status: status,
                         payment: .init(provider: "stripe", paymentIntent: intent, clientSecret: secret),
                         createdAt: created, paidAt: paid, paymentCustomer: paymentCustomer)
        }
    }

    /// What a webhook event did.
    enum Outcome: String, Sendable {
        case paid, duplicate, ignored, unknownOrder = "unknown_order", mismatch = "amount_mismatch", alreadyPaid = "already_paid"
        case failed = "payment_failed"
    }

    /// Records provider event `eventID` once and applies a PaymentIntent outcome to its order:
    /// on success the order becomes `paid` and `order.paid` plus `provision-account` are
    /// written in the same transaction.
    ///
    /// The receipt is written last, with the outcome: a delivery of an event already
    /// recorded finds its receipt there and rolls back whatever it did. Two deliveries at
    /// once queue on the order's row lock, so the second sees the order paid.
    func record(eventID: String, type: String, intent: PaymentIntent?) async throws -> Outcome {
        let (outbox, logger) = (outbox, logger)
        let outcome: Outcome
        do {
            outcome = try await database.transaction { connection -> Outcome in
                let applied = try await apply(type: type, intent: intent, on: connection, outbox: outbox, logger: logger)
                let recorded = try await connection.query("""
                    INSERT INTO webhook_receipts (event_id, type, outcome, order_id)
                    VALUES (\(eventID), \(type), \(applied.outcome.rawValue), \(applied.orderID))
                    ON CONFLICT (event_id) DO NOTHING RETURNING event_id
                    """, logger: logger).collect()
                guard !recorded.isEmpty else { throw RepeatedDelivery() }
                return applied.outcome
            }
        } catch is RepeatedDelivery {
            return .duplicate
        }
        if outcome == .paid { outbox.wakeRelay() }
        return outcome
    }

    /// Rolls back a delivery whose event was recorded before.
    private struct RepeatedDelivery: Error {}

    private func apply(type: String, intent: PaymentIntent?, on connection: PostgresConnection, outbox: Outbox,
                       logger: Logger) async throws -> (outcome: Outcome, orderID: UUID?) {
        guard let intent, type == "payment_intent.succeeded" || type == "payment_intent.payment_failed" else { return (.ignored, nil) }
        let metadataOrder = intent.metadata["order_id"].flatMap(UUID.init(uuidString:))
        let row = try await connection.query("""
            SELECT o.id, o.status, o.amount, o.currency::text, o.customer_id, c.email, c.name, c.payment_customer, o.product_id,
                   p.name, p.type, p.panel_plan, p.server_group, o.billing_cycle, o.domain
            FROM orders o JOIN customers c ON c.id = o.customer_id JOIN products p ON p.id = o.product_id
            WHERE o.payment_intent = \(intent.id) OR o.id = \(metadataOrder)
            ORDER BY (o.payment_intent = \(intent.id)) DESC NULLS LAST LIMIT 1 FOR UPDATE OF o
            """, logger: logger).collect().first
        guard let row else { return (.unknownOrder, nil) }
        let (orderID, status, amount, currency, customerID, email, name, paymentCustomer, productID, productName, productType, plan,
             group, cycle, domain) = try row.decode((UUID, String, Int, String, UUID, String, String, String?, UUID, String, String,
                                                     String?, String?, String, String?).self)
        guard type == "payment_intent.succeeded" else { return (.failed, orderID) }
        guard status == "pending_payment" else { return (.alreadyPaid, orderID) }
        guard intent.amount == amount, intent.currency.uppercased() == currency else {
            logger.error("payment does not match its order", metadata: ["order": "\(orderID)", "intent": "\(intent.id)"])
            return (.mismatch, orderID)
        }
        try await connection.query("""
            UPDATE orders SET status = 'paid', paid_at = now(), updated_at = now(), payment_intent = \(intent.id) WHERE id = \(orderID)
            """, logger: logger)
        var messages: [Outbox.Message] = [try .event(OrderPaid(
            orderID: orderID, customerID: customerID, customerEmail: email, customerName: name, productID: productID,
            productName: productName, billingCycle: cycle, amount: amount, currency: currency, domain: domain,
            paymentReference: intent.id, paymentCustomer: intent.customer ?? paymentCustomer, paymentMethod: intent.paymentMethod),
            correlationID: orderID)]
        if productType == "hosting", let plan, let domain {
            messages.append(try .command(ProvisionAccount(orderID: orderID, customerID: customerID, plan: plan,
                                                          serverGroup: group ?? "default", domain: domain, contactEmail: email,
                                                          customerName: name), correlationID: orderID))
        }
        try await outbox.write(messages, on: connection, logger: logger)
        return (.paid, orderID)
    }
}
