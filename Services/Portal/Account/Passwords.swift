import HummingbirdBcrypt
import NIOPosix

/// bcrypt hashing off the request's thread (a hash at cost 12 takes about a quarter of a
/// second of CPU), and the rules a new password must meet.
struct Passwords: Sendable {
    let cost: UInt8

    /// A hash to check unknown emails against, so a wrong address takes as long as a wrong password.
    private static let decoy = Bcrypt.hash("decoy password for unknown accounts", cost: 12)

    func hash(_ password: String) async throws -> String {
        let cost = cost
        return try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: cost) }
    }

    /// Whether `password` matches `hash`; with no hash, spends the same time and answers no.
    func verify(_ password: String, _ hash: String?) async throws -> Bool {
        let matches = try await NIOThreadPool.singleton.runIfActive {
            Bcrypt.verify(password, hash: hash ?? Self.decoy)
        }
        return matches && hash != nil
    }

    /// Why `password` cannot be used, in words for the person choosing it; `nil` when it can.
    static func problem(with password: String) -> String? {
        if password.count < 10 { return "Choose a password of at least 10 characters." }
        // bcrypt reads 72 bytes: a longer password would be silently cut.
        if password.utf8.count > 72 { return "Choose a password of at most 72 bytes (about 72 letters)." }
        return nil
    }
}
