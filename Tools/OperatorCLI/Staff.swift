import ArgumentParser
import Foundation
import NIOHTTP1

/// Staff of the console. Only the first owner is made here, with the bootstrap token; owners
/// invite everyone else in the console.
struct Staff: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The console's staff: invite the first owner.", subcommands: [Invite.self])

    struct Invite: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Invite a staff member (the bootstrap token only): the invitation is emailed, and its link printed.")
        @OptionGroup var common: CommonOptions
        @Option(help: "Their email address.") var email: String
        @Option(help: "Their name.") var name: String
        @Option(help: "owner, admin, support, billing or viewer.") var role = "owner"
        func run() async throws {
            let invited = try await common.client.call(
                .POST, "portal", "/api/portal/staff/invitations",
                body: ["email": email, "name": name, "role": role])
            try common.show(invited, columns: ["email", "role", "invitation_url"])
        }
    }
}
