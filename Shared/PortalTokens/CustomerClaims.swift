import Foundation
import JWTKit

/// What a portal-signed token asserts: which customer (and email) a call is made for, what
/// it may do, and until when.
///
/// Services trust nothing else about a customer-scoped call: the portal's bugs cannot widen
/// what one customer sees, because every query is bounded by the token's subject.
public struct CustomerClaims: JWTPayload, Equatable {
    /// The only issuer services accept.
    public static let issuerName = "hostwire-portal"

    /// Checkout's customer id; absent on a `link` token, which asks for one.
    public var customerID: UUID?
    /// The customer's verified email address.
    public var email: String
    public var scope: CustomerScope
    public var issuer: IssuerClaim
    public var issuedAt: IssuedAtClaim
    public var expiration: ExpirationClaim

    public init(customerID: UUID?, email: String, scope: CustomerScope, issuedAt: Date, lifetime: Duration) {
        self.customerID = customerID
        self.email = email
        self.scope = scope
        self.issuer = .init(value: Self.issuerName)
        self.issuedAt = .init(value: issuedAt)
        self.expiration = .init(value: issuedAt.addingTimeInterval(Double(lifetime.components.seconds)))
    }

    public func verify(using algorithm: some JWTAlgorithm) throws {
        try expiration.verifyNotExpired()
        guard issuer.value == Self.issuerName else {
            throw JWTError.claimVerificationFailure(failedClaim: issuer, reason: "not issued by the portal")
        }
        if scope == .customer, customerID == nil {
            throw JWTError.claimVerificationFailure(
                failedClaim: expiration, reason: "a customer token names its customer")
        }
    }

    enum CodingKeys: String, CodingKey {
        case customerID = "sub"
        case email, scope
        case issuer = "iss"
        case issuedAt = "iat"
        case expiration = "exp"
    }
}

/// What a customer token allows.
public enum CustomerScope: String, Codable, Sendable {
    /// Read and act on the named customer's own data.
    case customer
    /// Find or create checkout's customer for a verified email (the portal's sign-up).
    case link
}
