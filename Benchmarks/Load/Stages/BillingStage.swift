import Contracts
import Foundation

/// Billing alone: `order.paid` published as checkout would, timed to `invoice.paid` for the
/// first invoice (customer, subscription, invoice numbered without gaps, payment recorded).
struct BillingStage {
    let options: LoadMain

    func run() async throws -> String {
        let invoiced = LatencyRecorder()
        let runID = LoadMain.runID()
        try await withEvents(
            InvoicePaid.self, from: options.events,
            { event, at in
                if let domain = event.invoice.domain { invoiced.finish(domain, at: at) }
            }
        ) {
            try await BusFeed.with(as: "checkout", events: options.publish, commands: options.commands) { feed in
                await options.drive(
                    progress: { "published \(invoiced.counts.started)  invoices paid \(invoiced.counts.finished)" },
                    until: { invoiced.pending == 0 }
                ) { number in
                    let event = Samples.orderPaid(number, runID: runID)
                    invoiced.start(event.domain!)
                    do { try feed.publish(event) } catch { invoiced.fail(error, key: event.domain) }
                }
            }
        }
        return options.heading + invoiced.summary("order.paid → invoice.paid")
    }
}
