import ArgumentParser
import Foundation
import NIOHTTP1

struct Orders: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Place, list and show orders.", subcommands: [List.self, Show.self, Place.self])

    struct List: AsyncParsableCommand {
        @OptionGroup var common: CommonOptions
        @Option(help: "pending_payment, paid or cancelled") var status: String?
        func run() async throws {
            let query = status.map { "?status=\($0)" } ?? ""
            try common.show(
                try await common.client.call(.GET, "checkout", "/api/admin/orders\(query)"),
                columns: [
                    "id", "status", "domain", "customer_email", "product_name", "amount", "currency", "created_at",
                ])
        }
    }

    struct Show: AsyncParsableCommand {
        @OptionGroup var common: CommonOptions
        @Argument var id: String
        func run() async throws {
            try common.show(
                try await common.client.call(.GET, "checkout", "/api/orders/\(id)"),
                columns: [
                    "id", "status", "domain", "customer_email", "product_name", "billing_cycle", "amount", "currency",
                ])
        }
    }

    struct Place: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Place an order (the customer then pays it through Stripe).")
        @OptionGroup var common: CommonOptions
        @Option var email: String
        @Option var name: String
        @Option(help: "The product's id.") var product: String
        @Option var domain: String?
        @Option var cycle = "monthly"
        @Option var currency = "USD"
        func run() async throws {
            var body: [String: Any] = [
                "customer": ["email": email, "name": name], "product_id": product,
                "billing_cycle": cycle, "currency": currency,
            ]
            if let domain { body["domain"] = domain }
            try common.show(
                try await common.client.call(.POST, "checkout", "/api/orders", body: body),
                columns: ["id", "status", "domain", "amount", "currency"])
        }
    }
}

struct Tasks: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "A service's retried work: list, failed, retry.",
        subcommands: [List.self, Failed.self, Retry.self])

    struct Service: ParsableArguments {
        @Option(help: "provisioning, dnsssl, mail or billing") var service: String
        var prefix: String { "/api/\(service)" }
        func validate() throws {
            guard ["provisioning", "dnsssl", "mail", "billing"].contains(service) else {
                throw ValidationError("--service is provisioning, dnsssl, mail or billing")
            }
        }
    }

    static let columns = ["id", "type", "status", "attempts", "max_attempts", "last_error", "next_attempt_at"]

    struct List: AsyncParsableCommand {
        @OptionGroup var common: CommonOptions
        @OptionGroup var target: Service
        @Option(help: "pending, running, done or failed") var status: String?
        func run() async throws {
            let page = try await common.client.call(
                .GET, target.service, "\(target.prefix)/tasks" + (status.map { "?status=\($0)" } ?? ""))
            try common.show(common.json ? page : ((page as? [String: Any])?["items"] ?? []), columns: Tasks.columns)
        }
    }

    struct Failed: AsyncParsableCommand {
        @OptionGroup var common: CommonOptions
        @OptionGroup var target: Service
        func run() async throws {
            let page = try await common.client.call(.GET, target.service, "\(target.prefix)/failed")
            try common.show(common.json ? page : ((page as? [String: Any])?["items"] ?? []), columns: Tasks.columns)
        }
    }

    struct Retry: AsyncParsableCommand {
        @OptionGroup var common: CommonOptions
        @OptionGroup var target: Service
        @Argument var id: String
        func run() async throws {
            try common.show(
                try await common.client.call(.POST, target.service, "\(target.prefix)/retry/\(id)"),
                columns: Tasks.columns)
        }
    }
}

struct Servers: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Control-panel servers: list, add, drain.", subcommands: [List.self, Add.self, Drain.self])
    static let columns = ["id", "name", "panel", "hostname", "server_group", "status", "accounts", "max_accounts"]

    struct List: AsyncParsableCommand {
        @OptionGroup var common: CommonOptions
        func run() async throws {
            try common.show(
                try await common.client.call(.GET, "provisioning", "/api/servers"), columns: Servers.columns)
        }
    }

    struct Add: AsyncParsableCommand {
        @OptionGroup var common: CommonOptions
        @Option var name: String
        @Option(help: "cpanel, plesk or directadmin") var panel: String
        @Option var hostname: String
        @Option var ip: String
        @Option(name: .customLong("api-url")) var apiURL: String
        @Option(name: .customLong("api-username")) var apiUsername: String
        @Option(name: .customLong("api-secret"), help: "The panel's token, key or password (sealed at rest).")
        var apiSecret: String
        @Option var group = "default"
        @Option(name: .customLong("max-accounts")) var maxAccounts = 500
        @Option(help: "Comma-separated nameservers.") var nameservers = ""
        func run() async throws {
            try common.show(
                try await common.client.call(
                    .POST, "provisioning", "/api/servers",
                    body: [
                        "name": name, "panel": panel, "hostname": hostname, "ip": ip, "api_url": apiURL,
                        "api_username": apiUsername,
                        "api_secret": apiSecret, "server_group": group, "max_accounts": maxAccounts,
                        "nameservers": nameservers.split(separator: ",").map(String.init),
                    ]), columns: Servers.columns)
        }
    }

    struct Drain: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Stop placing new accounts on a server; its accounts stay.")
        @OptionGroup var common: CommonOptions
        @Argument var id: String
        func run() async throws {
            try common.show(
                try await common.client.call(
                    .PATCH, "provisioning", "/api/servers/\(id)", body: ["status": "draining"]),
                columns: Servers.columns)
        }
    }
}

struct Invoices: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Billing's invoices.")
    @OptionGroup var common: CommonOptions
    @Option(help: "open, paid, cancelled or refunded") var status: String?
    @Option(name: .customLong("customer")) var customerID: String?
    func run() async throws {
        var query = ["per_page=500"]
        if let status { query.append("status=\(status)") }
        if let customerID { query.append("customer_id=\(customerID)") }
        try common.show(
            try await common.client.call(.GET, "billing", "/api/billing/invoices?" + query.joined(separator: "&")),
            columns: ["number", "status", "total", "currency", "due_on", "amount_paid", "charge_attempts", "id"])
    }
}

struct Emails: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Mail's delivery log.")
    @OptionGroup var common: CommonOptions
    @Option var recipient: String?
    @Option(help: "queued, sent or failed") var status: String?
    func run() async throws {
        var query: [String] = []
        if let recipient { query.append("recipient=\(recipient)") }
        if let status { query.append("status=\(status)") }
        try common.show(
            try await common.client.call(
                .GET, "mail", "/api/mail/messages" + (query.isEmpty ? "" : "?" + query.joined(separator: "&"))),
            columns: ["template", "recipient", "status", "attempts", "last_error", "created_at", "sent_at"])
    }
}

struct Bus: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "The broker's counters.", subcommands: [Stats.self])

    struct Stats: AsyncParsableCommand {
        @OptionGroup var common: CommonOptions
        func run() async throws {
            let text = try await common.client.call(.GET, "broker", "/metrics") as? String ?? ""
            // Prometheus lines such as hostwire_broker_events_forwarded_total{topic="timer/timer.fired"} 12
            let rows: [[String: Any]] = text.split(separator: "\n").compactMap { line in
                guard line.hasPrefix("hostwire_broker_"), let space = line.lastIndex(of: " ") else { return nil }
                let name = line[..<space]
                let value = line[line.index(after: space)...]
                let metric = name.split(separator: "{").first.map(String.init) ?? String(name)
                let label = name.split(separator: "\"").dropFirst().first.map(String.init) ?? ""
                return [
                    "metric": metric.replacingOccurrences(of: "hostwire_broker_", with: ""), "label": label,
                    "value": String(value),
                ]
            }
            try common.show(rows, columns: ["metric", "label", "value"])
        }
    }
}
