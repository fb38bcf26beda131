/// Runs `body` once no other load-heavy test of this process is running.
///
/// The suites run in parallel on two cores and the services they start are debug builds:
/// two tests that each push thousands of messages through real processes slow each other
/// down several times over, past their own time limits. Heavy tests take turns here, while
/// the light ones go on beside them.
public func withLoadSlot<R: Sendable>(_ body: () async throws -> R) async throws -> R {
    await LoadSlot.shared.acquire()
    do {
        let result = try await body()
        await LoadSlot.shared.release()
        return result
    } catch {
        await LoadSlot.shared.release()
        throw error
    }
}

/// One slot, handed to waiters first come, first served.
actor LoadSlot {
    static let shared = LoadSlot()
    private var taken = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func acquire() async {
        guard taken else {
            taken = true
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    func release() {
        if waiters.isEmpty { taken = false } else { waiters.removeFirst().resume() }
    }
}
