import Contracts
import Crypto
import Foundation
import Hummingbird
import Logging
import Persistence
import PortalTokens

/// What a static API token may do: `admin` anything, `viewer` only read.
public enum APIRole: String, Sendable {
    case admin, viewer
}

/// Who may call a service's admin API: the static tokens of `HOSTWIRE_API_TOKENS`
/// (`role:token,role:token`, the bootstrap for the first owner and for scripts), and staff
/// tokens the portal signed, when the service holds the portal's public key.
public struct APITokens: Sendable {
    private let roles: [(digest: [UInt8], role: APIRole)]
    /// Verifies staff tokens (the portal's public key, `HOSTWIRE_CUSTOMER_TOKEN_KEY`).
    public var staff: PortalTokenVerifier?

    public init(_ entries: [(role: APIRole, token: String)], staff: PortalTokenVerifier? = nil) {
        roles = entries.map { (Array(SHA256.hash(data: Data($0.token.utf8))), $0.role) }
        self.staff = staff
    }

    public init(parsing text: String) throws {
        var entries: [(APIRole, String)] = []
        for item in text.split(separator: ",") {
            let parts = item.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, let role = APIRole(rawValue: parts[0]), parts[1].count >= 16 else {
                throw SettingsError(
                    "HOSTWIRE_API_TOKENS entries are role:token with role admin or viewer and a token of 16+ characters"
                )
            }
            entries.append((role, parts[1]))
        }
        self.init(entries)
    }

    /// Accepts staff tokens signed by the key `customers` verifies with (the portal's).
    public mutating func acceptStaff(_ customers: CustomerAuthentication?) {
        staff = customers?.verifier
    }

    /// The role of `token`; digests compared in constant time so timing says nothing.
    func role(of token: Substring) -> APIRole? {
        let digest = Array(SHA256.hash(data: Data(token.utf8)))
        var found: APIRole?
        for entry in roles {
            var difference: UInt8 = 0
            for (a, b) in zip(entry.digest, digest) { difference |= a ^ b }
            if difference == 0 { found = entry.role }
        }
        return found
    }
}

/// Requires `Authorization: Bearer <token>`: 401 without a known static token or a valid
/// staff token, 403 when the caller's role may not do what the request asks (``AdminPolicy``).
/// A staff caller's claims are put in the context, so what they change names them; a change
/// made with a token the console did not ask for is reported to the portal's audit log.
public struct BearerAuthMiddleware: RouterMiddleware {
    public typealias Context = ServiceRequestContext
    let tokens: APITokens
    let policy: AdminPolicy
    /// Records a staff member's change in the audit log (sends ``RecordStaffAction``); it
    /// logs its own failure, since the change stands either way.
    let audit: (@Sendable (RecordStaffAction) async -> Void)?

    public init(
        tokens: APITokens, policy: AdminPolicy = AdminPolicy(),
        recordingStaffActions audit: (@Sendable (RecordStaffAction) async -> Void)?
    ) {
        self.tokens = tokens
        self.policy = policy
        self.audit = audit
    }

    public func handle(
        _ request: Request, context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else {
            throw APIError(.unauthorized, code: "unauthorized", "a valid bearer token is required")
        }
        let token = header.dropFirst(7)
        let permission = policy.permission(request.method, request.uri.path)
        var context = context
        if let role = tokens.role(of: token) {
            if role != .admin && permission != .read {
                throw APIError(.forbidden, code: "forbidden", "this token may only read; changes need the admin role")
            }
        } else if let verifier = tokens.staff, let claims = try? await verifier.verifyStaff(String(token)) {
            guard claims.role.may(permission) else {
                throw APIError(
                    .forbidden, code: "forbidden",
                    "the \(claims.role.rawValue) role may not do this (it needs \(permission.rawValue))")
            }
            guard claims.allows(permission) else {
                throw APIError(
                    .forbidden, code: "forbidden", "this API key's scopes do not include \(permission.rawValue)")
            }
            context.staff = claims
        } else {
            throw APIError(.unauthorized, code: "unauthorized", "a valid bearer token is required")
        }
        let response = try await next(request, context)
        if let claims = context.staff, claims.via != .console, permission != .read, response.status.code < 400 {
            await report(claims, request, response, peer: context.remoteAddress?.ipAddress)
        }
        return response
    }

    /// Sends the change to the audit log after it committed. The service's own rows already
    /// name the staff member.
    private func report(_ claims: StaffClaims, _ request: Request, _ response: Response, peer: String?) async {
        guard let audit else { return }
        let action = RecordStaffAction(
            staffID: claims.staffID, actor: claims.actor, role: claims.role.rawValue, address: peer,
            method: request.method.rawValue, path: String(request.uri.path.prefix(500)),
            status: Int(response.status.code), at: Date())
        await audit(action)
    }
}
