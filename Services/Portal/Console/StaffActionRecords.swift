import Contracts
import Foundation
import PortalTokens
import PostgresNIO
import ServiceKit
import WireCodec

/// Writes the changes the services report (``RecordStaffAction``) into the audit log, as
/// `api-call` entries whose target names the service, method and path.
enum StaffActionRecords {
    static func register(in definition: inout ServiceDefinition) {
        definition.handlers.handle(RecordStaffAction.self) { action, transaction in
            guard let message = transaction.message else { return }
            // The sender is authenticated on the bus; its words are still bounded before they are kept.
            let role = StaffRole(rawValue: action.role)?.rawValue
            let target = "\(message.source) \(action.method.prefix(10)) \(action.path.prefix(500))"
            let after = AuditEntry.json(["status": action.status, "service": message.source])
            try await AuditLog.record(
                AuditEntry(
                    at: action.at, staffID: action.staffID, actor: String(action.actor.prefix(330)), role: role,
                    address: action.address.map { String($0.prefix(64)) }, action: "api-call", target: target,
                    reason: nil, before: nil, after: after),
                reportedIn: message.id, in: transaction)
        }
    }
}
