import Foundation
import Hummingbird

/// Pages for signed-in people only: anyone else is sent to the login page, and back after.
/// A staff view ("log in as") only looks: it changes nothing of the customer's.
struct RequireLoginMiddleware: RouterMiddleware {
    typealias Context = PortalRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        guard let person = context.person else {
            let back = request.method == .get ? "?next=\(LocalPath.escape(request.uri.path))" : ""
            return Response.redirect(to: "/login\(back)", type: .found)
        }
        if person.staffViewer != nil && request.method != .get && request.method != .head {
            throw PortalError(
                .forbidden, "A staff view only looks: changes to this account are the customer's to make.")
        }
        return try await next(request, context)
    }
}

/// A path inside the portal, safe to redirect to after login (never another site).
enum LocalPath {
    static func validated(_ text: String?) -> String? {
        guard let text, text.hasPrefix("/"), !text.hasPrefix("//"), !text.contains("\\"), text.count < 300,
            text.allSatisfy({ $0.isASCII && !$0.isWhitespace })
        else { return nil }
        return text
    }

    static func escape(_ path: String) -> String {
        path.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(.init(charactersIn: "?&#=")))
            ?? "/"
    }
}
