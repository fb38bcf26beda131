import Foundation

/// Someone signed up at the portal: mail sends them the link that verifies their address.
public struct EmailVerificationRequested: Event {
    public static let wireName = "person.verification-requested"
    public static let publisher = "portal"
    public var personID: UUID
    public var email: String
    public var name: String
    /// The verification link, sealed for the mail service alone (purpose `portal.link`):
    /// whoever reads it can verify the address, so it never crosses the bus in clear.
    public var sealedLink: String
    public init(personID: UUID, email: String, name: String, sealedLink: String) {
        self.personID = personID
        self.email = email
        self.name = name
        self.sealedLink = sealedLink
    }
    enum CodingKeys: String, CodingKey { case personID = "person_id", email, name, sealedLink = "sealed_link" }
}

/// Someone asked to reset a portal password: mail sends the single-use link.
public struct PasswordResetRequested: Event {
    public static let wireName = "person.password-reset-requested"
    public static let publisher = "portal"
    public var personID: UUID
    public var email: String
    public var name: String
    /// The reset link, sealed for the mail service alone (purpose `portal.link`).
    public var sealedLink: String
    public init(personID: UUID, email: String, name: String, sealedLink: String) {
        self.personID = personID
        self.email = email
        self.name = name
        self.sealedLink = sealedLink
    }
    enum CodingKeys: String, CodingKey { case personID = "person_id", email, name, sealedLink = "sealed_link" }
}
