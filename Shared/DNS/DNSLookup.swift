import NIOCore
import NIOPosix

/// Asks one DNS server directly (UDP, no recursion) for a name's TXT records, to see what
/// an authoritative server really answers before a CA is asked to look.
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
        let id = UInt16.random(in: 0...UInt16.max)
        let query = DNSMessage.query(id: id, name: name, type: 16)
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
            return try await withThrowingTaskGroup(of: [String]?.self) { group in
                group.addTask {
                    for try await envelope in inbound {
                        if let answer = DNSMessage.txtAnswers(Array(buffer: envelope.data), id: id) { return answer }
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

/// Just enough of RFC 1035's message format for a TXT question and its answers.
enum DNSMessage {
    static func query(id: UInt16, name: String, type: UInt16) -> [UInt8] {
        var bytes: [UInt8] = [UInt8(id >> 8), UInt8(id & 0xff), 0x00, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]
        for label in name.split(separator: ".") {
            let utf8 = Array(label.utf8.prefix(63))
            bytes.append(UInt8(utf8.count))
            bytes += utf8
        }
        bytes += [0, UInt8(type >> 8), UInt8(type & 0xff), 0, 1]
        return bytes
    }

    /// The TXT answers of a reply to query `id`, or `nil` when the bytes are not that reply.
    static func txtAnswers(_ bytes: [UInt8], id: UInt16) -> [String]? {
        guard bytes.count >= 12, UInt16(bytes[0]) << 8 | UInt16(bytes[1]) == id, bytes[2] & 0x80 != 0 else {
            return nil
        }
        let questions = Int(bytes[4]) << 8 | Int(bytes[5])
        let answers = Int(bytes[6]) << 8 | Int(bytes[7])
        var offset = 12
        for _ in 0..<questions {
            guard let end = skipName(bytes, offset) else { return nil }
            offset = end + 4
        }
        var texts: [String] = []
        for _ in 0..<answers {
            guard let end = skipName(bytes, offset), end + 10 <= bytes.count else { return nil }
            let type = Int(bytes[end]) << 8 | Int(bytes[end + 1])
            let length = Int(bytes[end + 8]) << 8 | Int(bytes[end + 9])
            let data = end + 10
            guard data + length <= bytes.count else { return nil }
            if type == 16 {
                var text = ""
                var position = data
                while position < data + length {
                    let count = Int(bytes[position])
                    text += String(
                        decoding: bytes[(position + 1)..<min(position + 1 + count, data + length)], as: UTF8.self)
                    position += 1 + count
                }
                texts.append(text)
            }
            offset = data + length
        }
        return texts
    }

    /// The offset just past a (possibly compressed) name.
    private static func skipName(_ bytes: [UInt8], _ start: Int) -> Int? {
        var offset = start
        while offset < bytes.count {
            let length = Int(bytes[offset])
            if length == 0 { return offset + 1 }
            if length & 0xc0 == 0xc0 { return offset + 2 }
            offset += 1 + length
        }
        return nil
    }
}
