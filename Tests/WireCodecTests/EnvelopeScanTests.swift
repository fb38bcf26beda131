import Contracts
import Foundation
import Testing

@testable import WireCodec

/// The one-pass envelope reader must agree with JSONDecoder, or step aside for it.
@Suite struct EnvelopeScanTests {
    let header = EnvelopeHeader(
        type: "account.provisioned", version: 2, source: "provisioning", sequence: 41,
        correlationID: UUID(), causationID: nil, occurredAt: Date(timeIntervalSince1970: 1_795_000_000.375))

    @Test func readsWhatTheSenderWritesAndFindsThePayload() throws {
        let payload = #"{"note":"a } and a \" and [brackets]","list":[1,{"x":null}],"ok":true,"n":-1.5e3}"#
        let json = header.envelopeJSON(payload: Array(payload.utf8))
        let scanned = try #require(EnvelopeScan.read(json))
        #expect(scanned.header == header)
        #expect(scanned.header == (try WireCoding.decode(EnvelopeHeader.self, from: json)))
        let range = try #require(scanned.payload)
        #expect(String(decoding: json[range], as: UTF8.self) == payload)
    }

    @Test func membersInAnyOrderWithWhitespaceAndNulls() throws {
        let text = """
             {
               "payload" : { "a" : [ 1 , 2 ] } ,
               "version" : 3, "type": "order.paid", "source": "checkout",
               "id": "\(header.id.uuidString.lowercased())", "occurred_at": "2026-11-22T01:02:03.456Z",
               "correlation_id": null, "sequence": null, "unknown": {"deep": ["x"]}
             }\n
            """
        let json = Array(text.utf8)
        let scanned = try #require(EnvelopeScan.read(json))
        #expect(scanned.header == (try WireCoding.decode(EnvelopeHeader.self, from: json)))
        #expect(scanned.header.id == header.id)
        #expect(scanned.header.sequence == nil && scanned.header.correlationID == nil)
        #expect(String(decoding: json[try #require(scanned.payload)], as: UTF8.self) == #"{ "a" : [ 1 , 2 ] }"#)
    }

    @Test func escapesInTheHeaderAreLeftToFoundation() throws {
        let odd = EnvelopeHeader(type: "odd\"type", version: 1, source: "ünïcode\n", occurredAt: header.occurredAt)
        let json = odd.envelopeJSON(payload: Array("{}".utf8))
        #expect(EnvelopeScan.read(json) == nil)
        #expect(try WireCoding.decode(EnvelopeHeader.self, from: json) == odd)
    }

    @Test(arguments: [
        "", "{", "[]", "{}", #"{"id":1}"#, "null",
        // Each of these is the valid envelope below, broken in one place.
        #"{"id":"not-a-uuid","type":"t","version":1,"source":"s","occurred_at":"2026-11-22T01:02:03Z"}"#,
        #"{"id":"6F9619FF-8B86-D011-B42D-00C04FC964FF","type":"t","version":1,"source":"s","occurred_at":"yesterday"}"#,
        #"{"id":"6F9619FF-8B86-D011-B42D-00C04FC964FF","type":"t","version":"1","source":"s","occurred_at":"2026-11-22T01:02:03Z"}"#,
        #"{"id":"6F9619FF-8B86-D011-B42D-00C04FC964FF","type":"t","version":1,"source":"s","occurred_at":"2026-11-22T01:02:03Z","x":tru}"#,
        #"{"id":"6F9619FF-8B86-D011-B42D-00C04FC964FF","type":"t","version":1,"source":"s","occurred_at":"2026-11-22T01:02:03Z"} x"#,
        #"{"id":"6F9619FF-8B86-D011-B42D-00C04FC964FF","type":"t","version":1,"source":"s","occurred_at":"2026-11-22T01:02:03Z","payload":{"a":}}"#,
        #"{"id":"6F9619FF-8B86-D011-B42D-00C04FC964FF","type":"t","version":1,"source":"s","occurred_at":"2026-11-22T01:02:03Z","payload":"a"#,
        "{\"id\":\"6F9619FF-8B86-D011-B42D-00C04FC964FF\",\"type\":\"t\u{1}\",\"version\":1,\"source\":\"s\",\"occurred_at\":\"2026-11-22T01:02:03Z\"}",
    ])
    func malformedOrIncompleteIsNotRead(_ text: String) {
        #expect(EnvelopeScan.read(Array(text.utf8)) == nil)
    }

    @Test func theValidEnvelopeTheMalformedOnesBreak() throws {
        let text =
            #"{"id":"6F9619FF-8B86-D011-B42D-00C04FC964FF","type":"t","version":1,"source":"s","occurred_at":"2026-11-22T01:02:03Z"}"#
        let scanned = try #require(EnvelopeScan.read(Array(text.utf8)))
        #expect(scanned.header == (try WireCoding.decode(EnvelopeHeader.self, from: Array(text.utf8))))
        #expect(scanned.payload == nil)
    }
}

/// Integers from the wire never trap: past Int64 they are no integers, and the envelope is
/// left to Foundation, which refuses it, so the message is dead-lettered.
@Suite struct EnvelopeIntegerTests {
    func envelope(version: String, sequence: String = "7") -> [UInt8] {
        Array(
            """
            {"id":"\(UUID().uuidString.lowercased())","type":"order.paid","version":\(version),"source":"checkout",\
            "sequence":\(sequence),"occurred_at":"2026-11-22T01:02:03.456Z","payload":{}}
            """.utf8)
    }

    @Test(arguments: ["9999999999999999999", "9223372036854775808", "-9223372036854775809", "-"])
    func anIntegerPastInt64IsRefusedWithoutATrap(_ number: String) throws {
        #expect(EnvelopeScan.read(envelope(version: "1", sequence: number)) == nil)
        #expect(throws: (any Error).self) {
            try WireCoding.decode(EnvelopeHeader.self, from: envelope(version: "1", sequence: number))
        }
        #expect(EnvelopeScan.read(envelope(version: number)) == nil)
    }

    @Test func int64sLimitsAreStillIntegers() throws {
        #expect(
            try #require(EnvelopeScan.read(envelope(version: "1", sequence: "9223372036854775807"))).header.sequence
                == .max)
        #expect(
            try #require(EnvelopeScan.read(envelope(version: "1", sequence: "-9223372036854775808"))).header.sequence
                == .min)
    }
}

/// A member given twice is left to Foundation: "last wins" and Foundation's choice differ, and
/// the broker and a service must read one envelope the same way (a libFuzzer finding).
@Suite struct EnvelopeDuplicateMemberTests {
    @Test(arguments: ["type", "source", "id", "version", "sequence"])
    func aRepeatedHeaderMemberIsNotReadByTheScanner(_ member: String) throws {
        let values = [
            "type": (#""a""#, #""b""#), "source": (#""a""#, #""b""#), "version": ("1", "2"), "sequence": ("1", "2"),
            "id": (#""3f2c6a4e-8d1b-4c1e-9a57-1b2c3d4e5f60""#, #""4f2c6a4e-8d1b-4c1e-9a57-1b2c3d4e5f60""#),
        ]
        var members = [
            "\"id\":\"3f2c6a4e-8d1b-4c1e-9a57-1b2c3d4e5f60\"", "\"type\":\"t\"", "\"version\":1", "\"source\":\"s\"",
            "\"sequence\":3", "\"occurred_at\":\"2026-11-22T01:02:03Z\"",
        ]
        let (first, second) = try #require(values[member])
        members.removeAll { $0.hasPrefix("\"\(member)\":") }
        members += ["\"\(member)\":\(first)", "\"\(member)\":\(second)"]
        let json = Array("{\(members.joined(separator: ","))}".utf8)
        #expect(EnvelopeScan.read(json) == nil)
    }
}
