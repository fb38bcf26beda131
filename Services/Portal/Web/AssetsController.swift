import Foundation
import Hummingbird

/// The portal's stylesheet and script, read once at start and cached by browsers for a day.
struct AssetsController: Sendable {
    let files: [String: (body: ByteBuffer, type: String)]

    init(directory: URL) {
        var files: [String: (ByteBuffer, String)] = [:]
        for (name, type) in [
            ("portal.css", "text/css; charset=utf-8"), ("portal.js", "text/javascript; charset=utf-8"),
        ] {
            if let data = FileManager.default.contents(atPath: directory.appendingPathComponent(name).path) {
                files[name] = (ByteBuffer(bytes: data), type)
            }
        }
        self.files = files
    }

    func addRoutes(to router: RouterGroup<PortalRequestContext>) {
        router.get("assets/{name}") { _, context in
            guard let name = context.parameters.get("name"), let file = files[name] else { throw PortalError.notFound }
            return Response(
                status: .ok, headers: [.contentType: file.type, .cacheControl: "public, max-age=86400"],
                body: .init(byteBuffer: file.body))
        }
    }
}
