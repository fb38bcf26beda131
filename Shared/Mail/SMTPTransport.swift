import CCurl
import Dispatch
import Foundation

/// SMTP through libcurl: STARTTLS or implicit TLS, AUTH, and timeouts. Each send runs on a
/// GCD thread, since libcurl blocks; never on Swift's cooperative pool.
public struct SMTPTransport: MailTransport {
    public enum Security: String, Sendable {
        /// Plain SMTP (local relays and test servers only).
        case none
        /// STARTTLS, required: the message is never sent in clear.
        case starttls
        /// Implicit TLS (`smtps://`, port 465).
        case tls
    }

    public var host: String
    public var port: Int
    public var security: Security
    public var username: String?
    public var password: String?
    /// A CA bundle to trust for the server's certificate (a private relay, tests).
    public var caFile: String?
    public var connectTimeout: Duration
    public var timeout: Duration

    public init(
        host: String, port: Int, security: Security, username: String? = nil, password: String? = nil,
        caFile: String? = nil, connectTimeout: Duration = .seconds(10), timeout: Duration = .seconds(60)
    ) {
        self.host = host
        self.port = port
        self.security = security
        self.username = username
        self.password = password
        self.caFile = caFile
        self.connectTimeout = connectTimeout
        self.timeout = timeout
    }

    private static let initialized: Bool = curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK

    public func send(_ message: [UInt8], from sender: String, to recipients: [String]) async throws(MailDeliveryError) {
        guard Self.initialized else { throw .transient("libcurl did not initialise") }
        let transport = self
        let result: Result<Void, MailDeliveryError> = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(returning: transport.deliver(message, from: sender, to: recipients))
            }
        }
        try result.get()
    }

    /// The blocking libcurl transaction.
    private func deliver(_ message: [UInt8], from sender: String, to recipients: [String]) -> Result<
        Void, MailDeliveryError
    > {
        guard let curl = curl_easy_init() else { return .failure(.transient("curl_easy_init failed")) }
        defer { curl_easy_cleanup(curl) }
        var list: UnsafeMutablePointer<curl_slist>?
        for recipient in recipients { list = curl_slist_append(list, "<\(recipient)>") }
        defer { curl_slist_free_all(list) }
        let body = MessageBody(message)
        let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        defer { errorBuffer.deallocate() }

        let scheme = security == .tls ? "smtps" : "smtp"
        _ = hw_curl_set_string(curl, CURLOPT_URL, "\(scheme)://\(host):\(port)")
        _ = hw_curl_set_string(curl, CURLOPT_MAIL_FROM, "<\(sender)>")
        _ = hw_curl_set_list(curl, CURLOPT_MAIL_RCPT, list)
        _ = hw_curl_set_long(curl, CURLOPT_UPLOAD, 1)
        _ = hw_curl_set_long(curl, CURLOPT_NOSIGNAL, 1)
        _ = hw_curl_set_long(curl, CURLOPT_CONNECTTIMEOUT_MS, Int(connectTimeout / .milliseconds(1)))
        _ = hw_curl_set_long(curl, CURLOPT_TIMEOUT_MS, Int(timeout / .milliseconds(1)))
        _ = hw_curl_set_pointer(curl, CURLOPT_ERRORBUFFER, errorBuffer)
        if security == .starttls { _ = hw_curl_set_long(curl, CURLOPT_USE_SSL, Int(CURLUSESSL_ALL.rawValue)) }
        if let caFile { _ = hw_curl_set_string(curl, CURLOPT_CAINFO, caFile) }
        if let username, let password {
            _ = hw_curl_set_string(curl, CURLOPT_USERNAME, username)
            _ = hw_curl_set_string(curl, CURLOPT_PASSWORD, password)
        }
        _ = hw_curl_set_read_function(curl) { buffer, size, count, context in
            guard let buffer, let context else { return 0 }
            return Unmanaged<MessageBody>.fromOpaque(context).takeUnretainedValue().read(
                into: buffer, capacity: size * count)
        }
        let unmanaged = Unmanaged.passRetained(body)
        defer { unmanaged.release() }
        _ = hw_curl_set_pointer(curl, CURLOPT_READDATA, unmanaged.toOpaque())

        let code = curl_easy_perform(curl)
        guard code != CURLE_OK else { return .success(()) }
        var reply = 0
        _ = hw_curl_get_long(curl, CURLINFO_RESPONSE_CODE, &reply)
        let detail = String(cString: errorBuffer)
        let reason = detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
        if (500..<600).contains(reply) { return .failure(.permanent(code: reply, reply: reason)) }
        return .failure(.transient(reply > 0 ? "\(reply): \(reason)" : reason))
    }
}

/// The message bytes libcurl reads in chunks; touched only by the libcurl call's thread.
private final class MessageBody {
    let bytes: [UInt8]
    var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    func read(into buffer: UnsafeMutablePointer<CChar>, capacity: Int) -> Int {
        let count = min(capacity, bytes.count - offset)
        guard count > 0 else { return 0 }
        bytes.withUnsafeBufferPointer { source in
            UnsafeMutableRawPointer(buffer).copyMemory(from: source.baseAddress! + offset, byteCount: count)
        }
        offset += count
        return count
    }
}
