import ArgumentParser
import Foundation

/// Drives one stage of Hostwire at a fixed rate and reports throughput and latency
/// percentiles (HdrHistogram), with a live progress line.
///
///     hostwire-load --stage checkout --rate 200 --duration 30
///
/// Stage `checkout` is the chain from order to account: it places orders over checkout's
/// API, pays each with a signed Stripe webhook (acting as Stripe), and times each order from
/// its webhook to `account.provisioned` seen on the bus. Stage `mail` feeds the mail
/// service `account.provisioned` events and counts welcome emails sent per second.
@main
struct LoadMain: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "hostwire-load",
                                                    abstract: "Load-test one Hostwire stage and report throughput and latency.")

    @Option(help: "The stage to drive: checkout (order → paid → account provisioned) or mail (event → email sent).")
    var stage: String = "checkout"
    @Option(help: "Orders started per second.")
    var rate: Int = 100
    @Option(help: "Seconds to keep starting orders.")
    var duration: Int = 20
    @Option(help: "Seconds to wait for the last results after the run.")
    var drain: Int = 60
    @Option(help: "Checkout's base URL.")
    var checkout: String = "http://127.0.0.1:8081"
    @Option(help: "The broker's XPUB endpoint, where account.provisioned is seen.")
    var events: String = "tcp://127.0.0.1:5571"
    @Option(help: "Checkout's Stripe webhook secret (whsec_…).")
    var webhookSecret: String = ProcessInfo.processInfo.environment["HOSTWIRE_STRIPE_WEBHOOK_SECRET"] ?? ""
    @Option(help: "The product id to order.")
    var product: String = "00000000-0000-4000-8000-000000000001"
    @Option(help: "Most requests in flight at once.")
    var concurrency: Int = 64
    @Option(help: "The broker's XSUB endpoint, where events are published (mail stage).")
    var publish: String = "tcp://127.0.0.1:5570"
    @Option(help: "The mail service's base URL (mail stage).")
    var mail: String = "http://127.0.0.1:8084"
    @Option(help: "An admin API token (mail stage).")
    var token: String = (ProcessInfo.processInfo.environment["HOSTWIRE_API_TOKENS"] ?? "").replacingOccurrences(of: "admin:", with: "")
    @Option(help: "The mail service's public sealing key, to seal passwords as provisioning does (mail stage).")
    var mailPublicKey: String? = ProcessInfo.processInfo.environment["HOSTWIRE_MAIL_SEAL_PUBLIC_KEY"]

    func run() async throws {
        switch stage {
        case "checkout":
            guard !webhookSecret.isEmpty else { throw ValidationError("--webhook-secret (or HOSTWIRE_STRIPE_WEBHOOK_SECRET) is required") }
            print(try await CheckoutStage(options: self).run())
        case "mail":
            print(try await MailStage(options: self).run())
        default:
            throw ValidationError("--stage is checkout or mail; the other stages are not implemented yet")
        }
    }
}
