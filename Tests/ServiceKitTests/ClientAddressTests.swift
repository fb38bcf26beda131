import Testing

@testable import HTTPSupport

/// Which peers' `X-Forwarded-For` is believed: listed addresses and IPv4 ranges, nothing else.
@Suite struct ClientAddressTests {
    @Test func addressesAndRangesAreTrusted() {
        let addresses = ClientAddress(trustedProxies: ["127.0.0.1", "172.16.0.0/12", "10.1.2.0/24"])
        for peer in ["127.0.0.1", "172.16.0.1", "172.31.255.254", "10.1.2.200"] {
            #expect(addresses.trusts(peer), "\(peer)")
        }
        for peer in ["127.0.0.2", "172.32.0.1", "10.1.3.1", "192.168.1.1", "::1", "unknown"] {
            #expect(!addresses.trusts(peer), "\(peer)")
        }
    }

    @Test func malformedRangesTrustNothing() {
        for text in ["10.0.0.0/33", "10.0.0/8", "10.0.0.256/8", "10.0.0.0/", "/8", "10.0.0.0/-1", "1.2.3.4/8/8"] {
            #expect(IPv4Range(text) == nil, "\(text)")
        }
        #expect(IPv4Range("0.0.0.0/0")?.contains(IPv4Range.address("203.0.113.9")!) == true)
        #expect(IPv4Range.address("1.2.3.4.5") == nil && IPv4Range.address("01234.1.1.1") == nil)
    }
}
