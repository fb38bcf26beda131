import Foundation
import PortalTokens

/// How the console writes what the services answer.
enum ConsoleText {
    /// A service's ISO 8601 time as the portal writes times; a dash when there is none.
    static func time(_ value: Any?) -> String {
        guard let text = value as? String,
            let date = (try? Date(text, strategy: .iso8601))
                ?? (try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text))
        else { return "—" }
        return AccountController.dateTime(date)
    }

    /// What a page says when a service refused a staff member's change: for a 403 the role
    /// that may not (the service decided, the page only explains), else the service's words.
    static func refusal(_ error: ServiceCallError, by staff: StaffSession, what: String) -> String {
        guard error.status != 403 else { return "Your role (\(staff.role.rawValue)) may not \(what)." }
        return error.message ?? "The change was refused (\(error.code ?? "\(error.status)"))."
    }
}
