import Hummingbird
import Synchronization

/// Turns requests away with 503 and `Retry-After` once `limit` are in flight, so a flood is
/// refused at the door, quickly and honestly, instead of slowing every request until all of
/// them time out. `/health`, `/ready` and `/metrics` are never refused.
public struct LoadSheddingMiddleware<Context: RequestContext>: RouterMiddleware {
    /// Requests being served now, shared by every copy of the middleware.
    final class InFlight: Sendable {
        let count = Atomic(0)
    }
    let inFlight = InFlight()
    let limit: Int

    public init(limit: Int) {
        self.limit = limit
    }

    public func handle(
        _ request: Request, context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        if ["/health", "/ready", "/metrics"].contains(request.uri.path) { return try await next(request, context) }
        let admitted = inFlight.count.wrappingAdd(1, ordering: .relaxed).newValue <= limit
        defer { inFlight.count.wrappingSubtract(1, ordering: .relaxed) }
        guard admitted else {
            var response = APIResponse.json(
                APIError.Body(
                    error: .init(
                        code: "overloaded", message: "too many requests at once; try again in a second", field: nil)),
                status: .serviceUnavailable)
            response.headers[.retryAfter] = "1"
            return response
        }
        return try await next(request, context)
    }
}
