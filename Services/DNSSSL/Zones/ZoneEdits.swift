import DNS
import Foundation
import PostgresNIO
import ServiceKit
import Validation

/// Changes to a zone's records, by an operator or by the customer who owns the zone: each
/// record set validated for its type, stored, and the zone's sync queued in one transaction.
/// NS and SOA are never editable: they are Hostwire's.
struct ZoneEdits: Sendable {
    let store: ServiceStore

    static let editableTypes: Set = ["A", "AAAA", "CNAME", "MX", "TXT", "SRV", "CAA"]
    /// The most record sets a customer may add to a zone beside Hostwire's own.
    static let customerLimit = 100

    struct RecordEdit: Decodable {
        let name: String
        let type: String
        let ttl: Int?
        let contents: [String]
    }

    /// `edit` as a record set, or 422 naming the field that is wrong.
    static func validated(_ edit: RecordEdit) throws -> DNSRecordSet {
        let type = edit.type.uppercased()
        guard editableTypes.contains(type) else {
            throw ValidationError("type", "type is one of \(editableTypes.sorted().joined(separator: ", "))")
        }
        guard isName(edit.name, wildcard: true) else {
            throw ValidationError("name", "name is a DNS name such as www.example.com")
        }
        let ttl = edit.ttl ?? 3600
        guard (30...604_800).contains(ttl) else { throw ValidationError("ttl", "ttl is 30 to 604800 seconds") }
        guard (1...50).contains(edit.contents.count),
            edit.contents.allSatisfy({ !$0.isEmpty && $0.count <= 2048 && !$0.contains("\n") })
        else {
            throw ValidationError("contents", "contents is 1 to 50 records, each one line")
        }
        let contents = try edit.contents.map { try content($0.trimmingCharacters(in: .whitespaces), of: type) }
        if type == "CNAME" && contents.count != 1 {
            throw ValidationError("contents", "a CNAME has exactly one target")
        }
        return DNSRecordSet(name: edit.name.absoluteDNSName.lowercased(), type: type, ttl: ttl, records: contents)
    }

    /// One record's content as the DNS server wants it, checked for its type.
    static func content(_ text: String, of type: String) throws -> String {
        let parts = text.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        func number(_ text: String, _ range: ClosedRange<Int>) -> Bool { Int(text).map(range.contains) ?? false }
        switch type {
        case "A":
            guard IPAddressText.isIPv4(text) else {
                throw ValidationError("contents", "an A record is an IPv4 address such as 192.0.2.10")
            }
            return text
        case "AAAA":
            guard IPAddressText.isIPv6(text) else {
                throw ValidationError("contents", "an AAAA record is an IPv6 address such as 2001:db8::1")
            }
            return text
        case "CNAME":
            guard isName(text, wildcard: false) else {
                throw ValidationError("contents", "a CNAME's target is a host name")
            }
            return text.absoluteDNSName.lowercased()
        case "MX":
            guard parts.count == 2, number(parts[0], 0...65_535), isName(parts[1], wildcard: false) else {
                throw ValidationError(
                    "contents", "an MX record is a preference and a host, such as 10 mail.example.com")
            }
            return "\(Int(parts[0])!) \(parts[1].absoluteDNSName.lowercased())"
        case "SRV":
            guard parts.count == 4, parts[0...2].allSatisfy({ number($0, 0...65_535) }),
                isName(parts[3], wildcard: false) || parts[3] == "."
            else {
                throw ValidationError(
                    "contents", "an SRV record is priority, weight, port and target, such as 10 5 5060 sip.example.com")
            }
            return parts[0...2].map { String(Int($0)!) }.joined(separator: " ") + " "
                + parts[3].absoluteDNSName.lowercased()
        case "CAA":
            guard parts.count >= 3, number(parts[0], 0...255),
                ["issue", "issuewild", "iodef"].contains(parts[1].lowercased())
            else {
                throw ValidationError(
                    "contents",
                    "a CAA record is flags, tag (issue, issuewild or iodef) and value, such as 0 issue \"letsencrypt.org\""
                )
            }
            let value = parts[2...].joined(separator: " ").trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            guard !value.contains("\""), value.count <= 255 else {
                throw ValidationError("contents", "a CAA value is at most 255 characters, without quotes")
            }
            return "\(Int(parts[0])!) \(parts[1].lowercased()) \"\(value)\""
        default:
            // TXT: kept as given when already quoted, else quoted in strings of at most 255 bytes.
            if text.hasPrefix("\"") { return text }
            guard text.allSatisfy({ $0.isASCII && !$0.isNewline }) else {
                throw ValidationError("contents", "a TXT record is ASCII text")
            }
            let escaped = text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            var chunks: [String] = []
            var rest = Substring(escaped)
            while !rest.isEmpty {
                var cut = rest.index(rest.startIndex, offsetBy: min(255, rest.count))
                // Never split an escape.
                while cut < rest.endIndex && rest[rest.index(before: cut)] == "\\" { cut = rest.index(before: cut) }
                chunks.append("\"\(rest[..<cut])\"")
                rest = rest[cut...]
            }
            return chunks.joined(separator: " ")
        }
    }

    private static func isName(_ text: String, wildcard: Bool) -> Bool {
        let labels = text.absoluteDNSName.dropLast().split(separator: ".", omittingEmptySubsequences: false)
        return !labels.isEmpty && text.count <= 253
            && labels.enumerated().allSatisfy { index, label in
                (1...63).contains(label.count)
                    && (label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
                        || (wildcard && index == 0 && label == "*"))
            }
    }

    /// The record set a `DELETE …/records?name=&type=` names.
    static func recordSet(name: String?, type: String?) throws -> (name: String, type: String) {
        guard let name, let type = type?.uppercased(), editableTypes.contains(type) else {
            throw ValidationError(
                "type", "name and type (\(editableTypes.sorted().joined(separator: ", "))) are required")
        }
        return (name.absoluteDNSName.lowercased(), type)
    }

    /// Stores `set` in zone `id` (which must be `customer`'s, when one is given).
    func save(_ set: DNSRecordSet, in id: UUID, of customer: UUID?) async throws {
        try await change(id, of: customer) { transaction, domain in
            guard set.name == domain.absoluteDNSName || set.name.hasSuffix(".\(domain.absoluteDNSName)") else {
                throw ValidationError("name", "\(set.name) is not inside \(domain)")
            }
            if customer != nil {
                let count = try await ZoneStore.customerRecordSets(in: id, besides: set, in: transaction)
                guard count < Self.customerLimit else {
                    throw ValidationError("name", "a zone holds at most \(Self.customerLimit) record sets of your own")
                }
            }
            try await ZoneStore.save(
                [set], zone: id, managed: false, on: transaction.connection, logger: transaction.logger)
        }
    }

    func delete(name: String, type: String, in id: UUID, of customer: UUID?) async throws {
        try await change(id, of: customer) { transaction, _ in
            try await ZoneStore.delete(name: name, type: type, in: id, in: transaction)
        }
    }

    /// Queues a sync that makes the DNS server match what is stored.
    func sync(_ id: UUID) async throws {
        try await change(id, of: nil) { _, _ in }
    }

    /// Runs `body` on an active zone (of `customer`, when given) and queues its sync, in one transaction.
    private func change(
        _ id: UUID, of customer: UUID?, _ body: @escaping @Sendable (Transaction, String) async throws -> Void
    ) async throws {
        let found = try await store.transaction { transaction -> Bool in
            guard let zone = try await ZoneStore.zone(id, on: transaction.connection, logger: transaction.logger),
                zone.status == .active,
                customer == nil || zone.customerID == customer
            else { return false }
            try await body(transaction, zone.domain)
            try await transaction.enqueue(SyncZoneTask(zoneID: zone.id), dedupeKey: "sync-zone:\(zone.id):\(UUID())")
            return true
        }
        guard found else { throw NoActiveZone(zoneID: id) }
    }
}

/// The zone is not active, or not the customer's: nothing in it can change.
struct NoActiveZone: Error, Equatable {
    let zoneID: UUID
}
