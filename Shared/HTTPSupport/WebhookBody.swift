import HTTPTypes
import Hummingbird

/// The raw body and one header of a webhook request, which must be verified byte for byte.
public enum WebhookBody {
    public static func read(_ request: Request, header name: String) async throws -> (body: [UInt8], header: String) {
        var request = request
        let body = Array(buffer: try await request.collectBody(upTo: 1024 * 1024))
        return (body, HTTPField.Name(name).flatMap { request.headers[$0] } ?? "")
    }
}
