import Foundation

/// Put a change a staff member made through a service's API, outside the console (the CLI,
/// a script with an API key), in the portal's audit log: what the console asks it audits
/// itself, with the reason given; this makes every other change as accountable.
public struct RecordStaffAction: Command {
    public static let wireName = "record-staff-action"
    public static let queue = "portal"

    public var staffID: UUID
    /// `staff:<email>`, as the service recorded the change in its own rows.
    public var actor: String
    public var role: String
    /// The caller's address as the service saw it.
    public var address: String?
    public var method: String
    public var path: String
    /// The HTTP status the service answered (a change that went through: 2xx or 3xx).
    public var status: Int
    public var at: Date

    public init(
        staffID: UUID, actor: String, role: String, address: String?, method: String, path: String, status: Int,
        at: Date
    ) {
        self.staffID = staffID
        self.actor = actor
        self.role = role
        self.address = address
        self.method = method
        self.path = path
        self.status = status
        self.at = at
    }

    enum CodingKeys: String, CodingKey {
        case staffID = "staff_id"
        case actor, role, address, method, path, status, at
    }
}
