import TestSupport
import Testing

@testable import ZeroMQ

/// The ZeroMQ layer over real sockets on loopback.
@Suite struct MessageLoopTests {
    func receive(_ count: Int, from loop: MessageLoop) async -> [MessageLoop.Message] {
        var received: [MessageLoop.Message] = []
        for await batch in loop.messages {
            received += batch
            if received.count >= count { break }
        }
        return received
    }

    @Test func multipartMessagesOfAnySizeArriveWholeAndInOrder() async throws {
        let context = ZMQContext()
        let endpoint = "tcp://127.0.0.1:\(freePort())"
        let pull = try await MessageLoop(
            context: context, name: "pull", sockets: [SocketSpec(.pull, [.bind(endpoint)])])
        let push = try await MessageLoop(
            context: context, name: "push", sockets: [SocketSpec(.push, [.connect(endpoint)])])
        let big = [UInt8](repeating: 7, count: 4 << 20)  // far larger than any fixed receive buffer
        push.send([Array("queue".utf8), [], big], on: 0)
        for number in 0..<1000 { push.send([Array("n".utf8), Array("\(number)".utf8)], on: 0) }
        let messages = await receive(1001, from: pull)
        #expect(messages.first?.frames.count == 3)
        #expect(messages.first?.frames[1] == [])
        #expect(messages.first?.frames[2] == big)
        #expect(
            messages.dropFirst().map { String(decoding: $0.frames[1], as: UTF8.self) } == (0..<1000).map(String.init))
        await push.stop()
        await pull.stop()
    }

    @Test func messagesWaitForAPeerInsteadOfBeingLost() async throws {
        let context = ZMQContext()
        let endpoint = "tcp://127.0.0.1:\(freePort())"
        let push = try await MessageLoop(
            context: context, name: "push",
            sockets: [
                SocketSpec(.push, [.connect(endpoint)], options: [.immediate(true)])
            ])
        for number in 0..<100 { push.send([Array("\(number)".utf8)], on: 0) }
        try await Task.sleep(for: .milliseconds(200))
        #expect(push.unsent == 100)
        let pull = try await MessageLoop(
            context: context, name: "pull", sockets: [SocketSpec(.pull, [.bind(endpoint)])])
        let messages = await receive(100, from: pull)
        #expect(messages.count == 100)
        await push.stop()
        await pull.stop()
    }

    /// A consumer that stops reading for longer than any heartbeat timeout stalls its peer
    /// through the high-water marks and then gets everything: with ZMTP heartbeats on, the
    /// stalled connection was torn down and libzmq 4.3.4 aborted the process (libzmq#3937).
    @Test(.timeLimit(.minutes(2))) func aStalledConsumerLosesNothingAndNothingAborts() async throws {
        let context = ZMQContext()
        let endpoint = "tcp://127.0.0.1:\(freePort())"
        let pull = try await MessageLoop(
            context: context, name: "pull",
            sockets: [
                SocketSpec(.pull, [.bind(endpoint)], options: [.busKeepalive, .receiveHighWaterMark(10)])
            ], inboundCapacity: 10)
        let push = try await MessageLoop(
            context: context, name: "push",
            sockets: [
                SocketSpec(
                    .push, [.connect(endpoint)], options: [.busKeepalive, .sendHighWaterMark(10), .immediate(true)])
            ])
        let filler = [UInt8](repeating: 1, count: 4_096)  // 20 MB in all: more than the TCP buffers hold
        for number in 0..<5_000 { push.send([Array("\(number)".utf8), filler], on: 0) }
        try await Task.sleep(for: .seconds(5))
        #expect(push.unsent > 0, "the sender is held back while nobody reads")
        let messages = await receive(5_000, from: pull)
        #expect(messages.map { String(decoding: $0.frames[0], as: UTF8.self) } == (0..<5_000).map(String.init))
        await push.stop()
        await pull.stop()
    }

    @Test func curveEncryptsAndRejectsClientsWithoutTheServerKey() async throws {
        #expect(ZMQContext.has("curve"))
        let context = ZMQContext()
        let server = try CurveKeyPair.generate()
        let client = try CurveKeyPair.generate()
        #expect(try CurveKeyPair.publicKey(forSecret: server.secretKey) == server.publicKey)
        let endpoint = "tcp://127.0.0.1:\(freePort())"
        let pull = try await MessageLoop(
            context: context, name: "pull",
            sockets: [
                SocketSpec(.pull, [.bind(endpoint)], options: [.curveServer(secretKey: server.secretKey)])
            ])
        let stranger = try await MessageLoop(
            context: context, name: "stranger", sockets: [SocketSpec(.push, [.connect(endpoint)])])
        stranger.send([Array("plain".utf8)], on: 0)
        let trusted = try await MessageLoop(
            context: context, name: "trusted",
            sockets: [
                SocketSpec(
                    .push, [.connect(endpoint)],
                    options: [
                        .curveClient(
                            publicKey: client.publicKey, secretKey: client.secretKey, serverKey: server.publicKey)
                    ])
            ])
        trusted.send([Array("sealed".utf8)], on: 0)
        let messages = await receive(1, from: pull)
        #expect(messages.map { String(decoding: $0.frames[0], as: UTF8.self) } == ["sealed"])
        try await Task.sleep(for: .milliseconds(300))
        #expect(pull.statistics.received == 1, "the plain-text client's message never arrives")
        for loop in [stranger, trusted, pull] { await loop.stop() }
    }

    @Test func aBadEndpointFailsTheStartInsteadOfTheThread() async throws {
        await #expect(throws: ZMQError.self) {
            _ = try await MessageLoop(
                context: ZMQContext(), name: "bad", sockets: [SocketSpec(.pull, [.bind("nonsense://x")])])
        }
    }
}
