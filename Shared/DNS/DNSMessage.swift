/// Just enough of RFC 1035's message format for one question and its answers.
enum DNSMessage {
    /// One answer record: its type, and where its data is in the whole message (names in
    /// it may point elsewhere in the message).
    struct Answer {
        let type: Int
        let message: [UInt8]
        let offset: Int
        let data: ArraySlice<UInt8>
    }

    static func query(id: UInt16, name: String, type: UInt16, recursive: Bool = false) -> [UInt8] {
        var bytes: [UInt8] = [UInt8(id >> 8), UInt8(id & 0xff), recursive ? 0x01 : 0x00, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]
        for label in name.split(separator: ".") {
            let utf8 = Array(label.utf8.prefix(63))
            bytes.append(UInt8(utf8.count))
            bytes += utf8
        }
        bytes += [0, UInt8(type >> 8), UInt8(type & 0xff), 0, 1]
        return bytes
    }

    /// The answers of a reply to query `id`, or `nil` when the bytes are not that reply.
    static func answers(_ bytes: [UInt8], id: UInt16) -> [Answer]? {
        guard bytes.count >= 12, UInt16(bytes[0]) << 8 | UInt16(bytes[1]) == id, bytes[2] & 0x80 != 0 else {
            return nil
        }
        let questions = Int(bytes[4]) << 8 | Int(bytes[5])
        let count = Int(bytes[6]) << 8 | Int(bytes[7])
        var offset = 12
        for _ in 0..<questions {
            guard let end = skipName(bytes, offset) else { return nil }
            offset = end + 4
        }
        var answers: [Answer] = []
        for _ in 0..<count {
            guard let end = skipName(bytes, offset), end + 10 <= bytes.count else { return nil }
            let type = Int(bytes[end]) << 8 | Int(bytes[end + 1])
            let length = Int(bytes[end + 8]) << 8 | Int(bytes[end + 9])
            let data = end + 10
            guard data + length <= bytes.count else { return nil }
            answers.append(Answer(type: type, message: bytes, offset: data, data: bytes[data..<(data + length)]))
            offset = data + length
        }
        return answers
    }

    /// The (possibly compressed) name at `start`, dotted without the final dot; `nil` when
    /// it runs off the message or points in a loop.
    static func name(in bytes: [UInt8], at start: Int) -> String? {
        var labels: [String] = []
        var offset = start
        var jumps = 0
        while offset < bytes.count {
            let length = Int(bytes[offset])
            if length == 0 { return labels.joined(separator: ".") }
            if length & 0xc0 == 0xc0 {
                guard offset + 1 < bytes.count, jumps < 16 else { return nil }
                offset = (length & 0x3f) << 8 | Int(bytes[offset + 1])
                jumps += 1
                continue
            }
            guard offset + 1 + length <= bytes.count else { return nil }
            labels.append(String(decoding: bytes[(offset + 1)..<(offset + 1 + length)], as: UTF8.self))
            offset += 1 + length
        }
        return nil
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
