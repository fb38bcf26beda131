import Foundation
import JWTKit

/// What a portal-signed staff token asserts: which staff member calls, in which role, until when.
///
/// The console and the CLI exchange a login or an API key at the portal for one of these;
/// every service checks it and enforces the role itself, so a call made with the CLI is as
/// accountable as one made in the console.
public struct StaffClaims: JWTPayload, Equatable {
    /// Tells a staff token from a customer's: the two are signed by the same key.
    public static let audienceName = "hostwire-staff"

    public var staffID: UUID
    public var email: String
    public var role: StaffRole
    /// What an API key's token is limited to, within the role; `nil` for a login's token.
    public var scopes: [StaffPermission]?
    /// Where the token was issued: the console audits what it asks itself; for any other
    /// (an API key's, `nil` included) the service reports each change to the audit log.
    public var via: Via?
    public var audience: AudienceClaim
    public var issuer: IssuerClaim
    public var issuedAt: IssuedAtClaim
    public var expiration: ExpirationClaim

    /// Where a staff token was issued.
    public enum Via: String, Codable, Sendable {
        /// To the console, for a signed-in staff member's page.
        case console
        /// In exchange for a personal API key (the CLI, scripts).
        case apiKey = "api-key"
    }

    public init(
        staffID: UUID, email: String, role: StaffRole, scopes: [StaffPermission]? = nil, via: Via? = nil,
        issuedAt: Date, lifetime: Duration
    ) {
        self.staffID = staffID
        self.email = email
        self.role = role
        self.scopes = scopes
        self.via = via
        self.audience = .init(value: Self.audienceName)
        self.issuer = .init(value: CustomerClaims.issuerName)
        self.issuedAt = .init(value: issuedAt)
        self.expiration = .init(value: issuedAt.addingTimeInterval(Double(lifetime.components.seconds)))
    }

    public func verify(using algorithm: some JWTAlgorithm) throws {
        try expiration.verifyNotExpired()
        try audience.verifyIntendedAudience(includes: Self.audienceName)
        guard issuer.value == CustomerClaims.issuerName else {
            throw JWTError.claimVerificationFailure(failedClaim: issuer, reason: "not issued by the portal")
        }
    }

    /// Whether the token allows `permission`: the role must, and the key's scopes, if any.
    public func allows(_ permission: StaffPermission) -> Bool {
        role.may(permission) && (scopes?.contains(permission) ?? true)
    }

    /// How the staff member is named in what their calls change (`actor` columns, the audit log).
    public var actor: String { "staff:\(email)" }

    enum CodingKeys: String, CodingKey {
        case staffID = "sub"
        case email, role, scopes, via
        case audience = "aud"
        case issuer = "iss"
        case issuedAt = "iat"
        case expiration = "exp"
    }
}
