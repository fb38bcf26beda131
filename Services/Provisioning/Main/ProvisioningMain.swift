import ProvisioningService
import ServiceRuntime

@main
struct ProvisioningMain {
    static func main() async throws {
        let definition = buildProvisioning(try ProvisioningSettings.load())
        try await ServiceHost.run(definition, configuration: try ServiceConfiguration.load(service: "provisioning", httpPort: 8082))
    }
}
