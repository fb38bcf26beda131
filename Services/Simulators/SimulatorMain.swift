import ExternalHTTP
import Foundation
import Hummingbird
import Logging

/// Simulators of the systems that cannot run here: `HOSTWIRE_SIMULATOR` picks `whm`,
/// `plesk`, `directadmin` or `stripe`. Each speaks the real protocol (auth, parameters,
/// envelopes, errors), keeps state in memory, and injects latency and failures
/// (`/__sim/faults`); `/__sim/stats` counts what was asked of it.
@main
struct SimulatorMain {
    static func main() async throws {
        let environment = ProcessInfo.processInfo.environment
        let kind = environment["HOSTWIRE_SIMULATOR"] ?? "whm"
        let port = Int(environment["HOSTWIRE_HTTP_PORT"] ?? "") ?? 2087
        let logger = Logger(label: "hostwire.simulator.\(kind)")
        let faults = FaultInjector(settings: FaultSettings(environment: environment))
        let stats = CallStats()
        let router = Router()
        router.add(middleware: SimulatorMiddleware(faults: faults, stats: stats, failure: Self.failureResponse(kind)))
        router.get("ready") { _, _ in "ready" }
        router.get("health") { _, _ in "ok" }
        faults.addRoutes(to: router)
        stats.addRoutes(to: router)
        let credentials = SimulatorCredentials(environment: environment)
        let panel = PanelState()
        let sites = SiteServer(state: panel)
        switch kind {
        case "whm": WHMSimulator(state: panel, credentials: credentials).addRoutes(to: router)
        case "plesk": PleskSimulator(state: panel, credentials: credentials).addRoutes(to: router)
        case "directadmin": DirectAdminSimulator(state: panel, credentials: credentials).addRoutes(to: router)
        case "stripe":
            StripeSimulator(
                credentials: credentials, webhook: WebhookSender(environment: environment, logger: logger),
                publicURL: environment["SIM_PUBLIC_URL"] ?? "http://127.0.0.1:\(port)"
            )
            .addRoutes(to: router)
        default:
            logger.critical("unknown HOSTWIRE_SIMULATOR \(kind): use whm, plesk, directadmin or stripe")
            exit(2)
        }
        sites.addSettingsRoute(to: router)
        let host = environment["HOSTWIRE_HTTP_HOST"] ?? "127.0.0.1"
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port), serverName: "hostwire-simulator-\(kind)"),
            logger: logger)
        // A panel's server also serves its accounts' sites, where the CA looks for http-01.
        guard let sitePort = environment["SIM_SITE_PORT"].flatMap(Int.init), kind != "stripe" else {
            return try await app.runService()
        }
        let site = Application(
            router: sites.router(), configuration: .init(address: .hostname(host, port: sitePort)), logger: logger)
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { try await app.runService() }
            group.addTask { try await site.runService() }
        }
    }

    /// An injected failure in the shape the real system uses for a server error.
    static func failureResponse(_ kind: String) -> @Sendable () -> Response {
        let (status, contentType, body): (HTTPResponse.Status, String, String) =
            switch kind {
            case "whm":
                (
                    .internalServerError, "application/json",
                    #"{"metadata":{"result":0,"reason":"Internal server error (simulated)","version":1}}"#
                )
            case "plesk":
                (.internalServerError, "application/json", #"{"code":500,"message":"Internal error (simulated)"}"#)
            case "directadmin": (.internalServerError, "text/plain", "error=1&text=Internal%20error%20%28simulated%29")
            default:
                (
                    .internalServerError, "application/json",
                    #"{"error":{"type":"api_error","message":"An error occurred with our connection to Stripe (simulated)."}}"#
                )
            }
        return {
            Response(
                status: status, headers: [.contentType: contentType], body: .init(byteBuffer: ByteBuffer(string: body)))
        }
    }
}
