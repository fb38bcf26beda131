import Contracts
import Foundation

/// DNS/SSL alone: `account.provisioned` published as provisioning would, timed to
/// `zone.created` and to `certificate.issued` (zone in PowerDNS, ACME order, dns-01
/// challenges, validation by the CA, download).
struct DNSSSLStage {
    let options: LoadMain

    func run() async throws -> String {
        let zones = LatencyRecorder()
        let certificates = LatencyRecorder()
        let runID = LoadMain.runID()
        try await withEvents(
            ZoneCreated.self, from: options.events, { event, at in zones.finish(event.domain, at: at) }
        ) {
            try await withEvents(
                CertificateIssued.self, from: options.events, { event, at in certificates.finish(event.domain, at: at) }
            ) {
                try await BusFeed.with(as: "provisioning", events: options.publish, commands: options.commands) {
                    feed in
                    await options.drive(
                        progress: {
                            "published \(zones.counts.started)  zones \(zones.counts.finished)  certificates \(certificates.counts.finished)"
                        },
                        until: { zones.pending + certificates.pending == 0 }
                    ) { number in
                        let domain = Samples.domain(number, runID: runID)
                        zones.start(domain)
                        certificates.start(domain)
                        do { try feed.publish(try Samples.accountProvisioned(number, runID: runID, sealer: nil)) } catch
                        {
                            zones.fail(error, key: domain)
                            certificates.fail(error, key: domain)
                        }
                    }
                }
            }
        }
        return options.heading + zones.summary("account.provisioned → zone.created") + "\n"
            + certificates.summary("account.provisioned → certificate.issued")
    }
}
