import AsyncHTTPClient
import ServiceLifecycle

/// Shuts the ACME HTTP client down when the service stops (a client must not outlive its shutdown).
struct HTTPClientLifetime: Service {
    let client: HTTPClient

    func run() async throws {
        try? await gracefulShutdown()
        try await client.shutdown()
    }
}
