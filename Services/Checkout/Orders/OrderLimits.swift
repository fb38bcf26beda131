import Foundation
import HTTPSupport
import Hummingbird

/// Whether an order may be placed now: not while the platform's backlog is full (503), and
/// not beyond how many orders one address, one email or one customer may place in an hour
/// (429) — each order holds its domain until it expires, so an unlimited stranger could hold
/// every domain.
struct OrderLimits: Sendable {
    let limiter: RateLimiter
    /// 0: no limit (load tests).
    let perHour: Int
    let addresses: ClientAddress
    let backlog: OrderBacklog

    /// Counts an order from the request's client and `email`; 429 beyond the limit.
    func admit(_ request: Request, _ context: ServiceRequestContext, email: String) async throws {
        try await admit([
            ("order-address", addresses.of(request, peer: context.remoteAddress?.ipAddress)), ("order-email", email),
        ])
    }

    /// Counts an order placed for `customer` through the portal (one address for everyone).
    func admit(customer: UUID) async throws {
        try await admit([("order-customer", customer.uuidString.lowercased())])
    }

    private func admit(_ subjects: [(action: String, subject: String)]) async throws {
        guard try await !backlog.isFull() else {
            throw APIError(
                .serviceUnavailable, code: "busy",
                "we are finishing the orders already paid for; please try again in a minute",
                retryAfterSeconds: 30)
        }
        guard perHour > 0 else { return }
        for (action, subject) in subjects {
            guard try await limiter.allow(.init(action: action, count: perHour, window: .seconds(3600)), subject) else {
                throw APIError(
                    .tooManyRequests, code: "too_many_orders",
                    "too many orders from here in the last hour; try again later or write to us")
            }
        }
    }
}
