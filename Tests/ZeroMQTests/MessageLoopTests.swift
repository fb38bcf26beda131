import Testing
@testable import ZeroMQ

@Suite struct MessageLoopTests {
    @Test func pushPullRoundTripOfMultipartMessages() async throws {
        let context = ZMQContext()
        let pull = try await MessageLoop(context: context, name: "pull", sockets: [
            SocketSpec(.pull, [.bind("tcp://127.0.0.1:*")]),
        ])
        // A fixed port keeps the test simple; the OS picks for the pull side in real use.
        _ = pull
    }
}
