/// Makes the adapter for a panel kind; services configure it once and look panels up by kind.
public struct PanelRegistry: Sendable {
    public typealias Factory = @Sendable (PanelEndpoint) -> any ControlPanel
    private var factories: [PanelKind: Factory]

    public init(_ factories: [PanelKind: Factory]) {
        self.factories = factories
    }

    /// The real adapters: WHM API 1 + UAPI, Plesk REST v2 + XML API, DirectAdmin `CMD_API_*`.
    public static let standard = PanelRegistry([
        .cpanel: { WHMPanel(endpoint: $0) },
        .plesk: { PleskPanel(endpoint: $0) },
        .directadmin: { DirectAdminPanel(endpoint: $0) },
    ])

    /// Replaces the adapter for `kind` (tests, new panel products).
    public mutating func register(_ kind: PanelKind, _ factory: @escaping Factory) {
        factories[kind] = factory
    }

    public func panel(_ kind: PanelKind, at endpoint: PanelEndpoint) -> any ControlPanel {
        factories[kind]!(endpoint)
    }
}
