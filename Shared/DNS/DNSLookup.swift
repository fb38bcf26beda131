import NIOCore
import NIOPosix

/// Asks one DNS server directly (UDP): an authoritative one for a name's TXT records, to
/// see what it really answers before a CA is asked to look, or a resolver where a name is
/// delegated.
public struct DNSLookup: Sendable {
    public let host: String
    public let port: Int
    public let timeout: Duration

    public init(host: String, port: Int = 53, timeout: Duration = .seconds(2)) {
        self.host = host
        self.port = port
        self.timeout = timeout
    }

    /// The TXT strings at `name` (each record's strings joined); empty when there are none.
    public func txt(_ name: String) async throws -> [String] {
        try await ask(name, type: 16, recursive: false).compactMap { answer in
            guard answer.type == 16 else { return nil }
            var text = ""
            var position = answer.data.startIndex
            while position < answer.data.endIndex {
                let count = Int(answer.data[position])
                text += String(
                    decoding: answer.data[(position + 1)..<min(position + 1 + count, answer.data.endIndex)],
                    as: UTF8.self)
                position += 1 + count
            }
            return text
        }
    }

    /// The name servers `name` is delegated to, lower-cased without the final dot, as a
    /// resolver (recursion asked) answers; empty when there is no such name.
    public func nameservers(of name: String) async throws -> [String] {
        try await ask(name, type: 2, recursive: true).compactMap { answer in
            guard answer.type == 2 else { return nil }
            return DNSMessage.name(in: answer.message, at: answer.offset)?.lowercased()
        }
    }

    /// The answer records of one question to this server.
    private func ask(_ name: String, type: UInt16, recursive: Bool) async throws -> [DNSMessage.Answer] {
        let id = UInt16.random(in: 0...UInt16.max)
        let query = DNSMessage.query(id: id, name: name, type: type, recursive: recursive)
        // An address as given, else the name resolved (compose service names such as `powerdns`).
        let remote =
            try (try? SocketAddress(ipAddress: host, port: port))
            ?? SocketAddress.makeAddressResolvingHost(host, port: port)
        let channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "0.0.0.0", port: 0) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<AddressedEnvelope<ByteBuffer>, AddressedEnvelope<ByteBuffer>>(
                        wrappingChannelSynchronously: channel)
                }
            }
        return try await channel.executeThenClose { inbound, outbound in
            try await outbound.write(AddressedEnvelope(remoteAddress: remote, data: ByteBuffer(bytes: query)))
            return try await withThrowingTaskGroup(of: [DNSMessage.Answer]?.self) { group in
                group.addTask {
                    for try await envelope in inbound {
                        if let answers = DNSMessage.answers(Array(buffer: envelope.data), id: id) { return answers }
                    }
                    return nil
                }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    return nil
                }
                let first = try await group.next() ?? nil
                group.cancelAll()
                guard let first else { throw DNSError.unavailable("no DNS answer from \(host):\(port) for \(name)") }
                return first
            }
        }
    }
}
