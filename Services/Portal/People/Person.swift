import Contracts
import Foundation
import Secrets

/// Someone who can log in to the portal.
struct Person: Sendable {
    let id: UUID
    let email: String
    let name: String
    let passwordHash: String
    /// Checkout's customer, once the address is verified and linked.
    let customerID: UUID?
    let verifiedAt: Date?
    /// The TOTP secret, sealed; set while two-factor is being turned on and while it is on.
    let totpSecretSealed: String?
    let totpEnabledAt: Date?

    var isVerified: Bool { verifiedAt != nil }
    var hasTwoFactor: Bool { totpEnabledAt != nil }
}

/// What a single-use email link is for: the purpose the portal's event names.
typealias EmailLinkPurpose = EmailLinkRequested.Purpose

extension EmailLinkPurpose {
    /// How long a link works.
    var lifetime: Duration {
        switch self {
        case .verify, .emailChange: .seconds(24 * 3600)
        case .reset: .seconds(3600)
        case .staffInvitation: .seconds(72 * 3600)
        }
    }
}

/// A link about to be emailed: its token's hash is stored, the link itself travels sealed.
struct NewEmailLink: Sendable {
    let purpose: EmailLinkPurpose
    let tokenHash: String
    let sealedLink: String

    /// A new link to `path` with a random token; `url` is the link in clear, for who must see it once.
    static func make(_ purpose: EmailLinkPurpose, path: String, settings: PortalSettings) throws -> (
        link: NewEmailLink, url: String
    ) {
        let token = RandomToken.make()
        let url = "\(settings.publicURL)\(path)?token=\(token)"
        return (
            NewEmailLink(
                purpose: purpose, tokenHash: SecretDigest.hex(token), sealedLink: try settings.linkSealer.seal(url)),
            url
        )
    }
}
