import ExternalHTTP
import Foundation
import Hummingbird
import NIOHTTP1

/// The panel server's web server (`SIM_SITE_PORT`), where the accounts' sites answer by
/// `Host`: a page for a domain the panel has, 404 for any other. Like every real panel
/// server Hostwire runs, it forwards `/.well-known/acme-challenge/` to DNS/SSL (the one
/// server-wide rule in docs/operations.md), set at run time by `PUT /__sim/site`
/// (`{"acme_forward": "http://dnsssl:8083"}`).
struct SiteServer: Sendable {
    let state: PanelState
    let forward = Locked<String?>(nil)

    struct Settings: Codable, Sendable {
        let acmeForward: String?
        enum CodingKeys: String, CodingKey { case acmeForward = "acme_forward" }
    }

    /// `PUT /__sim/site` on the panel's API port.
    func addSettingsRoute(to router: Router<BasicRequestContext>) {
        router.put("__sim/site") { request, context -> JSONBody<Settings> in
            let settings = try await request.decode(as: Settings.self, context: context)
            forward.withLock { $0 = settings.acmeForward }
            return JSONBody(settings)
        }
    }

    func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.get(".well-known/acme-challenge/{token}") { request, context -> Response in
            guard site(of: request) != nil, let base = forward.withLock({ $0 }) else { return notFound() }
            let token = context.parameters.get("token") ?? ""
            let answer = try await ExternalHTTPClient(baseURL: base, timeout: .seconds(5)).send(
                .GET,
                "/.well-known/acme-challenge/\(token.addingPercentEncoding(withAllowedCharacters: Self.unreserved) ?? "")"
            )
            return Response(
                status: .init(code: answer.status), headers: [.contentType: "text/plain"],
                body: .init(byteBuffer: answer.bytes))
        }
        router.get("**") { request, _ -> Response in
            guard let site = site(of: request) else { return notFound() }
            return Response(
                status: .ok, headers: [.contentType: "text/html"],
                body: .init(byteBuffer: ByteBuffer(string: "<!doctype html><title>\(site)</title><h1>\(site)</h1>")))
        }
        return router
    }

    /// The account domain (or `www.` of one) the request's `Host` names.
    private func site(of request: Request) -> String? {
        guard let host = request.head.authority?.split(separator: ":").first.map({ String($0).lowercased() }) else {
            return nil
        }
        let domain = host.hasPrefix("www.") ? String(host.dropFirst(4)) : host
        return state.all.contains { $0.domain == domain } ? domain : nil
    }

    /// What a token may hold unencoded: ACME tokens are base64url, `-` and `_` included.
    private static let unreserved = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-_"))

    private func notFound() -> Response {
        Response(
            status: .notFound, headers: [.contentType: "text/plain"],
            body: .init(byteBuffer: ByteBuffer(string: "Not Found")))
    }
}
