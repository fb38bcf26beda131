import HTTPSupport

/// What the portal lets one address or one account try, and how often.
extension RateLimiter.Limit {
    static let loginPerAddress = Self(action: "login", count: 20, window: .seconds(600))
    static let failedLoginPerEmail = Self(action: "login-failed", count: 10, window: .seconds(900))
    static let signUpPerAddress = Self(action: "sign-up", count: 10, window: .seconds(3600))
    static let resetPerAddress = Self(action: "reset", count: 10, window: .seconds(3600))
    static let resetPerEmail = Self(action: "reset-email", count: 3, window: .seconds(3600))
}

extension RateLimiter.Limit {
    /// Staff logins: five wrong passwords or codes lock the account out for 15 minutes.
    static let staffLoginPerAddress = Self(action: "staff-login", count: 20, window: .seconds(600))
    static let staffFailedLogin = Self(action: "staff-login-failed", count: 5, window: .seconds(900))
}
