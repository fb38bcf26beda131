import DNSSSLService
import HTTPSupport
import ServiceKit

@main
struct DNSSSLMain {
    static func main() async throws {
        var settings = try DNSSSLSettings.load()
        settings.customers = try await CustomerAuthentication.load()
        settings.apiTokens.acceptStaff(settings.customers)
        let definition = buildDNSSSL(settings)
        try await ServiceHost.run(
            definition, configuration: try ServiceConfiguration.load(service: "dnsssl"))
    }
}
