import Foundation
import PortalTokens

/// What a console session remembers. Stricter than a customer's: it ends after 30 minutes
/// without a request and 12 hours after login, whatever happens.
struct StaffSession: Codable, Sendable {
    var staffID: UUID
    var email: String
    var name: String
    var role: StaffRole
    var signedInAt: Date
    var address: String
    var userAgent: String
    /// Where the login stands: the password was right, the second factor is still to be set up or given.
    var stage: Stage

    enum Stage: String, Codable, Sendable {
        case secondFactorSetup, secondFactor, signedIn
    }

    static let idleTimeout: Duration = .seconds(30 * 60)
    static let absoluteTimeout: TimeInterval = 12 * 3600

    var isSignedIn: Bool { stage == .signedIn && Date().timeIntervalSince(signedInAt) < Self.absoluteTimeout }
}
