import Contracts
import Foundation
import Logging
import PostgresNIO
import ServiceKit

/// The daily renewal run, as of the timer's slot: every issued certificate expiring within
/// the renewal window gets one renewal (a unique `renews` column), unless it is itself less
/// than a week old — Let's Encrypt allows five duplicate certificates a week, and a fresh
/// certificate that already looks near expiry is a clock problem, not a reason to reissue.
/// One whose renewal failed and that expires within two weeks is announced as
/// `certificate.expiring`, once.
struct Renewals: Sendable {
    let settings: DNSSSLSettings

    func run(asOf: Date, in transaction: Transaction) async throws {
        let (connection, logger) = (transaction.connection, transaction.logger)
        let window = asOf.addingTimeInterval(Double(settings.renewBeforeDays) * 86_400)
        let renewals = try await connection.query(
            """
            INSERT INTO certificates (id, zone_id, account_id, domain, names, renews, requested_as_of)
            SELECT gen_random_uuid(), c.zone_id, c.account_id, c.domain, c.names, c.id, \(asOf)
            FROM certificates c JOIN zones z ON z.id = c.zone_id AND z.status = 'active'
            WHERE c.status = 'issued' AND c.not_after <= \(window)
              AND coalesce(c.requested_as_of, c.issued_at) <= \(asOf.addingTimeInterval(-7 * 86_400))
            ON CONFLICT (renews) DO NOTHING RETURNING id
            """, logger: logger
        ).collect().map { try $0.decode(UUID.self) }
        for id in renewals {
            try await transaction.enqueue(IssueCertificateTask(certificateID: id), dedupeKey: "issue:\(id)")
        }
        let expiring = try await connection.query(
            """
            UPDATE certificates c SET expiring_notified = true, updated_at = now()
            WHERE c.status = 'issued' AND NOT c.expiring_notified AND c.not_after <= \(asOf.addingTimeInterval(14 * 86_400))
              AND NOT EXISTS (SELECT 1 FROM certificates r WHERE r.renews = c.id AND r.status IN ('pending', 'issued'))
            RETURNING c.id, c.account_id, c.domain, c.not_after
            """, logger: logger
        ).collect()
        for row in expiring {
            let (id, account, domain, notAfter) = try row.decode((UUID, UUID, String, Date).self)
            try await transaction.publish(
                CertificateExpiring(certificateID: id, accountID: account, domain: domain, notAfter: notAfter))
        }
        if !renewals.isEmpty || !expiring.isEmpty {
            logger.info("renewal run", metadata: ["renewing": "\(renewals.count)", "expiring": "\(expiring.count)"])
        }
    }
}
