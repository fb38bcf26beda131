import Foundation
import Logging
import ServiceLifecycle

/// Checks every server that is not disabled, all at once, every `interval`, so placement
/// passes over a server whose panel stopped answering and comes back to it when it answers.
struct ServerHealthMonitor: Service {
    let servers: ServerStore
    let check: ServerHealthCheck
    let interval: Duration

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await checkAll()
                } catch {
                    check.logger.warning("server health checks failed", metadata: ["error": "\(error)"])
                }
                try await Task.sleep(for: interval)
            }
        }
    }

    func checkAll() async throws {
        let servers = try await servers.all().filter { $0.status != "disabled" }
        await withTaskGroup(of: Void.self) { group in
            for server in servers {
                group.addTask {
                    do {
                        _ = try await check.check(server)
                    } catch {
                        check.logger.warning(
                            "recording a health check failed",
                            metadata: ["server": "\(server.name)", "error": "\(error)"])
                    }
                }
            }
        }
    }
}
