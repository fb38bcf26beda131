import Foundation

/// The portal wants a single-use link emailed to a person: to verify their address after
/// sign-up, or to reset their password.
public struct EmailLinkRequested: Event {
    public static let wireName = "person.email-link-requested"
    public static let publisher = "portal"

    public enum Purpose: String, Codable, Sendable {
        case verify, reset
        /// An invitation to the staff console (`person_id` is then the staff member's id).
        case staffInvitation = "staff-invitation"
        /// A new address the person wants to use; `email` is that address.
        case emailChange = "email-change"
    }

    public var personID: UUID
    public var email: String
    public var name: String
    public var purpose: Purpose
    /// The link, sealed for the mail service alone (purpose `portal.link`): whoever reads it
    /// can verify the address or set the password, so it never crosses the bus in clear.
    public var sealedLink: String

    public init(personID: UUID, email: String, name: String, purpose: Purpose, sealedLink: String) {
        self.personID = personID
        self.email = email
        self.name = name
        self.purpose = purpose
        self.sealedLink = sealedLink
    }

    enum CodingKeys: String, CodingKey {
        case personID = "person_id"
        case email, name, purpose
        case sealedLink = "sealed_link"
    }
}
