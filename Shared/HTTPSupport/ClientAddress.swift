import Foundation
import Hummingbird
import Persistence

/// Who is asking: the socket peer, or, when the peer is a configured trusted proxy (such as
/// the portal's load balancer), the address that proxy saw (`X-Forwarded-For`, rightmost
/// entry not itself a trusted proxy).
public struct ClientAddress: Sendable {
    /// `HOSTWIRE_TRUSTED_PROXIES`: addresses whose `X-Forwarded-For` is believed.
    public let trustedProxies: Set<String>

    public init(trustedProxies: Set<String> = []) {
        self.trustedProxies = trustedProxies
    }

    public static func load(_ environment: Persistence.Environment = Persistence.Environment()) -> ClientAddress {
        ClientAddress(
            trustedProxies: Set(
                (environment.optional("HOSTWIRE_TRUSTED_PROXIES") ?? "").split(separator: ",")
                    .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }))
    }

    public func of(_ request: Request, peer: String?) -> String {
        guard let peer else { return "unknown" }
        guard trustedProxies.contains(peer), let forwarded = request.headers[.init("X-Forwarded-For")!] else {
            return peer
        }
        let hops = forwarded.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter {
            !$0.isEmpty
        }
        return hops.last { !trustedProxies.contains($0) } ?? peer
    }
}
