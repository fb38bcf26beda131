import ArgumentParser
import Foundation
import NIOHTTP1

/// Who is asking: stored with every change an operator makes.
struct ActorOption: ParsableArguments {
    @Option(help: "Who is asking, stored with the change (default: HOSTWIRE_ACTOR, else $USER).")
    var actor: String?

    var name: String {
        let environment = ProcessInfo.processInfo.environment
        return actor ?? environment["HOSTWIRE_ACTOR"] ?? environment["USER"] ?? "operator"
    }
}

struct Accounts: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Hosting accounts: list, show, the changes asked of one, and an operator's controls.",
        subcommands: [
            List.self, Show.self, Actions.self, Suspend.self, Unsuspend.self, Terminate.self, ChangePackage.self,
            ResetPassword.self,
        ])
    static let columns = ["id", "domain", "status", "plan", "username", "suspend_reason", "created_at"]
    static let actionColumns = ["id", "action", "detail", "actor", "status", "requested_at", "finished_at"]

    struct List: AsyncParsableCommand {
        @OptionGroup var common: CommonOptions
        @Option(help: "provisioning, active, suspended, terminated or failed") var status: String?
        func run() async throws {
            let page = try await common.client.call(
                .GET, "provisioning", "/api/accounts" + (status.map { "?status=\($0)" } ?? ""))
            try common.show(
                common.json ? page : ((page as? [String: Any])?["items"] ?? page), columns: Accounts.columns)
        }
    }

    struct Show: AsyncParsableCommand {
        @OptionGroup var common: CommonOptions
        @Argument var id: String
        func run() async throws {
            try common.show(
                try await common.client.call(.GET, "provisioning", "/api/accounts/\(id)"), columns: Accounts.columns)
        }
    }

    struct Actions: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The changes asked of an account: who, what, how it ended.")
        @OptionGroup var common: CommonOptions
        @Argument var id: String
        func run() async throws {
            let page = try await common.client.call(.GET, "provisioning", "/api/accounts/\(id)/actions")
            try common.show(
                common.json ? page : ((page as? [String: Any])?["items"] ?? []), columns: Accounts.actionColumns)
        }
    }

    /// Asks provisioning for one change; it is queued and carried out by a retried task.
    static func request(
        _ action: String, _ id: String, _ common: CommonOptions, _ actor: ActorOption,
        _ extra: [String: Any] = [:]
    ) async throws {
        let body = extra.merging(["actor": actor.name]) { $1 }
        try common.show(
            try await common.client.call(.POST, "provisioning", "/api/accounts/\(id)/\(action)", body: body),
            columns: actionColumns)
    }

    struct Suspend: AsyncParsableCommand {
        @OptionGroup var common: CommonOptions
        @OptionGroup var actor: ActorOption
        @Argument var id: String
        @Option(help: "Why, as the panel and the customer see it.") var reason: String
        func run() async throws { try await Accounts.request("suspend", id, common, actor, ["reason": reason]) }
    }

    struct Unsuspend: AsyncParsableCommand {
        @OptionGroup var common: CommonOptions
        @OptionGroup var actor: ActorOption
        @Argument var id: String
        func run() async throws { try await Accounts.request("unsuspend", id, common, actor) }
    }

    struct Terminate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove the account and its files from its panel.")
        @OptionGroup var common: CommonOptions
        @OptionGroup var actor: ActorOption
        @Argument var id: String
        func run() async throws { try await Accounts.request("terminate", id, common, actor) }
    }

    struct ChangePackage: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "change-package",
            abstract: "Move the account to another panel package, without charge.")
        @OptionGroup var common: CommonOptions
        @OptionGroup var actor: ActorOption
        @Argument var id: String
        @Option(help: "The panel's package name.") var plan: String
        func run() async throws { try await Accounts.request("change-package", id, common, actor, ["plan": plan]) }
    }

    struct ResetPassword: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "reset-password",
            abstract: "Give the account a new password; the customer gets it by mail.")
        @OptionGroup var common: CommonOptions
        @OptionGroup var actor: ActorOption
        @Argument var id: String
        func run() async throws { try await Accounts.request("reset-password", id, common, actor) }
    }
}

struct Subscriptions: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Billing's subscriptions: cancel, or take back a pending cancellation.",
        subcommands: [Cancel.self, Withdraw.self])

    struct Cancel: AsyncParsableCommand {
        @OptionGroup var common: CommonOptions
        @OptionGroup var actor: ActorOption
        @Argument var id: String
        @Option(help: "now, or end_of_term (the first day not paid for)") var when = "end_of_term"
        func validate() throws {
            guard ["now", "end_of_term"].contains(when) else { throw ValidationError("--when is now or end_of_term") }
        }
        func run() async throws {
            try common.show(
                try await common.client.call(
                    .POST, "billing", "/api/billing/subscriptions/\(id)/cancellation",
                    body: ["when": when, "actor": actor.name]),
                columns: ["subscription_id", "effective_on", "status"])
        }
    }

    struct Withdraw: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Take back a cancellation not yet in effect.")
        @OptionGroup var common: CommonOptions
        @Argument var id: String
        func run() async throws {
            _ = try await common.client.call(.DELETE, "billing", "/api/billing/subscriptions/\(id)/cancellation")
            print("cancellation of \(id) withdrawn")
        }
    }
}
