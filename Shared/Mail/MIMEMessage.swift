import Foundation

/// A multipart/alternative email (plain text and HTML) in RFC 5322 / MIME form.
public struct MIMEMessage: Sendable {
    public struct Address: Sendable {
        public var name: String?
        public var email: String

        public init(_ email: String, name: String? = nil) {
            self.email = email
            self.name = name
        }

        /// `"Name" <email>`, the name RFC 2047-encoded when it is not plain ASCII.
        var header: String {
            guard let name, !name.isEmpty else { return email }
            return "\(MIMEMessage.encodedWord(name, quoteIfASCII: true)) <\(email)>"
        }
    }

    public var from: Address
    public var replyTo: Address?
    public var to: Address
    public var subject: String
    public var text: String
    public var html: String
    /// Stable for the message, so a resend is recognisable as the same message.
    public var messageID: String
    public var date: Date

    public init(
        from: Address, replyTo: Address?, to: Address, subject: String, text: String, html: String,
        messageID: String, date: Date
    ) {
        self.from = from
        self.replyTo = replyTo
        self.to = to
        self.subject = subject
        self.text = text
        self.html = html
        self.messageID = messageID
        self.date = date
    }

    /// The message with CRLF line ends, every line within 78 characters.
    public func rendered() -> [UInt8] {
        let boundary =
            "=_hostwire_"
            + String(
                messageID.utf8.reduce(into: UInt64(14_695_981_039_346_656_037)) {
                    $0 = ($0 ^ UInt64($1)) &* 1_099_511_628_211
                }, radix: 36)
        var lines = [
            "From: \(from.header)",
            "To: \(to.header)",
        ]
        if let replyTo { lines.append("Reply-To: \(replyTo.header)") }
        lines += [
            "Subject: \(Self.encodedWord(subject, quoteIfASCII: false))",
            "Date: \(Self.rfc5322Date(date))",
            "Message-ID: <\(messageID)>",
            "MIME-Version: 1.0",
            "Content-Type: multipart/alternative; boundary=\"\(boundary)\"",
            "",
            "This is a multi-part message in MIME format.",
            "--\(boundary)",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: quoted-printable",
            "",
            Self.quotedPrintable(text),
            "--\(boundary)",
            "Content-Type: text/html; charset=utf-8",
            "Content-Transfer-Encoding: quoted-printable",
            "",
            Self.quotedPrintable(html),
            "--\(boundary)--",
            "",
        ]
        return Array(lines.joined(separator: "\r\n").utf8)
    }

    /// RFC 2047 `=?utf-8?B?…?=` words of at most 75 characters, for non-ASCII header text.
    static func encodedWord(_ text: String, quoteIfASCII: Bool) -> String {
        if text.unicodeScalars.allSatisfy({ $0.isASCII && $0.value >= 32 }) {
            let needsQuotes = quoteIfASCII && text.contains(where: { "()<>[]:;@\\,.\"".contains($0) })
            return needsQuotes
                ? "\"\(text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\""))\""
                : text
        }
        // 36 bytes of UTF-8 make 48 base64 characters, 60 with the wrapper: a word fits on a
        // line after any header name. Split on character boundaries.
        var words: [String] = []
        var chunk = ""
        for character in text {
            if chunk.utf8.count + String(character).utf8.count > 36 {
                words.append(chunk)
                chunk = ""
            }
            chunk.append(character)
        }
        if !chunk.isEmpty { words.append(chunk) }
        return words.map { "=?utf-8?B?\(Data($0.utf8).base64EncodedString())?=" }.joined(separator: "\r\n ")
    }

    /// RFC 2045 quoted-printable with CRLF line ends and soft breaks before 76 characters.
    static func quotedPrintable(_ text: String) -> String {
        var output: [String] = []
        let normalized = text.replacingOccurrences(of: "\r\n", with: "\n")
        for line in normalized.split(separator: "\n", omittingEmptySubsequences: false) {
            var encoded = ""
            var length = 0
            let bytes = Array(line.utf8)
            for (index, byte) in bytes.enumerated() {
                let last = index == bytes.count - 1
                let piece: String
                if (byte == 0x20 || byte == 0x09) && last {
                    piece = String(format: "=%02X", byte)
                } else if (byte >= 33 && byte <= 126 && byte != 61) || byte == 0x20 || byte == 0x09 {
                    piece = String(UnicodeScalar(byte))
                } else {
                    piece = String(format: "=%02X", byte)
                }
                if length + piece.count > 75 {
                    encoded += "=\r\n"
                    length = 0
                }
                encoded += piece
                length += piece.count
            }
            output.append(encoded)
        }
        return output.joined(separator: "\r\n")
    }

    static func rfc5322Date(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        return formatter.string(from: date)
    }
}
