import Foundation
import Histogram
import Synchronization

/// Times items from a start mark to their completion and keeps the counts a stage reports.
///
/// Completions come either as a moment seen here (an event off the bus) or as a wall-clock
/// time read from a service's API (an email's `sent_at`); both are measured from the start.
final class LatencyRecorder: Sendable {
    private struct State {
        var pending: [String: (instant: ContinuousClock.Instant, date: Date)] = [:]
        var latency = Histogram<UInt64>(highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: .three)
        var started = 0, finished = 0, errors = 0, refused = 0
        var firstError: String?
        var firstStart: ContinuousClock.Instant?
        var lastFinish: ContinuousClock.Instant?

        mutating func record(from start: ContinuousClock.Instant, to end: ContinuousClock.Instant) {
            _ = latency.record(UInt64(max(0, (end - start) / .microseconds(1))))
            finished += 1
            lastFinish = max(lastFinish ?? end, end)
        }
    }

    private let state = Mutex(State())

    /// Marks `key` as started now.
    func start(_ key: String) {
        let now = (ContinuousClock.now, Date())
        state.withLock { state in
            state.pending[key] = now
            state.started += 1
            state.firstStart = state.firstStart ?? now.0
        }
    }

    /// Counts an item that failed (or was refused at the door: ``Refused``), and stops
    /// waiting for `key` if it was started.
    func fail(_ error: any Error, key: String? = nil) {
        state.withLock { state in
            if error is Refused {
                state.refused += 1
            } else {
                state.errors += 1
                state.firstError = state.firstError ?? "\(error)"
            }
            if let key { state.pending.removeValue(forKey: key) }
        }
    }

    /// Marks `count` keyless items as started at `instant` (items timed by their own payload).
    func start(count: Int, at instant: ContinuousClock.Instant) {
        state.withLock { state in
            state.started += count
            state.firstStart = state.firstStart ?? instant
        }
    }

    /// Records keyless items done at `instant`, each after its latency.
    func finish(latencies: [Duration], at instant: ContinuousClock.Instant) {
        state.withLock { state in
            for latency in latencies { state.record(from: instant - latency, to: instant) }
        }
    }

    /// Records `key` as done at `instant`; a key not pending (unknown, or done already) is ignored.
    func finish(_ key: String, at instant: ContinuousClock.Instant = .now) {
        state.withLock { state in
            guard let start = state.pending.removeValue(forKey: key) else { return }
            state.record(from: start.instant, to: instant)
        }
    }

    /// Records `key` as done at the wall-clock time `date` (from another process on this machine).
    func finish(_ key: String, wallClock date: Date) {
        state.withLock { state in
            guard let start = state.pending.removeValue(forKey: key) else { return }
            state.record(from: start.instant, to: start.instant + .seconds(max(0, date.timeIntervalSince(start.date))))
        }
    }

    /// Items started and not yet done.
    var pending: Int { state.withLock { $0.pending.count } }

    /// Started, done and failed so far.
    var counts: (started: Int, finished: Int, errors: Int) { state.withLock { ($0.started, $0.finished, $0.errors) } }

    /// One line: how many finished, throughput from the first start to the last completion, percentiles.
    func summary(_ label: String) -> String {
        state.withLock { state in
            let span = state.lastFinish.map { last in state.firstStart.map { (last - $0) / .seconds(1) } ?? 0 } ?? 0
            let rate = span > 0 ? Double(state.finished) / span : 0
            func ms(_ percentile: Double) -> String {
                String(format: "%.1f", Double(state.latency.valueAtPercentile(percentile)) / 1000)
            }
            let line = String(
                format:
                    "%@: %d of %d done, %d errors, %d refused at the door, %.1f/s; latency ms p50 %@, p90 %@, p99 %@, max %@",
                label, state.finished, state.started, state.errors, state.refused, rate, ms(50), ms(90), ms(99), ms(100)
            )
            return state.firstError.map { line + "\n  first error: \($0)" } ?? line
        }
    }
}
