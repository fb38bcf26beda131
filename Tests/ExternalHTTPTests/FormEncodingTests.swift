import ExternalHTTP
import Foundation
import Testing

/// The hand-written form encoding against Foundation's percent-encoding, which it replaced.
@Suite struct FormEncodingTests {
    static let texts = [
        "", "plain", "a b+c", "owner@shop.example", "Zx8-qP3_vT6.mK2~rW9", "ä€😀", "metadata[order_id]",
        "100%", "a&b=c", "/ ? # [ ] @ ! $ ' ( ) * , ;", "\u{0}\t\n",
    ]

    @Test(arguments: texts)
    func escapesAsFoundationDoes(text: String) {
        let unreserved = CharacterSet(
            charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        #expect(FormEncoding.escape(text) == text.addingPercentEncoding(withAllowedCharacters: unreserved))
    }

    @Test func encodesPairsInOrderWithRepeats() {
        #expect(
            FormEncoding.encode([("list[]", "a b"), ("list[]", "ü"), ("empty", "")])
                == "list%5B%5D=a%20b&list%5B%5D=%C3%BC&empty=")
        #expect(FormEncoding.encode([]) == "")
    }

    @Test func decodesWhatItEncodes() {
        let pairs = Self.texts.filter { !$0.isEmpty }.map { ($0, $0 + "!") }
        let decoded = FormEncoding.decode(FormEncoding.encode(pairs))
        #expect(decoded.map(\.0) == pairs.map(\.0))
        #expect(decoded.map(\.1) == pairs.map(\.1))
    }

    @Test(arguments: [
        "a+b%20c", "%E2%82%AC", "%e2%82%ac", "50%", "%zz", "%4", "%C3", "%FF%FE", "caf%C3%A9+au+lait", "+%2B+",
        "no-escapes",
    ])
    func unescapesAsFoundationDoes(value: String) {
        let foundation = value.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? value
        let decoded = FormEncoding.decode("name=\(value)")
        #expect(decoded.count == 1)
        #expect(decoded.first?.1 == foundation)
    }

    @Test func skipsEmptyPartsAndNamelessPairs() {
        let decoded = FormEncoding.decode("&a=1&&=lost&flag&b=&c=x=y")
        #expect(decoded.map(\.0) == ["a", "flag", "b", "c"])
        #expect(decoded.map(\.1) == ["1", "", "", "x=y"])
    }
}
