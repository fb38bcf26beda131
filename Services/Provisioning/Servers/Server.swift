import ControlPanels
import Foundation

/// A control-panel server accounts are placed on.
struct Server: Sendable, Encodable {
    let id: UUID
    let name: String
    let panel: PanelKind
    let hostname: String
    let ip: String
    let apiURL: String
    let apiUsername: String
    let group: String
    let maxAccounts: Int
    let status: String
    let nameservers: [String]
    /// Live (not terminated or failed) accounts on it.
    let accounts: Int
    /// Never shown; opened only to call the panel.
    let sealedSecret: String
    /// The last check of its panel API; `nil` when never checked.
    let lastHealth: HealthCheck?
    /// Health checks in a row that failed.
    let healthFailures: Int

    /// What a check of the panel API found.
    struct HealthCheck: Sendable, Encodable {
        let at: Date
        let healthy: Bool
        let error: String?
    }

    enum CodingKeys: String, CodingKey {
        case id, name, panel, hostname, ip
        case apiURL = "api_url"
        case apiUsername = "api_username"
        case group = "server_group"
        case maxAccounts = "max_accounts"
        case status, nameservers, accounts
        case lastHealth = "last_health"
        case healthFailures = "health_failures"
    }

    /// Where customers log in to this server's panel.
    var controlPanelURL: String {
        switch panel {
        case .cpanel: "https://\(hostname):2083"
        case .plesk: "https://\(hostname):8443"
        case .directadmin: "https://\(hostname):2222"
        }
    }
}
