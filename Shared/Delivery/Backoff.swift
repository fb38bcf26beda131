/// Exponential backoff with jitter, evaluated in SQL where the retry time is stored:
/// retry n waits `min(maximum, base · 2ⁿ⁻¹)` seconds, spread down to half of that at random.
public struct Backoff: Sendable, Equatable {
    public var base: Double
    public var maximum: Double

    public init(base: Double, maximum: Double) {
        self.base = base
        self.maximum = maximum
    }
}
