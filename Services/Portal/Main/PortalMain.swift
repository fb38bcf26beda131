import PortalService
import ServiceKit

@main
struct PortalMain {
    static func main() async throws {
        let definition = try await buildPortal(try await PortalSettings.load())
        try await ServiceHost.run(
            definition, configuration: try ServiceConfiguration.load(service: "portal"))
    }
}
