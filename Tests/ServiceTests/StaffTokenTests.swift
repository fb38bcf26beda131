import BillingService
import Foundation
import Hummingbird
import HummingbirdTesting
import Payments
import PortalTokens
import PostgresNIO
import ServiceRuntime
import Testing
import TestSupport

/// Staff tokens the portal signs open the admin API, each role only for what it names, and
/// what a staff member changes is recorded under their name, whatever the request claims.
@Suite struct StaffTokenTests {
    static func billing() async throws -> ServiceDefinition {
        var settings = BillingSettings(gateway: StripeGateway(baseURL: "http://127.0.0.1:\(freePort())", secretKey: "sk_test"),
                                       webhookSignature: WebhookSignature(secret: "whsec_test"),
                                       apiTokens: APITokens([(.admin, CheckoutAPITests.admin)]))
        settings.customers = try await CustomerEndpointTests.customers()
        settings.apiTokens.acceptStaff(settings.customers)
        return buildBilling(settings)
    }

    static func token(_ role: StaffRole, issued: Date = Date(), key: String = CustomerEndpointTests.keys.privateKey) async throws -> String {
        try await PortalTokenSigner(privateKey: key).staffToken(UUID(), email: "\(role.rawValue)@staff.example", role: role, via: .apiKey, now: issued)
    }

    @Test func eachRoleMayDoOnlyWhatItNames() async throws {
        try await TestDatabase.with(services: ["billing"]) { database in
            try await withRouter(try await Self.billing(), database: database) { client in
                let (invoice, _) = try await CustomerEndpointTests.seedInvoices(database)
                let subscription = try await database.withAdmin { client in
                    try await client.query("SELECT subscription_id FROM billing.invoices WHERE id = \(invoice)", logger: TestDatabase.logger)
                        .collect().first!.decode(UUID.self)
                }
                let cancel = "/api/billing/subscriptions/\(subscription)/cancellation"
                let refund = "/api/billing/payments/\(UUID())/refund"
                for role in StaffRole.allCases {
                    let read = try await client.json(.get, "/api/billing/invoices", token: try await Self.token(role))
                    #expect(read.status == .ok, "\(role) reads")
                }
                let viewer = try await client.json(.post, cancel, ["when": "end_of_term"], token: try await Self.token(.viewer))
                #expect(viewer.status == .forbidden && errorCode(viewer.json) == "forbidden")
                let support = try await client.json(.post, refund, ["reason": "x"], token: try await Self.token(.support))
                #expect(support.status == .forbidden, "support may not refund: \(support.text)")
                let runs = try await client.json(.put, "/api/billing/tax-rates/DE", ["rate_basis_points": 1900], token: try await Self.token(.support))
                #expect(runs.status == .forbidden)
                // A billing user passes the check (the payment does not exist) and cancels, named by their token.
                #expect(try await client.json(.post, refund, ["reason": "x"], token: try await Self.token(.billing)).status == .notFound)
                let cancelled = try await client.json(.post, cancel, ["when": "end_of_term", "actor": "someone else"],
                                                      token: try await Self.token(.billing))
                #expect(cancelled.status == .ok, "\(cancelled.text)")
                let by = try await database.withAdmin { client in
                    try await client.query("SELECT cancel_requested_by FROM billing.subscriptions WHERE id = \(subscription)",
                                           logger: TestDatabase.logger).collect().first!.decode(String.self)
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
                #expect(try await client.json(.get, "/api/customer/invoices", token: try await Self.token(.owner)).status == .unauthorized)
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
        #expect(!StaffRole.billing.may(.terminateAccounts) && !StaffRole.support.may(.refund) && !StaffRole.viewer.may(.manageAccounts))
        #expect(StaffRole.admin.may(.terminateAccounts) && !StaffRole.admin.may(.manageStaff) && StaffRole.owner.may(.manageStaff))
        let key = StaffClaims(staffID: UUID(), email: "s@staff.example", role: .support, scopes: [.read, .terminateAccounts],
                              issuedAt: Date(), lifetime: .seconds(60))
        #expect(key.allows(.read) && !key.allows(.manageAccounts), "a key's scopes narrow the role")
        #expect(!key.allows(.terminateAccounts), "and never widen it")
    }
}
