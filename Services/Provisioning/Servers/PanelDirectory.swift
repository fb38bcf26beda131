import ControlPanels
import Secrets

/// Opens a server's sealed credentials and hands out the adapter for its panel.
struct PanelDirectory: Sendable {
    let registry: PanelRegistry
    let cipher: CredentialCipher
    let timeout: Duration

    func panel(for server: Server) throws -> any ControlPanel {
        let secret = try cipher.open(server.sealedSecret)
        return registry.panel(
            server.panel,
            at: PanelEndpoint(
                baseURL: server.apiURL, username: server.apiUsername,
                secret: secret, timeout: timeout))
    }
}
