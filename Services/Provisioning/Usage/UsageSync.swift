import Contracts
import ControlPanels
import Foundation
import Logging
import PostgresNIO
import ServiceKit
import Tasks

/// Read one server's disk and bandwidth use for the day of a `usage-sync` slot.
struct SyncServerUsageTask: TaskPayload {
    static let taskType = "sync-server-usage"
    static let maxAttempts = 12
    let serverID: UUID
    /// `YYYY-MM-DD` (UTC).
    let day: String
    enum CodingKeys: String, CodingKey {
        case serverID = "server_id"
        case day
    }
}

/// The daily usage sync: each `usage-sync` slot queues one task per server (once per server
/// and day, however often the slot is announced), and each task reads the whole server in
/// the panel's few calls, stores the day per account, publishes `account.usage-reported`, and
/// `account.usage-warning` the first time in a month an account reaches 80% or 100% of a limit.
struct UsageSync: Sendable {
    let panels: PanelDirectory
    let settings: ProvisioningSettings

    func register(in definition: inout ServiceDefinition) {
        definition.handlers.on(TimerFired.self) { event, transaction in
            guard event.schedule == "usage-sync" else { return }
            let day = Self.day(of: event.slot)
            let servers = try await transaction.query("SELECT id FROM servers WHERE status <> 'disabled' ORDER BY name")
            _ = try await transaction.enqueue(
                contentsOf: try servers.map {
                    let id = try $0.decode(UUID.self)
                    return (SyncServerUsageTask(serverID: id, day: day), "usage-\(id.uuidString.lowercased())-\(day)")
                })
        }
        definition.tasks.register(SyncServerUsageTask.self) { payload, completion in
            let servers = ServerStore(database: completion.database, cipher: settings.cipher, logger: completion.logger)
            guard let server = try await servers.server(payload.serverID) else {
                try await completion.finish { _ in }  // removed since: nothing to read
                return
            }
            let panel = try panels.panel(for: server)
            let report = try await withPanelRetries { try await panel.usage() }
            try await completion.finish { transaction in
                let (measured, warnings) = try await UsageStore.record(
                    report, server: server.id, day: payload.day, in: transaction)
                try await transaction.publish(
                    contentsOf: measured.map {
                        AccountUsageReported(
                            accountID: $0.accountID, day: payload.day, diskMB: $0.usage.diskMB,
                            diskLimitMB: $0.usage.diskLimitMB, bandwidthMB: $0.usage.bandwidthMB,
                            bandwidthLimitMB: $0.usage.bandwidthLimitMB)
                    })
                try await transaction.publish(contentsOf: warnings)
                transaction.logger.info(
                    "usage synced",
                    metadata: [
                        "server": "\(server.name)", "accounts": "\(measured.count)", "warnings": "\(warnings.count)",
                    ])
            }
        }
    }

    /// The slot's day, `YYYY-MM-DD` in UTC.
    static func day(of slot: Date) -> String {
        ISO8601DateFormatter.string(from: slot, timeZone: .gmt, formatOptions: [.withFullDate])
    }
}
