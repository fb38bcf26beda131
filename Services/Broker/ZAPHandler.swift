import ZeroMQ

/// Answers ZeroMQ's authentication requests (ZAP, RFC 27) for the broker's sockets.
///
/// libzmq asks, for every CURVE handshake, over `inproc://zeromq.zap.01`; the answer's user
/// id becomes the connection's `User-Id`, which every message received on it carries.
enum ZAPHandler {
    struct Reply {
        let frames: [[UInt8]]
        let identity: String?
        let domain: String
        let refusal: BusPolicy.Refusal?
    }

    /// The reply to one request: `[version, request id, domain, address, routing id,
    /// mechanism, credentials…]`.
    static func answer(_ request: [[UInt8]], policy: BusPolicy) -> Reply {
        guard request.count >= 6 else {
            // Not a ZAP request libzmq would make; answer so the REP socket stays in step.
            return Reply(
                frames: reply(id: [], status: "500", text: "malformed request"), identity: nil, domain: "",
                refusal: .unreadable)
        }
        let id = request[1]
        let domain = String(decoding: request[2], as: UTF8.self)
        guard String(decoding: request[5], as: UTF8.self) == "CURVE", request.count >= 7,
            let key = CurveKeyPair.z85(request[6])
        else {
            return Reply(
                frames: reply(id: id, status: "400", text: "CURVE only"), identity: nil, domain: domain,
                refusal: .unknownKey)
        }
        switch policy.admit(publicKey: key, domain: domain) {
        case .success(let name):
            return Reply(
                frames: reply(id: id, status: "200", text: "OK", user: name), identity: name, domain: domain,
                refusal: nil)
        case .failure(let error):
            return Reply(
                frames: reply(id: id, status: "400", text: error.refusal.rawValue),
                identity: policy.identities[key], domain: domain, refusal: error.refusal)
        }
    }

    private static func reply(id: [UInt8], status: String, text: String, user: String = "") -> [[UInt8]] {
        [Array("1.0".utf8), id, Array(status.utf8), Array(text.utf8), Array(user.utf8), []]
    }
}
