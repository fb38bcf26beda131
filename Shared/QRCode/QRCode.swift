/// A QR code (ISO/IEC 18004) of some bytes: byte mode, error correction level M, the
/// smallest version from 1 to 13 that holds them (up to 331 bytes), as an authenticator
/// app reads an `otpauth://` key from a screen.
public struct QRCode: Sendable, Equatable {
    /// Modules per side: 21 for version 1, four more per version.
    public let size: Int
    public let version: Int
    /// The mask pattern (0–7) applied, the one with the lowest penalty unless one was asked for.
    public private(set) var mask: Int
    /// Row by row, `true` for a dark module.
    public private(set) var modules: [[Bool]]
    private var isFunction: [[Bool]]

    /// The largest payload, in bytes, of the versions made here.
    public static let capacity = 331

    /// The code of `bytes`; `nil` when they do not fit in version 13.
    public init?(_ bytes: [UInt8], mask: Int? = nil) {
        guard let version = (1...13).first(where: { Self.dataCapacity($0) * 8 >= Self.bitLength(bytes.count, $0) }),
            mask.map({ (0...7).contains($0) }) ?? true
        else { return nil }
        self.version = version
        size = version * 4 + 17
        modules = Array(repeating: Array(repeating: false, count: size), count: size)
        isFunction = modules
        self.mask = 0
        drawFunctionPatterns()
        drawCodewords(Self.interleaved(Self.dataCodewords(bytes, version: version), version: version))
        let chosen = mask ?? (0...7).map { ($0, penalty(masked: $0)) }.min { $0.1 < $1.1 }!.0
        applyMask(chosen)
        drawFormatBits(mask: chosen)
        self.mask = chosen
    }

    public init?(_ text: String, mask: Int? = nil) {
        self.init(Array(text.utf8), mask: mask)
    }

    /// The code as an SVG image with a four-module quiet zone: one path of dark squares,
    /// which scales without blurring and needs no style attribute (the pages' CSP has none).
    public func svg(label: String) -> String {
        var path = ""
        for y in 0..<size {
            for x in 0..<size where modules[y][x] { path += "M\(x + 4),\(y + 4)h1v1h-1z" }
        }
        let side = size + 8
        let escaped = label.map { character -> String in
            switch character {
            case "&": "&amp;"
            case "<": "&lt;"
            case "\"": "&quot;"
            default: String(character)
            }
        }.joined()
        return """
            <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \(side) \(side)" role="img" aria-label="\(escaped)" \
            shape-rendering="crispEdges"><rect width="\(side)" height="\(side)" fill="#fff"/>\
            <path d="\(path)" fill="#000"/></svg>
            """
    }

    // MARK: Data

    private static let blocks: [(count: Int, ec: Int)] = [
        (1, 10), (1, 16), (1, 26), (2, 18), (2, 24), (4, 16), (4, 18), (4, 22), (5, 22), (5, 26), (5, 30), (8, 22),
        (9, 22),
    ]
    /// Codewords of each version, data and error correction together.
    private static let totalCodewords = [26, 44, 70, 100, 134, 172, 196, 242, 292, 346, 404, 466, 532]
    private static let alignment: [[Int]] = [
        [], [6, 18], [6, 22], [6, 26], [6, 30], [6, 34], [6, 22, 38], [6, 24, 42], [6, 26, 46], [6, 28, 50],
        [6, 30, 54], [6, 32, 58], [6, 34, 62],
    ]

    static func dataCapacity(_ version: Int) -> Int {
        let (count, ec) = blocks[version - 1]
        return totalCodewords[version - 1] - count * ec
    }

    private static func countBits(_ version: Int) -> Int { version < 10 ? 8 : 16 }

    private static func bitLength(_ byteCount: Int, _ version: Int) -> Int {
        4 + countBits(version) + byteCount * 8
    }

    /// Mode, count, bytes, terminator and padding: the data codewords before error correction.
    private static func dataCodewords(_ bytes: [UInt8], version: Int) -> [UInt8] {
        var bits: [Bool] = []
        func append(_ value: Int, _ count: Int) {
            for shift in stride(from: count - 1, through: 0, by: -1) { bits.append((value >> shift) & 1 == 1) }
        }
        append(0b0100, 4)
        append(bytes.count, countBits(version))
        for byte in bytes { append(Int(byte), 8) }
        let capacity = dataCapacity(version) * 8
        append(0, min(4, capacity - bits.count))
        append(0, (8 - bits.count % 8) % 8)
        var codewords = stride(from: 0, to: bits.count, by: 8).map { start in
            bits[start..<start + 8].reduce(UInt8(0)) { $0 << 1 | ($1 ? 1 : 0) }
        }
        var pad: UInt8 = 0xEC
        while codewords.count < capacity / 8 {
            codewords.append(pad)
            pad ^= 0xEC ^ 0x11
        }
        return codewords
    }

    /// The blocks' data codewords, then their error correction codewords, each read across the blocks.
    private static func interleaved(_ data: [UInt8], version: Int) -> [UInt8] {
        let (count, ec) = blocks[version - 1]
        let shortLength = totalCodewords[version - 1] / count - ec
        let longBlocks = totalCodewords[version - 1] % count
        let divisor = ReedSolomon.divisor(degree: ec)
        var dataBlocks: [[UInt8]] = []
        var start = 0
        for index in 0..<count {
            let length = shortLength + (index >= count - longBlocks ? 1 : 0)
            dataBlocks.append(Array(data[start..<start + length]))
            start += length
        }
        let ecBlocks = dataBlocks.map { ReedSolomon.remainder($0, divisor) }
        var result: [UInt8] = []
        for position in 0...shortLength {
            for block in dataBlocks where position < block.count { result.append(block[position]) }
        }
        for position in 0..<ec {
            for block in ecBlocks { result.append(block[position]) }
        }
        return result
    }

    // MARK: Drawing

    private mutating func setFunction(_ x: Int, _ y: Int, _ dark: Bool) {
        modules[y][x] = dark
        isFunction[y][x] = true
    }

    private mutating func drawFunctionPatterns() {
        for index in 0..<size {
            setFunction(6, index, index % 2 == 0)
            setFunction(index, 6, index % 2 == 0)
        }
        for (x, y) in [(3, 3), (size - 4, 3), (3, size - 4)] {
            for dy in -4...4 {
                for dx in -4...4 where (0..<size).contains(x + dx) && (0..<size).contains(y + dy) {
                    let distance = max(abs(dx), abs(dy))
                    setFunction(x + dx, y + dy, distance != 2 && distance != 4)
                }
            }
        }
        let positions = Self.alignment[version - 1]
        for (i, x) in positions.enumerated() {
            for (j, y) in positions.enumerated() {
                let last = positions.count - 1
                // The three corners with a finder pattern have no alignment pattern.
                if (i == 0 && j == 0) || (i == 0 && j == last) || (i == last && j == 0) { continue }
                for dy in -2...2 {
                    for dx in -2...2 { setFunction(x + dx, y + dy, max(abs(dx), abs(dy)) != 1) }
                }
            }
        }
        drawFormatBits(mask: 0)  // reserves the areas; drawn again once the mask is chosen
        if version >= 7 {
            var remainder = version
            for _ in 0..<12 { remainder = (remainder << 1) ^ ((remainder >> 11) * 0x1F25) }
            let bits = version << 12 | remainder
            for index in 0..<18 {
                let dark = (bits >> index) & 1 == 1
                let (a, b) = (size - 11 + index % 3, index / 3)
                setFunction(a, b, dark)
                setFunction(b, a, dark)
            }
        }
    }

    /// Level M (`00`) and the mask, BCH-protected, in both copies; and the dark module.
    private mutating func drawFormatBits(mask: Int) {
        let data = 0b00 << 3 | mask
        var remainder = data
        for _ in 0..<10 { remainder = (remainder << 1) ^ ((remainder >> 9) * 0x537) }
        let bits = (data << 10 | remainder) ^ 0x5412
        func bit(_ index: Int) -> Bool { (bits >> index) & 1 == 1 }
        for index in 0...5 { setFunction(8, index, bit(index)) }
        setFunction(8, 7, bit(6))
        setFunction(8, 8, bit(7))
        setFunction(7, 8, bit(8))
        for index in 9..<15 { setFunction(14 - index, 8, bit(index)) }
        for index in 0..<8 { setFunction(size - 1 - index, 8, bit(index)) }
        for index in 8..<15 { setFunction(8, size - 15 + index, bit(index)) }
        setFunction(8, size - 8, true)
    }

    /// Places the codewords in the two-module-wide zigzag from the bottom right.
    private mutating func drawCodewords(_ codewords: [UInt8]) {
        var index = 0
        var right = size - 1
        while right >= 1 {
            if right == 6 { right = 5 }
            for vertical in 0..<size {
                for offset in 0..<2 {
                    let x = right - offset
                    let upward = (right + 1) & 2 == 0
                    let y = upward ? size - 1 - vertical : vertical
                    guard !isFunction[y][x], index < codewords.count * 8 else { continue }
                    modules[y][x] = (codewords[index >> 3] >> (7 - UInt8(index & 7))) & 1 == 1
                    index += 1
                }
            }
            right -= 2
        }
    }

    private static func masks(_ mask: Int, _ x: Int, _ y: Int) -> Bool {
        switch mask {
        case 0: (x + y) % 2 == 0
        case 1: y % 2 == 0
        case 2: x % 3 == 0
        case 3: (x + y) % 3 == 0
        case 4: (x / 3 + y / 2) % 2 == 0
        case 5: x * y % 2 + x * y % 3 == 0
        case 6: (x * y % 2 + x * y % 3) % 2 == 0
        default: ((x + y) % 2 + x * y % 3) % 2 == 0
        }
    }

    private mutating func applyMask(_ mask: Int) {
        for y in 0..<size {
            for x in 0..<size where !isFunction[y][x] && Self.masks(mask, x, y) { modules[y][x].toggle() }
        }
    }

    /// The penalty of the symbol under `mask` (the standard's four rules), to pick the most legible.
    private func penalty(masked mask: Int) -> Int {
        var code = self
        code.applyMask(mask)
        code.drawFormatBits(mask: mask)
        return code.penalty
    }

    private var penalty: Int {
        var score = 0
        let columns = (0..<size).map { x in (0..<size).map { y in modules[y][x] } }
        for line in modules + columns {
            var run = 1
            for index in 1..<size {
                if line[index] == line[index - 1] {
                    run += 1
                } else {
                    if run >= 5 { score += run - 2 }
                    run = 1
                }
            }
            if run >= 5 { score += run - 2 }
            // A finder-like 1:1:3:1:1 with four light modules on one side.
            let pattern: [Bool] = [true, false, true, true, true, false, true]
            for start in 0...(size - 7) where Array(line[start..<start + 7]) == pattern {
                let before = start >= 4 && !line[(start - 4)..<start].contains(true)
                let after = start + 11 <= size && !line[(start + 7)..<(start + 11)].contains(true)
                if before || after { score += 40 }
            }
        }
        for y in 0..<(size - 1) {
            for x in 0..<(size - 1) {
                let colour = modules[y][x]
                if modules[y][x + 1] == colour && modules[y + 1][x] == colour && modules[y + 1][x + 1] == colour {
                    score += 3
                }
            }
        }
        let dark = modules.reduce(0) { $0 + $1.filter { $0 }.count }
        score += abs(dark * 100 / (size * size) - 50) / 5 * 10
        return score
    }
}

/// Reed–Solomon error correction over GF(2⁸) with the QR polynomial x⁸+x⁴+x³+x²+1.
enum ReedSolomon {
    static func divisor(degree: Int) -> [UInt8] {
        var result = [UInt8](repeating: 0, count: degree)
        result[degree - 1] = 1
        var root: UInt8 = 1
        for _ in 0..<degree {
            for index in 0..<degree {
                result[index] = multiply(result[index], root)
                if index + 1 < degree { result[index] ^= result[index + 1] }
            }
            root = multiply(root, 0x02)
        }
        return result
    }

    static func remainder(_ data: [UInt8], _ divisor: [UInt8]) -> [UInt8] {
        var result = [UInt8](repeating: 0, count: divisor.count)
        for byte in data {
            let factor = byte ^ result.removeFirst()
            result.append(0)
            for index in result.indices { result[index] ^= multiply(divisor[index], factor) }
        }
        return result
    }

    static func multiply(_ x: UInt8, _ y: UInt8) -> UInt8 {
        var product = 0
        for shift in stride(from: 7, through: 0, by: -1) {
            product = (product << 1) ^ ((product >> 7) * 0x11D)
            product ^= Int((y >> UInt8(shift)) & 1) * Int(x)
        }
        return UInt8(product & 0xFF)
    }
}
