import Foundation

/// What a signed-in session remembers: who, since when, from where.
struct PortalSession: Codable, Sendable {
    var personID: UUID
    /// Checkout's customer, once linked; pages that show services or invoices need it.
    var customerID: UUID?
    var email: String
    var name: String
    var signedInAt: Date
    var address: String
    var userAgent: String
    /// The password was right but the second factor is still to be given: nothing opens yet.
    var secondFactorPending = false
    /// Set when staff opened this session with "log in as" (their name and role): the pages say so.
    var staffViewer: String? = nil
}
