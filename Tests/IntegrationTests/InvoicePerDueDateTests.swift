import BillingService
import Contracts
import Foundation
import HTTPSupport
import HTTPTypes
import HummingbirdTesting
import Payments
import PostgresNIO
import TestSupport
import Testing
import WireCodec

/// One invoice per customer and due date, a line per subscription and period (the lines carry
/// the once-per-period guarantee), issued by a run that commits in batches and shows its
/// progress; `invoice.created` version 2 lists the lines and version 1 is still published on request.
@Suite struct InvoicePerDueDateTests {
    static let (ada, bob) = (
        UUID(uuidString: "00000000-0000-4000-8000-0000000000a1")!,
        UUID(uuidString: "00000000-0000-4000-8000-0000000000b1")!
    )

    static func settings(_ change: (inout BillingSettings) -> Void = { _ in }) -> BillingSettings {
        var settings = BillingSettings(
            gateway: StripeGateway(baseURL: "http://127.0.0.1:\(freePort())", secretKey: "sk_test"),
            webhookSignature: WebhookSignature(secret: "whsec_test"),
            apiTokens: APITokens([(.admin, CheckoutAPITests.admin)]))
        // Batches of two: Ada's three services due together straddle a batch's edge.
        settings.invoicingBatchSize = 2
        change(&settings)
        return settings
    }

    /// Ada (Germany, 19%, a saved card) has three services due in three days; Bob has one due
    /// then and one due a day later.
    static func seed(_ database: TestDatabase) async throws -> String {
        let today = try await database.withAdmin { admin in
            try await admin.query(
                "INSERT INTO billing.tax_rates (country, name, basis_points) VALUES ('DE', 'USt', 1900)",
                logger: TestDatabase.logger)
            try await admin.query(
                """
                INSERT INTO billing.customers (id, email, name, country, payment_customer, payment_method)
                VALUES (\(ada), 'ada@example.net', 'Ada', 'DE', 'cus_ada', 'pm_card_visa'),
                       (\(bob), 'bob@example.net', 'Bob', NULL, NULL, NULL)
                """, logger: TestDatabase.logger)
            for (customer, domain, days) in [
                (ada, "a1.example", 3), (ada, "a2.example", 3), (ada, "a3.example", 3), (bob, "b1.example", 3),
                (bob, "b2.example", 4),
            ] {
                try await admin.query(
                    """
                    INSERT INTO billing.subscriptions (id, order_id, customer_id, product_id, product_name, domain, cycle,
                                                       cycle_months, amount, currency, started_on, next_due)
                    VALUES (gen_random_uuid(), gen_random_uuid(), \(customer), gen_random_uuid(), 'Starter', \(domain), 'monthly',
                            1, 999, 'USD', (current_date + \(days)::int - interval '1 month')::date, current_date + \(days)::int)
                    """, logger: TestDatabase.logger)
            }
            return try await admin.query("SELECT current_date::text", logger: TestDatabase.logger).collect().first?
                .decode(String.self)
        }
        return try #require(today)
    }

    @Test func threeServicesDueTogetherAreOneInvoiceWithThreeLinesAndOneCharge() async throws {
        try await TestDatabase.with(services: ["billing"]) { database in
            try await withRouter(buildBilling(Self.settings()), database: database) { client in
                let today = try await Self.seed(database)
                let token = CheckoutAPITests.admin
                let run = try await client.json(.post, "/api/billing/runs", ["date": today], token: token)
                #expect(run.status == .ok, "\(run.text)")
                let invoicing = try #require(run.json["invoicing"] as? [String: Any])
                #expect(invoicing["invoices_created"] as? Int == 3, "Ada's one, Bob's two (two due dates)")
                #expect(invoicing["subscriptions_invoiced"] as? Int == 5)
                #expect((invoicing["batches"] as? Int ?? 0) >= 2, "\(invoicing)")
                let runID = try #require(invoicing["run_id"] as? Int)
                let shown = try await client.json(.get, "/api/billing/runs/\(runID)", token: token)
                #expect(shown.json["status"] as? String == "finished")
                #expect(shown.json["subscriptions_invoiced"] as? Int == 5)

                let adas = try await database.withAdmin { admin in
                    try await admin.query(
                        "SELECT id, subscription_id FROM billing.invoices WHERE customer_id = \(Self.ada)",
                        logger: TestDatabase.logger
                    ).collect().map { try $0.decode((UUID, UUID?).self) }
                }
                #expect(adas.count == 1 && adas.first?.1 == nil, "one invoice, for several subscriptions")
                let invoiceID = try #require(adas.first?.0)
                let id = invoiceID.uuidString.lowercased()
                let invoice = try await client.json(.get, "/api/billing/invoices/\(id)", token: token).json
                let lines = try #require(invoice["lines"] as? [[String: Any]])
                #expect(lines.count == 4, "three services and the tax")
                #expect(lines.prefix(3).map { $0["amount"] as? Int } == [999, 999, 999])
                #expect(lines.prefix(3).allSatisfy { $0["subscription_id"] is String && $0["period_start"] is String })
                #expect(lines.last?["description"] as? String == "USt 19.00%")
                #expect(lines.last?["amount"] as? Int == 569, "19% of 29.97 once, rounded half-up")
                #expect(invoice["total"] as? Int == 3566)

                // One charge queued, for Ada's one invoice; Bob has no card.
                let charges = try await database.count(
                    "SELECT count(*)::int FROM billing.tasks WHERE type = 'charge-invoice'")
                #expect(charges == 0, "due in three days: charged on the day, not now")
                try await database.withAdmin { admin in
                    _ = try await admin.query(
                        "UPDATE billing.invoices SET next_charge_on = current_date WHERE next_charge_on IS NOT NULL",
                        logger: TestDatabase.logger)
                }
                let again = try await client.json(
                    .post, "/api/billing/runs", ["date": today, "kind": "invoicing"], token: token)
                let rerun = try #require(again.json["invoicing"] as? [String: Any])
                #expect(rerun["invoices_created"] as? Int == 0, "a rerun of the day makes nothing new")
                #expect(rerun["charges_queued"] as? Int == 1)
                #expect(
                    try await database.count(
                        "SELECT count(*)::int FROM billing.tasks WHERE type = 'charge-invoice' AND lower(payload::jsonb->>'invoice_id') = \(id)"
                    ) == 1)

                // The guarantee is on the lines: a second line for a period already billed is refused.
                let refused = await #expect(throws: (any Error).self) {
                    try await database.withAdmin { admin in
                        _ = try await admin.query(
                            """
                            INSERT INTO billing.invoice_lines (invoice_id, position, description, amount, subscription_id, period_start)
                            SELECT invoice_id, 9, description, amount, subscription_id, period_start FROM billing.invoice_lines
                            WHERE invoice_id = \(invoiceID) AND position = 1
                            """, logger: TestDatabase.logger)
                    }
                }
                #expect(String(reflecting: refused).contains("invoice_lines_one_per_period"))

                // invoice.created version 2 lists Ada's three lines; Bob's single ones name their domain.
                let events = try await database.withAdmin { admin in
                    try await admin.query(
                        "SELECT version, payload::text FROM billing.outbox WHERE type = 'invoice.created' ORDER BY sequence",
                        logger: TestDatabase.logger
                    ).collect().map { try $0.decode((Int, String).self) }
                }
                #expect(events.count == 3 && events.allSatisfy { $0.0 == 2 })
                let decoded = try events.map { try WireCoding.decode(InvoiceCreated.self, from: Array($0.1.utf8)) }
                let adaEvent = try #require(decoded.first { $0.invoice.customerID == Self.ada })
                #expect(adaEvent.lines?.map(\.domain) == ["a1.example", "a2.example", "a3.example"])
                #expect(adaEvent.invoice.domain == nil && adaEvent.invoice.total == 3566)
                #expect(
                    decoded.filter { $0.invoice.customerID == Self.bob }.map(\.invoice.domain) == [
                        "b1.example", "b2.example",
                    ])
            }
        }
    }

    @Test func aServiceEndingNowTakesItsLineOffTheSharedInvoiceByReissuingIt() async throws {
        try await TestDatabase.with(services: ["billing"]) { database in
            try await withRouter(buildBilling(Self.settings()), database: database) { client in
                let today = try await Self.seed(database)
                let token = CheckoutAPITests.admin
                _ = try await client.json(
                    .post, "/api/billing/runs", ["date": today, "kind": "invoicing"], token: token)
                let (shared, ending) = try await database.withAdmin { admin in
                    (
                        try await admin.query(
                            "SELECT id FROM billing.invoices WHERE customer_id = \(Self.ada)",
                            logger: TestDatabase.logger
                        ).collect().first?.decode(UUID.self),
                        try await admin.query(
                            "SELECT id FROM billing.subscriptions WHERE domain = 'a2.example'",
                            logger: TestDatabase.logger
                        ).collect().first?.decode(UUID.self)
                    )
                }
                let (old, a2) = (try #require(shared), try #require(ending))
                let cancelled = try await client.json(
                    .post, "/api/billing/subscriptions/\(a2)/cancellation", ["when": "now", "actor": "ops"],
                    token: token)
                #expect(cancelled.status == .ok, "\(cancelled.text)")
                // The shared invoice is cancelled by a credit note for all it billed, never edited…
                let before = try await client.json(.get, "/api/billing/invoices/\(old)", token: token).json
                #expect(before["status"] as? String == "cancelled" && before["total"] as? Int == 3566)
                let notes = before["credit_notes"] as? [[String: Any]] ?? []
                #expect(notes.count == 1 && notes.first?["settlement"] as? String == "cancellation")
                #expect(notes.first?["amount"] as? Int == 3566)
                // …and reissued, numbered next, for the two services that go on, due the same day.
                let reissued = try await database.withAdmin { admin in
                    try await admin.query(
                        """
                        SELECT id, number, total, due_on::text FROM billing.invoices
                        WHERE customer_id = \(Self.ada) AND status = 'open'
                        """, logger: TestDatabase.logger
                    ).collect().map { try $0.decode((UUID, String, Int, String).self) }
                }
                #expect(reissued.count == 1)
                let new = try #require(reissued.first)
                #expect(new.1 == "INV-000004" && new.2 == 1998 + 380, "\(new)")
                #expect(new.3 == BillingClock.day(today, plus: 3))
                let lines = try #require(
                    try await client.json(.get, "/api/billing/invoices/\(new.0)", token: token).json["lines"]
                        as? [[String: Any]])
                #expect(lines.count == 3 && lines.last?["description"] as? String == "USt 19.00%")
                #expect(
                    !lines.contains { ($0["subscription_id"] as? String)?.lowercased() == a2.uuidString.lowercased() })
                #expect(
                    try await database.count("SELECT count(*)::int FROM billing.outbox WHERE type = 'invoice.created'")
                        == 4)
            }
        }
    }

    @Test func oneInvoicePerSubscriptionWhenTheSettingIsOff() async throws {
        try await TestDatabase.with(services: ["billing"]) { database in
            let settings = Self.settings { $0.oneInvoicePerDueDate = false }
            try await withRouter(buildBilling(settings), database: database) { client in
                let today = try await Self.seed(database)
                let run = try await client.json(
                    .post, "/api/billing/runs", ["date": today], token: CheckoutAPITests.admin)
                #expect((run.json["invoicing"] as? [String: Any])?["invoices_created"] as? Int == 5)
                #expect(
                    try await database.count("SELECT count(*)::int FROM billing.invoices WHERE subscription_id IS NULL")
                        == 0)
            }
        }
    }

    /// The version-1 shape, as a consumer built before version 2 decodes it.
    struct InvoiceCreatedVersion1: Decodable {
        let invoice: InvoiceParty
        let periodStart: String, periodEnd: String, autoCharge: Bool
        enum CodingKeys: String, CodingKey {
            case invoice
            case periodStart = "period_start"
            case periodEnd = "period_end"
            case autoCharge = "auto_charge"
        }
    }

    @Test func versionOneIsPublishedWhileOldConsumersRun() async throws {
        try await TestDatabase.with(services: ["billing"]) { database in
            let settings = Self.settings { $0.invoiceCreatedVersion = 1 }
            try await withRouter(buildBilling(settings), database: database) { client in
                let today = try await Self.seed(database)
                _ = try await client.json(.post, "/api/billing/runs", ["date": today], token: CheckoutAPITests.admin)
                let events = try await database.withAdmin { admin in
                    try await admin.query(
                        "SELECT version, payload::text FROM billing.outbox WHERE type = 'invoice.created'",
                        logger: TestDatabase.logger
                    ).collect().map { try $0.decode((Int, String).self) }
                }
                #expect(events.count == 3 && events.allSatisfy { $0.0 == 1 })
                let old = try events.map { try WireCoding.decode(InvoiceCreatedVersion1.self, from: Array($0.1.utf8)) }
                #expect(old.map(\.invoice.total).sorted() == [999, 999, 3566])
                // Today's consumers read a version-1 message as before: no lines.
                let v1 = try WireCoding.decode(
                    InvoiceCreated.self,
                    from: Array(
                        #"{"invoice":{"invoice_id":"\#(UUID())","number":"INV-000009","customer_id":"\#(Self.bob)","customer_email":"bob@example.net","customer_name":"Bob","domain":"b1.example","total":999,"currency":"USD","due_on":"\#(today)"},"period_start":"\#(today)","period_end":"\#(today)","auto_charge":false}"#
                            .utf8))
                #expect(v1.lines == nil && v1.invoice.domain == "b1.example")
            }
        }
    }
}
