import Contracts
import DNS
import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceKit
import Tasks

/// Make the DNS server's zone match the stored records.
struct SyncZoneTask: TaskPayload {
    static let taskType = "sync-zone"
    static let maxAttempts = 20
    let zoneID: UUID
    enum CodingKeys: String, CodingKey { case zoneID = "zone_id" }
}

/// Remove a terminated account's zone from the DNS server.
struct DeleteZoneTask: TaskPayload {
    static let taskType = "delete-zone"
    static let maxAttempts = 20
    let zoneID: UUID
    enum CodingKeys: String, CodingKey { case zoneID = "zone_id" }
}

/// Reconciles zones with the DNS server: creates a missing zone, replaces every stored
/// record set and removes sets that were deleted here. Running it twice changes nothing,
/// so a retried or repeated sync never duplicates a zone or a record.
struct ZoneSync: Sendable {
    let settings: DNSSSLSettings

    func register(in definition: inout ServiceDefinition) {
        definition.tasks.register(SyncZoneTask.self) { task, completion in
            let id = task.zoneID
            let logger = completion.logger
            let (zone, desired) = try await completion.database.transaction { connection in
                (
                    try await ZoneStore.zone(id, on: connection, logger: logger),
                    try await ZoneStore.records(of: id, on: connection, logger: logger)
                )
            }
            guard let zone, zone.status.isServed else {
                return try await completion.finish { _ in }
            }
            try await reconcile(zone, desired)
            try await completion.finish { transaction in
                // Locked: a termination may be marking it for deletion meanwhile.
                guard let before = try await ZoneStore.markSynced(id, in: transaction) else { return }
                if before == .pending {
                    try await transaction.publish(
                        ZoneCreated(
                            zoneID: id, accountID: zone.accountID, domain: zone.domain,
                            nameservers: zone.nameservers))
                }
                // Certificates waiting for the zone can start now.
                for certificate in try await CertificateStore.waiting(in: id, in: transaction) {
                    try await transaction.enqueue(
                        IssueCertificateTask(certificateID: certificate), dedupeKey: "issue:\(certificate)")
                }
            }
        }
        definition.tasks.register(DeleteZoneTask.self) { task, completion in
            let id = task.zoneID
            let logger = completion.logger
            guard
                let zone = try await completion.database.transaction({ connection in
                    try await ZoneStore.zone(id, on: connection, logger: logger)
                })
            else { return try await completion.finish { _ in } }
            try await dnsCall { try await settings.dns.deleteZone(zone.domain) }
            try await completion.finish { transaction in
                try await ZoneStore.markDeleted(id, in: transaction)
            }
        }
    }

    /// Creates the zone if missing, then replaces every desired set and deletes the sets we no longer want.
    func reconcile(_ zone: ZoneStore.Zone, _ desired: [DNSRecordSet]) async throws {
        try await dnsCall {
            var live = try await settings.dns.zone(zone.domain)
            if live == nil {
                do {
                    try await settings.dns.createZone(zone.domain, nameservers: zone.nameservers, records: desired)
                } catch DNSError.exists {}
                live = try await settings.dns.zone(zone.domain) ?? []
            }
            let diff = ZoneDiff(desired: desired, live: live ?? [])
            try await settings.dns.replace(diff.missing + diff.different, in: zone.domain)
            // The server's own SOA and NS are never deleted, whatever is stored.
            let stale = diff.unexpected.filter { $0.type != "SOA" && $0.type != "NS" }
            try await settings.dns.delete(stale.map(\.key), in: zone.domain)
        }
    }
}

/// A DNS provider call whose refusal cannot be cured by retrying ends the task.
func dnsCall<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch DNSError.rejected(let reason) {
        throw PermanentTaskFailure("DNS server refused: \(reason)")
    }
}
