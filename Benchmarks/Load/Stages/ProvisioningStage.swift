import Contracts
import Foundation

/// Provisioning alone: `provision-account` commands put on its queue as checkout would,
/// timed to `account.provisioned` on the bus (server choice, 8–10 panel calls, outbox).
struct ProvisioningStage {
    let options: LoadMain

    func run() async throws -> String {
        let provisioned = LatencyRecorder()
        let runID = LoadMain.runID()
        try await withEvents(
            AccountProvisioned.self, from: options.events,
            { event, at in
                provisioned.finish(event.orderID.uuidString, at: at)
            }
        ) {
            try await BusFeed.with(
                as: "checkout", events: options.publish, commands: options.commands,
                acknowledgements: options.acknowledgements
            ) { feed in
                await options.drive(
                    progress: { "sent \(provisioned.counts.started)  provisioned \(provisioned.counts.finished)" },
                    until: { provisioned.pending == 0 }
                ) { number in
                    let domain = Samples.domain(number, runID: runID)
                    let command = ProvisionAccount(
                        orderID: UUID(), customerID: UUID(), plan: "starter", serverGroup: "default",
                        domain: domain, contactEmail: "owner@\(domain)", customerName: "Load \(number)")
                    provisioned.start(command.orderID.uuidString)
                    do { try feed.send(command, from: "checkout") } catch {
                        provisioned.fail(error, key: command.orderID.uuidString)
                    }
                }
            }
        }
        return options.heading + provisioned.summary("provision-account → account.provisioned")
    }
}
