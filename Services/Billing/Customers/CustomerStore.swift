import Contracts
import Foundation
import Money
import Persistence
import PostgresNIO
import ServiceKit

/// Billing's customers and their credit — `customers` and `credits`: every statement that writes them.
enum CustomerStore {
    /// Creates or refreshes the customer an order names; a payment reference already known is kept when the order has none.
    static func save(from order: OrderPaid, in transaction: Transaction) async throws {
        try await transaction.query(
            """
            INSERT INTO customers (id, email, name, payment_customer, payment_method, country, vat_id, reverse_charge)
            VALUES (\(order.customerID), \(order.customerEmail), \(order.customerName), \(order.paymentCustomer), \(order.paymentMethod),
                    \(order.country), \(order.vatID), \(order.reverseCharge ?? false))
            ON CONFLICT (id) DO UPDATE SET email = excluded.email,
                name = CASE WHEN customers.profile_updated_at IS NULL THEN excluded.name ELSE customers.name END,
                -- The order's tax was decided on the country and VAT number it gave: renewals follow them.
                country = coalesce(excluded.country, customers.country), vat_id = coalesce(excluded.vat_id, customers.vat_id),
                reverse_charge = CASE WHEN \(order.reverseCharge)::boolean IS NULL THEN customers.reverse_charge
                                      ELSE excluded.reverse_charge END,
                payment_customer = coalesce(excluded.payment_customer, customers.payment_customer),
                payment_method = coalesce(excluded.payment_method, customers.payment_method), updated_at = now()
            """)
    }

    /// Stores the profile invoices are made out to, creating the customer if no order of theirs
    /// was paid yet: the invoice of their first order (issued when it is paid) carries it.
    static func saveProfile(
        _ profile: BillTo, reverseCharge: Bool, of customer: UUID, email: String, on database: Database
    ) async throws {
        try await database.query(
            """
            INSERT INTO customers (id, email, name, company, address, city, postal_code, country, vat_id, reverse_charge,
                                   profile_updated_at)
            VALUES (\(customer), \(email.lowercased()), \(profile.name), \(profile.company), \(profile.address), \(profile.city),
                    \(profile.postalCode), \(profile.country), \(profile.vatID), \(reverseCharge), now())
            ON CONFLICT (id) DO UPDATE SET name = excluded.name, company = excluded.company, address = excluded.address,
                city = excluded.city, postal_code = excluded.postal_code, country = excluded.country, vat_id = excluded.vat_id,
                reverse_charge = excluded.reverse_charge, profile_updated_at = now(), updated_at = now()
            """)
    }

    /// The profile the customer's next invoice is made out to; `nil` for a customer billing does not know.
    static func profile(of customer: UUID, on database: Database) async throws -> BillTo? {
        try await database.query(
            "SELECT bill_to(c)::text FROM customers c WHERE c.id = \(customer)"
        ).first.map { row in try JSONDecoder().decode(BillTo.self, from: Data(try row.decode(String.self).utf8)) }
    }

    /// The customer's address as checkout now knows it (their invoices keep the one they were issued to).
    static func changeEmail(of customer: UUID, to email: String, in transaction: Transaction) async throws {
        try await transaction.query(
            "UPDATE customers SET email = \(email), updated_at = now() WHERE id = \(customer)")
    }

    /// Forgets who `customer` was; their issued invoices keep the bill-to they were issued to.
    static func erase(_ customer: UUID, in transaction: Transaction) async throws {
        try await transaction.query(
            """
            UPDATE customers SET email = \(CustomerErased.placeholderEmail(for: customer)), name = 'Erased customer',
                company = NULL, address = NULL, city = NULL, postal_code = NULL, vat_id = NULL,
                payment_customer = NULL, payment_method = NULL, profile_updated_at = now(), updated_at = now()
            WHERE id = \(customer)
            """)
    }

    static func exists(_ customer: UUID, in transaction: Transaction) async throws -> Bool {
        try await !transaction.query("SELECT 1 FROM customers WHERE id = \(customer)").isEmpty
    }

    /// Whom the provider charges for `customer`: `nil` when billing has no such customer.
    struct PaymentIdentity: Sendable {
        let email: String
        /// The provider's customer, once made.
        let paymentCustomer: String?
        /// The card renewals charge, once saved.
        let paymentMethod: String?
    }

    static func paymentIdentity(of customer: UUID, on database: Database) async throws -> PaymentIdentity? {
        try await database.query(
            "SELECT email, payment_customer, payment_method FROM customers WHERE id = \(customer)"
        ).first.map { row in
            let (email, reference, method) = try row.decode((String, String?, String?).self)
            return PaymentIdentity(email: email, paymentCustomer: reference, paymentMethod: method)
        }
    }

    /// Remembers the provider's customer made for `customer`, unless one was remembered meanwhile.
    static func setPaymentCustomer(_ reference: String, of customer: UUID, on database: Database) async throws {
        try await database.query(
            """
            UPDATE customers SET payment_customer = coalesce(payment_customer, \(reference)) WHERE id = \(customer)
            """)
    }

    /// Makes `method` the card renewals charge for the customer the provider knows as `reference`.
    static func useCard(_ method: String, reference: String, on database: Database) async throws {
        try await database.query(
            """
            UPDATE customers SET payment_method = \(method), updated_at = now() WHERE payment_customer = \(reference)
            """)
    }

    /// Makes `method` the card renewals charge for the customer who owes `invoice`, if the
    /// provider knows them as `reference`.
    static func useCard(_ method: String, reference: String, payerOf invoice: UUID, in transaction: Transaction)
        async throws
    {
        try await transaction.query(
            """
            UPDATE customers SET payment_method = \(method), updated_at = now()
            WHERE id = (SELECT customer_id FROM invoices WHERE id = \(invoice)) AND payment_customer = \(reference)
            """)
    }

    /// Sets the country `customer` is taxed in (`nil`: none known), the reverse charge decided
    /// again with their VAT number against `seller`; `false` when there is no such customer.
    static func setCountry(_ country: String?, seller: String?, of customer: UUID, on database: Database) async throws
        -> Bool
    {
        guard
            let row = try await database.query("SELECT vat_id FROM customers WHERE id = \(customer)").first
        else { return false }
        let reverse = EUVAT.reverseCharge(seller: seller, country: country, vatID: try row.decode(String?.self))
        return try await !database.query(
            """
            UPDATE customers SET country = \(country), reverse_charge = \(reverse), updated_at = now() WHERE id = \(customer)
            RETURNING id
            """
        ).isEmpty
    }

    /// Adds `amount` (negative: takes it) to `customer`'s credit in `currency`.
    @discardableResult
    static func grantCredit(
        _ amount: Int, currency: String, to customer: UUID, reason: String, actor: String, in transaction: Transaction
    ) async throws -> UUID {
        let id = UUID()
        try await transaction.query(
            """
            INSERT INTO credits (id, customer_id, currency, amount, reason, actor)
            VALUES (\(id), \(customer), \(currency), \(amount), \(reason), \(actor))
            """)
        return id
    }

    static func creditBalance(of customer: UUID, in currency: String, on transaction: Transaction) async throws -> Int {
        try await transaction.query(
            """
            SELECT coalesce(sum(amount), 0)::int FROM credits WHERE customer_id = \(customer) AND currency = \(currency)
            """
        ).first?.decode(Int.self) ?? 0
    }

    /// Takes `amount` of `customer`'s credit for `invoice`, once per invoice; `false` when it was taken before.
    static func takeCredit(
        _ amount: Int, currency: String, of customer: UUID, for invoice: UUID, in transaction: Transaction
    ) async throws -> Bool {
        try await !transaction.query(
            """
            INSERT INTO credits (customer_id, currency, amount, reason, actor, invoice_id)
            VALUES (\(customer), \(currency), \(-amount), 'applied to an invoice', 'billing', \(invoice))
            ON CONFLICT (invoice_id) DO NOTHING RETURNING id
            """
        ).isEmpty
    }

    /// An open invoice whose customer has credit in its currency.
    struct CreditPayable: Sendable {
        let invoiceID: UUID
        let customerID: UUID
        let currency: String
        /// What is left to pay.
        let due: Int
    }

    /// Those of `invoices` still open whose customer has credit in the invoice's currency, oldest due first.
    static func payableFromCredit(_ invoices: [UUID], in transaction: Transaction) async throws -> [CreditPayable] {
        try await transaction.query(
            """
            SELECT i.id, i.customer_id, i.currency, i.total - i.amount_paid
            FROM invoices i
            WHERE i.id = ANY(\(invoices)) AND i.status = 'open' AND i.total > i.amount_paid
              AND EXISTS (SELECT 1 FROM credits c WHERE c.customer_id = i.customer_id AND c.currency = i.currency AND c.amount > 0)
            ORDER BY i.due_on, i.number
            """
        ).map { row in
            let (invoice, customer, currency, due) = try row.decode((UUID, UUID, String, Int).self)
            return CreditPayable(invoiceID: invoice, customerID: customer, currency: currency, due: due)
        }
    }
}
