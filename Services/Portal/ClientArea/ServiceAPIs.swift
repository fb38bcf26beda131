import Contracts
import ExternalHTTP
import Foundation
import HTTPTypes
import NIOCore
import NIOHTTP1
import PortalTokens

/// The other services' APIs as the portal calls them: catalog reads are public; everything
/// about a customer carries a token naming that customer, so each service bounds its own
/// answer whatever the portal asks.
struct ServiceAPIs: Sendable {
    let signer: PortalTokenSigner
    let checkout: ExternalHTTPClient
    let provisioning: ExternalHTTPClient
    let billing: ExternalHTTPClient
    let mail: ExternalHTTPClient
    let dnsssl: ExternalHTTPClient

    init(settings: PortalSettings) {
        signer = settings.signer
        checkout = ExternalHTTPClient(baseURL: settings.checkoutURL, timeout: .seconds(10))
        provisioning = ExternalHTTPClient(baseURL: settings.provisioningURL, timeout: .seconds(10))
        billing = ExternalHTTPClient(baseURL: settings.billingURL, timeout: .seconds(10))
        mail = ExternalHTTPClient(baseURL: settings.mailURL, timeout: .seconds(10))
        dnsssl = ExternalHTTPClient(baseURL: settings.dnssslURL, timeout: .seconds(10))
    }

    func products() async throws -> [Product] {
        try await call(checkout, .GET, "/api/catalog/products", token: nil)
    }

    /// Checkout's customer for a verified address (created if it never ordered).
    func linkCustomer(email: String, name: String) async throws -> UUID {
        let token = try await signer.token(customer: nil, email: email, scope: .link)
        let body = String(decoding: try JSONEncoder().encode(["name": name]), as: UTF8.self)
        let linked: Linked = try await call(checkout, .POST, "/api/customer/link", token: token, body: body)
        return linked.customerID
    }

    /// Places an order for the session's customer; answers it with the page that pays it.
    func placeOrder(_ order: OrderRequest, _ session: PortalSession) async throws -> PlacedOrder {
        try await call(
            checkout, .POST, "/api/customer/orders", session,
            body: String(decoding: try JSONEncoder().encode(order), as: UTF8.self))
    }

    func order(_ id: UUID, _ session: PortalSession) async throws -> CustomerOrder? {
        do {
            return try await call(checkout, .GET, "/api/customer/orders/\(id.uuidString.lowercased())", session)
        } catch let error as ServiceCallError where error.status == 404 {
            return nil
        }
    }

    func paymentPage(for order: UUID, _ returnTo: ReturnURLs, _ session: PortalSession) async throws -> PlacedOrder {
        try await call(
            checkout, .POST, "/api/customer/orders/\(order.uuidString.lowercased())/payment-page", session,
            body: String(decoding: try JSONEncoder().encode(returnTo), as: UTF8.self))
    }

    func accounts(_ session: PortalSession) async throws -> [HostingAccount] {
        try await call(provisioning, .GET, "/api/customer/accounts?per_page=100", session)
    }

    func subscriptions(_ session: PortalSession) async throws -> [Subscription] {
        try await call(billing, .GET, "/api/customer/subscriptions?per_page=100", session)
    }

    /// Asks billing to end the subscription `now` or at the `end_of_term`.
    func cancel(_ subscription: UUID, when: String, _ session: PortalSession) async throws {
        let _: CancellationAnswer = try await call(
            billing, .POST, "/api/customer/subscriptions/\(subscription.uuidString.lowercased())/cancellation",
            session, body: String(decoding: try JSONEncoder().encode(["when": when]), as: UTF8.self))
    }

    func invoices(_ session: PortalSession) async throws -> [Invoice] {
        try await call(billing, .GET, "/api/customer/invoices?per_page=100", session)
    }

    /// The customer's invoice, or `nil` when it is not theirs (billing answers 404 either way).
    func invoice(_ id: UUID, _ session: PortalSession) async throws -> Invoice? {
        do {
            return try await call(billing, .GET, "/api/customer/invoices/\(id.uuidString.lowercased())", session)
        } catch let error as ServiceCallError where error.status == 404 {
            return nil
        }
    }

    /// The provider's page paying what is left of an open invoice.
    func invoicePaymentPage(_ id: UUID, _ returnTo: ReturnURLs, _ session: PortalSession) async throws -> String? {
        let page: InvoicePage = try await call(
            billing, .POST, "/api/customer/invoices/\(id.uuidString.lowercased())/payment-page", session,
            body: String(decoding: try JSONEncoder().encode(returnTo), as: UTF8.self))
        return page.paymentPage
    }

    /// A one-time URL into the account's control panel, bound to the customer's address.
    func panelLogin(_ account: UUID, userIP: String, _ session: PortalSession) async throws -> PanelLogin {
        try await call(
            provisioning, .POST, "/api/customer/accounts/\(account.uuidString.lowercased())/panel-login",
            session, body: String(decoding: try JSONEncoder().encode(["user_ip": userIP]), as: UTF8.self))
    }

    /// Sets the account's panel password to `password`, or to a generated one it answers once.
    func changePanelPassword(_ account: UUID, to password: String?, _ session: PortalSession) async throws
        -> PanelPasswordChange
    {
        try await call(
            provisioning, .POST, "/api/customer/accounts/\(account.uuidString.lowercased())/password", session,
            body: String(decoding: try JSONEncoder().encode(["password": password]), as: UTF8.self))
    }

    /// The account's measured days, oldest first; `nil` when it is not the customer's.
    func usage(of account: UUID, days: Int, _ session: PortalSession) async throws -> [AccountUsageDay]? {
        struct Days: Decodable { let items: [AccountUsageDay] }
        do {
            let answer: Days = try await call(
                provisioning, .GET, "/api/customer/accounts/\(account.uuidString.lowercased())/usage?days=\(days)",
                session)
            return answer.items
        } catch let error as ServiceCallError where error.status == 404 {
            return nil
        }
    }

    /// The account's backups and latest restores; `nil` when it is not the customer's.
    func backups(of account: UUID, _ session: PortalSession) async throws -> CustomerBackups? {
        do {
            return try await call(
                provisioning, .GET, "/api/customer/accounts/\(account.uuidString.lowercased())/backups", session)
        } catch let error as ServiceCallError where error.status == 404 {
            return nil
        }
    }

    /// Asks for a backup of the account now.
    func backUp(_ account: UUID, _ session: PortalSession) async throws {
        let _: CustomerBackup = try await call(
            provisioning, .POST, "/api/customer/accounts/\(account.uuidString.lowercased())/backups", session,
            body: "{}")
    }

    /// Starts restoring the account to its backup `backup`.
    func restore(_ account: UUID, to backup: UUID, _ session: PortalSession) async throws {
        let _: CustomerRestore = try await call(
            provisioning, .POST, "/api/customer/accounts/\(account.uuidString.lowercased())/restore", session,
            body: String(
                decoding: try JSONEncoder().encode(["backup_id": backup.uuidString.lowercased()]), as: UTF8.self))
    }

    /// The emails sent to the customer, newest first.
    func emails(_ session: PortalSession) async throws -> [SentEmail] {
        let page: SentEmails = try await call(mail, .GET, "/api/customer/messages?per_page=100", session)
        return page.items
    }

    /// One email as the customer received it, its secrets left out.
    func email(_ id: UUID, _ session: PortalSession) async throws -> SentEmail? {
        do {
            let email: SentEmail = try await call(
                mail, .GET, "/api/customer/messages/\(id.uuidString.lowercased())", session)
            return email
        } catch let error as ServiceCallError where error.status == 404 {
            return nil
        }
    }

    /// The card renewals are charged to, if one is saved.
    func card(_ session: PortalSession) async throws -> SavedCard? {
        let saved: SavedCardReply = try await call(billing, .GET, "/api/customer/card", session)
        return saved.card
    }

    /// The provider's page where the customer saves a card to replace theirs.
    func cardSetupPage(_ returnTo: ReturnURLs, _ session: PortalSession) async throws -> String? {
        let page: CardSetupPage = try await call(
            billing, .POST, "/api/customer/card/setup-page", session,
            body: String(decoding: try JSONEncoder().encode(returnTo), as: UTF8.self))
        return page.setupPage
    }

    /// The DNS zone of the customer's account `account`, with its records; `nil` when it has none (yet).
    /// The customer's zones, each with its domain's certificate (no records).
    func zones(_ session: PortalSession) async throws -> [DNSZone] {
        try await call(dnsssl, .GET, "/api/customer/zones", session)
    }

    func zone(ofAccount account: UUID, _ session: PortalSession) async throws -> DNSZone? {
        let zones = try await zones(session)
        guard let zone = zones.first(where: { $0.accountID == account }) else { return nil }
        return try await call(dnsssl, .GET, "/api/customer/zones/\(zone.id.uuidString.lowercased())", session)
    }

    /// Adds or replaces one record set; a refusal is a ``ServiceCallError`` with DNS/SSL's reason.
    func saveRecords(_ edit: DNSRecordEdit, in zone: UUID, _ session: PortalSession) async throws {
        _ = try await send(
            dnsssl, .PUT, "/api/customer/zones/\(zone.uuidString.lowercased())/records",
            token: try await token(session),
            body: String(decoding: try JSONEncoder().encode(edit), as: UTF8.self))
    }

    func deleteRecords(named name: String, type: String, in zone: UUID, _ session: PortalSession) async throws {
        var query = URLComponents()
        query.queryItems = [URLQueryItem(name: "name", value: name), URLQueryItem(name: "type", value: type)]
        _ = try await send(
            dnsssl, .DELETE,
            "/api/customer/zones/\(zone.uuidString.lowercased())/records?\(query.percentEncodedQuery ?? "")",
            token: try await token(session), body: nil)
    }

    /// What changing `subscription` to `product` would cost or give back now; `nil` when billing
    /// cannot price it (not the customer's, or no such plan at the service's cycle and currency).
    func planChangeQuote(_ subscription: UUID, to product: UUID, _ session: PortalSession) async throws
        -> PlanChangeQuote?
    {
        do {
            return try await call(
                billing, .GET,
                "/api/customer/subscriptions/\(subscription.uuidString.lowercased())/plan-change?product_id=\(product.uuidString.lowercased())",
                session)
        } catch let error as ServiceCallError where [404, 409, 422].contains(error.status) {
            return nil
        }
    }

    func changePlan(_ subscription: UUID, to product: UUID, _ session: PortalSession) async throws
        -> PlanChangeOutcome
    {
        try await call(
            billing, .POST, "/api/customer/subscriptions/\(subscription.uuidString.lowercased())/plan-change", session,
            body: String(
                decoding: try JSONEncoder().encode(["product_id": product.uuidString.lowercased()]), as: UTF8.self))
    }

    /// The invoice's PDF as it was issued; `nil` when it is not theirs or not printed yet.
    func invoicePDF(_ id: UUID, _ session: PortalSession) async throws -> ByteBuffer? {
        do {
            return try await send(
                billing, .GET, "/api/customer/invoices/\(id.uuidString.lowercased())/pdf",
                token: try await token(session),
                body: nil
            ).bytes
        } catch let error as ServiceCallError where error.status == 404 {
            return nil
        }
    }

    /// Moves the customer to a proven new address at checkout, who tells billing, mail and the provider.
    func changeEmail(to email: String, _ session: PortalSession) async throws {
        let _: Acknowledged = try await call(
            checkout, .PUT, "/api/customer/email", session,
            body: String(decoding: try JSONEncoder().encode(["email": email]), as: UTF8.self))
    }

    /// Gives billing the details the customer's invoices are made out to from now on.
    func saveBillTo(_ profile: Profile, _ session: PortalSession) async throws {
        let billTo = BillTo(
            name: profile.name, company: profile.company, address: profile.address, city: profile.city,
            postalCode: profile.postalCode, country: profile.country, vatID: profile.vatID)
        let _: Acknowledged = try await call(
            billing, .PUT, "/api/customer/profile", session,
            body: String(decoding: try JSONEncoder().encode(billTo), as: UTF8.self))
    }

    func balance(_ session: PortalSession) async throws -> Balance {
        try await call(billing, .GET, "/api/customer/balance", session)
    }

    private func call<T: Decodable>(
        _ client: ExternalHTTPClient, _ method: HTTPMethod, _ path: String,
        _ session: PortalSession, body: String? = nil
    ) async throws -> T {
        try await call(client, method, path, token: try await token(session), body: body)
    }

    /// A token naming the session's customer, for one call.
    private func token(_ session: PortalSession) async throws -> String {
        guard let customer = session.customerID else { throw PortalError.notLinked }
        return try await signer.token(customer: customer, email: session.email)
    }

    /// Everything the services hold about the customer, as each answers it (the data export).
    func everythingHeld(_ session: PortalSession) async throws -> [String: Any] {
        guard let customer = session.customerID else { return [:] }
        let token = try await signer.token(customer: customer, email: session.email)
        var held: [String: Any] = [:]
        for (name, client, path) in [
            ("orders", checkout, "/api/customer/orders"), ("services", provisioning, "/api/customer/accounts"),
            ("subscriptions", billing, "/api/customer/subscriptions"), ("invoices", billing, "/api/customer/invoices"),
            ("payments", billing, "/api/customer/payments"), ("emails", mail, "/api/customer/messages"),
        ] {
            let response = try await send(client, .GET, "\(path)?per_page=500", token: token, body: nil)
            held[name] = try JSONSerialization.jsonObject(with: Data(response.body.utf8))
        }
        return held
    }

    private func call<T: Decodable>(
        _ client: ExternalHTTPClient, _ method: HTTPMethod, _ path: String, token: String?,
        body: String? = nil
    ) async throws -> T {
        let response = try await send(client, method, path, token: token, body: body)
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(T.self, from: Data(response.body.utf8))
    }

    /// One call; a status outside 2xx is a ``ServiceCallError`` with the service's error code.
    func send(
        _ client: ExternalHTTPClient, _ method: HTTPMethod, _ path: String, token: String?,
        body: String?
    ) async throws -> ExternalResponse {
        let response: ExternalResponse
        do {
            response = try await client.send(
                method, path, headers: token.map { [("Authorization", "Bearer \($0)")] } ?? [],
                body: body, contentType: "application/json")
        } catch {
            throw PortalError.unavailable
        }
        guard (200..<300).contains(response.status) else {
            let error = try? JSONDecoder().decode(ErrorBody.self, from: Data(response.body.utf8)).error
            throw ServiceCallError(status: response.status, path: path, code: error?.code, message: error?.message)
        }
        return response
    }

    private struct ErrorBody: Decodable {
        struct Detail: Decodable {
            let code: String?
            let message: String?
        }
        let error: Detail
    }

    /// An answer whose body the portal does not need.
    private struct Acknowledged: Decodable {}

    private struct CancellationAnswer: Decodable {
        let effectiveOn: String
        enum CodingKeys: String, CodingKey { case effectiveOn = "effective_on" }
    }

    private struct InvoicePage: Decodable {
        let paymentPage: String?
        enum CodingKeys: String, CodingKey { case paymentPage = "payment_page" }
    }

    private struct Linked: Decodable {
        let customerID: UUID
        enum CodingKeys: String, CodingKey { case customerID = "customer_id" }
    }
}

/// Another service answered with an error.
struct ServiceCallError: Error, CustomStringConvertible {
    let status: Int
    let path: String
    /// The service's error code and message, when it sent its JSON error body.
    var code: String?
    var message: String?
    var description: String { "\(path) answered \(status) \(code ?? "")" }
}

extension PortalError {
    static let unavailable = PortalError(
        .serviceUnavailable, "This page cannot be shown right now. Please try again in a minute.")
    static let notLinked = PortalError(
        .conflict, "Your account is still being set up. Please reload this page in a moment.")
}
