import Foundation
import Hummingbird
import Persistence

/// Who is asking: the socket peer, or, when the peer is a configured trusted proxy (such as
/// the portal's load balancer), the address that proxy saw (`X-Forwarded-For`, rightmost
/// entry not itself a trusted proxy).
public struct ClientAddress: Sendable {
    /// `HOSTWIRE_TRUSTED_PROXIES`: addresses, or IPv4 ranges (`172.16.0.0/12`), whose
    /// `X-Forwarded-For` is believed.
    public let trustedProxies: Set<String>
    private let trustedRanges: [IPv4Range]

    public init(trustedProxies: Set<String> = []) {
        self.trustedProxies = trustedProxies
        trustedRanges = trustedProxies.compactMap(IPv4Range.init)
    }

    public static func load(_ environment: Persistence.Environment = Persistence.Environment()) -> ClientAddress {
        ClientAddress(
            trustedProxies: Set(
                (environment.optional("HOSTWIRE_TRUSTED_PROXIES") ?? "").split(separator: ",")
                    .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }))
    }

    public func of(_ request: Request, peer: String?) -> String {
        guard let peer else { return "unknown" }
        guard trusts(peer), let forwarded = request.headers[.init("X-Forwarded-For")!] else {
            return peer
        }
        let hops = forwarded.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter {
            !$0.isEmpty
        }
        return hops.last { !trusts($0) } ?? peer
    }

    func trusts(_ address: String) -> Bool {
        trustedProxies.contains(address)
            || IPv4Range.address(address).map { ip in
                trustedRanges.contains { $0.contains(ip) }
            } == true
    }
}

/// An IPv4 range in CIDR notation.
struct IPv4Range: Sendable {
    let network: UInt32
    let mask: UInt32

    init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let base = Self.address(String(parts[0])), let bits = UInt32(parts[1]), bits <= 32
        else { return nil }
        mask = bits == 0 ? 0 : UInt32.max << (32 - bits)
        network = base & mask
    }

    func contains(_ address: UInt32) -> Bool { address & mask == network }

    /// A dotted-quad IPv4 address as a number; nil for anything else.
    static func address(_ text: String) -> UInt32? {
        let octets = text.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4 else { return nil }
        var value: UInt32 = 0
        for octet in octets {
            guard octet.count <= 3, let byte = UInt8(octet) else { return nil }
            value = value << 8 | UInt32(byte)
        }
        return value
    }
}
