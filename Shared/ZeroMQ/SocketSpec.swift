/// How a ``MessageLoop`` should open one of its sockets.
public struct SocketSpec: Sendable {
    /// Where the socket attaches.
    public enum Endpoint: Sendable, Equatable {
        case bind(String)
        case connect(String)
    }

    public var type: SocketType
    public var endpoints: [Endpoint]
    public var options: [SocketOption]
    /// Prefixes a SUB socket starts subscribed to.
    public var subscriptions: [String]

    public init(_ type: SocketType, _ endpoints: [Endpoint], options: [SocketOption] = [], subscriptions: [String] = [])
    {
        self.type = type
        self.endpoints = endpoints
        self.options = options
        self.subscriptions = subscriptions
    }

    /// Whether messages arrive on this socket.
    var receives: Bool {
        switch type {
        case .pub, .push: false
        default: true
        }
    }

    /// Opens the socket on the calling thread, which then owns it.
    public func open(in context: ZMQContext) throws(ZMQError) -> Socket {
        let socket = try Socket(context, type: type, options: options)
        for prefix in subscriptions { try socket.subscribe(Array(prefix.utf8)) }
        for endpoint in endpoints {
            switch endpoint {
            case .bind(let address): try socket.bind(address)
            case .connect(let address): try socket.connect(address)
            }
        }
        return socket
    }
}
