import Foundation
import HTTPSupport
import Hummingbird
import PortalTokens
import Validation

/// The bootstrap: with a static admin token (`HOSTWIRE_API_TOKENS`), invite a staff member —
/// how the first owner is made (`hostwire staff invite`). Everything after is done in the console.
struct StaffInvitationsController: Sendable {
    let invitations: StaffInvitations
    let audit: AuditLog

    func addRoutes(to api: RouterGroup<ServiceRequestContext>) {
        api.post("staff/invitations") { request, context in
            struct Body: Decodable {
                let email: String
                let name: String
                let role: StaffRole
            }
            let body = try await APIResponse.decode(Body.self, from: request)
            guard let email = try? EmailAddress(body.email) else {
                throw APIError.invalid("email", "email is an address we can write to")
            }
            let name = body.name.trimmingCharacters(in: .whitespaces)
            guard (1...200).contains(name.count) else { throw APIError.invalid("name", "name is 1 to 200 characters") }
            guard
                let url = try await invitations.invite(
                    email: email.address, name: name, role: body.role, by: "bootstrap-token")
            else {
                throw APIError.conflict("staff_exists", "\(email.address) is staff already")
            }
            try await audit.record(
                AuditEntry(
                    staffID: nil, actor: "bootstrap-token", role: nil,
                    address: context.remoteAddress?.ipAddress, action: "staff.invited",
                    target: "staff:\(email.address)", reason: nil, before: nil,
                    after: AuditEntry.json(["role": body.role.rawValue, "name": name])))
            return APIResponse.json(
                ["email": email.address, "role": body.role.rawValue, "invitation_url": url], status: .created)
        }
    }
}
