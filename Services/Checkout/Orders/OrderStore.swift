import Contracts
import Delivery
import Foundation
import Logging
import Payments
import Persistence
import PostgresNIO
import ServiceKit
import Validation

/// Checkout's orders in Postgres, and the messages their changes cause.
struct OrderStore: Sendable {
    let store: ServiceStore
    /// Catalog prices include the tax (`HOSTWIRE_PRICES_INCLUDE_TAX`): the order's net amount is
    /// the price less the tax in it, and the customer pays the price.
    var pricesIncludeTax = false
    var database: Database { store.database }
    var logger: Logger { store.logger }

    /// Records the customer (by email) and a `pending_payment` order at the catalog price,
    /// and publishes `order.placed`, in one transaction; returns the order as stored.
    func place(_ order: PlaceOrder.Valid) async throws -> Order {
        let id = UUID()
        return try await store.transaction(correlationID: id) { transaction -> Order in
            let row = try await transaction.connection.run(
                InsertOrder(id: id, order: order, inclusive: pricesIncludeTax), logger: transaction.logger
            ).first
            guard let row else { throw ValidationError("product_id", "no product \(order.productID) is on sale") }
            let (productName, type, amount, customer, paymentCustomer, created, tax) =
                try row.decode((String, String, Int?, UUID?, String?, Date?, Int?).self)
            guard let amount else {
                throw ValidationError(
                    "currency", "\(productName) has no \(order.billingCycle) price in \(order.currency)")
            }
            // A product from before the catalog refused what nothing delivers is not sold either.
            guard ProductType(rawValue: type)?.isDeliverable == true else {
                throw ValidationError(
                    "product_id", "\(productName) cannot be ordered: nothing provisions \(type) products yet")
            }
            guard order.domain != nil else { throw ValidationError("domain", "a hosting order needs a domain") }
            guard let customerID = customer, let created else {
                throw DomainAlreadyOrdered(domain: order.domain ?? "")
            }
            try await transaction.publish(
                OrderPlaced(
                    orderID: id, customerID: customerID, customerEmail: order.email,
                    customerName: order.name, productName: productName,
                    billingCycle: order.billingCycle, amount: amount, currency: order.currency,
                    domain: order.domain))
            return Order(
                id: id, customerID: customerID, customerEmail: order.email, productID: order.productID,
                productName: productName, billingCycle: order.billingCycle, amount: amount, tax: tax ?? 0,
                currency: order.currency, domain: order.domain, status: .pendingPayment,
                payment: .init(provider: "stripe", paymentIntent: nil, clientSecret: nil),
                createdAt: created, paidAt: nil, paymentCustomer: paymentCustomer)
        }
    }

    /// Stores the order's payment intent unless it has another; returns whether it stored it.
    func attach(_ intent: PaymentIntent, to orderID: UUID) async throws -> Bool {
        try await !database.run(AttachIntent(intentID: intent.id, clientSecret: intent.clientSecret, orderID: orderID))
            .isEmpty
    }

    /// The customer of `email`, if it ever ordered or was linked.
    func customerID(email: String) async throws -> UUID? {
        try await database.query("SELECT id FROM customers WHERE email = \(email)").first?.decode(UUID.self)
    }

    func order(_ id: UUID) async throws -> Order? {
        try await orders(id: id, status: nil, limit: 1, offset: 0).first
    }

    func orders(id: UUID? = nil, customer: UUID? = nil, status: OrderStatus? = nil, limit: Int, offset: Int)
        async throws
        -> [Order]
    {
        try await database.query(
            """
            SELECT o.id, o.customer_id, c.email, o.product_id, p.name AS product_name, o.billing_cycle, o.amount, o.tax,
                   o.currency::text AS currency, o.domain,
                   o.status, o.payment_intent, o.payment_client_secret, o.created_at, o.paid_at, c.payment_customer
            FROM orders o JOIN customers c ON c.id = o.customer_id JOIN products p ON p.id = o.product_id
            WHERE (\(id)::uuid IS NULL OR o.id = \(id)) AND (\(customer)::uuid IS NULL OR o.customer_id = \(customer))
              AND (\(status)::text IS NULL OR o.status = \(status))
            ORDER BY o.created_at DESC, o.id LIMIT \(limit) OFFSET \(offset)
            """
        ).map(Order.init(row:))
    }

    /// What a webhook event did.
    enum Outcome: String, Sendable {
        case paid, duplicate, ignored
        case unknownOrder = "unknown_order"
        case alreadyPaid = "already_paid"
        case failed = "payment_failed"
        /// A payment the order must not keep (second, wrong amount, order ended): refunded.
        case refunded
    }

    /// Records provider event `eventID` once and applies a PaymentIntent outcome to its order:
    /// on success the order becomes `paid` and `order.paid` plus `provision-account` are
    /// written in the same transaction.
    ///
    /// The receipt is written last, with the outcome: a delivery of an event already
    /// recorded finds its receipt there and rolls back whatever it did. Two deliveries at
    /// once queue on the order's row lock, so the second sees the order paid.
    func record(eventID: String, type: String, intent: PaymentIntent?) async throws -> Outcome {
        do {
            return try await store.transaction { transaction -> Outcome in
                let applied = try await apply(type: type, intent: intent, in: transaction)
                let recorded = try await transaction.connection.run(
                    RecordReceipt(
                        eventID: eventID, type: type, outcome: applied.outcome.rawValue, orderID: applied.orderID),
                    logger: logger)
                guard !recorded.isEmpty else { throw RepeatedDelivery() }
                return applied.outcome
            }
        } catch is RepeatedDelivery {
            return .duplicate
        }
    }

    /// Rolls back a delivery whose event was recorded before.
    private struct RepeatedDelivery: Error {}

    private func apply(type: String, intent: PaymentIntent?, in transaction: Transaction) async throws -> (
        outcome: Outcome, orderID: UUID?
    ) {
        let (connection, logger) = (transaction.connection, transaction.logger)
        guard let intent, type == "payment_intent.succeeded" || type == "payment_intent.payment_failed" else {
            return (.ignored, nil)
        }
        let metadataOrder = intent.metadata["order_id"].flatMap(UUID.init(uuidString:))
        let currency = intent.currency.uppercased()
        if type == "payment_intent.succeeded",
            let row = try await connection.run(
                PayOrderOfIntent(
                    intentID: intent.id, metadataOrderID: metadataOrder, amount: intent.amount, currency: currency),
                logger: logger
            ).first
        {
            let cells = row.makeRandomAccess()
            let (orderID, customerID, email, name, paymentCustomer, productID, productName, productType, plan) = (
                try cells[0].decode(UUID.self), try cells[1].decode(UUID.self), try cells[2].decode(String.self),
                try cells[3].decode(String.self), try cells[4].decode(String?.self), try cells[5].decode(UUID.self),
                try cells[6].decode(String.self), try cells[7].decode(String.self), try cells[8].decode(String?.self)
            )
            let (group, cycle, domain) = (
                try cells[9].decode(String?.self), try cells[10].decode(String.self), try cells[11].decode(String?.self)
            )
            var paid = OrderPaid(
                orderID: orderID, customerID: customerID, customerEmail: email, customerName: name,
                productID: productID, productName: productName, billingCycle: cycle, amount: intent.amount,
                currency: currency, domain: domain, paymentReference: intent.id,
                paymentCustomer: intent.customer ?? paymentCustomer, paymentMethod: intent.paymentMethod)
            paid.tax = try cells[12].decode(Int.self)
            paid.taxBasisPoints = try cells[13].decode(Int.self)
            paid.taxName = try cells[14].decode(String?.self)
            paid.reverseCharge = try cells[15].decode(Bool.self)
            paid.country = try cells[16].decode(String?.self)
            paid.vatID = try cells[17].decode(String?.self)
            var messages: [Outbox.Message] = [try .event(paid, correlationID: orderID)]
            if productType == "hosting", let plan, let domain {
                messages.append(
                    try .command(
                        ProvisionAccount(
                            orderID: orderID, customerID: customerID, plan: plan,
                            serverGroup: group ?? "default", domain: domain, contactEmail: email,
                            customerName: name,
                            limits: AccountLimits(
                                catalog: (try? JSONDecoder().decode(
                                    [String: Int].self, from: Data(try cells[18].decode(String.self).utf8))) ?? [:])),
                        correlationID: orderID))
            }
            try await transaction.write(messages)
            // Nothing to provision: the order's work is done once it is paid.
            if messages.count == 1 { try await Self.finish(orderID, in: transaction) }
            return (.paid, orderID)
        }
        // Not paid by this event: say why.
        let row = try await connection.run(
            OrderOfIntent(intentID: intent.id, metadataOrderID: metadataOrder), logger: logger
        ).first
        guard let row else { return (.unknownOrder, nil) }
        let (orderID, status, amount, orderCurrency, paidBy) = try row.decode(
            (UUID, OrderStatus, Int, String, String?).self)
        guard type == "payment_intent.succeeded" else { return (.failed, orderID) }
        // Money the order must not keep goes back (once per payment), reported to the operator.
        let stray: RefundReason? =
            switch status {
            case .pendingPayment: intent.amount == amount && currency == orderCurrency ? nil : .wrongAmount
            case .paid, .closed: paidBy == intent.id ? nil : .duplicate
            case .cancelled: .orderEnded
            }
        if let stray {
            try await StrayPayments.record(intent, order: orderID, reason: stray, in: transaction)
            return (.refunded, orderID)
        }
        guard status == .pendingPayment else { return (.alreadyPaid, orderID) }
        // Attached to its intent between the two statements: the provider delivers it again.
        throw OrderChangedMeanwhile()
    }

    private struct OrderChangedMeanwhile: Error {}
}

// The statements each order runs, prepared once per connection.
extension OrderStore {
    /// Any order, to take a statement's text from: the text does not depend on the values.
    fileprivate static let anyOrder = PlaceOrder.Valid(
        email: "", name: "", company: nil, country: nil, productID: UUID(),
        billingCycle: "", currency: "", domain: nil)

    /// Records the customer by email (a known one gets the name given now) and inserts a
    /// `pending_payment` order at the catalog price, in one statement; returns the product's
    /// name, type and net amount (no price: NULL), the customer, the order's creation time and its tax.
    /// Nothing is written for a product not on sale, without that price, or a hosting order
    /// without a domain; the order alone is not written when its domain has an active one.
    struct InsertOrder: PreparedStatement {
        static let sql = Self(id: UUID(), order: anyOrder, inclusive: false).query.sql
        var id: UUID
        var order: PlaceOrder.Valid
        var inclusive: Bool

        var query: PostgresQuery {
            """
            WITH rated AS (
                SELECT p.name, p.type, pr.amount AS price,
                       -- The tax billing would charge on this price (none under a reverse charge).
                       CASE WHEN \(order.reverseCharge) THEN 0 ELSE coalesce(t.basis_points, 0) END AS tax_bp,
                       CASE WHEN \(order.reverseCharge) THEN 'VAT' ELSE t.name END AS tax_name
                FROM products p
                LEFT JOIN prices pr ON pr.product_id = p.id AND pr.billing_cycle = \(order.billingCycle)
                                   AND pr.currency = \(order.currency)
                LEFT JOIN tax_rates t ON t.country = \(order.country)
                WHERE p.id = \(order.productID) AND p.active),
            taxed AS (
                -- On the price, or in it when prices include the tax; half-up, as billing rounds.
                SELECT rated.*, round(price * tax_bp / CASE WHEN \(inclusive) THEN 10000.0 + tax_bp ELSE 10000.0 END)::int AS tax
                FROM rated),
            product AS (
                SELECT taxed.*, price - CASE WHEN \(inclusive) THEN tax ELSE 0 END AS amount FROM taxed),
            customer AS (
                INSERT INTO customers (id, email, name, company, country, vat_id)
                SELECT \(UUID()), \(order.email), \(order.name), \(order.company), \(order.country), \(order.vatID) FROM product
                WHERE product.amount IS NOT NULL AND (product.type <> 'hosting' OR \(order.domain)::text IS NOT NULL)
                ON CONFLICT (email) DO UPDATE SET name = excluded.name,
                    country = coalesce(excluded.country, customers.country), vat_id = coalesce(excluded.vat_id, customers.vat_id)
                RETURNING id, payment_customer),
            placed AS (
                INSERT INTO orders (id, customer_id, product_id, billing_cycle, currency, amount, domain, tax, tax_basis_points,
                                    tax_name, reverse_charge, country, vat_id)
                SELECT \(id), customer.id, \(order.productID), \(order.billingCycle), \(order.currency), product.amount,
                       \(order.domain), product.tax, product.tax_bp, product.tax_name,
                       \(order.reverseCharge), \(order.country), \(order.vatID)
                FROM customer, product
                ON CONFLICT (domain) WHERE status IN ('pending_payment', 'paid') AND domain IS NOT NULL DO NOTHING
                RETURNING created_at, tax)
            SELECT product.name, product.type, product.amount, customer.id, customer.payment_customer, placed.created_at,
                   placed.tax
            FROM product LEFT JOIN customer ON true LEFT JOIN placed ON true
            """
        }
    }

    /// Stores the order's payment intent unless it has another.
    struct AttachIntent: PreparedStatement {
        static let sql = Self(intentID: "", clientSecret: nil, orderID: UUID()).query.sql
        var intentID: String
        var clientSecret: String?
        var orderID: UUID

        var query: PostgresQuery {
            """
            UPDATE orders SET payment_intent = \(intentID), payment_client_secret = \(clientSecret), updated_at = now()
            WHERE id = \(orderID) AND (payment_intent IS NULL OR payment_intent = \(intentID)) RETURNING id
            """
        }
    }

    /// Marks paid the order a payment intent pays (by the intent, else by its metadata's
    /// order id) if it awaits payment of that amount in that currency; returns what its
    /// messages need. A second delivery waits for the first's row lock and then finds the
    /// order paid, so it changes nothing.
    struct PayOrderOfIntent: PreparedStatement {
        static let sql = Self(intentID: "", metadataOrderID: nil, amount: 0, currency: "").query.sql
        var intentID: String
        var metadataOrderID: UUID?
        var amount: Int
        var currency: String

        var query: PostgresQuery {
            """
            UPDATE orders o SET status = 'paid', paid_at = now(), updated_at = now(), payment_intent = \(intentID)
            FROM customers c, products p
            WHERE o.id = (SELECT id FROM orders WHERE payment_intent = \(intentID) OR id = \(metadataOrderID)
                          ORDER BY (payment_intent = \(intentID)) DESC NULLS LAST LIMIT 1)
              AND c.id = o.customer_id AND p.id = o.product_id
              AND o.status = 'pending_payment' AND o.amount + o.tax = \(amount) AND o.currency::text = \(currency)
            RETURNING o.id, o.customer_id, c.email, c.name, c.payment_customer, o.product_id, p.name, p.type, p.panel_plan,
                      p.server_group, o.billing_cycle, o.domain, o.tax, o.tax_basis_points, o.tax_name, o.reverse_charge,
                      o.country, o.vat_id, p.limits::text
            """
        }
    }

    /// The order a payment intent pays, as ``PayOrderOfIntent`` finds it, with what decides
    /// whether it can be paid and the payment that paid it.
    struct OrderOfIntent: PreparedStatement {
        static let sql = Self(intentID: "", metadataOrderID: nil).query.sql
        var intentID: String
        var metadataOrderID: UUID?

        var query: PostgresQuery {
            """
            SELECT id, status, amount + tax, currency::text, payment_intent FROM orders
            WHERE payment_intent = \(intentID) OR id = \(metadataOrderID)
            ORDER BY (payment_intent = \(intentID)) DESC NULLS LAST LIMIT 1
            """
        }
    }

    /// Records a provider event once, with what it did; returns nothing if it was recorded before.
    struct RecordReceipt: PreparedStatement {
        static let sql = Self(eventID: "", type: "", outcome: "", orderID: nil).query.sql
        var eventID: String
        var type: String
        var outcome: String
        var orderID: UUID?

        var query: PostgresQuery {
            """
            INSERT INTO webhook_receipts (event_id, type, outcome, order_id) VALUES (\(eventID), \(type), \(outcome), \(orderID))
            ON CONFLICT (event_id) DO NOTHING RETURNING event_id
            """
        }
    }

    /// Per day (UTC) and currency: orders placed, orders paid and what they came to.
    func daily(_ window: StatsWindow) async throws -> [DailyOrders] {
        try await database.query(
            """
            WITH \(unescaped: window.daysSQL)
            SELECT day::text, o.currency::text,
                   count(o.id) FILTER (WHERE o.created_at >= s AND o.created_at < s + interval '1 day')::int,
                   count(o.id) FILTER (WHERE o.paid_at >= s AND o.paid_at < s + interval '1 day')::int,
                   coalesce(sum(o.amount) FILTER (WHERE o.paid_at >= s AND o.paid_at < s + interval '1 day'), 0)::int
            FROM days LEFT JOIN orders o ON (o.created_at >= s AND o.created_at < s + interval '1 day')
                                          OR (o.paid_at >= s AND o.paid_at < s + interval '1 day')
            GROUP BY day, o.currency ORDER BY day, o.currency
            """
        ).map { row in
            let (day, currency, placed, paid, amount) = try row.decode((String, String?, Int, Int, Int).self)
            return DailyOrders(day: day, currency: currency, placed: placed, paid: paid, paidAmount: amount)
        }
    }
}

/// One day's orders in one currency.
struct DailyOrders: Encodable, Sendable {
    let day: String, currency: String?, placed: Int, paid: Int, paidAmount: Int
    enum CodingKeys: String, CodingKey {
        case day, currency, placed, paid
        case paidAmount = "paid_amount"
    }
}

/// Refused: an active order already holds the domain.
struct DomainAlreadyOrdered: Error, Equatable {
    let domain: String
}
