import Foundation
import Messaging

/// Create the account on its panel (all steps), then publish `account.provisioned`.
struct ProvisionAccountTask: TaskPayload {
    static let taskType = "provision-account"
    static let maxAttempts = 12
    let accountID: UUID
    enum CodingKeys: String, CodingKey { case accountID = "account_id" }
}

/// Remove what a failed provisioning left on the panel.
struct RollbackAccountTask: TaskPayload {
    static let taskType = "rollback-account"
    static let maxAttempts = 20
    let accountID: UUID
    enum CodingKeys: String, CodingKey { case accountID = "account_id" }
}

struct SuspendAccountTask: TaskPayload {
    static let taskType = "suspend-account"
    static let maxAttempts = 12
    let accountID: UUID
    let reason: String
    enum CodingKeys: String, CodingKey { case accountID = "account_id", reason }
}

struct UnsuspendAccountTask: TaskPayload {
    static let taskType = "unsuspend-account"
    static let maxAttempts = 12
    let accountID: UUID
    let onlyIfSuspendedFor: String?
    enum CodingKeys: String, CodingKey { case accountID = "account_id", onlyIfSuspendedFor = "only_if_suspended_for" }
}

struct TerminateAccountTask: TaskPayload {
    static let taskType = "terminate-account"
    static let maxAttempts = 12
    let accountID: UUID
    enum CodingKeys: String, CodingKey { case accountID = "account_id" }
}

struct ChangePackageTask: TaskPayload {
    static let taskType = "change-package"
    static let maxAttempts = 12
    let accountID: UUID
    let plan: String
    enum CodingKeys: String, CodingKey { case accountID = "account_id", plan }
}

struct ChangePasswordTask: TaskPayload {
    static let taskType = "change-password"
    static let maxAttempts = 12
    let accountID: UUID
    enum CodingKeys: String, CodingKey { case accountID = "account_id" }
}

/// Install a certificate issued by DNS/SSL on the account's panel. The key stays sealed for
/// provisioning in the task row and is opened only to install it.
struct InstallCertificateTask: TaskPayload {
    static let taskType = "install-certificate"
    static let maxAttempts = 12
    let accountID: UUID
    let certificateID: UUID
    let certificate: String
    let chain: String
    let sealedPrivateKey: String
    enum CodingKeys: String, CodingKey {
        case accountID = "account_id", certificateID = "certificate_id", certificate, chain, sealedPrivateKey = "sealed_private_key"
    }
}
