import ServiceRuntime
import TimerService

@main
struct TimerMain {
    static func main() async throws {
        let definition = buildTimer(try TimerSettings.load())
        try await ServiceHost.run(definition, configuration: try ServiceConfiguration.load(service: "timer", httpPort: 8086))
    }
}
