import Hummingbird

/// A page that cannot be shown, with what the person should read instead.
struct PortalError: Error, Sendable {
    let status: HTTPResponse.Status
    let message: String

    init(_ status: HTTPResponse.Status, _ message: String) {
        self.status = status
        self.message = message
    }

    static let notFound = PortalError(
        .notFound, "There is nothing here. The link may be old, or it may belong to another account.")
}
