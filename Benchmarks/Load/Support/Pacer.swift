import Foundation

/// Runs `item(0..<total)` started `rate` per second, with at most `concurrency` unfinished at once.
func pace(total: Int, rate: Int, concurrency: Int, _ item: @escaping @Sendable (Int) async -> Void) async {
    let interval = Duration.seconds(1) / rate
    let begin = ContinuousClock.now
    await withTaskGroup(of: Void.self) { group in
        var inFlight = 0
        for number in 0..<total {
            try? await Task.sleep(until: begin + interval * number, clock: .continuous)
            if inFlight >= concurrency {
                await group.next()
                inFlight -= 1
            }
            inFlight += 1
            group.addTask { await item(number) }
        }
    }
}

/// Runs `body` while a progress line made by `line` is rewritten on standard error every second.
func withProgress<R>(_ line: @escaping @Sendable () -> String, _ body: () async throws -> R) async rethrows -> R {
    let printer = Task {
        let begin = ContinuousClock.now
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(1))
            let elapsed = Int((ContinuousClock.now - begin) / .seconds(1))
            FileHandle.standardError.write(Data("\r[\(elapsed)s] \(line())   ".utf8))
        }
    }
    defer { printer.cancel() }
    return try await body()
}

/// Waits until `done()` holds or `seconds` have passed, checking every `every`.
func wait(upTo seconds: Int, every: Duration = .milliseconds(100), until done: () async -> Bool) async {
    let deadline = ContinuousClock.now + .seconds(seconds)
    while ContinuousClock.now < deadline, await !done() {
        try? await Task.sleep(for: every)
    }
}

extension LoadMain {
    /// Starts the run's items at `--rate` under a progress line, then waits up to `--drain`
    /// seconds until `done` holds.
    func drive(
        progress line: @escaping @Sendable () -> String, until done: () -> Bool,
        _ item: @escaping @Sendable (Int) async -> Void
    ) async {
        await withProgress(line) {
            await pace(total: total, rate: rate, concurrency: concurrency, item)
            await wait(upTo: drain) { done() }
        }
    }
}
