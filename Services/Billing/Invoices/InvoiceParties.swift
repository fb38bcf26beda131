import Contracts
import Foundation
import Logging
import PostgresNIO

/// Loads what billing events say about an invoice and its customer, for many invoices in one query
/// (the account and domain only of an invoice for one subscription).
enum InvoiceParties {
    static func load(_ ids: [UUID], on connection: PostgresConnection, logger: Logger) async throws -> [UUID:
        InvoiceParty]
    {
        guard !ids.isEmpty else { return [:] }
        var parties: [UUID: InvoiceParty] = [:]
        parties.reserveCapacity(ids.count)
        let rows = try await connection.query(
            """
            SELECT i.id, i.number, c.id, c.email, c.name, a.account_id, s.domain, i.total, i.currency, i.due_on::text
            FROM invoices i LEFT JOIN subscriptions s ON s.id = i.subscription_id JOIN customers c ON c.id = i.customer_id
            LEFT JOIN accounts a ON a.order_id = s.order_id
            WHERE i.id = ANY(\(ids))
            """, logger: logger)
        for try await row in rows {
            let (id, number, customer, email, name, account, domain, total, currency, due) =
                try row.decode((UUID, String, UUID, String, String, UUID?, String?, Int, String, String).self)
            parties[id] = InvoiceParty(
                invoiceID: id, number: number, customerID: customer, customerEmail: email, customerName: name,
                accountID: account, domain: domain, total: total, currency: currency, dueOn: due)
        }
        return parties
    }

    static func load(_ id: UUID, on connection: PostgresConnection, logger: Logger) async throws -> InvoiceParty? {
        try await load([id], on: connection, logger: logger)[id]
    }
}
