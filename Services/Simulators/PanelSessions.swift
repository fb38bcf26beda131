import Foundation
import Hummingbird

/// One-time login sessions a simulated panel hands out for single sign-on: a token bound to
/// a user, good for one visit within five minutes, as the real panels' are.
final class PanelSessions: Sendable {
    private struct Session: Sendable {
        let username: String
        let expires: Date
    }
    private let sessions = Locked([String: Session]())

    /// A new token for `username`.
    func create(for username: String) -> String {
        let token = (0..<4).map { _ in String(format: "%08x", UInt32.random(in: .min ... .max)) }.joined()
        sessions.withLock { $0[token] = Session(username: username, expires: Date().addingTimeInterval(300)) }
        return token
    }

    /// The user a token logs in, once; `nil` for an unknown, used or expired one.
    func consume(_ token: String) -> String? {
        sessions.withLock { sessions in
            guard let session = sessions.removeValue(forKey: token), session.expires > Date() else { return nil }
            return session.username
        }
    }

    /// The panel's home page as the user lands on it, or the panel's refusal of a used link.
    func landing(_ token: String?, panel: String) -> Response {
        guard let token, let username = consume(token) else {
            return html(.forbidden, "<h1>\(panel)</h1><p>This login link is invalid or has expired.</p>")
        }
        return html(.ok, "<h1>\(panel)</h1><p class=user>Logged in as <strong>\(username)</strong> (simulated).</p>")
    }

    private func html(_ status: HTTPResponse.Status, _ body: String) -> Response {
        let page =
            "<!doctype html><html lang=en><head><meta charset=utf-8><title>Control panel</title></head><body><main>\(body)</main></body></html>"
        return Response(
            status: status, headers: [.contentType: "text/html; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: page)))
    }

    /// Where the browser reached this simulator: the base of the URLs it hands out.
    static func base(of request: Request) -> String {
        "http://\(request.head.authority ?? "127.0.0.1")"
    }
}
