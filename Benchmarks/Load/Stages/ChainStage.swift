import Contracts
import Foundation

/// The whole chain: orders placed and paid over checkout's API, timed from the payment
/// webhook to `account.provisioned`, to `certificate.issued` and to the welcome email's
/// arrival at the SMTP server. As stage `orders` (checkout and provisioning together), only
/// to `account.provisioned`.
struct ChainStage {
    let options: LoadMain
    /// Whether certificates and welcome emails are waited for too.
    let wholeChain: Bool
    /// The welcome email's subject starts so (Services/Mail/Templates/welcome.subject.mustache).
    static let welcomeSubject = "Your hosting for "

    func run() async throws -> String {
        let provisioned = LatencyRecorder()
        let certified = LatencyRecorder()
        let welcomed = LatencyRecorder()
        let wholeChain = self.wholeChain
        let client = try options.checkoutClient()
        let runID = LoadMain.runID()
        try await withEvents(
            AccountProvisioned.self, from: options.events,
            { event, at in
                provisioned.finish(event.orderID.uuidString, at: at)
            }
        ) {
            try await withEvents(
                CertificateIssued.self, from: options.events, { event, at in certified.finish(event.domain, at: at) }
            ) {
                await withMaildir(
                    options.maildir,
                    { recipient, subject, arrived in
                        if subject.hasPrefix(Self.welcomeSubject) { welcomed.finish(recipient, wallClock: arrived) }
                    }
                ) {
                    await options.drive(
                        progress: {
                            "paid \(provisioned.counts.started)  provisioned \(provisioned.counts.finished)  certified \(certified.counts.finished)  welcomed \(welcomed.counts.finished)  errors \(provisioned.counts.errors)"
                        }, until: { provisioned.pending + certified.pending + welcomed.pending == 0 }
                    ) { number in
                        do {
                            try await client.placeAndPay(number, runID: runID) { order in
                                provisioned.start(order.orderID.uuidString)
                                if wholeChain {
                                    certified.start(order.domain)
                                    welcomed.start(order.contactEmail)
                                }
                            }
                        } catch {
                            provisioned.fail(error)
                        }
                    }
                }
            }
        }
        guard wholeChain else { return options.heading + provisioned.summary("webhook → account.provisioned") }
        return options.heading
            + [
                provisioned.summary("webhook → account.provisioned"),
                certified.summary("webhook → certificate.issued"),
                welcomed.summary("webhook → welcome email received"),
            ].joined(separator: "\n")
    }
}
