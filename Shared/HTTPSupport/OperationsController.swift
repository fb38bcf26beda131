import Hummingbird
import Prometheus
import Synchronization

/// `/health`, `/ready` and `/metrics`, which every service serves.
public struct OperationsController<Context: RequestContext>: Sendable {
    let registry: PrometheusCollectorRegistry
    let readiness: Readiness

    public init(registry: PrometheusCollectorRegistry, readiness: Readiness) {
        self.registry = registry
        self.readiness = readiness
    }

    public func addRoutes(to router: some RouterMethods<Context>) {
        router.get("health") { _, _ in Status(status: "ok") }
        router.get("ready") { _, _ -> Response in
            let ready = await readiness.check()
            let body = ready ? #"{"status":"ready"}"# : #"{"status":"starting"}"#
            return Response(
                status: ready ? .ok : .serviceUnavailable, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: body)))
        }
        router.get("metrics") { _, _ -> Response in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
        }
    }

    struct Status: ResponseCodable { let status: String }
}

/// Whether the service can do its work: set once started, checked against Postgres on each ask.
public final class Readiness: Sendable {
    private let started = Atomic(false)
    private let probe: @Sendable () async -> Bool

    public init(probe: @escaping @Sendable () async -> Bool = { true }) {
        self.probe = probe
    }

    public func markStarted() { started.store(true, ordering: .releasing) }

    func check() async -> Bool {
        started.load(ordering: .acquiring) ? await probe() : false
    }
}
