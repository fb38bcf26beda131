import HTTPSupport
import Hummingbird
import Logging

/// Every failure of a page becomes a page: the status, what happened in words a customer
/// understands, and where to get help. Nothing internal is shown.
struct HTMLErrorMiddleware<Context: WebRequestContext>: RouterMiddleware {
    let pages: PageRenderer
    /// The template of the error page.
    var template = "error"

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch let error as PortalError {
            return page(error.status, error.message, context)
        } catch let error as APIError {
            return page(error.status, error.status.code < 500 ? error.message : Self.unexpected, context)
        } catch let error as any HTTPResponseError where error.status.code < 500 {
            return page(error.status, error.status.reasonPhrase, context)
        } catch {
            context.logger.error(
                "page failed", metadata: ["path": "\(request.uri.path)", "error": "\(String(reflecting: error))"])
            return page(.internalServerError, Self.unexpected, context)
        }
    }

    static var unexpected: String {
        "Something went wrong on our side. Please try again in a minute; if it keeps happening, write to us."
    }

    private func page(_ status: HTTPResponse.Status, _ message: String, _ context: Context) -> Response {
        pages.render(
            template, ["title": status.reasonPhrase, "status": status.code, "message": message],
            context: context, status: status)
    }
}
