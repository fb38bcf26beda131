import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Ports handed out so far: the next candidate, starting at a spot derived from the process id.
private let nextPort = Mutex(20_000 + Int(getpid() % 400) * 30)

/// A TCP port on 127.0.0.1 that nothing listens on right now, taken from 20000–32767, below
/// the kernel's ephemeral range: outgoing connections (Postgres clients, HTTP calls) never
/// take it between now and the moment a test server binds it. Never the same port twice
/// in one process.
public func freePort() -> Int {
    while true {
        let port = nextPort.withLock { next -> Int in
            defer { next = next >= 32_767 ? 20_000 : next + 1 }
            return next
        }
        if canBind(port) { return port }
    }
}

private func canBind(_ port: Int) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = UInt16(port).bigEndian
    return withUnsafePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
        }
    }
}
