import BillingService
import CheckoutService
import DNS
import DNSSSLService
import Delivery
import Foundation
import HTTPSupport
import Hummingbird
import HummingbirdTesting
import Logging
import Mail
import MailService
import Payments
import Persistence
import Prometheus
import ProvisioningService
import Secrets
import ServiceKit
import TestSupport
import Testing

/// docs/openapi/*.json stay true: every route is documented and every documented operation
/// exists and answers one of its documented statuses.
@Suite struct OpenAPIDocumentTests {
    static let token = CheckoutAPITests.admin

    struct Operation: Hashable, CustomStringConvertible {
        let method: String
        let path: String
        var description: String { "\(method) \(path)" }
    }

    func documented(_ file: String) throws -> [Operation: Set<Int>] {
        let url = Paths.root.appendingPathComponent("docs/openapi/\(file)")
        let document = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        var operations: [Operation: Set<Int>] = [:]
        for (path, item) in document["paths"] as! [String: [String: Any]] {
            for (method, operation) in item {
                let responses = (operation as! [String: Any])["responses"] as! [String: Any]
                operations[Operation(method: method.uppercased(), path: path)] = Set(
                    responses.keys.compactMap(Int.init))
            }
        }
        return operations
    }

    func check(_ definition: ServiceDefinition, document file: String, services: [String]) async throws {
        let operations = try documented(file)
        try await TestDatabase.with(services: services) { database in
            let logger = Logger(label: "hostwire.test.openapi")
            try await withPostgresClient(database.settings(as: definition.name), logger: logger) { client in
                try await ServiceHost.migrate(
                    definition.name, directory: Paths.root.appendingPathComponent("migrations/\(definition.name)"),
                    client: client, logger: logger)
                let dependencies = ServiceDependencies(
                    store: ServiceStore(
                        database: Database.forTests(client: client, logger: logger),
                        outbox: Outbox(source: definition.name)),
                    taskRegistry: definition.tasks)
                let router = ServiceHost.buildRouter(definition, dependencies: dependencies)
                let readiness = Readiness()
                readiness.markStarted()
                OperationsController<ServiceRequestContext>(
                    registry: PrometheusCollectorRegistry(), readiness: readiness
                )
                .addRoutes(to: router)
                let routed = Set(router.routes.map { Operation(method: $0.method.rawValue, path: $0.path.description) })
                #expect(
                    routed.subtracting(operations.keys).isEmpty, "undocumented: \(routed.subtracting(operations.keys))")
                #expect(
                    Set(operations.keys).subtracting(routed).isEmpty,
                    "documented but missing: \(Set(operations.keys).subtracting(routed))")

                let app = Application(router: router)
                try await app.test(.router) { client in
                    for (operation, statuses) in operations.sorted(by: { $0.key.description < $1.key.description }) {
                        let uri = operation.path.replacingOccurrences(of: "{id}", with: UUID().uuidString)
                        let body: String? = ["POST", "PUT", "PATCH"].contains(operation.method) ? "{}" : nil
                        let reply = try await client.json(
                            HTTPRequest.Method(operation.method)!, uri, body, token: Self.token)
                        #expect(
                            statuses.contains(Int(reply.status.code)),
                            "\(operation) answered \(reply.status.code): \(reply.text)")
                        if reply.status.code >= 400 {
                            #expect(errorCode(reply.json) != nil, "\(operation): error without a JSON body")
                        }
                    }
                }
            }
        }
    }

    @Test func checkoutDocumentMatchesTheRoutes() async throws {
        var settings = CheckoutSettings(
            gateway: StripeGateway(
                baseURL: "http://127.0.0.1:\(freePort())", secretKey: "sk_test", timeout: .seconds(2)),
            webhookSignature: WebhookSignature(secret: "whsec_api"), apiTokens: APITokens([(.admin, Self.token)]))
        settings.customers = try await CustomerEndpointTests.customers()
        try await check(buildCheckout(settings), document: "checkout.json", services: ["checkout"])
    }

    @Test func mailDocumentMatchesTheRoutes() async throws {
        var settings = MailSettings(
            transport: SMTPTransport(host: "127.0.0.1", port: freePort(), security: .none),
            from: .init("hosting@example.net"),
            opener: nil, apiTokens: APITokens([(.admin, Self.token)]),
            templates: Paths.root.appendingPathComponent("Services/Mail/Templates"))
        settings.customers = try await CustomerEndpointTests.customers()
        try await check(try buildMail(settings), document: "mail.json", services: ["mail"])
    }

    @Test func billingDocumentMatchesTheRoutes() async throws {
        try await check(try await CustomerEndpointTests.billing(), document: "billing.json", services: ["billing"])
    }

    @Test func dnssslDocumentMatchesTheRoutes() async throws {
        var settings = DNSSSLSettings(
            dns: PowerDNSProvider(baseURL: "http://127.0.0.1:\(freePort())", apiKey: "k"), checkServers: [],
            defaultNameservers: [],
            acme: .init(directoryURL: "http://127.0.0.1:\(freePort())/dir"),
            cipher: try CredentialCipher(ring: "k1=\(CredentialCipher.generateKey())"),
            keySealer: nil, apiTokens: APITokens([(.admin, Self.token)]))
        settings.customers = try await CustomerEndpointTests.customers()
        try await check(buildDNSSSL(settings), document: "dnsssl.json", services: ["dnsssl"])
    }

    @Test func provisioningDocumentMatchesTheRoutes() async throws {
        var settings = ProvisioningSettings(
            cipher: try CredentialCipher(ring: "k1=\(CredentialCipher.generateKey())"), mailSealer: nil,
            apiTokens: APITokens([(.admin, Self.token)]), panelTimeout: .seconds(2))
        settings.customers = try await CustomerEndpointTests.customers()
        try await check(buildProvisioning(settings), document: "provisioning.json", services: ["provisioning"])
    }
}
