import Foundation
import PortalTokens

/// Someone of the hosting company who signs in to the console.
struct StaffMember: Sendable {
    let id: UUID
    let email: String
    let name: String
    let role: StaffRole
    /// Unset until the invitation is accepted.
    let passwordHash: String?
    /// Sealed; set while two-factor is being set up and while it is on.
    let totpSecretSealed: String?
    let totpEnabledAt: Date?
    let disabledAt: Date?
    let lastLoginAt: Date?
    let invitedBy: String

    var hasTwoFactor: Bool { totpEnabledAt != nil }
    var isActive: Bool { disabledAt == nil && passwordHash != nil }
}
