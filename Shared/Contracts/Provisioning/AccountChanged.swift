import Foundation

/// The panel suspended the account.
public struct AccountSuspended: Event {
    public static let wireName = "account.suspended"
    public static let publisher = "provisioning"
    public var accountID: UUID
    public var domain: String
    public var reason: String
    /// Who asked, as the command said.
    public var actor: String?
    public init(accountID: UUID, domain: String, reason: String, actor: String?) {
        self.accountID = accountID
        self.domain = domain
        self.reason = reason
        self.actor = actor
    }
    enum CodingKeys: String, CodingKey {
        case accountID = "account_id"
        case domain, reason, actor
    }
}

public struct AccountUnsuspended: Event {
    public static let wireName = "account.unsuspended"
    public static let publisher = "provisioning"
    public var accountID: UUID
    public var domain: String
    public var actor: String?
    public init(accountID: UUID, domain: String, actor: String?) {
        self.accountID = accountID
        self.domain = domain
        self.actor = actor
    }
    enum CodingKeys: String, CodingKey {
        case accountID = "account_id"
        case domain, actor
    }
}

/// The account is gone from its panel: DNS and certificates follow it.
public struct AccountTerminated: Event {
    public static let wireName = "account.terminated"
    public static let publisher = "provisioning"
    public var accountID: UUID
    public var domain: String
    public var actor: String?
    public init(accountID: UUID, domain: String, actor: String?) {
        self.accountID = accountID
        self.domain = domain
        self.actor = actor
    }
    enum CodingKeys: String, CodingKey {
        case accountID = "account_id"
        case domain, actor
    }
}

public struct AccountPackageChanged: Event {
    public static let wireName = "account.package-changed"
    public static let publisher = "provisioning"
    public var accountID: UUID
    public var plan: String
    public var actor: String?
    public init(accountID: UUID, plan: String, actor: String?) {
        self.accountID = accountID
        self.plan = plan
        self.actor = actor
    }
    enum CodingKeys: String, CodingKey {
        case accountID = "account_id"
        case plan, actor
    }
}

public struct AccountPasswordChanged: Event {
    public static let wireName = "account.password-changed"
    public static let publisher = "provisioning"
    public var accountID: UUID
    public var contactEmail: String
    /// Sealed for the mail service alone, as in ``AccountProvisioned``.
    public var sealedPassword: String?
    public var actor: String?
    public init(accountID: UUID, contactEmail: String, sealedPassword: String?, actor: String?) {
        self.accountID = accountID
        self.contactEmail = contactEmail
        self.sealedPassword = sealedPassword
        self.actor = actor
    }
    enum CodingKeys: String, CodingKey {
        case accountID = "account_id"
        case contactEmail = "contact_email"
        case sealedPassword = "sealed_password"
        case actor
    }
}
