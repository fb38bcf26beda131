import Contracts
import Foundation
import Logging
import PostgresNIO
import ServiceKit

/// The daily renewal run, as of the timer's slot: every issued certificate expiring within
/// the renewal window gets one renewal at a time (`renews` is unique among renewals that
/// have not failed, so one that failed is asked for again the next day), unless it is itself less
/// than a week old — Let's Encrypt allows five duplicate certificates a week, and a fresh
/// certificate that already looks near expiry is a clock problem, not a reason to reissue.
/// One whose renewal failed and that expires within two weeks is announced as
/// `certificate.expiring`, once.
struct Renewals: Sendable {
    let settings: DNSSSLSettings

    func run(asOf: Date, in transaction: Transaction) async throws {
        let window = asOf.addingTimeInterval(Double(settings.renewBeforeDays) * 86_400)
        let renewals = try await CertificateStore.requestRenewals(
            expiringBy: window, issuedBefore: asOf.addingTimeInterval(-7 * 86_400), asOf: asOf, in: transaction)
        for id in renewals {
            try await transaction.enqueue(IssueCertificateTask(certificateID: id), dedupeKey: "issue:\(id)")
        }
        let expiring = try await CertificateStore.markExpiring(
            by: asOf.addingTimeInterval(14 * 86_400), in: transaction)
        try await transaction.publish(contentsOf: expiring)
        if !renewals.isEmpty || !expiring.isEmpty {
            transaction.logger.info(
                "renewal run", metadata: ["renewing": "\(renewals.count)", "expiring": "\(expiring.count)"])
        }
    }
}
