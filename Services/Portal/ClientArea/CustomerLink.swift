import HummingbirdAuth

/// The signed-in person as checkout's customer, whom every client-area call is about.
struct CustomerLink: Sendable {
    let services: ServiceAPIs
    let people: any PersonRepository

    /// The session with checkout's customer: linked now if sign-in could not reach checkout.
    func session(_ context: PortalRequestContext) async throws -> PortalSession {
        guard var session = context.person else { throw PortalError.notFound }
        if session.customerID == nil {
            let customer = try await services.linkCustomer(email: session.email, name: session.name)
            try await people.setCustomer(customer, of: session.personID)
            session.customerID = customer
            _ = context.sessions.updateSession(session)
        }
        return session
    }
}
