import Crypto
import Foundation
import JWTKit

/// Signs customer tokens: held by the portal alone (`HOSTWIRE_PORTAL_SIGNING_KEY`).
public struct PortalTokenSigner: Sendable {
    private let keys: JWTKeyCollection
    public let lifetime: Duration
    /// How long a staff token works: the console signs one per request, the CLI one per command.
    public let staffLifetime: Duration

    /// `privateKey` is a raw Ed25519 private key in base64.
    public init(privateKey: String, lifetime: Duration = .seconds(60), staffLifetime: Duration = .seconds(300))
        async throws
    {
        guard let raw = Data(base64Encoded: privateKey) else { throw PortalTokenError.malformedKey }
        keys = JWTKeyCollection()
        await keys.add(eddsa: EdDSA.PrivateKey(backing: try Curve25519.Signing.PrivateKey(rawRepresentation: raw)))
        self.lifetime = lifetime
        self.staffLifetime = staffLifetime
    }

    /// A token naming `customer` (or, with `.link`, only the verified email).
    public func token(customer: UUID?, email: String, scope: CustomerScope = .customer, now: Date = Date()) async throws
        -> String
    {
        try await keys.sign(
            CustomerClaims(customerID: customer, email: email, scope: scope, issuedAt: now, lifetime: lifetime))
    }

    /// A token naming a staff member and their role, for the services' admin endpoints.
    public func staffToken(
        _ staff: UUID, email: String, role: StaffRole, scopes: [StaffPermission]? = nil,
        via: StaffClaims.Via, now: Date = Date()
    ) async throws -> String {
        try await keys.sign(
            StaffClaims(
                staffID: staff, email: email, role: role, scopes: scopes, via: via, issuedAt: now,
                lifetime: staffLifetime))
    }

    /// A new key pair, both base64: `privateKey` for the portal, `publicKey` for every service.
    public static func generateKeyPair() -> (privateKey: String, publicKey: String) {
        let key = Curve25519.Signing.PrivateKey()
        return (key.rawRepresentation.base64EncodedString(), key.publicKey.rawRepresentation.base64EncodedString())
    }
}

/// Verifies customer tokens: held by each service that serves customer-scoped endpoints
/// (`HOSTWIRE_CUSTOMER_TOKEN_KEY`, the portal's public key).
public struct PortalTokenVerifier: Sendable {
    private let keys: JWTKeyCollection

    /// `publicKey` is a raw Ed25519 public key in base64.
    public init(publicKey: String) async throws {
        guard let raw = Data(base64Encoded: publicKey) else { throw PortalTokenError.malformedKey }
        keys = JWTKeyCollection()
        await keys.add(eddsa: EdDSA.PublicKey(backing: try Curve25519.Signing.PublicKey(rawRepresentation: raw)))
    }

    /// The claims of `token` if the portal signed it, it has not expired and it has `scope`.
    public func verify(_ token: String, scope: CustomerScope) async throws(PortalTokenError) -> CustomerClaims {
        let claims: CustomerClaims
        do {
            claims = try await keys.verify(token, as: CustomerClaims.self)
        } catch {
            throw .invalid
        }
        guard claims.scope == scope else { throw .wrongScope }
        return claims
    }

    /// The claims of a staff `token` if the portal signed it and it has not expired.
    public func verifyStaff(_ token: String) async throws(PortalTokenError) -> StaffClaims {
        do {
            return try await keys.verify(token, as: StaffClaims.self)
        } catch {
            throw .invalid
        }
    }
}

public enum PortalTokenError: Error, Sendable {
    case malformedKey
    /// Not signed by the portal, expired, or unreadable.
    case invalid
    case wrongScope
}
