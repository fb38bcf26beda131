import ArgumentParser
import NIOHTTP1

/// `hostwire dead-letters`: messages a service could not decode or handle, and their replay.
struct DeadLetters: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dead-letters",
        abstract: "A service's dead letters: list, show, replay.",
        subcommands: [List.self, Show.self, Replay.self])
    static let services = ["checkout", "provisioning", "dnsssl", "mail", "billing", "timer"]
    static let columns = ["id", "received_at", "type", "source", "reason", "replayed_at"]

    struct Service: ParsableArguments {
        @Option(help: "\(DeadLetters.services.joined(separator: ", "))") var service: String
        var path: String { "/api/\(service)/dead-letters" }
        func validate() throws {
            guard DeadLetters.services.contains(service) else {
                throw ValidationError("--service is one of \(DeadLetters.services.joined(separator: ", "))")
            }
        }
    }

    struct List: AsyncParsableCommand {
        @OptionGroup var common: CommonOptions
        @OptionGroup var target: Service
        @Flag(help: "Only letters not replayed yet.") var waiting = false
        func run() async throws {
            let page = try await common.client.call(
                .GET, target.service, target.path + (waiting ? "?replayed=false" : ""))
            try common.show(
                common.json ? page : ((page as? [String: Any])?["items"] ?? []), columns: DeadLetters.columns)
        }
    }

    struct Show: AsyncParsableCommand {
        @OptionGroup var common: CommonOptions
        @OptionGroup var target: Service
        @Argument var id: Int
        func run() async throws {
            try common.show(
                try await common.client.call(.GET, target.service, "\(target.path)/\(id)"),
                columns: DeadLetters.columns + ["message_id", "frames"])
        }
    }

    struct Replay: AsyncParsableCommand {
        @OptionGroup var common: CommonOptions
        @OptionGroup var target: Service
        @Argument var id: Int
        func run() async throws {
            try common.show(
                try await common.client.call(.POST, target.service, "\(target.path)/\(id)/replay"),
                columns: ["id", "outcome"])
        }
    }
}
