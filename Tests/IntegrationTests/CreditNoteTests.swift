import BillingService
import Foundation
import HTTPSupport
import HTTPTypes
import HummingbirdTesting
import Payments
import PostgresNIO
import TestSupport
import Testing

/// An issued invoice is never edited: a void, a refund or credit to the balance is a credit
/// note, numbered in a gap-free sequence of its own, never giving back more than was billed.
@Suite struct CreditNoteTests {
    @Test func voidsRefundsAndCreditsAreNumberedCreditNotes() async throws {
        try await TestDatabase.with(services: ["billing"]) { database in
            try await withRouter(try await CustomerEndpointTests.billing(), database: database) { client in
                let (customer, subscription, paid, open, payment) = (UUID(), UUID(), UUID(), UUID(), UUID())
                try await database.withAdmin { admin in
                    for statement: PostgresQuery in [
                        "INSERT INTO billing.customers (id, email, name) VALUES (\(customer), 'cleo@example.net', 'Cleo')",
                        """
                        INSERT INTO billing.subscriptions (id, order_id, customer_id, product_id, product_name, domain, cycle,
                                                           cycle_months, amount, currency, started_on, next_due)
                        VALUES (\(subscription), \(UUID()), \(customer), \(UUID()), 'Starter', 'cleo.example', 'monthly', 1, 594,
                                'USD', current_date - 30, current_date + 30)
                        """,
                        """
                        INSERT INTO billing.invoices (id, number, subscription_id, customer_id, period_start, period_end, issued_on,
                                                      due_on, subtotal, total, currency, status, amount_paid)
                        VALUES (\(paid), 'INV-000001', \(subscription), \(customer), current_date - 30, current_date, current_date - 30,
                                current_date - 30, 594, 594, 'USD', 'paid', 594),
                               (\(open), 'INV-000002', \(subscription), \(customer), current_date, current_date + 30, current_date,
                                current_date, 594, 594, 'USD', 'open', 0)
                        """,
                        """
                        INSERT INTO billing.payments (id, invoice_id, method, reference, amount, currency)
                        VALUES (\(payment), \(paid), 'manual', 'manual:bank-1', 594, 'USD')
                        """,
                        "UPDATE billing.invoice_counter SET last = 2",
                    ] {
                        try await admin.query(statement, logger: TestDatabase.logger)
                    }
                }
                let token = CheckoutAPITests.admin
                let refund = try await client.json(
                    .post, "/api/billing/payments/\(payment)/refund", ["amount": 100, "reason": "outage credit"],
                    token: token)
                #expect(refund.status == .created, "\(refund.text)")
                let tooMuch = try await client.json(
                    .post, "/api/billing/invoices/\(paid)/credit-notes", ["amount": 495, "reason": "goodwill"],
                    token: token)
                #expect(tooMuch.status == .unprocessableContent && errorCode(tooMuch.json) == "invalid_amount")
                let credited = try await client.json(
                    .post, "/api/billing/invoices/\(paid)/credit-notes", ["amount": 494, "reason": "goodwill"],
                    token: token)
                #expect(credited.status == .created && credited.json["number"] as? String == "CN-000002")
                let nothingLeft = try await client.json(
                    .post, "/api/billing/invoices/\(paid)/credit-notes", ["amount": 1, "reason": "goodwill"],
                    token: token)
                #expect(nothingLeft.status == .unprocessableContent)
                let voided = try await client.json(
                    .post, "/api/billing/invoices/\(open)/void", ["reason": "ordered by mistake"], token: token)
                #expect(voided.status == .ok, "\(voided.text)")
                let notPaid = try await client.json(
                    .post, "/api/billing/invoices/\(open)/credit-notes", ["amount": 1, "reason": "goodwill"],
                    token: token)
                #expect(notPaid.status == .conflict && errorCode(notPaid.json) == "not_paid")
                let listed = try await client.execute(
                    uri: "/api/billing/credit-notes", method: .get, headers: [.authorization: "Bearer \(token)"]
                ) { response in
                    try JSONSerialization.jsonObject(with: Data(String(buffer: response.body).utf8)) as? [[String: Any]]
                        ?? []
                }
                #expect(listed.compactMap { $0["number"] as? String } == ["CN-000001", "CN-000002", "CN-000003"])
                #expect(listed.compactMap { $0["settlement"] as? String } == ["refund", "credit", "cancellation"])
                #expect(listed.compactMap { $0["amount"] as? Int } == [100, 494, 594])
                let invoice = try await client.json(.get, "/api/billing/invoices/\(paid)", token: token)
                #expect((invoice.json["credit_notes"] as? [Any])?.count == 2)
                let balance = try await client.json(.get, "/api/billing/customers/\(customer)/balance", token: token)
                let credit = (balance.json["balances"] as? [[String: Any]])?.first?["credit"] as? Int
                #expect(credit == 494, "\(balance.text)")
                #expect(
                    try await database.count(
                        "SELECT count(*)::int FROM billing.outbox WHERE type = 'credit-note.issued'") == 3)
            }
        }
    }
}
