import Contracts
import Foundation
import Logging
import Messaging
import PostgresNIO
import ServiceRuntime

/// What DNS/SSL hears: a provisioned account gets its zone and a certificate for the
/// domain and `www`; a terminated one loses its zone and its certificates are closed; the
/// daily renewal slot renews what expires soon.
struct AccountEvents: Sendable {
    let settings: DNSSSLSettings

    func register(in definition: inout ServiceDefinition) {
        definition.handlers.on(AccountProvisioned.self) { event, transaction in
            let (connection, logger) = (transaction.connection, transaction.logger)
            let nameservers = event.nameservers.isEmpty ? settings.defaultNameservers : event.nameservers
            let zone = UUID()
            let created = try await connection.query(
                """
                INSERT INTO zones (id, account_id, domain, server_ip, nameservers, customer_id)
                VALUES (\(zone), \(event.accountID), \(event.domain), \(event.serverIP), \(nameservers), \(event.customerID))
                ON CONFLICT DO NOTHING RETURNING id
                """, logger: logger
            ).collect()
            guard !created.isEmpty else {
                logger.info(
                    "zone exists for this account or domain; nothing to do", metadata: ["domain": "\(event.domain)"])
                return
            }
            try await ZoneStore.save(
                DefaultRecords.sets(domain: event.domain, serverIP: event.serverIP, nameservers: nameservers),
                zone: zone, managed: true, on: connection, logger: logger)
            try await connection.query(
                """
                INSERT INTO certificates (id, zone_id, account_id, domain, names)
                VALUES (\(UUID()), \(zone), \(event.accountID), \(event.domain), \([event.domain, "www.\(event.domain)"]))
                """, logger: logger)
            try await transaction.enqueue(SyncZoneTask(zoneID: zone), dedupeKey: "create-zone:\(zone)")
        }
        definition.handlers.on(AccountTerminated.self) { event, transaction in
            let (connection, logger) = (transaction.connection, transaction.logger)
            let zones = try await connection.query(
                """
                UPDATE zones SET status = 'deleting', updated_at = now() WHERE account_id = \(event.accountID) AND status <> 'deleted' RETURNING id
                """, logger: logger
            ).collect().map { try $0.decode(UUID.self) }
            try await connection.query(
                """
                UPDATE certificates SET status = 'closed', updated_at = now() WHERE account_id = \(event.accountID) AND status IN ('pending', 'issued', 'failed')
                """, logger: logger)
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
