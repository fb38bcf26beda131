import Contracts
import Foundation
import Logging
import ServiceKit

/// What DNS/SSL hears: a provisioned account gets its zone and a certificate for the
/// domain and `www`; a terminated one loses its zone and its certificates are closed; the
/// daily renewal slot renews what expires soon.
struct AccountEvents: Sendable {
    let settings: DNSSSLSettings

    func register(in definition: inout ServiceDefinition) {
        definition.handlers.on(AccountProvisioned.self) { event, transaction in
            let nameservers = event.nameservers.isEmpty ? settings.defaultNameservers : event.nameservers
            let zone = UUID()
            guard
                try await ZoneStore.create(
                    zone, account: event.accountID, domain: event.domain, serverIP: event.serverIP,
                    nameservers: nameservers, customer: event.customerID, in: transaction)
            else {
                transaction.logger.info(
                    "zone exists for this account or domain; nothing to do", metadata: ["domain": "\(event.domain)"])
                return
            }
            try await ZoneStore.save(
                DefaultRecords.sets(
                    domain: event.domain, serverIP: event.serverIP, nameservers: nameservers, dkim: event.dkim),
                zone: zone, managed: true, on: transaction.connection, logger: transaction.logger)
            try await CertificateStore.request(
                for: zone, account: event.accountID, domain: event.domain,
                names: [event.domain, "www.\(event.domain)"], in: transaction)
            try await transaction.enqueue(SyncZoneTask(zoneID: zone), dedupeKey: "create-zone:\(zone)")
        }
        definition.handlers.on(AccountTerminated.self) { event, transaction in
            let zones = try await ZoneStore.markDeleting(of: event.accountID, in: transaction)
            try await CertificateStore.close(of: event.accountID, in: transaction)
            for zone in zones {
                try await transaction.enqueue(DeleteZoneTask(zoneID: zone), dedupeKey: "delete-zone:\(zone)")
            }
        }
        definition.handlers.on(TimerFired.self) { event, transaction in
            guard event.schedule == "certificate-renewals" else { return }
            try await Renewals(settings: settings).run(asOf: event.slot, in: transaction)
        }
    }
}
