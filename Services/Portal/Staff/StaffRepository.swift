import Foundation
import PortalTokens

/// The console's staff members, their invitations and second factors.
protocol StaffRepository: SecondFactorStore {
    func member(id: UUID) async throws -> StaffMember?
    func member(email: String) async throws -> StaffMember?
    func all() async throws -> [StaffMember]
    /// Invites `email` in `role` and has the link emailed, at once; `nil` when the address is staff already.
    func invite(email: String, name: String, role: StaffRole, link: NewEmailLink, invitedBy: String) async throws
        -> StaffMember?
    /// The member a live invitation belongs to (the invitation stays unused).
    func invitee(invitationHash: String) async throws -> StaffMember?
    /// Uses a live invitation once, setting the password; `nil` for an unknown, used or expired one.
    func accept(invitationHash: String, passwordHash: String) async throws -> StaffMember?
    func startTwoFactor(_ member: UUID, sealedSecret: String) async throws
    /// Puts the stored secret in force with new recovery codes; `false` when there was nothing to turn on.
    func enableTwoFactor(_ member: UUID, step: Int64, recoveryCodeHashes: [String]) async throws -> Bool
    func recordLogin(_ member: UUID) async throws
    /// Disables a member and ends their sessions; `false` when there is no such active member.
    func disable(_ member: UUID) async throws -> Bool
}
