import Foundation
import PostgresNIO
import TestSupport
import Testing

/// Tax on every payment (issue 25 item 1): a German consumer and a French business with a
/// VAT number order the same product from a German host. The first payment (the order) and
/// the renewal carry 19% and a reverse charge respectively, to the minor unit; the same with
/// prices that include the tax.
@Suite(.serialized) struct TaxTests {
    @Test("a German consumer pays 19% on the order and the renewal; a French business is reverse-charged on both")
    func firstPaymentAndRenewalsAreTaxedAlike() async throws {
        try await Self.withGermanHost(tag: "tax") { sandbox, clock in
            let german = try await clock.subscription(domain: "konsument.example")
            let french = try await clock.subscription(domain: "entreprise.example")
            // Renewals are invoiced at the price before tax, like the order.
            #expect(german["amount"] as? Int == 499 && french["amount"] as? Int == 499)
            let payments = try await sandbox.billingAPI.call("GET", "/api/billing/payments?per_page=50").array
            #expect(
                Set(payments.compactMap { $0["amount"] as? Int }) == [594, 499],
                "the provider charged 4.99 + 0.95 and 4.99: \(payments)")
            try await clock.run(through: BillingClock.day(try #require(german["next_due"] as? String), plus: -7))
            for (subscription, tax, line) in [
                (german, 95, "USt 19.00%"),
                (
                    french, 0,
                    "VAT reverse charge: the customer accounts for the VAT (Article 196, Directive 2006/112/EC)"
                ),
            ] {
                let invoices = try await clock.invoices(status: nil, subscription: subscription["id"] as? String)
                #expect(invoices.count == 2, "the order's invoice and the renewal")
                for invoice in invoices {
                    #expect(invoice["subtotal"] as? Int == 499 && invoice["tax"] as? Int == tax)
                    #expect(invoice["total"] as? Int == 499 + tax)
                    let detail = try await sandbox.billingAPI.call(
                        "GET", "/api/billing/invoices/\(invoice["id"] as? String ?? "")"
                    ).json
                    let lines = (detail["lines"] as? [[String: Any]] ?? []).compactMap { $0["description"] as? String }
                    #expect(lines.count == 2 && lines.last == line, "\(lines)")
                }
            }
        }
    }

    @Test(
        "prices that include the tax: the consumer pays the price, 0.80 of 4.99 is the 19%; the business pays the same, all net"
    )
    func pricesThatIncludeTheTax() async throws {
        try await Self.withGermanHost(tag: "tax-inclusive", environment: ["HOSTWIRE_PRICES_INCLUDE_TAX": "true"]) {
            sandbox, clock in
            let german = try await clock.subscription(domain: "konsument.example")
            let french = try await clock.subscription(domain: "entreprise.example")
            // Both renew at the price they paid.
            #expect(german["amount"] as? Int == 499 && french["amount"] as? Int == 499)
            let payments = try await sandbox.billingAPI.call("GET", "/api/billing/payments?per_page=50").array
            #expect(payments.compactMap { $0["amount"] as? Int } == [499, 499], "\(payments)")
            try await clock.run(through: BillingClock.day(try #require(german["next_due"] as? String), plus: -7))
            // 499 × 1900 / 11900 = 79.67: 80 of tax in 4.99, 4.19 net.
            for (subscription, tax, line) in [
                (german, 80, "incl. USt 19.00%"),
                (
                    french, 0,
                    "VAT reverse charge: the customer accounts for the VAT (Article 196, Directive 2006/112/EC)"
                ),
            ] {
                let invoices = try await clock.invoices(status: nil, subscription: subscription["id"] as? String)
                #expect(invoices.count == 2, "the order's invoice and the renewal")
                for invoice in invoices {
                    #expect(invoice["total"] as? Int == 499 && invoice["tax"] as? Int == tax, "\(invoice)")
                    #expect(invoice["subtotal"] as? Int == 499 - tax)
                    let detail = try await sandbox.billingAPI.call(
                        "GET", "/api/billing/invoices/\(invoice["id"] as? String ?? "")"
                    ).json
                    let lines = detail["lines"] as? [[String: Any]] ?? []
                    #expect(lines.first?["amount"] as? Int == 499, "the line shows the price")
                    #expect(lines.count == 2 && lines.last?["description"] as? String == line, "\(lines)")
                }
            }
        }
    }

    /// A German host (19% for Germany, checkout's copy of the rate awaited) where a German
    /// consumer (konsument.example) and a French business with a VAT number
    /// (entreprise.example) have paid their orders; `environment` goes to checkout and billing.
    static func withGermanHost(
        tag: String, environment: [String: String] = [:],
        _ body: @escaping @Sendable (Sandbox, BillingClock) async throws -> Void
    ) async throws {
        try await TestDatabase.with(services: ["checkout", "provisioning", "billing", "timer", "mail"]) { database in
            let environment = environment.merging(["HOSTWIRE_SELLER_COUNTRY": "DE"]) { $1 }
            let sandbox = Sandbox(
                database: database, tag: tag,
                billingEnvironment: BillingTests.billingEnvironment.merging(environment) { $1 },
                checkoutEnvironment: environment)
            defer { sandbox.stop() }
            try await sandbox.start(mail: true, billing: true)
            try await sandbox.addServer()
            // Billing owns the rate and tells checkout, which taxes orders from its copy.
            let rate = try await sandbox.billingAPI.call(
                "PUT", "/api/billing/tax-rates/DE", json: ["name": "USt", "basis_points": 1900])
            #expect(rate.status == 200, "\(rate.text)")
            #expect(
                await eventually(timeout: .seconds(20)) {
                    try await database.count("SELECT count(*)::int FROM checkout.tax_rates WHERE country = 'DE'") == 1
                })
            try await sandbox.placePaidOrder("konsument.example", country: "DE")
            try await sandbox.placePaidOrder("entreprise.example", country: "FR", vatID: "FR 12 345678901")
            try await body(sandbox, BillingClock(sandbox: sandbox))
        }
    }
}
