import Foundation
import Hummingbird
import Persistence
import PortalTokens

/// Customer-scoped endpoints (`/api/customer/…`): each call carries a short-lived token the
/// portal signed for one customer, and every query is bounded by that customer.
public struct CustomerAuthentication: Sendable {
    let verifier: PortalTokenVerifier

    public init(verifier: PortalTokenVerifier) {
        self.verifier = verifier
    }

    /// Reads `HOSTWIRE_CUSTOMER_TOKEN_KEY` (the portal's public key); without it the service
    /// serves no customer-scoped endpoint.
    public static func load(_ environment: Persistence.Environment = Persistence.Environment()) async throws
        -> CustomerAuthentication?
    {
        guard let key = environment.optional("HOSTWIRE_CUSTOMER_TOKEN_KEY") else { return nil }
        do {
            return CustomerAuthentication(verifier: try await PortalTokenVerifier(publicKey: key))
        } catch {
            throw SettingsError("HOSTWIRE_CUSTOMER_TOKEN_KEY is not a base64 Ed25519 public key")
        }
    }

    /// The verified claims of the request's bearer token: 401 without a valid one, 403 when
    /// it was issued for something else.
    public func claims(_ request: Request, scope: CustomerScope = .customer) async throws -> CustomerClaims {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else {
            throw APIError(.unauthorized, code: "unauthorized", "a customer token is required")
        }
        do {
            return try await verifier.verify(String(header.dropFirst(7)), scope: scope)
        } catch .wrongScope {
            throw APIError(.forbidden, code: "forbidden", "this token was issued for something else")
        } catch {
            throw APIError(.unauthorized, code: "unauthorized", "the customer token is not valid")
        }
    }

    /// The customer the request's token names.
    public func customer(_ request: Request) async throws -> UUID {
        // A `.customer` token always names one (CustomerClaims.verify).
        guard let id = try await claims(request).customerID else {
            throw APIError(.unauthorized, code: "unauthorized", "the customer token names no customer")
        }
        return id
    }
}
