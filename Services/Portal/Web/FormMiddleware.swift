import ExternalHTTP
import Foundation
import HTTPSupport
import Hummingbird

/// CSRF protection, form reading and the client's address for every page.
///
/// A random token lives in an HttpOnly `SameSite=Lax` cookie and in a hidden field of every
/// form (double submit): a POST whose field does not match the cookie is refused before any
/// handler runs, so a page on another site cannot make a signed-in browser act.
struct FormMiddleware<Context: WebRequestContext>: RouterMiddleware {
    static var cookieName: String { "hw_csrf" }
    /// The largest form the portal reads.
    static var maxBody: Int { 64 * 1024 }
    let secureCookies: Bool
    let addresses: ClientAddress

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        var context = context
        context.clientAddress = addresses.of(request, peer: context.peer)
        let cookie = request.cookies[Self.cookieName].map { String($0.value) }
        context.csrfToken = cookie ?? RandomToken.make()
        if request.method == .post {
            guard request.headers[.contentType]?.hasPrefix("application/x-www-form-urlencoded") == true else {
                throw PortalError(.unsupportedMediaType, "Forms are sent as application/x-www-form-urlencoded.")
            }
            let body = try await request.body.collect(upTo: Self.maxBody)
            let fields = FormFields(FormEncoding.decode(String(buffer: body)))
            guard let cookie, let sent = fields["csrf"], SecretDigest.same(sent, cookie) else {
                throw PortalError(.forbidden, "This form had expired. Go back, reload the page and send it again.")
            }
            context.form = fields
        }
        var response = try await next(request, context)
        if cookie == nil {
            response.setCookie(
                Cookie(
                    name: Self.cookieName, value: context.csrfToken, path: "/", secure: secureCookies,
                    httpOnly: true, sameSite: .lax))
        }
        return response
    }
}

/// Random tokens for cookies and links: 256 bits, URL-safe base64.
enum RandomToken {
    static func make() -> String {
        Data((0..<32).map { _ in UInt8.random(in: .min ... .max) }).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(
                of: "=", with: "")
    }
}
