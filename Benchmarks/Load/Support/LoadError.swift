/// An item the system turned away at the door (503 with `Retry-After`): shed load, not an error.
struct Refused: Error {}

/// A load run that cannot go on.
struct LoadError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
