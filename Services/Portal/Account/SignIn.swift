import Foundation
import Hummingbird
import HummingbirdAuth

/// Starts a person's session: the one way every page that logs someone in does it.
struct SignIn: Sendable {
    let people: any PersonRepository
    let sessions: PostgresSessionStore
    let services: ServiceAPIs

    /// Starts a new session for `person` (never reusing the id a browser brought: no fixation),
    /// linking checkout's customer first if that has not happened yet.
    func start(
        _ person: Person, _ request: Request, _ context: PortalRequestContext, secondFactorPending: Bool = false
    ) async throws {
        var customer = person.customerID
        if customer == nil, let linked = try? await services.linkCustomer(email: person.email, name: person.name) {
            try await people.setCustomer(linked, of: person.id)
            customer = linked
        }
        if let old = request.cookies["hw_session"]?.value { try await sessions.remove(key: String(old)) }
        context.sessions.createSession(
            PortalSession(
                personID: person.id, customerID: customer, email: person.email, name: person.name, signedInAt: Date(),
                address: context.clientAddress, userAgent: String((request.headers[.userAgent] ?? "").prefix(300)),
                secondFactorPending: secondFactorPending))
    }
}
