import Foundation
import PostgresNIO
import TestSupport
import Testing

/// Amounts in each currency's own minor units, end to end (issue 25 item 2): a product priced
/// in JPY (no decimals), USD (two) and BHD (three) is ordered and paid in each; the payment,
/// the invoices, the API and the emails all carry the same amount, written the currency's way.
@Suite(.serialized) struct CurrencyTests {
    @Test("JPY, USD and BHD: order, payment, first and renewal invoices, API and emails in minor units")
    func threeCurrencies() async throws {
        try await TestDatabase.with(services: ["checkout", "provisioning", "billing", "timer", "mail"]) { database in
            let sandbox = Sandbox(
                database: database, tag: "currencies", billingEnvironment: BillingTests.billingEnvironment)
            defer { sandbox.stop() }
            try await sandbox.start(mail: true, billing: true)
            try await sandbox.addServer()
            let admin = JSONClient(
                port: sandbox.checkout.httpPort, headers: ["Authorization": "Bearer \(Sandbox.adminToken)"])
            let created = try await admin.call(
                "POST", "/api/catalog/admin/products",
                json: [
                    "slug": "world", "name": "World Hosting", "type": "hosting", "panel_plan": "starter",
                    "server_group": "default",
                    "prices": [
                        ["billing_cycle": "monthly", "currency": "JPY", "amount": 500],
                        ["billing_cycle": "monthly", "currency": "USD", "amount": 499],
                        ["billing_cycle": "monthly", "currency": "BHD", "amount": 1_234],
                    ],
                ])
            let product = try #require(created.json["id"] as? String, "\(created.status) \(created.text)")
            let cases: [(currency: String, amount: Int, written: String)] = [
                ("JPY", 500, "500 JPY"), ("USD", 499, "4.99 USD"), ("BHD", 1_234, "1.234 BHD"),
            ]
            for (currency, _, _) in cases {
                try await sandbox.placePaidOrder(
                    "\(currency.lowercased()).example", product: product, currency: currency)
            }
            let clock = BillingClock(sandbox: sandbox)
            var due = ""
            for (currency, amount, _) in cases {
                let subscription = try await clock.subscription(domain: "\(currency.lowercased()).example")
                #expect(subscription["amount"] as? Int == amount && subscription["currency"] as? String == currency)
                due = try #require(subscription["next_due"] as? String)
            }
            // The first invoices, paid by the orders: the provider's amount is the invoice's, to the minor unit.
            let payments = try await sandbox.billingAPI.call("GET", "/api/billing/payments?per_page=50").array
            for (currency, amount, _) in cases {
                #expect(
                    payments.contains { $0["currency"] as? String == currency && $0["amount"] as? Int == amount },
                    "\(currency): \(payments)")
            }
            // The renewals, issued seven days before they are due.
            try await clock.run(through: BillingClock.day(due, plus: -7))
            let invoices = try await clock.invoices(status: nil)
            for (currency, amount, _) in cases {
                #expect(
                    invoices.filter { $0["currency"] as? String == currency && $0["total"] as? Int == amount }.count
                        == 2, "\(currency): the order's invoice and the renewal")
            }
            // Each email writes the amount the currency's way: no decimals for yen, three for dinars.
            #expect(
                await eventually(timeout: .seconds(60)) {
                    let texts = try sandbox.smtp.messages().compactMap { $0["text"] as? String }
                    return cases.allSatisfy { _, _, written in
                        texts.contains { $0.contains("Amount: \(written).") }
                            && texts.contains { $0.contains(" for \(written)") }
                    }
                }, "order confirmations and renewal invoices in 500 JPY, 4.99 USD and 1.234 BHD")
            let texts = try sandbox.smtp.messages().compactMap { $0["text"] as? String }
            #expect(!texts.contains { $0.contains("5.00 JPY") || $0.contains("12.34 BHD") })
        }
    }
}
