import Contracts
import Foundation

/// The portal's people and their email links.
protocol PersonRepository: SecondFactorStore {
    func person(email: String) async throws -> Person?
    func person(id: UUID) async throws -> Person?
    /// People whose name, email or company contains `text` (everyone without it), newest first.
    func search(_ text: String?, limit: Int) async throws -> [Person]
    /// Creates an unverified person and emails the verification link, at once; `nil` when
    /// the address has a person already (nothing is changed or sent then).
    func signUp(email: String, name: String, passwordHash: String, link: NewEmailLink) async throws -> UUID?
    /// Stores `link` for `person` and has it emailed.
    func sendLink(_ link: NewEmailLink, to person: Person) async throws
    /// The person a live, unused link of `purpose` belongs to (the link stays unused).
    func linkOwner(tokenHash: String, purpose: EmailLinkPurpose) async throws -> Person?
    /// Uses a live link once and returns its person; a verification link verifies the
    /// address. `nil` for a link that is unknown, used or expired.
    func useLink(tokenHash: String, purpose: EmailLinkPurpose) async throws -> Person?
    /// Uses a reset link and sets the new password in one step; `nil` as for `useLink`.
    func resetPassword(tokenHash: String, passwordHash: String) async throws -> Person?
    /// Stores a link proving `newEmail` for `person` and has it emailed to that address.
    func requestEmailChange(of person: Person, to newEmail: String, link: NewEmailLink) async throws
    /// The person a live email-change link belongs to, with the address it proves (the link stays unused).
    func emailChange(tokenHash: String) async throws -> (person: Person, newEmail: String)?
    /// Uses an email-change link once: the person's address becomes the one it proves and
    /// every session of theirs ends. `nil` as for `useLink`; ``EmailTaken`` when another
    /// person has the address meanwhile.
    func changeEmail(tokenHash: String) async throws -> Person?
    func setCustomer(_ customer: UUID, of person: UUID) async throws
    /// Stores a new TOTP secret, not yet in force (a person without two-factor only).
    func startTwoFactor(_ person: UUID, sealedSecret: String) async throws
    /// Puts the stored secret in force with new recovery codes; `step` is the time step just
    /// proven, which will not be accepted again. `false` when there was nothing to turn on.
    func enableTwoFactor(_ person: UUID, step: Int64, recoveryCodeHashes: [String]) async throws -> Bool
    func disableTwoFactor(_ person: UUID) async throws
    func recoveryCodesLeft(_ person: UUID) async throws -> Int
    func profile(of person: UUID) async throws -> Profile?
    func updateProfile(_ profile: Profile, of person: UUID) async throws
    /// Records the person's wish to be forgotten (once); returns when it was first made.
    func requestErasure(of person: UUID) async throws -> Date
    /// Forgets who the person was, once, and tells the other services to forget them too
    /// (`customer.erased`, in the same transaction): name, address, profile, two-factor,
    /// sessions, links and staff notes go; the row stays with a placeholder address and a
    /// password nobody knows. `nil` when there is no such person or it was done before.
    func erase(_ person: UUID, passwordHash: String) async throws -> CustomerErased?
}
