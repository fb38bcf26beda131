import ArgumentParser
import Foundation

/// Drives one stage of Hostwire at a fixed rate, or the whole chain, and reports throughput
/// and latency percentiles (HdrHistogram), with a live progress line.
///
///     hostwire-load --stage provisioning --rate 50 --duration 20
///     hostwire-load --all --rate 20 --duration 30
///
/// Each stage is fed directly, as the stage before it would: over checkout's HTTP API
/// (checkout, orders, all) or by putting commands and events on the bus (provisioning, dnsssl, mail,
/// billing), or raw messages through the broker (bus). Several instances of a stage's
/// service may be running: they share its queue and its work, and the figures are theirs together.
@main
struct LoadMain: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hostwire-load",
        abstract: "Load-test one Hostwire stage, or the whole chain, and report throughput and latency.")

    static let stages = ["checkout", "orders", "provisioning", "dnsssl", "mail", "billing", "bus", "all", "portal"]

    @Option(
        help:
            "The stage to drive: \(LoadMain.stages.joined(separator: ", ")) (orders: checkout and provisioning; all: the whole chain)."
    )
    var stage: String = "all"
    @Flag(help: "Drive the whole chain (the same as --stage all).")
    var all = false
    @Option(help: "Items started per second.")
    var rate: Int = 20
    @Option(help: "Seconds to keep starting items.")
    var duration: Int = 20
    @Option(help: "Seconds to wait for the last results after the run.")
    var drain: Int = 60
    @Option(help: "Most items in flight at once (HTTP stages).")
    var concurrency: Int = 64
    @Option(help: "Checkout's base URLs, comma-separated: several instances are used in turn.")
    var checkout: String = "http://127.0.0.1:8081"
    @Option(help: "The broker's XPUB endpoint, where results are seen.")
    var events: String = "tcp://127.0.0.1:5571"
    @Option(help: "The broker's XSUB endpoint, where events are fed.")
    var publish: String = "tcp://127.0.0.1:5570"
    @Option(help: "The broker's command PULL endpoint, where commands are fed.")
    var commands: String = "tcp://127.0.0.1:5572"
    @Option(help: "The broker's checkout queue, where provisioning's acknowledgements come back (provisioning stage).")
    var acknowledgements: String = "tcp://127.0.0.1:5580"
    @Option(help: "The broker queue the bus stage goes through, as name=endpoint.")
    var queue: String = "timer=tcp://127.0.0.1:5585"
    @Option(help: "Consumers pulling from that queue (bus stage).")
    var consumers: Int = 1
    @Option(help: "The SMTP sink's Maildir, where welcome emails arrive (mail, all).")
    var maildir: String = (ProcessInfo.processInfo.environment["HOSTWIRE_VAR"] ?? "var") + "/mail"
    @Option(help: "Checkout's Stripe webhook secret, whsec_… (checkout, orders, all).")
    var webhookSecret: String = ProcessInfo.processInfo.environment["HOSTWIRE_STRIPE_WEBHOOK_SECRET"] ?? ""
    @Option(help: "The product id to order (checkout, orders, all).")
    var product: String = "00000000-0000-4000-8000-000000000001"
    @Option(help: "Signed-in customers browsing at once (portal).")
    var customers: Int = 50
    @Option(help: "The portal's base URL (portal).")
    var portal: String = "http://127.0.0.1:8087"
    @Option(help: "Postgres, where the portal's people are stored for the run (portal).")
    var databaseURL: String =
        "postgres://postgres@127.0.0.1:\(ProcessInfo.processInfo.environment["HOSTWIRE_PG_PORT"] ?? "55432")/postgres"
    @Option(help: "The mail service's public sealing key, to seal passwords as provisioning does (mail).")
    var mailPublicKey: String = ProcessInfo.processInfo.environment["HOSTWIRE_MAIL_SEAL_PUBLIC_KEY"] ?? ""

    func validate() throws {
        guard Self.stages.contains(stage) else {
            throw ValidationError("--stage is one of \(Self.stages.joined(separator: ", "))")
        }
        guard rate > 0, duration > 0, concurrency > 0, consumers > 0 else {
            throw ValidationError("--rate, --duration, --concurrency and --consumers are positive")
        }
    }

    func run() async throws {
        switch all ? "all" : stage {
        case "checkout": print(try await CheckoutStage(options: self).run())
        case "provisioning": print(try await ProvisioningStage(options: self).run())
        case "dnsssl": print(try await DNSSSLStage(options: self).run())
        case "mail": print(try await MailStage(options: self).run())
        case "billing": print(try await BillingStage(options: self).run())
        case "bus": print(try await BusStage(options: self).run())
        case "orders": print(try await ChainStage(options: self, wholeChain: false).run())
        case "portal": print(try await PortalStage(options: self).run())
        default: print(try await ChainStage(options: self, wholeChain: true).run())
        }
    }

    /// Items the run starts.
    var total: Int { rate * duration }

    /// The report's first line.
    var heading: String { "\nstage \(all ? "all" : stage): \(total) offered at \(rate)/s for \(duration) s\n" }

    /// A short random tag that keeps one run's domains apart from another's.
    static func runID() -> String { String(UUID().uuidString.prefix(6)).lowercased() }

    func checkoutClient() throws -> CheckoutClient {
        guard !webhookSecret.isEmpty else {
            throw ValidationError("--webhook-secret (or HOSTWIRE_STRIPE_WEBHOOK_SECRET) is required")
        }
        return CheckoutClient(
            baseURLs: checkout.split(separator: ",").map(String.init), webhookSecret: webhookSecret, product: product)
    }

    func busQueue() throws -> (name: String, endpoint: String) {
        let parts = queue.split(separator: "=", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { throw ValidationError("--queue is name=endpoint") }
        return (parts[0], parts[1])
    }
}
