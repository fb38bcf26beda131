import Foundation
import HTTPSupport
import Hummingbird
import HummingbirdAuth
import PortalTokens

/// The context of every console page: the staff member's session (its own cookie, `hw_staff`,
/// scoped to `/console`), the client's address, and the posted form.
struct ConsoleRequestContext: ChildRequestContext, SessionRequestContext, WebRequestContext {
    typealias ParentContext = ServiceRequestContext
    var coreContext: CoreRequestContextStorage
    let sessions: SessionContext<StaffSession>
    let peer: String?
    var clientAddress: String
    var csrfToken = ""
    var form = FormFields([])

    init(context: ServiceRequestContext) throws {
        coreContext = context.coreContext
        sessions = SessionContext()
        peer = context.remoteAddress?.ipAddress
        clientAddress = peer ?? "unknown"
    }

    /// The signed-in staff member, if their login is complete and not too old.
    var staff: StaffSession? { sessions.session.flatMap { $0.isSignedIn ? $0 : nil } }

    var signedInValues: [String: Any] {
        guard let staff else { return ["console": true] }
        return ["console": true, "staff": ["name": staff.name, "email": staff.email, "role": staff.role.rawValue]]
    }
}

/// Console pages for signed-in staff only: anyone else is sent to the console's login.
struct RequireStaffMiddleware: RouterMiddleware {
    typealias Context = ConsoleRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        guard let staff = context.staff else {
            if context.sessions.session != nil { context.sessions.clearSession() }
            return Response.redirect(to: "/console/login", type: .found)
        }
        // Each request moves the idle timeout on; the absolute one (StaffSession.isSignedIn) stays.
        _ = context.sessions.updateSession(staff, expiresIn: StaffSession.idleTimeout)
        return try await next(request, context)
    }
}
