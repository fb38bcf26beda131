import HTTPSupport
import MailService
import ServiceKit

@main
struct MailMain {
    static func main() async throws {
        var settings = try MailSettings.load()
        settings.customers = try await CustomerAuthentication.load()
        settings.apiTokens.acceptStaff(settings.customers)
        let definition = try buildMail(settings)
        try await ServiceHost.run(
            definition, configuration: try ServiceConfiguration.load(service: "mail"))
    }
}
