import Contracts
import Foundation
import PostgresNIO
import ServiceKit

extension CertificateStore {
    /// Asks, once per certificate (the unique `renews`), for the renewal of each issued
    /// certificate of an active zone that expires by `window`, unless it was itself requested
    /// or issued after `issuedBefore`; answers the renewals' ids.
    static func requestRenewals(expiringBy window: Date, issuedBefore: Date, asOf: Date, in transaction: Transaction)
        async throws -> [UUID]
    {
        try await transaction.query(
            """
            INSERT INTO certificates (id, zone_id, account_id, domain, names, renews, requested_as_of)
            SELECT gen_random_uuid(), c.zone_id, c.account_id, c.domain, c.names, c.id, \(asOf)
            FROM certificates c JOIN zones z ON z.id = c.zone_id AND z.status = 'active'
            WHERE c.status = 'issued' AND c.not_after <= \(window)
              AND coalesce(c.requested_as_of, c.issued_at) <= \(issuedBefore)
            ON CONFLICT (renews) WHERE status <> 'failed' DO NOTHING RETURNING id
            """
        ).map { try $0.decode(UUID.self) }
    }

    /// Marks, once each, the issued certificates expiring by `day` with no renewal issued and
    /// either one that failed (renewals are asked for again daily, so one is often pending
    /// again when the run looks) or none asked for, and answers them as `certificate.expiring`.
    static func markExpiring(by day: Date, in transaction: Transaction) async throws -> [CertificateExpiring] {
        try await transaction.query(
            """
            UPDATE certificates c SET expiring_notified = true, updated_at = now()
            WHERE c.status = 'issued' AND NOT c.expiring_notified AND c.not_after <= \(day)
              AND NOT EXISTS (SELECT 1 FROM certificates r WHERE r.renews = c.id AND r.status = 'issued')
              AND (EXISTS (SELECT 1 FROM certificates r WHERE r.renews = c.id AND r.status = 'failed')
                   OR NOT EXISTS (SELECT 1 FROM certificates r WHERE r.renews = c.id AND r.status = 'pending'))
            RETURNING c.id, c.account_id, c.domain, c.not_after
            """
        ).map { row in
            let (id, account, domain, notAfter) = try row.decode((UUID, UUID, String, Date).self)
            return CertificateExpiring(certificateID: id, accountID: account, domain: domain, notAfter: notAfter)
        }
    }
}
