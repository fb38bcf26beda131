#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An IPv4 or IPv6 address in text, as the system's own parser reads it.
public enum IPAddressText {
    public static func isValid(_ text: String) -> Bool {
        isIPv4(text) || isIPv6(text)
    }

    public static func isIPv4(_ text: String) -> Bool {
        var address = in_addr()
        return text.utf8.count <= 15 && inet_pton(AF_INET, text, &address) == 1
    }

    public static func isIPv6(_ text: String) -> Bool {
        var address = in6_addr()
        return text.utf8.count <= 45 && inet_pton(AF_INET6, text, &address) == 1
    }
}
