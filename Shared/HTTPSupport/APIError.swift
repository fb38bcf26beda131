import Foundation
import Hummingbird
import NIOFoundationEssentialsCompat
import PostgresNIO
import Validation

/// A client error with a stable machine-readable code, answered as
/// `{"error":{"code":"…","message":"…","field":"…"}}`.
public struct APIError: HTTPResponseError, CustomStringConvertible, Sendable {
    public let status: HTTPResponse.Status
    public let code: String
    public let message: String
    public let field: String?
    /// Sent as `Retry-After` (a refusal that passes with time: overload, a rate limit).
    public let retryAfterSeconds: Int?

    public init(
        _ status: HTTPResponse.Status, code: String, _ message: String, field: String? = nil,
        retryAfterSeconds: Int? = nil
    ) {
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.retryAfterSeconds = retryAfterSeconds
    }

    public var description: String { "\(status.code) \(code): \(message)" }

    public static func invalid(_ field: String, _ message: String) -> APIError {
        APIError(.unprocessableContent, code: "invalid_\(field)", message, field: field)
    }

    public static func notFound(_ what: String) -> APIError {
        APIError(.notFound, code: "not_found", "\(what) not found")
    }

    public static func conflict(_ code: String, _ message: String) -> APIError {
        APIError(.conflict, code: code, message)
    }

    struct Body: Encodable {
        struct Detail: Encodable {
            let code: String
            let message: String
            let field: String?
        }
        let error: Detail
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = APIResponse.json(Body(error: .init(code: code, message: message, field: field)), status: status)
        if let retryAfterSeconds { response.headers[.retryAfter] = String(retryAfterSeconds) }
        return response
    }
}

/// Makes every error a JSON error body: APIErrors as they are, services' own refusals
/// (``APIErrorConvertible``, ``ValidationError``) as their APIError, Hummingbird's own errors
/// (unknown route, undecodable body) with a code, anything else as a 500 without detail.
public struct JSONErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(
        _ request: Request, context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard RequestText.isClean(request.uri.path), RequestText.isClean(request.uri.query ?? "") else {
            throw APIError(
                .badRequest, code: "invalid_characters", "the address holds a NUL byte or bytes that are not UTF-8")
        }
        do {
            return try await next(request, context)
        } catch let error as APIError {
            throw error
        } catch let error as any APIErrorConvertible {
            throw error.apiError
        } catch let error as ValidationError {
            throw APIError.invalid(error.field, error.message)
        } catch let error as HTTPError {
            let code =
                error.status == .notFound ? "not_found" : error.status.code < 500 ? "bad_request" : "internal_error"
            throw APIError(error.status, code: code, error.body ?? error.status.reasonPhrase)
        } catch is DecodingError {
            throw APIError(
                .badRequest, code: "malformed_body", "the request body is not the JSON this endpoint expects")
        } catch let error as any HTTPResponseError {
            throw error
        } catch let error as PSQLError where ["22021", "22P05"].contains(error.serverInfo?[.sqlState]) {
            // A NUL or an unencodable character in a JSON string reached a text column.
            throw APIError(
                .badRequest, code: "invalid_characters", "a value holds a character that cannot be stored (such as NUL)"
            )
        } catch {
            context.logger.error("request failed", metadata: ["error": "\(String(reflecting: error))"])
            throw APIError(.internalServerError, code: "internal_error", "the request could not be completed")
        }
    }
}

/// JSON responses with the project's wire conventions (snake_case keys are the types' own,
/// ISO 8601 dates, sorted keys).
public enum APIResponse {
    public static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        let body =
            (try? encoder.encode(value)) ?? Data(#"{"error":{"code":"internal_error","message":"unencodable"}}"#.utf8)
        return Response(
            status: status, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    /// Decodes the request body as JSON, or answers 400 with a JSON error naming the problem.
    public static func decode<T: Decodable>(_ type: T.Type, from request: Request) async throws -> T {
        var request = request
        let buffer = try await request.collectBody(upTo: 1024 * 1024)
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        do {
            return try decoder.decode(T.self, from: Data(buffer: buffer))
        } catch DecodingError.keyNotFound(let key, _) {
            throw APIError(.badRequest, code: "missing_field", "\(key.stringValue) is required", field: key.stringValue)
        } catch DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context) {
            let field = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw APIError(.badRequest, code: "wrong_type", "\(field) has the wrong type", field: field)
        } catch {
            throw APIError(.badRequest, code: "malformed_body", "the request body is not valid JSON")
        }
    }
}

/// Paging from `?page=&per_page=` (1-based, at most 500 a page; ``PageNumbers`` reads them).
public struct Paging: Sendable {
    /// The page as stores take it.
    public let numbers: PageNumbers
    public var page: Int { numbers.page }
    public var perPage: Int { numbers.perPage }
    public var offset: Int { numbers.offset }
    public static let maximumPage = PageNumbers.maximumPage

    public init(_ request: Request) throws {
        try self.init(
            page: request.uri.queryParameters.get("page"), perPage: request.uri.queryParameters.get("per_page"))
    }

    public init(page: String?, perPage: String?) throws {
        do {
            numbers = try PageNumbers(page: page, perPage: perPage)
        } catch {
            throw APIError.invalid(error.field, error.message)
        }
    }
}

/// One page of a list, as every list endpoint answers it.
public struct Page<Item: Encodable>: Encodable {
    public let items: [Item]
    public let page: Int
    public let perPage: Int
    public let total: Int

    public init(items: [Item], paging: Paging, total: Int) {
        self.items = items
        page = paging.page
        perPage = paging.perPage
        self.total = total
    }

    enum CodingKeys: String, CodingKey {
        case items, page
        case perPage = "per_page"
        case total
    }
}

extension Request {
    /// The query parameter `name` as a UUID when present; 422 naming it when it is not one.
    public func uuidQuery(_ name: String) throws -> UUID? {
        guard let text = uri.queryParameters.get(name) else { return nil }
        guard let id = UUID(uuidString: text) else { throw APIError.invalid(name, "\(name) is a UUID") }
        return id
    }

    /// The query parameter `name` as a whole number in `range`, `fallback` when absent; 422
    /// naming it otherwise.
    public func intQuery(_ name: String, default fallback: Int, in range: ClosedRange<Int>) throws -> Int {
        guard let text = uri.queryParameters.get(name) else { return fallback }
        guard let value = Int(text), range.contains(value) else {
            throw APIError.invalid(name, "\(name) is a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    /// The query parameter `name` as one of `T`'s values when present (a status filter); 422
    /// naming it, with `message`, when it is not one.
    public func query<T: RawRepresentable>(_ name: String, as type: T.Type, otherwise message: String) throws -> T?
    where T.RawValue == String {
        guard let text = uri.queryParameters.get(name) else { return nil }
        guard let value = T(rawValue: text) else { throw APIError.invalid(name, message) }
        return value
    }
}
