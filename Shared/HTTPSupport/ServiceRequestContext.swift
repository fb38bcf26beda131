import Hummingbird
import NIOCore
import PortalTokens

/// The request context of every service's routes: Hummingbird's basic context plus the
/// socket peer, which rate limits and the audit trail name.
public struct ServiceRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The connection's peer; `nil` in router tests, which have no socket.
    public let remoteAddress: SocketAddress?
    /// The staff member whose token authorised an admin call (``BearerAuthMiddleware``).
    public var staff: StaffClaims?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    /// Who an admin change is recorded as made by: the staff member whose token authorised
    /// it, or, for a static token, who the request says (`claimed`), else `fallback`.
    public func actor(claimed: String?, fallback: String = "operator", max: Int = 100) -> String {
        if let staff { return String(staff.actor.prefix(max)) }
        return String((claimed ?? fallback).prefix(max))
    }
}
