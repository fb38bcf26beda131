import ExternalHTTP

/// Why a panel call did not do what was asked, with the panel's own words.
public enum PanelError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The panel answered and refused (`result: 0`, `error=1`, an error status).
    case rejected(String)
    /// The panel refused the credentials.
    case unauthorized(String)
    /// No usable answer: a timeout, a refused connection, a 5xx or a body that does not parse.
    case unavailable(String)

    public var description: String {
        switch self {
        case .rejected(let reason): "panel rejected the call: \(reason)"
        case .unauthorized(let reason): "panel refused the credentials: \(reason)"
        case .unavailable(let reason): "panel unavailable: \(reason)"
        }
    }

    /// Maps a transport failure or an HTTP status outside 2xx to a panel error.
    static func from(_ response: ExternalResponse) -> PanelError? {
        switch response.status {
        case 200..<300: nil
        case 401, 403: .unauthorized("HTTP \(response.status)")
        case 500...: .unavailable("HTTP \(response.status): \(response.body.prefix(200))")
        default: .rejected("HTTP \(response.status): \(response.body.prefix(200))")
        }
    }
}

extension ExternalHTTPClient {
    /// Sends a request and turns transport failures into ``PanelError/unavailable(_:)``.
    func panelCall(
        _ method: HTTPMethod, _ path: String, headers: [(String, String)], body: String? = nil,
        contentType: String? = nil
    ) async throws -> ExternalResponse {
        let response: ExternalResponse
        do {
            response = try await send(method, path, headers: headers, body: body, contentType: contentType)
        } catch let error as ExternalCallError {
            throw PanelError.unavailable(error.description)
        }
        if let error = PanelError.from(response) { throw error }
        return response
    }
}
