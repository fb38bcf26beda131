import HTTPSupport
import ProvisioningService
import ServiceKit

@main
struct ProvisioningMain {
    static func main() async throws {
        var settings = try ProvisioningSettings.load()
        settings.customers = try await CustomerAuthentication.load()
        settings.apiTokens.acceptStaff(settings.customers)
        let definition = buildProvisioning(settings)
        try await ServiceHost.run(
            definition, configuration: try ServiceConfiguration.load(service: "provisioning"))
    }
}
