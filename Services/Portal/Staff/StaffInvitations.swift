import Contracts
import Foundation
import PortalTokens

/// Invites staff: the member is stored with the link's hash and the link is emailed (sealed
/// for mail), in one transaction.
struct StaffInvitations: Sendable {
    let staff: any StaffRepository
    let settings: PortalSettings

    /// The invitation link in clear (for the bootstrap API alone to show), or `nil` when the address is staff already.
    func invite(email: String, name: String, role: StaffRole, by inviter: String) async throws -> String? {
        let (link, url) = try NewEmailLink.make(.staffInvitation, path: "/console/invitation", settings: settings)
        return try await staff.invite(email: email, name: name, role: role, link: link, invitedBy: inviter) == nil
            ? nil : url
    }
}
