import Contracts
import Foundation

/// Checkout alone: orders placed over its API and paid by signed webhooks, timed from the
/// webhook to `order.paid` on the bus (the commit of payment, outbox and relay).
struct CheckoutStage {
    let options: LoadMain

    func run() async throws -> String {
        let paid = LatencyRecorder()
        let client = try options.checkoutClient()
        let runID = LoadMain.runID()
        try await withEvents(
            OrderPaid.self, from: options.events, { event, at in paid.finish(event.orderID.uuidString, at: at) }
        ) {
            await options.drive(
                progress: { "paid \(paid.counts.finished) of \(paid.counts.started), errors \(paid.counts.errors)" },
                until: { paid.pending == 0 }
            ) { number in
                do {
                    try await client.placeAndPay(number, runID: runID) { paid.start($0.orderID.uuidString) }
                } catch {
                    paid.fail(error)
                }
            }
        }
        return options.heading + paid.summary("webhook → order.paid")
    }
}
