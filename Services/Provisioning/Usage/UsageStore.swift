import Contracts
import ControlPanels
import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceKit

/// The `account_usage` history and the `usage_warnings` sent.
struct UsageStore: Sendable {
    let database: Database
    let logger: Logger

    /// One account's measured day, matched to its panel report.
    struct Measured: Sendable {
        let accountID: UUID
        let domain: String
        let usage: PanelUsage
    }

    /// Matches a server's report to the live accounts on it (by panel user, or by domain
    /// where the panel reports by domain), stores the day for each, and returns them with
    /// the warnings that are new: the highest threshold reached per resource, once a month.
    static func record(
        _ report: [PanelUsage], server: UUID, day: String, in transaction: Transaction
    ) async throws -> (measured: [Measured], warnings: [AccountUsageWarning]) {
        var byUser: [String: (UUID, String)] = [:]
        var byDomain: [String: (UUID, String)] = [:]
        for row in try await transaction.query(
            """
            SELECT id, username, domain FROM accounts
            WHERE server_id = \(server) AND status IN ('active', 'suspended') AND username IS NOT NULL
            """)
        {
            let (id, username, domain) = try row.decode((UUID, String, String).self)
            byUser[username] = (id, domain)
            byDomain[domain] = (id, domain)
        }
        let measured = report.compactMap { usage -> Measured? in
            guard let (id, domain) = usage.username.flatMap({ byUser[$0] }) ?? usage.domain.flatMap({ byDomain[$0] })
            else { return nil }
            return Measured(accountID: id, domain: domain, usage: usage)
        }
        guard !measured.isEmpty else { return ([], []) }
        // Unlimited travels as -1 in the arrays (Postgres arrays of nullable integers are not bound here).
        try await transaction.query(
            """
            INSERT INTO account_usage (account_id, day, disk_mb, disk_limit_mb, bandwidth_mb, bandwidth_limit_mb)
            SELECT u.id, \(day)::date, u.disk, nullif(u.disk_limit, -1), u.bandwidth, nullif(u.bandwidth_limit, -1)
            FROM unnest(\(measured.map(\.accountID))::uuid[], \(measured.map(\.usage.diskMB))::bigint[],
                        \(measured.map { $0.usage.diskLimitMB ?? -1 })::bigint[], \(measured.map(\.usage.bandwidthMB))::bigint[],
                        \(measured.map { $0.usage.bandwidthLimitMB ?? -1 })::bigint[])
                AS u(id, disk, disk_limit, bandwidth, bandwidth_limit)
            ON CONFLICT (account_id, day) DO UPDATE SET disk_mb = excluded.disk_mb, disk_limit_mb = excluded.disk_limit_mb,
                bandwidth_mb = excluded.bandwidth_mb, bandwidth_limit_mb = excluded.bandwidth_limit_mb
            """)
        return (measured, try await newWarnings(measured, period: String(day.prefix(7)), in: transaction))
    }

    /// Records the thresholds reached (80 with 100, so a later 80% says nothing) and returns a
    /// warning for each account and resource whose highest reached threshold is new.
    private static func newWarnings(_ measured: [Measured], period: String, in transaction: Transaction) async throws
        -> [AccountUsageWarning]
    {
        var reached: [(measured: Measured, resource: AccountUsageWarning.Resource, used: Int, limit: Int, top: Int)] =
            []
        for item in measured {
            for (resource, used, limit) in [
                (AccountUsageWarning.Resource.disk, item.usage.diskMB, item.usage.diskLimitMB),
                (.bandwidth, item.usage.bandwidthMB, item.usage.bandwidthLimitMB),
            ] {
                guard let limit, limit > 0 else { continue }
                // Both at most 2^40 MB (PanelSize), so the product cannot overflow.
                let percent = used * 100 / limit
                if percent >= 80 { reached.append((item, resource, used, limit, percent >= 100 ? 100 : 80)) }
            }
        }
        guard !reached.isEmpty else { return [] }
        var ids: [UUID] = []
        var resources: [String] = []
        var thresholds: [Int] = []
        for item in reached {
            for threshold in [80, 100] where threshold <= item.top {
                ids.append(item.measured.accountID)
                resources.append(item.resource.rawValue)
                thresholds.append(threshold)
            }
        }
        var inserted = Set<String>()
        for row in try await transaction.query(
            """
            INSERT INTO usage_warnings (account_id, resource, threshold, period)
            SELECT w.id, w.resource, w.threshold, \(period)
            FROM unnest(\(ids)::uuid[], \(resources)::text[], \(thresholds)::int[]) AS w(id, resource, threshold)
            ON CONFLICT DO NOTHING RETURNING account_id, resource, threshold
            """)
        {
            let (id, resource, threshold) = try row.decode((UUID, String, Int).self)
            inserted.insert("\(id)|\(resource)|\(threshold)")
        }
        return reached.filter { inserted.contains("\($0.measured.accountID)|\($0.resource.rawValue)|\($0.top)") }.map {
            AccountUsageWarning(
                accountID: $0.measured.accountID, domain: $0.measured.domain, resource: $0.resource, threshold: $0.top,
                usedMB: $0.used, limitMB: $0.limit, period: period)
        }
    }

    /// One account's latest measured day, with its share of each limit.
    struct Latest: Encodable, Sendable {
        let accountID: UUID
        let domain: String
        let server: String?
        let day: String
        let diskMB: Int
        let diskLimitMB: Int?
        let diskPercent: Int?
        let bandwidthMB: Int
        let bandwidthLimitMB: Int?
        let bandwidthPercent: Int?

        enum CodingKeys: String, CodingKey {
            case accountID = "account_id"
            case domain, server, day
            case diskMB = "disk_mb"
            case diskLimitMB = "disk_limit_mb"
            case diskPercent = "disk_percent"
            case bandwidthMB = "bandwidth_mb"
            case bandwidthLimitMB = "bandwidth_limit_mb"
            case bandwidthPercent = "bandwidth_percent"
        }
    }

    /// Live accounts whose latest day uses at least `percent` of a limit, fullest first.
    func over(_ percent: Int, limit: Int, offset: Int) async throws -> [Latest] {
        try await database.query(
            """
            SELECT \(unescaped: Self.columns)
            FROM accounts a
            JOIN LATERAL (SELECT * FROM account_usage x WHERE x.account_id = a.id ORDER BY x.day DESC LIMIT 1) u ON true
            LEFT JOIN servers s ON s.id = a.server_id
            WHERE a.status IN ('active', 'suspended')
              AND (u.disk_mb * 100 >= \(percent) * u.disk_limit_mb OR u.bandwidth_mb * 100 >= \(percent) * u.bandwidth_limit_mb)
            ORDER BY greatest(u.disk_mb::float / nullif(u.disk_limit_mb, 0), u.bandwidth_mb::float / nullif(u.bandwidth_limit_mb, 0))
                DESC NULLS LAST, a.domain
            LIMIT \(limit) OFFSET \(offset)
            """
        ).map(Self.decode)
    }

    /// Account `id`'s measured days, newest first.
    func history(of id: UUID, days: Int) async throws -> [Latest] {
        try await database.query(
            """
            SELECT \(unescaped: Self.columns)
            FROM accounts a JOIN account_usage u ON u.account_id = a.id LEFT JOIN servers s ON s.id = a.server_id
            WHERE a.id = \(id) ORDER BY u.day DESC LIMIT \(days)
            """
        ).map(Self.decode)
    }

    private static let columns =
        "u.account_id, a.domain, s.name, u.day::text, u.disk_mb, u.disk_limit_mb, u.bandwidth_mb, u.bandwidth_limit_mb"

    private static func decode(_ row: PostgresRow) throws -> Latest {
        let (id, domain, server, day, disk, diskLimit, bandwidth, bandwidthLimit) = try row.decode(
            (UUID, String, String?, String, Int, Int?, Int, Int?).self)
        return Latest(
            accountID: id, domain: domain, server: server, day: day, diskMB: disk, diskLimitMB: diskLimit,
            diskPercent: diskLimit.map { disk * 100 / max($0, 1) }, bandwidthMB: bandwidth,
            bandwidthLimitMB: bandwidthLimit, bandwidthPercent: bandwidthLimit.map { bandwidth * 100 / max($0, 1) })
    }
}
