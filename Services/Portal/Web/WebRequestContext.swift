import Hummingbird

/// What every page's middleware and renderer need of a request's context, whether a
/// customer's page or the staff console's.
protocol WebRequestContext: RequestContext {
    /// The socket peer.
    var peer: String? { get }
    /// Who is asking: the peer, or what a trusted proxy in front saw (set by ``FormMiddleware``).
    var clientAddress: String { get set }
    /// The token every form on the page must send back (set by ``FormMiddleware``).
    var csrfToken: String { get set }
    /// A posted form's fields, once its CSRF token matched.
    var form: FormFields { get set }
    /// What the layout shows of who is signed in.
    var signedInValues: [String: Any] { get }
}
