import ArgumentParser

/// `hostwire`: the operator's command line over every service's admin API.
@main
struct HostwireCLI: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hostwire",
        abstract: "Operate Hostwire: orders, accounts, subscriptions, tasks, servers, invoices, emails and the bus.",
        discussion: """
            Service addresses come from HOSTWIRE_<SERVICE>_URL (default http://127.0.0.1:<port>, as `make run`),
            the admin token from HOSTWIRE_API_TOKEN. Tables by default, --json for scripts.
            """,
        subcommands: [
            Orders.self, Accounts.self, Subscriptions.self, Tasks.self, Servers.self, Invoices.self, Emails.self,
            DeadLetters.self, Bus.self, Staff.self,
        ])
}

/// What every command takes.
struct CommonOptions: ParsableArguments {
    @Flag(help: "Print the API's JSON instead of a table.")
    var json = false

    @Option(help: "Admin API token (default: HOSTWIRE_API_TOKEN).")
    var token: String?

    var client: APIClient { APIClient(token: token) }

    /// Prints `value` as JSON or as a table of `columns`.
    func show(_ value: Any, columns: [String]) throws {
        if json {
            print(try APIClient.prettyJSON(value))
            return
        }
        let rows = (value as? [[String: Any]]) ?? ((value as? [String: Any]).map { [$0] } ?? [])
        print(Table(columns: columns, rows: rows).rendered)
    }
}
