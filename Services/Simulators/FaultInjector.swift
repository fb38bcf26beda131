import ExternalHTTP
import Foundation
import Hummingbird
import Synchronization

/// What the simulator does wrong, and how slowly.
struct FaultSettings: Codable, Sendable {
    /// Added to every call.
    var latencyMs: Int = 0
    /// Share of calls answered with a server error before doing anything.
    var failureRate: Double = 0
    /// Share of calls that do their work and then answer only after `timeoutSeconds`:
    /// the caller times out not knowing the change was made.
    var timeoutRate: Double = 0
    var timeoutSeconds: Double = 35
    /// Calls whose path, query or body contain this text always fail (one operation down).
    var failMatching: String?

    enum CodingKeys: String, CodingKey {
        case latencyMs = "latency_ms"
        case failureRate = "failure_rate"
        case timeoutRate = "timeout_rate"
        case timeoutSeconds = "timeout_seconds"
        case failMatching = "fail_matching"
    }

    init() {}

    init(environment: [String: String]) {
        latencyMs = Int(environment["SIM_LATENCY_MS"] ?? "") ?? 0
        failureRate = Double(environment["SIM_FAILURE_RATE"] ?? "") ?? 0
        failMatching = environment["SIM_FAIL_MATCHING"]
        timeoutRate = Double(environment["SIM_TIMEOUT_RATE"] ?? "") ?? 0
        timeoutSeconds = Double(environment["SIM_TIMEOUT_SECONDS"] ?? "") ?? 35
    }
}

/// Holds the fault settings, changeable at run time through `PUT /__sim/faults`.
final class FaultInjector: Sendable {
    private let settings: Mutex<FaultSettings>

    init(settings: FaultSettings) {
        self.settings = Mutex(settings)
    }

    var current: FaultSettings { settings.withLock { $0 } }

    func addRoutes(to router: Router<BasicRequestContext>) {
        router.get("__sim/faults") { _, _ in JSONBody(self.current) }
        router.put("__sim/faults") { request, context -> JSONBody<FaultSettings> in
            let new = try await request.decode(as: FaultSettings.self, context: context)
            self.settings.withLock { $0 = new }
            return JSONBody(new)
        }
    }
}

/// Applies the faults to every protocol call and counts it.
struct SimulatorMiddleware: RouterMiddleware {
    let faults: FaultInjector
    let stats: CallStats
    let failure: @Sendable () -> Response

    func handle(
        _ request: Request, context: BasicRequestContext,
        next: (Request, BasicRequestContext) async throws -> Response
    ) async throws -> Response {
        let path = request.uri.path
        guard !path.hasPrefix("/__sim"), path != "/ready", path != "/health" else {
            return try await next(request, context)
        }
        let settings = faults.current
        if settings.latencyMs > 0 { try await Task.sleep(for: .milliseconds(settings.latencyMs)) }
        var request = request
        if let text = settings.failMatching {
            let body = String(buffer: try await request.collectBody(upTo: 4 * 1024 * 1024))
            if request.uri.description.contains(text) || body.contains(text) {
                stats.count("failed \(request.method) \(path)")
                return failure()
            }
        }
        if Double.random(in: 0..<1) < settings.failureRate {
            stats.count("failed \(request.method) \(path)")
            return failure()
        }
        let response = try await next(request, context)
        stats.count("\(request.method) \(path)")
        if Double.random(in: 0..<1) < settings.timeoutRate {
            stats.count("timed out \(request.method) \(path)")
            try await Task.sleep(for: .seconds(settings.timeoutSeconds))
        }
        return response
    }
}

/// Counts of calls by method and path (and by whatever a simulator adds), for tests.
final class CallStats: Sendable {
    private let counts = Mutex<[String: Int]>([:])

    func count(_ key: String) { counts.withLock { $0[key, default: 0] += 1 } }

    func addRoutes(to router: Router<BasicRequestContext>) {
        router.get("__sim/stats") { _, _ in JSONBody(self.counts.withLock { $0 }) }
        router.delete("__sim/stats") { _, _ -> HTTPResponse.Status in
            self.counts.withLock { $0 = [:] }
            return .noContent
        }
    }
}

/// A Codable value as a JSON response.
struct JSONBody<Value: Encodable & Sendable>: ResponseGenerator {
    let value: Value
    var status: HTTPResponse.Status = .ok

    init(_ value: Value, status: HTTPResponse.Status = .ok) {
        self.value = value
        self.status = status
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        jsonResponse(value, status: status)
    }
}

/// `value` as a JSON response with sorted keys.
func jsonResponse(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    return Response(
        status: status, headers: [.contentType: "application/json"],
        body: .init(byteBuffer: ByteBuffer(bytes: (try? encoder.encode(value)) ?? Data())))
}

/// The login the simulator accepts: `SIM_USER` and `SIM_SECRET`.
struct SimulatorCredentials: Sendable {
    let user: String
    let secret: String

    init(environment: [String: String]) {
        user = environment["SIM_USER"] ?? "root"
        secret = environment["SIM_SECRET"] ?? "sandbox-token"
    }
}

extension Request {
    /// Query parameters and a form-encoded body together, the body winning.
    func formParameters() async throws -> [String: String] {
        var fields: [String: String] = [:]
        for (name, value) in uri.queryParameters { fields[String(name)] = String(value) }
        var copy = self
        let body = try await copy.collectBody(upTo: 4 * 1024 * 1024)
        for (name, value) in FormEncoding.decode(String(buffer: body)) { fields[name] = value }
        return fields
    }
}
