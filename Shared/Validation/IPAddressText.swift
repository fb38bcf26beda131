#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An IPv4 or IPv6 address in text, as the system's own parser reads it.
public enum IPAddressText {
    public static func isValid(_ text: String) -> Bool {
        guard text.utf8.count <= 45 else { return false }
        var v4 = in_addr(), v6 = in6_addr()
        return inet_pton(AF_INET, text, &v4) == 1 || inet_pton(AF_INET6, text, &v6) == 1
    }
}
