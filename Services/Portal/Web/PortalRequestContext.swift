import Foundation
import HTTPSupport
import Hummingbird
import HummingbirdAuth

/// The context of every portal page: the signed-in person's session (if any), the client's
/// address, the CSRF token forms carry, and the fields of a posted form.
struct PortalRequestContext: ChildRequestContext, SessionRequestContext, WebRequestContext {
    typealias ParentContext = ServiceRequestContext
    var coreContext: CoreRequestContextStorage
    let sessions: SessionContext<PortalSession>
    /// The socket peer.
    let peer: String?
    /// Who is asking: the peer, or what a trusted proxy in front saw (set by ``FormMiddleware``).
    var clientAddress: String
    /// Set by ``FormMiddleware``: the token every form on the page must send back.
    var csrfToken = ""
    /// Set by ``FormMiddleware`` on a POST whose CSRF token matched.
    var form = FormFields([])

    init(context: ServiceRequestContext) throws {
        coreContext = context.coreContext
        sessions = SessionContext()
        peer = context.remoteAddress?.ipAddress
        clientAddress = peer ?? "unknown"
    }

    /// The signed-in person, if any (someone half-way through a two-factor login is not yet).
    var person: PortalSession? { sessions.session.flatMap { $0.secondFactorPending ? nil : $0 } }

    var signedInValues: [String: Any] {
        guard let person else { return [:] }
        return ["person": ["name": person.name, "email": person.email], "staff_viewer": person.staffViewer ?? ""]
    }
}

/// A posted form's fields, by name (the last value of a repeated name wins).
struct FormFields: Sendable {
    private let values: [String: String]

    init(_ pairs: [(String, String)]) {
        values = Dictionary(pairs, uniquingKeysWith: { $1 })
    }

    subscript(_ name: String) -> String? { values[name] }

    /// The field trimmed of surrounding white space; empty when absent.
    func text(_ name: String) -> String {
        values[name]?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
    }
}
