import Testing
import Validation

@Suite struct ValidationTests {
    @Test(arguments: [
        ("Example.COM.", "example.com"), ("bücher.example", "xn--bcher-kva.example"),
        ("münchen.de", "xn--mnchen-3ya.de"),
        ("xn--bcher-kva.example", "xn--bcher-kva.example"), ("a-b.c-d.example", "a-b.c-d.example"),
        ("例え.テスト", "xn--r8jz45g.xn--zckzah"),
    ])
    func domainNamesAreNormalised(input: String, expected: String) throws {
        #expect(try DomainName(input).ascii == expected)
    }

    @Test(arguments: [
        "", "localhost", "-bad.example", "bad-.example", "a..example", "under_score.example", "example.123",
        String(repeating: "a", count: 64) + ".example",
        (0..<60).map { _ in "abcd" }.joined(separator: ".") + ".example",
        "spa ce.example",
    ])
    func badDomainNamesAreRefused(input: String) {
        #expect(throws: ValidationError.self) { try DomainName(input) }
    }

    @Test func emailAddresses() throws {
        #expect(
            try EmailAddress("Ada.Lovelace+hosting@Bücher.example").address
                == "Ada.Lovelace+hosting@xn--bcher-kva.example")
        for bad in [
            "", "plain", "@example.com", "a@", "a..b@example.com", ".a@example.com", "a b@example.com", "a@localhost",
        ] {
            #expect(throws: ValidationError.self, "\(bad)") { try EmailAddress(bad) }
        }
    }
}
