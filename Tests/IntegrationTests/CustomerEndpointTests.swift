import BillingService
import CheckoutService
import Foundation
import HTTPSupport
import Hummingbird
import HummingbirdTesting
import Mail
import MailService
import Payments
import PortalTokens
import PostgresNIO
import ProvisioningService
import Secrets
import ServiceKit
import TestSupport
import Testing

/// The customer-scoped endpoints serve the customer the portal's token names, and nothing
/// else: another customer's record does not exist for them, and a token the portal did not
/// sign, an expired one or one issued for something else opens nothing.
@Suite struct CustomerEndpointTests {
    static let keys = PortalTokenSigner.generateKeyPair()
    static let (alice, bob) = (UUID(), UUID())

    static func customers() async throws -> CustomerAuthentication {
        CustomerAuthentication(verifier: try await PortalTokenVerifier(publicKey: keys.publicKey))
    }

    static func token(
        _ customer: UUID?, scope: CustomerScope = .customer, issued: Date = Date(),
        key: String = keys.privateKey
    ) async throws -> String {
        try await PortalTokenSigner(privateKey: key).token(
            customer: customer, email: "someone@example.net", scope: scope, now: issued)
    }

    static func billing() async throws -> ServiceDefinition {
        var settings = BillingSettings(
            gateway: StripeGateway(baseURL: "http://127.0.0.1:\(freePort())", secretKey: "sk_test"),
            webhookSignature: WebhookSignature(secret: "whsec_test"),
            apiTokens: APITokens([(.admin, CheckoutAPITests.admin)]))
        settings.customers = try await customers()
        return buildBilling(settings)
    }

    static func provisioning() async throws -> ServiceDefinition {
        var settings = ProvisioningSettings(
            cipher: try CredentialCipher(ring: "k1=\(CredentialCipher.generateKey())"), mailSealer: nil,
            apiTokens: APITokens([(.admin, CheckoutAPITests.admin)]), panelTimeout: .seconds(2))
        settings.customers = try await customers()
        return buildProvisioning(settings)
    }

    /// An active account of Alice's on no server.
    static func insertAlicesAccount(_ id: UUID, _ admin: PostgresClient) async throws {
        try await admin.query(
            """
            INSERT INTO provisioning.accounts (id, customer_id, customer_name, contact_email, domain, plan, server_group, status,
                                               username, step)
            VALUES (\(id), \(alice), 'Alice', 'a@example.net', 'alice.example', 'starter', 'default', 'active', 'alice', 'done')
            """, logger: TestDatabase.logger)
    }

    /// One subscription and one invoice for each of Alice and Bob; returns their invoice ids.
    static func seedInvoices(_ database: TestDatabase) async throws -> (alice: UUID, bob: UUID) {
        try await database.withAdmin { client in
            var invoices: [UUID] = []
            for (number, customer) in [alice, bob].enumerated() {
                let (subscription, invoice) = (UUID(), UUID())
                try await client.query(
                    """
                    INSERT INTO billing.customers (id, email, name) VALUES (\(customer), \("c\(number)@example.net"), 'Customer')
                    """, logger: TestDatabase.logger)
                try await client.query(
                    """
                    INSERT INTO billing.subscriptions (id, order_id, customer_id, product_id, product_name, domain, cycle, cycle_months,
                                                       amount, currency, started_on, next_due)
                    VALUES (\(subscription), \(UUID()), \(customer), \(UUID()), 'Starter', \("site\(number).example"), 'monthly', 1,
                            499, 'USD', current_date, current_date + 30)
                    """, logger: TestDatabase.logger)
                try await client.query(
                    """
                    INSERT INTO billing.invoices (id, number, subscription_id, customer_id, period_start, period_end, issued_on, due_on,
                                                  subtotal, total, currency)
                    VALUES (\(invoice), \("INV-00000\(number + 1)"), \(subscription), \(customer), current_date, current_date + 30,
                            current_date, current_date, 499, 499, 'USD')
                    """, logger: TestDatabase.logger)
                try await client.query(
                    """
                    INSERT INTO billing.invoice_lines (invoice_id, position, description, amount) VALUES (\(invoice), 1, 'Starter', 499)
                    """, logger: TestDatabase.logger)
                invoices.append(invoice)
            }
            // The numbers given above are taken.
            try await client.query("UPDATE billing.invoice_counter SET last = 2", logger: TestDatabase.logger)
            return (invoices[0], invoices[1])
        }
    }

    @Test func billingServesOnlyTheTokensCustomer() async throws {
        try await TestDatabase.with(services: ["billing"]) { database in
            try await withRouter(try await Self.billing(), database: database) { client in
                let (mine, theirs) = try await Self.seedInvoices(database)
                let token = try await Self.token(Self.alice)
                let list = try await client.execute(
                    uri: "/api/customer/invoices", method: .get,
                    headers: [.authorization: "Bearer \(token)"]
                ) { String(buffer: $0.body) }
                #expect(list.contains(mine.uuidString) && !list.contains(theirs.uuidString), "\(list)")
                let own = try await client.json(.get, "/api/customer/invoices/\(mine)", token: token)
                #expect(own.status == .ok && (own.json["lines"] as? [Any])?.count == 1)
                // Bob's invoice does not exist as far as Alice can tell.
                let other = try await client.json(.get, "/api/customer/invoices/\(theirs)", token: token)
                #expect(other.status == .notFound && errorCode(other.json) == "not_found")
                // Only one's own open invoice gets a payment page (the provider is down here: 502 after the checks).
                let urls = [
                    "success_url": "https://portal.example/invoices/x?paid=1",
                    "cancel_url": "https://portal.example/invoices/x",
                ]
                let othersPage = try await client.json(
                    .post, "/api/customer/invoices/\(theirs)/payment-page", urls, token: token)
                #expect(othersPage.status == .notFound)
                let ownPage = try await client.json(
                    .post, "/api/customer/invoices/\(mine)/payment-page", urls, token: token)
                #expect(ownPage.status == .badGateway && errorCode(ownPage.json) == "payment_provider_unavailable")
                let balance = try await client.json(.get, "/api/customer/balance", token: token)
                #expect(balance.json["customer_id"] as? String == Self.alice.uuidString)
            }
        }
    }

    @Test func onlyALiveTokenThePortalSignedForThisPurposeOpensAnything() async throws {
        try await TestDatabase.with(services: ["billing"]) { database in
            try await withRouter(try await Self.billing(), database: database) { client in
                let stranger = PortalTokenSigner.generateKeyPair().privateKey
                let refused: [(String?, HTTPResponse.Status)] = [
                    (nil, .unauthorized),
                    (CheckoutAPITests.admin, .unauthorized),
                    ("not.a.token", .unauthorized),
                    (try await Self.token(Self.alice, key: stranger), .unauthorized),
                    (try await Self.token(Self.alice, issued: Date().addingTimeInterval(-3600)), .unauthorized),
                    (try await Self.token(nil, scope: .link), .forbidden),
                ]
                for (token, status) in refused {
                    let reply = try await client.json(.get, "/api/customer/invoices", token: token)
                    #expect(reply.status == status, "\(token ?? "no token"): \(reply.text)")
                    #expect(errorCode(reply.json) != nil)
                }
            }
        }
    }

    @Test func provisioningListsOnlyTheCustomersAccounts() async throws {
        try await TestDatabase.with(services: ["provisioning"]) { database in
            try await withRouter(try await Self.provisioning(), database: database) { client in
                try await database.withAdmin { admin in
                    for (number, customer) in [Self.alice, Self.bob].enumerated() {
                        try await admin.query(
                            """
                            INSERT INTO provisioning.accounts (id, customer_id, customer_name, contact_email, domain, plan, server_group)
                            VALUES (\(UUID()), \(customer), 'Customer', 'c@example.net', \("site\(number).example"), 'starter', 'default')
                            """, logger: TestDatabase.logger)
                    }
                }
                let reply = try await client.execute(
                    uri: "/api/customer/accounts", method: .get,
                    headers: [.authorization: "Bearer \(try await Self.token(Self.bob))"]
                ) {
                    String(buffer: $0.body)
                }
                #expect(reply.contains("site1.example") && !reply.contains("site0.example"), "\(reply)")
                #expect(!reply.contains("contact_email") && !reply.contains("last_error"))
            }
        }
    }

    @Test func aCustomerChangesOnlyTheirOwnPanelPasswordWithinThePanelsRules() async throws {
        try await TestDatabase.with(services: ["provisioning"]) { database in
            try await withRouter(try await Self.provisioning(), database: database) { client in
                let account = UUID()
                try await database.withAdmin { admin in
                    try await Self.insertAlicesAccount(account, admin)
                }
                func post(_ path: String, _ body: String, as customer: UUID) async throws -> (
                    HTTPResponse.Status, String
                ) {
                    try await client.execute(
                        uri: "/api/customer/accounts/\(account)/\(path)", method: .post,
                        headers: [
                            .authorization: "Bearer \(try await Self.token(customer))",
                            .contentType: "application/json",
                        ],
                        body: ByteBuffer(string: body)
                    ) { ($0.status, String(buffer: $0.body)) }
                }
                #expect(
                    try await post("password", "{}", as: Self.bob).0 == .notFound,
                    "another customer's account does not exist")
                #expect(try await post("panel-login", #"{"user_ip":"203.0.113.7"}"#, as: Self.bob).0 == .notFound)
                let weak = try await post("password", #"{"password":"short"}"#, as: Self.alice)
                #expect(weak.0 == .unprocessableContent && weak.1.contains("12 to 64"), "\(weak)")
                #expect(
                    try await post("password", #"{"password":"Alice-Has-2-cats"}"#, as: Self.alice).0
                        == .unprocessableContent,
                    "the username inside is refused")
                let chosen = try await post("password", #"{"password":"Correct-Horse-9-Battery"}"#, as: Self.alice)
                #expect(chosen.0 == .accepted && !chosen.1.contains("Correct-Horse"), "\(chosen)")
                let generated = try await post("password", "{}", as: Self.alice)
                let shown = try #require(
                    (try JSONSerialization.jsonObject(with: Data(generated.1.utf8)) as? [String: Any])?["password"]
                        as? String)
                #expect(generated.0 == .accepted && shown.count == 20)
                // Queued sealed: neither password is stored in clear.
                #expect(
                    try await database.count(
                        """
                        SELECT count(*)::int FROM provisioning.tasks WHERE type = 'change-password' AND payload LIKE '%chosen_password%'
                          AND payload NOT LIKE '%Correct-Horse%' AND payload NOT LIKE \("%\(shown)%")
                        """) == 2)
                #expect(
                    try await database.count(
                        """
                        SELECT count(*)::int FROM provisioning.account_actions WHERE actor = 'customer' AND action = 'reset-password'
                        """) == 2)
                #expect(
                    try await post("panel-login", #"{"user_ip":"not an address"}"#, as: Self.alice).0
                        == .unprocessableContent)
                #expect(
                    try await post("panel-login", #"{"user_ip":"203.0.113.7"}"#, as: Self.alice).0 == .conflict,
                    "an account on no server has no panel to open")
            }
        }
    }

    @Test func aCustomerReadsOnlyTheirOwnAccountsUsageOldestFirst() async throws {
        try await TestDatabase.with(services: ["provisioning"]) { database in
            try await withRouter(try await Self.provisioning(), database: database) { client in
                let account = UUID()
                try await database.withAdmin { admin in
                    try await Self.insertAlicesAccount(account, admin)
                    try await admin.query(
                        """
                        INSERT INTO provisioning.account_usage
                        SELECT \(account), current_date - g, 500 + g, 1024, 100 * g, 10240 FROM generate_series(0, 39) g
                        """, logger: TestDatabase.logger)
                }
                func usage(_ query: String, as customer: UUID) async throws -> (HTTPResponse.Status, [[String: Any]]) {
                    try await client.execute(
                        uri: "/api/customer/accounts/\(account)/usage\(query)", method: .get,
                        headers: [.authorization: "Bearer \(try await Self.token(customer))"]
                    ) {
                        (
                            $0.status,
                            ((try? JSONSerialization.jsonObject(with: Data(String(buffer: $0.body).utf8)))
                                as? [String: Any])?["items"] as? [[String: Any]] ?? []
                        )
                    }
                }
                #expect(try await usage("", as: Self.bob).0 == .notFound)
                let (status, days) = try await usage("", as: Self.alice)
                #expect(status == .ok && days.count == 30, "30 days unless asked for more")
                #expect(days.first?["disk_mb"] as? Int == 529 && days.last?["disk_mb"] as? Int == 500, "oldest first")
                #expect(days.last?["disk_limit_mb"] as? Int == 1024 && days.last?["bandwidth_mb"] as? Int == 0)
                #expect(try await usage("?days=7", as: Self.alice).1.count == 7)
                #expect(try await usage("?days=100000", as: Self.alice).0 == .unprocessableContent)
            }
        }
    }

    @Test func aCustomerBacksUpAndRestoresOnlyTheirOwnActiveAccountAFewTimesADay() async throws {
        try await TestDatabase.with(services: ["provisioning"]) { database in
            try await withRouter(try await Self.provisioning(), database: database) { client in
                let (server, account, completed, other) = (UUID(), UUID(), UUID(), UUID())
                try await database.withAdmin { admin in
                    try await admin.query(
                        """
                        INSERT INTO provisioning.servers (id, name, panel, hostname, ip, api_url, api_username, api_secret_sealed, max_accounts)
                        VALUES (\(server), 'whm1', 'cpanel', 'whm1.example', '192.0.2.1', 'https://whm1.example:2087', 'root', 'x', 10)
                        """, logger: TestDatabase.logger)
                    try await admin.query(
                        """
                        INSERT INTO provisioning.accounts (id, customer_id, customer_name, contact_email, domain, plan, server_group, status,
                                                           username, step, server_id)
                        VALUES (\(account), \(Self.alice), 'Alice', 'a@example.net', 'alice.example', 'starter', 'default', 'active',
                                'alice', 'done', \(server)),
                               (\(other), \(Self.bob), 'Bob', 'b@example.net', 'bob.example', 'starter', 'default', 'active',
                                'bob', 'done', \(server))
                        """, logger: TestDatabase.logger)
                    // A completed nightly backup of Alice's, a failed one (not shown to her), and one of Bob's.
                    try await admin.query(
                        """
                        INSERT INTO provisioning.backups (id, account_id, server_id, kind, day, status, location, size_mb, requested_at,
                                                          expires_at, completed_at, last_error)
                        VALUES (\(completed), \(account), \(server), 'scheduled', '2026-12-01', 'completed', '/backup/1', 420,
                                now() - interval '2 days', now() + interval '28 days', now() - interval '2 days', NULL),
                               (\(UUID()), \(account), \(server), 'scheduled', '2026-12-02', 'failed', NULL, NULL,
                                now() - interval '1 day', now() + interval '29 days', NULL, 'pkgacct failed'),
                               (\(UUID()), \(other), \(server), 'scheduled', '2026-12-01', 'completed', '/backup/2', 10,
                                now() - interval '2 days', now() + interval '28 days', now() - interval '2 days', NULL)
                        """, logger: TestDatabase.logger)
                }
                func call(_ method: HTTPRequest.Method, _ path: String, _ body: String? = nil, as customer: UUID)
                    async throws -> (HTTPResponse.Status, [String: Any])
                {
                    try await client.execute(
                        uri: "/api/customer/accounts/\(account)/\(path)", method: method,
                        headers: [
                            .authorization: "Bearer \(try await Self.token(customer))",
                            .contentType: "application/json",
                        ],
                        body: body.map { ByteBuffer(string: $0) }
                    ) {
                        (
                            $0.status,
                            (try? JSONSerialization.jsonObject(with: Data(String(buffer: $0.body).utf8)))
                                as? [String: Any] ?? [:]
                        )
                    }
                }
                #expect(try await call(.get, "backups", as: Self.bob).0 == .notFound)
                #expect(try await call(.post, "backups", "{}", as: Self.bob).0 == .notFound)
                #expect(
                    try await call(.post, "restore", #"{"backup_id":"\#(completed)"}"#, as: Self.bob).0 == .notFound)

                let listed = try await call(.get, "backups", as: Self.alice)
                let items = listed.1["backups"] as? [[String: Any]] ?? []
                #expect(listed.0 == .ok && items.count == 1 && items.first?["size_mb"] as? Int == 420, "\(listed)")
                #expect(listed.1["backups_left_today"] as? Int == 3)
                #expect(items.first?["location"] == nil && items.first?["server_id"] == nil, "no panel detail")

                let asked = try await call(.post, "backups", "{}", as: Self.alice)
                #expect(asked.0 == .accepted && asked.1["kind"] as? String == "manual", "\(asked)")
                #expect(
                    try await call(.post, "backups", "{}", as: Self.alice).0 == .conflict,
                    "one asked-for backup at a time")
                // Made: two more may be asked for today, then no more.
                for _ in 0..<2 {
                    try await database.withAdmin { admin in
                        try await admin.query(
                            """
                            UPDATE provisioning.backups SET status = 'completed', location = '/backup/m', completed_at = now()
                            WHERE kind = 'manual'
                            """, logger: TestDatabase.logger)
                    }
                    #expect(try await call(.post, "backups", "{}", as: Self.alice).0 == .accepted)
                }
                try await database.withAdmin { admin in
                    try await admin.query(
                        """
                        UPDATE provisioning.backups SET status = 'completed', location = '/backup/m', completed_at = now()
                        WHERE kind = 'manual'
                        """, logger: TestDatabase.logger)
                }
                let refused = try await call(.post, "backups", "{}", as: Self.alice)
                #expect(refused.0 == .tooManyRequests, "\(refused)")
                #expect(try await call(.get, "backups", as: Self.alice).1["backups_left_today"] as? Int == 0)
                #expect(
                    try await database.count(
                        "SELECT count(*)::int FROM provisioning.tasks WHERE type = 'backup-account'") == 3)

                #expect(
                    try await call(.post, "restore", #"{"backup_id":"\#(UUID())"}"#, as: Self.alice).0 == .conflict,
                    "not a backup of this account")
                #expect(try await call(.post, "restore", #"{"backup_id":7}"#, as: Self.alice).0 == .badRequest)
                let restore = try await call(.post, "restore", #"{"backup_id":"\#(completed)"}"#, as: Self.alice)
                #expect(restore.0 == .accepted && restore.1["step"] as? String == "safety-backup", "\(restore)")
                #expect(
                    try await call(.post, "restore", #"{"backup_id":"\#(completed)"}"#, as: Self.alice).0 == .conflict,
                    "one restore at a time")
                #expect(
                    try await database.count(
                        """
                        SELECT count(*)::int FROM provisioning.restores WHERE requested_by = 'customer' AND account_id = \(account)
                        """) == 1)
                let restores = try await call(.get, "backups", as: Self.alice).1["restores"] as? [[String: Any]]
                #expect(restores?.count == 1)

                try await database.withAdmin { admin in
                    try await admin.query(
                        "UPDATE provisioning.accounts SET status = 'suspended', suspend_reason = 'non-payment' WHERE id = \(account)",
                        logger: TestDatabase.logger)
                }
                #expect(
                    try await call(.post, "backups", "{}", as: Self.alice).0 == .conflict,
                    "a suspended account is backed up nightly only")
            }
        }
    }

    @Test func mailShowsOnlyTheCustomersSentEmailsWithTheirSecretsLeftOut() async throws {
        var settings = MailSettings(
            transport: SMTPTransport(host: "127.0.0.1", port: freePort(), security: .none),
            from: .init("hosting@example.net"), opener: nil, apiTokens: APITokens([(.admin, CheckoutAPITests.admin)]),
            templates: Paths.root.appendingPathComponent("Services/Mail/Templates"))
        settings.customers = try await Self.customers()
        try await TestDatabase.with(services: ["mail"]) { database in
            try await withRouter(try buildMail(settings), database: database) { client in
                let (welcome, receipt, bobs, queued, account) = (UUID(), UUID(), UUID(), UUID(), UUID())
                try await database.withAdmin { admin in
                    try await admin.query(
                        """
                        INSERT INTO mail.recipients (account_id, email, name, domain, customer_id)
                        VALUES (\(account), 'a@example.net', 'Alice', 'alice.example', \(Self.alice))
                        """, logger: TestDatabase.logger)
                    for (id, template, customer, accountID, status, variables) in [
                        (
                            welcome, "welcome", nil as UUID?, account as UUID?, "sent",
                            #"{"customer_name":"Alice","domain":"alice.example","username":"alice","sealed_password":"SEALED-SECRET"}"#
                        ),
                        (
                            receipt, "payment-receipt", Self.alice, nil, "sent",
                            #"{"customer_name":"Alice","invoice_number":"INV-000001"}"#
                        ),
                        (
                            bobs, "payment-receipt", Self.bob, nil, "sent",
                            #"{"customer_name":"Bob","invoice_number":"INV-000002"}"#
                        ),
                        (
                            queued, "payment-receipt", Self.alice, nil, "queued",
                            #"{"customer_name":"Alice","invoice_number":"INV-000003"}"#
                        ),
                    ] {
                        try await admin.query(
                            """
                            INSERT INTO mail.messages (id, message_key, message_id, event_type, template, recipient, variables, status,
                                                       account_id, customer_id, sent_at)
                            VALUES (\(id), \(id.uuidString), \("\(id)@test"), 'test', \(template), 'x@example.net', \(variables)::jsonb,
                                    \(status), \(accountID), \(customer), CASE WHEN \(status) = 'sent' THEN now() END)
                            """, logger: TestDatabase.logger)
                    }
                }
                func get(_ path: String, as customer: UUID) async throws -> (HTTPResponse.Status, String) {
                    try await client.execute(
                        uri: "/api/customer/\(path)", method: .get,
                        headers: [.authorization: "Bearer \(try await Self.token(customer))"]
                    ) { ($0.status, String(buffer: $0.body)) }
                }
                let list = try await get("messages", as: Self.alice)
                #expect(
                    list.0 == .ok && list.1.contains("alice.example is ready") && list.1.contains("INV-000001"),
                    "\(list)")
                #expect(
                    !list.1.contains("INV-000002") && !list.1.contains("INV-000003"),
                    "another's, and one not sent, are not listed")
                #expect(try await get("messages/\(bobs)", as: Self.alice).0 == .notFound)
                let read = try await get("messages/\(welcome)", as: Self.alice)
                #expect(
                    read.0 == .ok && read.1.contains("only in the email itself") && !read.1.contains("SEALED-SECRET"),
                    "\(read)")
            }
        }
    }

    @Test func checkoutPlacesAndShowsOrdersOnlyForTheTokensCustomer() async throws {
        var settings = CheckoutSettings(
            gateway: StripeGateway(
                baseURL: "http://127.0.0.1:\(freePort())", secretKey: "sk_test", timeout: .seconds(2)),
            webhookSignature: WebhookSignature(secret: "whsec_api"),
            apiTokens: APITokens([(.admin, CheckoutAPITests.admin)]))
        settings.customers = try await Self.customers()
        try await TestDatabase.with(services: ["checkout"]) { database in
            try await withRouter(buildCheckout(settings), database: database) { client in
                let order: [String: Any] = [
                    "name": "Alice", "product_id": CheckoutAPITests.starter, "billing_cycle": "monthly",
                    "currency": "USD",
                    "domain": "alice.example", "success_url": "https://portal.example/orders/{ORDER_ID}?paid=1",
                    "cancel_url": "https://portal.example/orders/{ORDER_ID}",
                ]
                let linked = try await client.json(
                    .post, "/api/customer/link", ["name": "Alice"], token: try await Self.token(nil, scope: .link))
                let alice = try #require((linked.json["customer_id"] as? String).flatMap(UUID.init(uuidString:)))
                // A token whose subject is not the address's customer places nothing.
                let foreign = try await client.json(
                    .post, "/api/customer/orders", order, token: try await Self.token(Self.bob))
                #expect(foreign.status == .forbidden)
                // The provider is down here: the order is kept, and the answer says how to get its page later.
                let placed = try await client.json(
                    .post, "/api/customer/orders", order, token: try await Self.token(alice))
                #expect(placed.status == .badGateway && errorCode(placed.json) == "payment_provider_unavailable")
                let id = try #require(
                    try await database.withAdmin { admin in
                        try await admin.query("SELECT id FROM checkout.orders", logger: TestDatabase.logger).collect()
                            .first?.decode(UUID.self)
                    })
                let mine = try await client.json(.get, "/api/customer/orders/\(id)", token: try await Self.token(alice))
                #expect(
                    mine.status == .ok && mine.json["customer_email"] as? String == "someone@example.net",
                    "the address is the token's, not the body's")
                let theirs = try await client.json(
                    .get, "/api/customer/orders/\(id)", token: try await Self.token(Self.bob))
                #expect(theirs.status == .notFound)
                var bad = order
                bad["success_url"] = "javascript:alert(1)"
                let refused = try await client.json(
                    .post, "/api/customer/orders", bad, token: try await Self.token(alice))
                #expect(refused.status == .unprocessableContent && errorCode(refused.json) == "invalid_success_url")
            }
        }
    }

    @Test func checkoutLinksAVerifiedAddressToOneCustomer() async throws {
        var settings = CheckoutSettings(
            gateway: StripeGateway(
                baseURL: "http://127.0.0.1:\(freePort())", secretKey: "sk_test", timeout: .seconds(2)),
            webhookSignature: WebhookSignature(secret: "whsec_api"),
            apiTokens: APITokens([(.admin, CheckoutAPITests.admin)]))
        settings.customers = try await Self.customers()
        try await TestDatabase.with(services: ["checkout"]) { database in
            try await withRouter(buildCheckout(settings), database: database) { client in
                let link = try await Self.token(nil, scope: .link)
                let first = try await client.json(.post, "/api/customer/link", ["name": "Someone"], token: link)
                let second = try await client.json(.post, "/api/customer/link", ["name": "Someone Else"], token: link)
                #expect(first.status == .ok && first.json["customer_id"] != nil)
                #expect(first.json["customer_id"] as? String == second.json["customer_id"] as? String)
                // A customer token cannot ask for another address's customer.
                let refused = try await client.json(
                    .post, "/api/customer/link", ["name": "X"], token: try await Self.token(Self.alice))
                #expect(refused.status == .forbidden)
                #expect(try await database.count("SELECT count(*)::int FROM checkout.customers") == 1)
            }
        }
    }
}
