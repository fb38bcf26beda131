import Foundation
import HTTPSupport
import Hummingbird
import PortalTokens

/// Exchanges a staff API key for a short-lived staff token (`POST /api/portal/staff/token`
/// with `Authorization: Bearer hwk_…`): how the CLI and scripts act as a staff member, with
/// the key's scopes within their role.
struct StaffTokenController: Sendable {
    let keys: StaffAPIKeys
    let signer: PortalTokenSigner
    let addresses: ClientAddress

    struct Answer: Encodable {
        let token: String
        let role: String
        let scopes: [String]
        let expiresIn: Int
        enum CodingKeys: String, CodingKey {
            case token, role, scopes
            case expiresIn = "expires_in"
        }
    }

    func addRoutes(to api: RouterGroup<ServiceRequestContext>) {
        api.post("staff/token") { request, context in
            guard let header = request.headers[.authorization], header.hasPrefix("Bearer "),
                let holder = try await keys.use(
                    String(header.dropFirst(7)),
                    from: addresses.of(request, peer: context.remoteAddress?.ipAddress))
            else {
                throw APIError(
                    .unauthorized, code: "unauthorized",
                    "a live staff API key, used from an address it allows, is required")
            }
            let token = try await signer.staffToken(
                holder.staffID, email: holder.email, role: holder.role, scopes: holder.scopes, via: .apiKey)
            return APIResponse.json(
                Answer(
                    token: token, role: holder.role.rawValue, scopes: holder.scopes.map(\.rawValue),
                    expiresIn: Int(signer.staffLifetime.components.seconds)))
        }
    }
}
