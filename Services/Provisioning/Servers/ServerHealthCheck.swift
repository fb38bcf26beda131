import ControlPanels
import Foundation
import Logging

/// One check of a server's panel API (the panel's own call), recorded on the server: enough
/// failures in a row take it out of placement, one pass brings it back and clears what
/// provisioning left there while it was down.
struct ServerHealthCheck: Sendable {
    let servers: ServerStore
    let panels: PanelDirectory
    /// Failures in a row that take a server out of placement.
    let unhealthyAfter: Int
    let logger: Logger

    /// What one check found.
    struct Outcome: Sendable {
        let health: PanelHealth?
        let error: String?
        let elapsed: Duration
    }

    /// Only the panel's answer decides health: a failure to record it, or to clear strays
    /// afterwards, is not the panel failing.
    func check(_ server: Server) async throws -> Outcome {
        let started = ContinuousClock.now
        let health: PanelHealth
        do {
            let panel = try panels.panel(for: server)
            // A passing blip is not a dead server.
            health = try await withPanelRetries { try await panel.health() }
        } catch {
            let failures = try await servers.recordHealth(server.id, healthy: false, error: "\(error)")
            if failures == unhealthyAfter {
                logger.warning(
                    "server failed its health checks; out of placement",
                    metadata: ["server": "\(server.name)", "error": "\(error)"])
            }
            return Outcome(health: nil, error: "\(error)", elapsed: ContinuousClock.now - started)
        }
        let elapsed = ContinuousClock.now - started
        try await servers.recordHealth(server.id, healthy: true, error: nil)
        if server.healthFailures >= unhealthyAfter {
            logger.notice("server answers again; back in placement", metadata: ["server": "\(server.name)"])
        }
        do {
            try await removeStrays(on: server)
        } catch {
            logger.warning(
                "removing stray panel accounts failed; tried again at the next check",
                metadata: ["server": "\(server.name)", "error": "\(error)"])
        }
        return Outcome(health: health, error: nil, elapsed: elapsed)
    }

    /// Terminates the panel accounts a provisioning made and then left when it moved away
    /// (a create that timed out), and only those: same name and domain.
    private func removeStrays(on server: Server) async throws {
        let strays = try await servers.strays(on: server.id)
        guard !strays.isEmpty else { return }
        let panel = try panels.panel(for: server)
        for stray in strays {
            if let account = try await panel.account(named: stray.username), account.domain == stray.domain {
                try await panel.terminate(stray.username)
                logger.notice(
                    "removed a stray panel account",
                    metadata: ["server": "\(server.name)", "user": "\(stray.username)"])
            }
            try await servers.forgetStray(stray.username, on: server.id)
        }
    }
}
