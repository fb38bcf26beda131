import Contracts
import Foundation
import Tasks

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

struct SuspendAccountTask: AccountActionTask {
    static let taskType = "suspend-account"
    static let maxAttempts = 12
    static let action = AccountAction.suspend
    let accountID: UUID
    let reason: String
    var actionID: UUID?
    var actor: String?
    var detail: String? { reason }
    enum CodingKeys: String, CodingKey {
        case accountID = "account_id"
        case reason
        case actionID = "action_id"
        case actor
    }
}

struct UnsuspendAccountTask: AccountActionTask {
    static let taskType = "unsuspend-account"
    static let maxAttempts = 12
    static let action = AccountAction.unsuspend
    let accountID: UUID
    let onlyIfSuspendedFor: String?
    var actionID: UUID?
    var actor: String?
    var detail: String? { onlyIfSuspendedFor }
    enum CodingKeys: String, CodingKey {
        case accountID = "account_id"
        case onlyIfSuspendedFor = "only_if_suspended_for"
        case actionID = "action_id"
        case actor
    }
}

struct TerminateAccountTask: AccountActionTask {
    static let taskType = "terminate-account"
    static let maxAttempts = 12
    static let action = AccountAction.terminate
    let accountID: UUID
    var actionID: UUID?
    var actor: String?
    var detail: String? { nil }
    enum CodingKeys: String, CodingKey {
        case accountID = "account_id"
        case actionID = "action_id"
        case actor
    }
}

/// A plan change without charge (an operator's override; paid upgrades go through billing).
struct ChangePackageTask: AccountActionTask {
    static let taskType = "change-package"
    static let maxAttempts = 12
    static let action = AccountAction.changePackage
    let accountID: UUID
    let plan: String
    var actionID: UUID?
    var actor: String?
    /// The new product's limits (a paid plan change); `nil`: the account keeps its own.
    var limits: AccountLimits? = nil
    var detail: String? { plan }
    enum CodingKeys: String, CodingKey {
        case accountID = "account_id"
        case plan
        case actionID = "action_id"
        case actor, limits
    }
}

/// A new panel password: generated and mailed (sealed) to the customer, or the one the
/// customer chose in the portal, kept sealed with provisioning's own key until it is set.
struct ChangePasswordTask: AccountActionTask {
    static let taskType = "change-password"
    static let maxAttempts = 12
    static let action = AccountAction.resetPassword
    let accountID: UUID
    var actionID: UUID?
    var actor: String?
    /// The customer's chosen password, sealed (`CredentialCipher`); `nil`: generate one and mail it.
    var chosenPassword: String? = nil
    var detail: String? { chosenPassword == nil ? nil : "chosen by the customer" }
    enum CodingKeys: String, CodingKey {
        case accountID = "account_id"
        case actionID = "action_id"
        case actor
        case chosenPassword = "chosen_password"
    }
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
        case accountID = "account_id"
        case certificateID = "certificate_id"
        case certificate, chain
        case sealedPrivateKey = "sealed_private_key"
    }
}
