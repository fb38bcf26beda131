import ExternalHTTP
import Foundation
import NIOHTTP1
import PortalTokens

/// The services' admin APIs as the console calls them: every call carries a token naming the
/// signed-in staff member and their role, so each service enforces the role itself and
/// records who changed what.
struct StaffAPIs: Sendable {
    /// The services the console reaches.
    enum Service: String, CaseIterable, Sendable {
        case checkout, provisioning, dnsssl, mail, billing, timer
    }

    private let signer: PortalTokenSigner
    private let calls: ServiceAPIs
    /// Reads: short, so a service that hangs shows on the dashboard as not answering without holding the page long.
    private let readers: [Service: ExternalHTTPClient]
    /// Changes: long enough for one that reaches a panel or the payment provider (a refund) to finish.
    private let writers: [Service: ExternalHTTPClient]

    init(settings: PortalSettings, calls: ServiceAPIs) {
        signer = settings.signer
        self.calls = calls
        let urls: [Service: String] = [
            .checkout: settings.checkoutURL, .provisioning: settings.provisioningURL,
            .dnsssl: settings.dnssslURL, .mail: settings.mailURL, .billing: settings.billingURL,
            .timer: settings.timerURL,
        ]
        readers = urls.mapValues { ExternalHTTPClient(baseURL: $0, timeout: .seconds(4)) }
        writers = urls.mapValues { ExternalHTTPClient(baseURL: $0, timeout: .seconds(30)) }
    }

    /// `path` of `service` read as the staff member, parsed as JSON.
    func get(_ service: Service, _ path: String, as staff: StaffSession) async throws -> Any {
        try await call(service, .GET, path, body: nil, as: staff)
    }

    /// A change asked of `service` as the staff member; a refusal is a ``ServiceCallError``.
    @discardableResult
    func post(_ service: Service, _ path: String, _ body: [String: Any], as staff: StaffSession) async throws -> Any {
        try await call(service, .POST, path, body: body, as: staff)
    }

    /// A change by another method (`PATCH`, `DELETE`).
    @discardableResult
    func call(
        _ service: Service, _ method: HTTPMethod, _ path: String, body: [String: Any]?,
        as staff: StaffSession
    ) async throws -> Any {
        let token = try await signer.staffToken(staff.staffID, email: staff.email, role: staff.role, via: .console)
        let text = try body.map { String(decoding: try JSONSerialization.data(withJSONObject: $0), as: UTF8.self) }
        let response = try await calls.send(
            (method == .GET ? readers : writers)[service]!, method, path, token: token, body: text)
        return (try? JSONSerialization.jsonObject(with: Data(response.body.utf8))) ?? [:]
    }
}
