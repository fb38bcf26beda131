import Foundation

/// The fuzz targets: parsers that read what strangers send, each run on arbitrary bytes by
/// libFuzzer. A target traps only on a broken invariant (or the parser's own crash), so a
/// finding is a bug. Built with `swiftc -sanitize=fuzzer` from the dependency-free sources
/// they cover (deploy/local/fuzz.sh); `make test` replays the committed corpora.
enum FuzzTargets {
    static let all: [String: ([UInt8]) -> Void] = [
        "envelope": envelope, "wire-text": wireText, "form": form, "validation": validation, "query": query,
        "dns-answer": dnsAnswer,
    ]

    /// A DNS server's reply as a delegation or challenge check reads it: never traps, every
    /// answer's data lies inside the reply, and names (compressed or looping) end.
    static func dnsAnswer(_ bytes: [UInt8]) {
        guard bytes.count >= 2 else { return }
        let id = UInt16(bytes[0]) << 8 | UInt16(bytes[1])
        for answer in DNSMessage.answers(bytes, id: id) ?? [] {
            precondition(answer.data.startIndex >= 12 && answer.data.endIndex <= bytes.count)
            _ = DNSMessage.name(in: bytes, at: answer.offset)
        }
    }

    /// The one-pass envelope reader: never traps, its payload range lies inside the input,
    /// and where Foundation also reads the header the two agree.
    static func envelope(_ bytes: [UInt8]) {
        guard let (header, payload) = EnvelopeScan.read(bytes) else { return }
        if let payload { precondition(payload.lowerBound >= 0 && payload.upperBound <= bytes.count) }
        if let decoded = try? WireCoding.decode(EnvelopeHeader.self, from: bytes) {
            precondition(
                decoded.id == header.id && decoded.type == header.type && decoded.source == header.source
                    && decoded.sequence == header.sequence, "scanner and Foundation disagree")
        }
    }

    /// UUIDs and timestamps as the wire writes them: what parses writes back the same.
    static func wireText(_ bytes: [UInt8]) {
        guard let text = String(validating: bytes, as: UTF8.self) else { return }
        if let uuid = WireText.uuid(text) {
            precondition(UUID(uuidString: text) == uuid, "UUID disagrees with Foundation")
        }
        // Before 1582 Foundation's parser counts in the Julian calendar and the writer in the
        // proleptic Gregorian one; no wire date is that old, so the round trip is checked after 1900.
        if let date = WireText.date(text), date.timeIntervalSince1970 > -2_208_988_800 {
            // The wire keeps milliseconds, truncated: far from 1970 a Double's fraction can lose one.
            precondition(
                WireText.date(WireText.timestamp(date)).map { abs($0.timeIntervalSince(date)) <= 0.002 } ?? false,
                "a parsed date does not survive writing and reading")
        }
    }

    /// Form decoding: never traps, and encoding what it decoded decodes to the same pairs.
    static func form(_ bytes: [UInt8]) {
        let pairs = FormEncoding.decode(String(decoding: bytes, as: UTF8.self))
        let again = FormEncoding.decode(FormEncoding.encode(pairs))
        precondition(
            again.map(\.0) == pairs.map(\.0) && again.map(\.1) == pairs.map(\.1), "form round trip changed the pairs")
    }

    /// Domain names and email addresses: what is accepted is accepted again unchanged.
    static func validation(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        if let domain = try? DomainName(text) { precondition((try? DomainName(domain.ascii))?.ascii == domain.ascii) }
        if let email = try? EmailAddress(text) {
            precondition((try? EmailAddress(email.address))?.address == email.address)
        }
    }

    /// Request addresses and paging: never trap, and an accepted page's offset is in range.
    static func query(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        _ = RequestText.isClean(text)
        let parts = text.split(separator: "&", maxSplits: 1).map(String.init)
        if let numbers = try? PageNumbers(page: parts.first, perPage: parts.count > 1 ? parts[1] : nil) {
            precondition(numbers.offset >= 0 && numbers.offset <= PageNumbers.maximumPage * 500)
        }
    }
}

/// The target named by `HOSTWIRE_FUZZ_TARGET`, chosen once.
let selectedTarget: ([UInt8]) -> Void = {
    let name = ProcessInfo.processInfo.environment["HOSTWIRE_FUZZ_TARGET"] ?? ""
    guard let target = FuzzTargets.all[name] else {
        fatalError("HOSTWIRE_FUZZ_TARGET is one of \(FuzzTargets.all.keys.sorted())")
    }
    return target
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    selectedTarget(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}
