import Foundation
import PortalTokens

/// A staff member's personal API key, as listed (the key itself is shown once, at creation).
struct StaffAPIKey: Sendable {
    let id: UUID
    let staffID: UUID
    let name: String
    /// The key's first characters, to tell keys apart.
    let prefix: String
    let scopes: [StaffPermission]
    let allowedNetworks: [String]
    let createdAt: Date
    let lastUsedAt: Date?
    let revokedAt: Date?

    /// `hwk_` and 43 characters of 256 random bits.
    static func newKey() -> String { "hwk_" + RandomToken.make() }
}
