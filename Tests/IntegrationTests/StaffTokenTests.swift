import BillingService
import Foundation
import HTTPSupport
import Hummingbird
import HummingbirdTesting
import Payments
import PortalTokens
import PostgresNIO
import ServiceKit
import TestSupport
import Testing

/// Staff tokens the portal signs open the admin API, each role only for what it names, and
/// what a staff member changes is recorded under their name, whatever the request claims.
@Suite struct StaffTokenTests {
    static func billing() async throws -> ServiceDefinition {
        var settings = BillingSettings(
            gateway: StripeGateway(baseURL: "http://127.0.0.1:\(freePort())", secretKey: "sk_test"),
            webhookSignature: WebhookSignature(secret: "whsec_test"),
            apiTokens: APITokens([(.admin, CheckoutAPITests.admin)]))
        settings.customers = try await CustomerEndpointTests.customers()
        settings.apiTokens.acceptStaff(settings.customers)
        return buildBilling(settings)
    }

    static func token(
        _ role: StaffRole, issued: Date = Date(), key: String = CustomerEndpointTests.keys.privateKey,
        via: StaffClaims.Via = .apiKey
    ) async throws -> String {
        try await PortalTokenSigner(privateKey: key).staffToken(
            UUID(), email: "\(role.rawValue)@staff.example", role: role, via: via, now: issued)
    }

    @Test func aChangeMadeOutsideTheConsoleIsSentToTheAuditLogOnce() async throws {
        try await TestDatabase.with(services: ["billing"]) { database in
            try await withRouter(try await Self.billing(), database: database) { client in
                let reports = {
                    try await database.count(
                        "SELECT count(*)::int FROM billing.outbox WHERE type = 'record-staff-action'")
                }
                let key = try await Self.token(.billing)
                #expect(
                    try await client.json(.put, "/api/billing/tax-rates/DE", ["basis_points": 1900], token: key).status
                        == .ok)
                #expect(try await reports() == 1)
                let payload = try await database.withAdmin { client in
                    try await client.query(
                        "SELECT destination, payload FROM billing.outbox WHERE type = 'record-staff-action'",
                        logger: TestDatabase.logger
                    ).collect().first!.decode((String, String).self)
                }
                #expect(payload.0 == "portal")
                #expect(
                    payload.1.contains("\"actor\":\"staff:billing@staff.example\"")
                        && payload.1.contains("/api/billing/tax-rates/DE"))
                // Reads, refusals and the console's own calls (it audits them itself, with the reason) send nothing.
                #expect(try await client.json(.get, "/api/billing/tax-rates", token: key).status == .ok)
                #expect(
                    try await client.json(
                        .put, "/api/billing/tax-rates/FR", ["basis_points": 2000],
                        token: try await Self.token(.support)
                    ).status == .forbidden)
                #expect(
                    try await client.json(
                        .put, "/api/billing/tax-rates/AT", ["basis_points": 2000],
                        token: try await Self.token(.billing, via: .console)
                    ).status == .ok)
                #expect(try await reports() == 1)
            }
        }
    }

    @Test func anOpenInvoiceNothingWasPaidOnIsVoidedOnce() async throws {
        try await TestDatabase.with(services: ["billing"]) { database in
            try await withRouter(try await Self.billing(), database: database) { client in
                let (invoice, _) = try await CustomerEndpointTests.seedInvoices(database)
                let path = "/api/billing/invoices/\(invoice)/void"
                #expect(
                    try await client.json(
                        .post, path, ["reason": "sent in error"], token: try await Self.token(.support)
                    ).status == .forbidden)
                #expect(
                    try await client.json(.post, path, ["reason": "x"], token: try await Self.token(.billing)).status
                        == .unprocessableContent)
                #expect(
                    try await client.json(
                        .post, path, ["reason": "sent in error"], token: try await Self.token(.billing)
                    ).status == .ok)
                let again = try await client.json(
                    .post, path, ["reason": "sent in error"], token: try await Self.token(.billing))
                #expect(again.status == .conflict && errorCode(again.json) == "not_open")
                let row = try await database.withAdmin { client in
                    try await client.query(
                        "SELECT status, voided_by FROM billing.invoices WHERE id = \(invoice)",
                        logger: TestDatabase.logger
                    ).collect().first!.decode((String, String).self)
                }
                #expect(row.0 == "cancelled" && row.1 == "staff:billing@staff.example")
            }
        }
    }

    @Test func eachRoleMayDoOnlyWhatItNames() async throws {
        try await TestDatabase.with(services: ["billing"]) { database in
            try await withRouter(try await Self.billing(), database: database) { client in
                let (invoice, _) = try await CustomerEndpointTests.seedInvoices(database)
                let subscription = try await database.withAdmin { client in
                    try await client.query(
                        "SELECT subscription_id FROM billing.invoices WHERE id = \(invoice)",
                        logger: TestDatabase.logger
                    )
                    .collect().first!.decode(UUID.self)
                }
                let cancel = "/api/billing/subscriptions/\(subscription)/cancellation"
                let refund = "/api/billing/payments/\(UUID())/refund"
                for role in StaffRole.allCases {
                    let read = try await client.json(.get, "/api/billing/invoices", token: try await Self.token(role))
                    #expect(read.status == .ok, "\(role) reads")
                }
                let viewer = try await client.json(
                    .post, cancel, ["when": "end_of_term"], token: try await Self.token(.viewer))
                #expect(viewer.status == .forbidden && errorCode(viewer.json) == "forbidden")
                let support = try await client.json(
                    .post, refund, ["reason": "x"], token: try await Self.token(.support))
                #expect(support.status == .forbidden, "support may not refund: \(support.text)")
                let runs = try await client.json(
                    .put, "/api/billing/tax-rates/DE", ["rate_basis_points": 1900],
                    token: try await Self.token(.support))
                #expect(runs.status == .forbidden)
                // A billing user passes the check (the payment does not exist) and cancels, named by their token.
                #expect(
                    try await client.json(.post, refund, ["reason": "x"], token: try await Self.token(.billing)).status
                        == .notFound)
                let cancelled = try await client.json(
                    .post, cancel, ["when": "end_of_term", "actor": "someone else"],
                    token: try await Self.token(.billing))
                #expect(cancelled.status == .ok, "\(cancelled.text)")
                let by = try await database.withAdmin { client in
                    try await client.query(
                        "SELECT cancel_requested_by FROM billing.subscriptions WHERE id = \(subscription)",
                        logger: TestDatabase.logger
                    ).collect().first!.decode(String.self)
                }
                #expect(by == "staff:billing@staff.example")
            }
        }
    }

    @Test func onlyALiveStaffTokenFromThePortalOpensAnything() async throws {
        try await TestDatabase.with(services: ["billing"]) { database in
            try await withRouter(try await Self.billing(), database: database) { client in
                let stale = try await Self.token(.owner, issued: Date().addingTimeInterval(-3600))
                let forged = try await Self.token(.owner, key: PortalTokenSigner.generateKeyPair().privateKey)
                let customer = try await CustomerEndpointTests.token(CustomerEndpointTests.alice)
                for token in [stale, forged, customer, "not-a-token"] {
                    #expect(try await client.json(.get, "/api/billing/invoices", token: token).status == .unauthorized)
                }
                // A staff token opens no customer's endpoint either.
                #expect(
                    try await client.json(.get, "/api/customer/invoices", token: try await Self.token(.owner)).status
                        == .unauthorized)
            }
        }
    }

    @Test func changesNeedAnAdminUnlessARuleNamesANarrowerPermission() {
        let policy = AdminPolicy(["POST /api/accounts/*/suspend": .manageAccounts])
        #expect(policy.permission(.get, "/api/accounts/1") == .read)
        #expect(policy.permission(.post, "/api/accounts/1/suspend") == .manageAccounts)
        #expect(policy.permission(.post, "/api/accounts/1/suspend/again") == .configure)
        #expect(policy.permission(.post, "/api/servers") == .configure)
        #expect(policy.permission(.post, "/api/billing/dead-letters/4/replay") == .operateTasks)
        #expect(
            !StaffRole.billing.may(.terminateAccounts) && !StaffRole.support.may(.refund)
                && !StaffRole.viewer.may(.manageAccounts))
        #expect(
            StaffRole.admin.may(.terminateAccounts) && !StaffRole.admin.may(.manageStaff)
                && StaffRole.owner.may(.manageStaff))
        let key = StaffClaims(
            staffID: UUID(), email: "s@staff.example", role: .support, scopes: [.read, .terminateAccounts],
            issuedAt: Date(), lifetime: .seconds(60))
        #expect(key.allows(.read) && !key.allows(.manageAccounts), "a key's scopes narrow the role")
        #expect(!key.allows(.terminateAccounts), "and never widen it")
    }
}
