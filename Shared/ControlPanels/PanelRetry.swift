/// Runs a panel step again, up to `attempts` times, while the panel is unavailable (a
/// 5xx, a timeout, a refused connection). Because the step takes a refusal of what exists
/// as done (``createUnlessPresent(_:isPresent:)``), a repeat after a call that did its
/// work but never answered does nothing twice; a refusal (`rejected`, `unauthorized`) is
/// not repeated.
public func withPanelRetries<R: Sendable>(
    attempts: Int = 3, pause: Duration = .milliseconds(200),
    _ step: () async throws -> R
) async throws -> R {
    var attempt = 1
    while true {
        do {
            return try await step()
        } catch PanelError.unavailable(let reason) where attempt < attempts {
            _ = reason
            attempt += 1
            try await Task.sleep(for: pause * attempt)
        }
    }
}
