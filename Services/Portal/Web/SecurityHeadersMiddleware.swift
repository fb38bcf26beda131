import HTTPTypes
import Hummingbird

/// Headers that make every page safer to show: no inline script or style runs, no other
/// site frames the portal, no page is cached by a shared cache.
struct SecurityHeadersMiddleware<Context: WebRequestContext>: RouterMiddleware {

    /// Forms lead only here and to the payment provider's page (browsers check the redirect too).
    let contentSecurityPolicy: String

    /// `paymentOrigin`: where forms may lead besides the portal (the payment provider's page), if anywhere.
    init(paymentOrigin: String?) {
        contentSecurityPolicy =
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            + "connect-src 'self'; form-action 'self'\(paymentOrigin.map { " " + $0 } ?? ""); frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        var response = try await next(request, context)
        response.headers[.contentSecurityPolicy] = contentSecurityPolicy
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[HTTPField.Name("Referrer-Policy")!] = "same-origin"
        response.headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        if response.headers[.cacheControl] == nil { response.headers[.cacheControl] = "no-store" }
        return response
    }
}
