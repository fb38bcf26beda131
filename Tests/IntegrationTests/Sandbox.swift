import Foundation
import Payments
import Secrets
import TestSupport

/// Checkout, provisioning, the broker and the WHM and Stripe simulators as real processes
/// on free ports, wired as `make run` wires them.
struct Sandbox: Sendable {
    static let adminToken = "admin-token-0123456789abcdef"
    static let webhookSecret = "whsec_test_0123456789"
    static let stripeKey = "sk_test_sandbox"

    let bus: TestBroker
    let whm: ServiceProcess
    let stripe: ServiceProcess
    let checkout: ServiceProcess
    let provisioning: ServiceProcess
    let mail: ServiceProcess
    let smtp: SMTPSink
    let billing: ServiceProcess
    let timer: ServiceProcess
    let dnsssl: ServiceProcess
    let pdns: PowerDNSServer
    let pebble: PebbleServer

    /// `panelEnvironment` sets the WHM simulator's faults; `provisioningEnvironment` adds to provisioning's settings.
    init(
        database: TestDatabase, tag: String, panelEnvironment: [String: String] = [:],
        provisioningEnvironment: [String: String] = [:], billingEnvironment: [String: String] = [:],
        timerEnvironment: [String: String] = [:], dnssslEnvironment: [String: String] = [:],
        checkoutEnvironment: [String: String] = [:], rejectNonces: Bool = false
    ) {
        // The command routes production runs with (deploy/local/launch.sh, docker-compose.yml).
        bus = TestBroker(
            queues: ["checkout", "provisioning", "mail", "billing", "timer", "dnsssl"], tag: tag,
            commandRoutes: ["checkout:provisioning", "billing:provisioning"])
        whm = ServiceProcess(
            executable: "hostwire-simulator",
            environment: panelEnvironment.merging([
                "HOSTWIRE_SIMULATOR": "whm", "SIM_USER": "root", "SIM_SECRET": "whm-token",
            ]) { $1 }, httpPort: freePort(), logName: "\(tag)-whm")
        let checkoutPort = freePort()
        let billingPort = freePort()
        stripe = ServiceProcess(
            executable: "hostwire-simulator",
            environment: [
                "HOSTWIRE_SIMULATOR": "stripe", "SIM_SECRET": Self.stripeKey, "SIM_WEBHOOK_SECRET": Self.webhookSecret,
                "SIM_WEBHOOK_URL":
                    "http://127.0.0.1:\(checkoutPort)/webhooks/stripe,http://127.0.0.1:\(billingPort)/webhooks/stripe",
            ], httpPort: freePort(), logName: "\(tag)-stripe")
        let common = Self.common
        checkout = ServiceProcess(
            executable: "hostwire-checkout",
            environment: bus.environment(for: "checkout", database: database)
                .merging(common) { $1 }.merging([
                    "HOSTWIRE_STRIPE_API_URL": "http://127.0.0.1:\(stripe.httpPort)",
                    "HOSTWIRE_STRIPE_SECRET_KEY": Self.stripeKey, "HOSTWIRE_STRIPE_WEBHOOK_SECRET": Self.webhookSecret,
                ]) { $1 }.merging(checkoutEnvironment) { $1 }, httpPort: checkoutPort, logName: "\(tag)-checkout")
        provisioning = ServiceProcess(
            executable: "hostwire-provisioning",
            environment: bus.environment(for: "provisioning", database: database)
                .merging(common) { $1 }.merging([
                    "HOSTWIRE_CREDENTIAL_KEYS": "k1=\(CredentialCipher.generateKey())",
                    "HOSTWIRE_MAIL_SEAL_PUBLIC_KEY": Self.mailKeys.publicKey,
                    "HOSTWIRE_CERT_SEAL_PRIVATE_KEY": Self.certificateKeys.privateKey,
                    "HOSTWIRE_PANEL_TIMEOUT_SECONDS": "2",
                    // Checked only where a test asks: the fault tests' panels fail on purpose.
                    "HOSTWIRE_SERVER_HEALTH_INTERVAL_SECONDS": "0",
                    "HOSTWIRE_BACKUP_POLL_MS": "100",
                ]) { $1 }.merging(provisioningEnvironment) { $1 }, httpPort: freePort(), logName: "\(tag)-provisioning")
        smtp = SMTPSink()
        mail = Self.mailProcess(bus: bus, database: database, smtp: smtp, tag: tag)
        billing = ServiceProcess(
            executable: "hostwire-billing",
            environment: bus.environment(for: "billing", database: database)
                .merging(common) { $1 }.merging([
                    "HOSTWIRE_STRIPE_API_URL": "http://127.0.0.1:\(stripe.httpPort)",
                    "HOSTWIRE_STRIPE_SECRET_KEY": Self.stripeKey, "HOSTWIRE_BILLING_WEBHOOK_SECRET": Self.webhookSecret,
                ]) { $1 }.merging(billingEnvironment) { $1 }, httpPort: billingPort, logName: "\(tag)-billing")
        timer = ServiceProcess(
            executable: "hostwire-timer",
            environment: bus.environment(for: "timer", database: database)
                .merging(common) { $1 }.merging([
                    "HOSTWIRE_TIMER_ADJUSTABLE_CLOCK": "1", "HOSTWIRE_TIMER_CATCH_UP_LIMIT": "400",
                ]) { $1 }
                .merging(timerEnvironment) { $1 }, httpPort: freePort(), logName: "\(tag)-timer")
        pdns = PowerDNSServer()
        pebble = PebbleServer(dnsPort: pdns.dnsPort, rejectNonces: rejectNonces)
        dnsssl = ServiceProcess(
            executable: "hostwire-dnsssl",
            environment: bus.environment(for: "dnsssl", database: database)
                .merging(common) { $1 }.merging([
                    "HOSTWIRE_CREDENTIAL_KEYS": "k1=\(CredentialCipher.generateKey())",
                    "HOSTWIRE_PDNS_API_URL": pdns.apiURL, "HOSTWIRE_PDNS_API_KEY": PowerDNSServer.apiKey,
                    "HOSTWIRE_DNS_CHECK_SERVERS": "127.0.0.1:\(pdns.dnsPort)",
                    "HOSTWIRE_ACME_DIRECTORY_URL": pebble.directoryURL, "HOSTWIRE_ACME_CA_FILE": pebble.caFile,
                    "HOSTWIRE_ACME_CONTACT": "hostmaster@sandbox.test",
                    "HOSTWIRE_CERT_SEAL_PUBLIC_KEY": Self.certificateKeys.publicKey,
                    "HOSTWIRE_DNS_PROPAGATION_TIMEOUT_SECONDS": "10",
                ]) { $1 }.merging(dnssslEnvironment) { $1 }, httpPort: freePort(), logName: "\(tag)-dnsssl")
    }

    static let mailKeys = FieldOpener.generateKeyPair()
    static let certificateKeys = FieldOpener.generateKeyPair()

    /// Settings every test process shares: the admin token and quick retries.
    static let common = [
        "HOSTWIRE_API_TOKENS": "admin:\(adminToken)",
        "HOSTWIRE_TASK_RETRY_BASE_SECONDS": "0.1", "HOSTWIRE_TASK_RETRY_MAX_SECONDS": "1",
        "HOSTWIRE_TASK_LEASE_SECONDS": "5",
        // The chain tests place hundreds of orders from one address.
        "HOSTWIRE_ORDER_RATE_LIMIT": "0",
    ]

    /// The mail service on `bus`, sending to `smtp` in clear, opening passwords with the test key.
    static func mailProcess(bus: TestBroker, database: TestDatabase, smtp: SMTPSink, tag: String) -> ServiceProcess {
        ServiceProcess(
            executable: "hostwire-mail",
            environment: bus.environment(for: "mail", database: database)
                .merging(common) { $1 }.merging([
                    "HOSTWIRE_SMTP_HOST": "127.0.0.1", "HOSTWIRE_SMTP_PORT": "\(smtp.port)",
                    "HOSTWIRE_SMTP_SECURITY": "none",
                    "HOSTWIRE_MAIL_SEAL_PRIVATE_KEY": mailKeys.privateKey, "HOSTWIRE_MAIL_FROM": "hosting@sandbox.test",
                    "HOSTWIRE_MAIL_FROM_NAME": "Sandbox Hosting", "HOSTWIRE_OPERATOR_EMAIL": "ops@sandbox.test",
                    "HOSTWIRE_SMTP_TIMEOUT_SECONDS": "10",
                ]) { $1 }, httpPort: freePort(), logName: "\(tag)-mail")
    }

    var checkoutAPI: JSONClient { JSONClient(port: checkout.httpPort) }
    var provisioningAPI: JSONClient {
        JSONClient(port: provisioning.httpPort, headers: ["Authorization": "Bearer \(Self.adminToken)"])
    }
    var whmAPI: JSONClient { JSONClient(port: whm.httpPort) }
    var stripeAPI: JSONClient { JSONClient(port: stripe.httpPort) }
    var billingAPI: JSONClient {
        JSONClient(port: billing.httpPort, headers: ["Authorization": "Bearer \(Self.adminToken)"])
    }
    var dnssslAPI: JSONClient {
        JSONClient(port: dnsssl.httpPort, headers: ["Authorization": "Bearer \(Self.adminToken)"])
    }
    var timerAPI: JSONClient {
        JSONClient(port: timer.httpPort, headers: ["Authorization": "Bearer \(Self.adminToken)"])
    }

    /// Starts the chain; with `mail`, the mail service and its SMTP server too; with
    /// `billing`, billing and the timer (its clock adjustable).
    /// With `dnsssl`, PowerDNS, Pebble and the DNS/SSL service.
    func start(mail withMail: Bool = false, billing withBilling: Bool = false, dnsssl withDNSSSL: Bool = false)
        async throws
    {
        try await bus.process.start()
        try await whm.start()
        try await stripe.start()
        try await checkout.start()
        try await provisioning.start()
        if withMail {
            try await smtp.start()
            try await mail.start()
        }
        if withBilling || withDNSSSL { try await timer.start() }
        if withBilling { try await billing.start() }
        if withDNSSSL {
            try await pdns.start()
            try await pebble.start()
            try await dnsssl.start()
        }
    }

    func stop() {
        for process in [dnsssl, timer, billing, mail, provisioning, checkout, bus.process] { process.stop() }
        smtp.stop()
        pebble.stop()
        pdns.stop()
        // Simulators have nothing to flush; a graceful stop would wait out injected delays.
        for process in [stripe, whm] { process.kill() }
    }

    /// Registers the WHM simulator as a server of group `default` with room for `capacity` accounts.
    func addServer(capacity: Int = 10_000) async throws {
        let reply = try await provisioningAPI.call(
            "POST", "/api/servers",
            json: [
                "name": "whm1", "panel": "cpanel", "hostname": "whm1.sandbox.test", "ip": "192.0.2.10",
                "api_url": "http://127.0.0.1:\(whm.httpPort)", "api_username": "root", "api_secret": "whm-token",
                "server_group": "default", "max_accounts": capacity,
                "nameservers": ["ns1.sandbox.test", "ns2.sandbox.test"],
            ])
        guard reply.status == 201 else {
            throw ShellError(description: "server not added: \(reply.status) \(reply.text)")
        }
    }

    /// Places an order for `domain` and pays it the way a customer would; returns the order id.
    @discardableResult
    func placePaidOrder(
        _ domain: String, product: String = "00000000-0000-4000-8000-000000000001", currency: String = "USD",
        country: String? = nil, vatID: String? = nil
    ) async throws -> String {
        var customer: [String: Any] = ["email": "owner@\(domain)", "name": "Owner of \(domain)"]
        if let country { customer["country"] = country }
        if let vatID { customer["vat_id"] = vatID }
        let order = try await checkoutAPI.call(
            "POST", "/api/orders",
            json: [
                "customer": customer, "product_id": product, "billing_cycle": "monthly", "currency": currency,
                "domain": domain,
            ])
        guard order.status == 201, let id = order.json["id"] as? String,
            let intent = (order.json["payment"] as? [String: Any])?["payment_intent"] as? String
        else {
            throw ShellError(description: "order for \(domain) not placed: \(order.status) \(order.text)")
        }
        let paid = try await stripeAPI.call("POST", "/__sim/payment_intents/\(intent)/pay")
        guard paid.status == 200 else { throw ShellError(description: "payment failed: \(paid.text)") }
        return id
    }

    /// The simulated WHM's accounts.
    func panelAccounts() async throws -> [[String: Any]] {
        try await whmAPI.call("GET", "/__sim/accounts").array
    }
}
