import Foundation
import Persistence
import PostgresNIO

/// The live order page's record: written by the portal's event handlers, read by its pages.
struct OrderProgressRepository: Sendable {
    let database: Database

    func progress(of order: UUID) async throws -> OrderProgress {
        var progress = OrderProgress()
        guard
            let row = try await database.query(
                """
                SELECT o.paid_at, o.account_at, o.failed_at, a.zone_at, a.certificate_at, a.certificate_failure, a.welcome_at, a.welcome_failure
                FROM order_progress o LEFT JOIN account_progress a ON a.account_id = o.account_id WHERE o.order_id = \(order)
                """
            ).first
        else { return progress }
        let (paid, account, failed, zone, certificate, certificateFailure, welcome, welcomeFailure) =
            try row.decode((Date?, Date?, Date?, Date?, Date?, String?, Date?, String?).self)
        for (step, at) in [
            (OrderProgress.Step.paid, paid), (.account, account), (.zone, zone), (.certificate, certificate),
            (.welcome, welcome),
        ] {
            if let at { progress.finished[step] = at }
        }
        if failed != nil { progress.failed.insert(.account) }
        if certificateFailure != nil, certificate == nil { progress.failed.insert(.certificate) }
        if welcomeFailure != nil, welcome == nil { progress.failed.insert(.welcome) }
        return progress
    }
}
