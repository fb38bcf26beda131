import Contracts
import Foundation
import Testing

@testable import WireCodec

/// The hand-written header form must read and write exactly what Foundation's coders do.
@Suite struct WireTextTests {
    @Test func headerJSONIsWhatJSONEncoderWrites() throws {
        let header = EnvelopeHeader(
            type: "account.provisioned", version: 2, source: "provisioning", sequence: 41,
            correlationID: UUID(), causationID: UUID(),
            occurredAt: Date(timeIntervalSince1970: 1_795_000_000.375))
        let handWritten = header.envelopeJSON(payload: Array(#"{"a":1}"#.utf8))
        var encoded = try WireCoding.encode(header)
        encoded.removeLast()
        encoded += Array(#","payload":{"a":1}}"#.utf8)
        #expect(String(decoding: handWritten, as: UTF8.self) == String(decoding: encoded, as: UTF8.self))
        #expect(try WireCoding.decode(EnvelopeHeader.self, from: handWritten) == header)
    }

    @Test func stringsAreEscaped() throws {
        let header = EnvelopeHeader(type: "odd\"type\\with\ncontrol", version: 1, source: "ünïcode")
        let json = header.envelopeJSON(payload: Array("null".utf8))
        let object = try JSONSerialization.jsonObject(with: Data(json)) as! [String: Any]
        #expect(object["type"] as? String == "odd\"type\\with\ncontrol")
        #expect(object["source"] as? String == "ünïcode")
    }

    @Test func uuidsInEitherCaseAndNothingElse() {
        let uuid = UUID()
        #expect(WireText.uuid(uuid.uuidString) == uuid)
        #expect(WireText.uuid(uuid.uuidString.lowercased()) == uuid)
        #expect(WireText.uuid(String(uuid.uuidString.dropLast())) == nil)
        #expect(WireText.uuid(uuid.uuidString.replacingOccurrences(of: "-", with: "+")) == nil)
        #expect(WireText.uuid("G" + uuid.uuidString.dropFirst()) == nil)
    }

    @Test(arguments: [0.0, 951_782_400.5, 1_795_000_000.987, 4_102_444_799.999, -86_400.25, 1_709_164_800])
    func timesMatchFoundationISO8601(_ seconds: Double) throws {
        let date = Date(timeIntervalSince1970: seconds)
        var bytes: [UInt8] = []
        WireText.append(date, to: &bytes)
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text == date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true)))
        let parsed = try #require(WireText.utcDate(text))
        let foundation = try Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text)
        #expect(abs(parsed.timeIntervalSince1970 - foundation.timeIntervalSince1970) < 0.000_001)
    }

    @Test func timesBeyondFourDigitYearsAreWrittenByFoundation() {
        let date = Date(timeIntervalSince1970: 253_402_300_800.5)  // 10000-01-01
        #expect(WireText.timestamp(date) == date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true)))
    }

    @Test func timesWithoutFractionOrWithOffsetsAreLeftToFoundation() throws {
        #expect(WireText.utcDate("2026-11-22T01:02:03Z") == Date(timeIntervalSince1970: 1_795_309_323))
        #expect(WireText.utcDate("2026-11-22T01:02:03+01:00") == nil)
        #expect(WireText.utcDate("2026-13-22T01:02:03Z") == nil)
        #expect(WireText.utcDate("not a time at all") == nil)
        let json =
            #"{"id":"\#(UUID().uuidString)","type":"t","version":1,"source":"s","occurred_at":"2026-11-22T02:02:03+01:00"}"#
        let header = try WireCoding.decode(EnvelopeHeader.self, from: Array(json.utf8))
        #expect(header.occurredAt == Date(timeIntervalSince1970: 1_795_309_323))
    }
}

/// A fraction of seconds longer than an integer holds used to trap the reader (and so every
/// subscriber of an event carrying it); found by fuzzing.
@Suite struct WireTextLongFractionTests {
    @Test func aLongFractionIsReadWithoutATrap() throws {
        let digits = String(repeating: "2", count: 120)
        // Foundation decides what a fraction past nanoseconds means; it must only not trap.
        if let date = WireText.date("2052-11-22T01:02:03.\(digits)Z") {
            #expect(abs(date.timeIntervalSince1970 - 2_615_677_323.222) < 0.001)
        }
        #expect(WireText.date("2052-11-22T01:02:03.\(digits)OZ") == nil)
        #expect(WireText.utcDate("2052-11-22T01:02:03.123456789Z") != nil)
    }
}
