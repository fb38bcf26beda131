import CZeroMQ

/// The ZeroMQ socket patterns Hostwire uses.
public enum SocketType: Sendable {
    case pub, sub, xpub, xsub, push, pull, pair, router, dealer, rep

    var raw: Int32 {
        switch self {
        case .pub: ZMQ_PUB
        case .sub: ZMQ_SUB
        case .xpub: ZMQ_XPUB
        case .xsub: ZMQ_XSUB
        case .push: ZMQ_PUSH
        case .pull: ZMQ_PULL
        case .pair: ZMQ_PAIR
        case .router: ZMQ_ROUTER
        case .dealer: ZMQ_DEALER
        case .rep: ZMQ_REP
        }
    }
}
