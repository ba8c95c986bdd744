import Foundation
import Testing
@testable import Results

/// Numbers read from field bytes must be what Swift's own `Int64(String)` / `Double(String)` give
/// for the same text, bit for bit: the import used those before it read bytes.
@Suite struct FieldBytesTests {
    static func bytes<T>(_ text: String, _ body: (UnsafeBufferPointer<UInt8>) -> T) -> T {
        Array(text.utf8).withUnsafeBufferPointer(body)
    }

    @Test func wholeNumbersMatchInt64OfString() {
        var texts = ["", "0", "-0", "+0", "7", "-7", "+7", "007", "-", "+", "--1", "+-1", "1-", " 1", "1 ", "1a", "a1",
                     "1.0", "1e3", "٣", "１", "9223372036854775807", "9223372036854775808", "-9223372036854775808",
                     "-9223372036854775809", "99999999999999999999", "1700000000123", "48044"]
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<2_000 { texts.append(String(Int64.random(in: .min ... .max, using: &rng))) }
        for _ in 0..<500 { texts.append(String(Int.random(in: -1_000...1_000)) + ["", "x", "0", "-"].randomElement()!) }
        for text in texts {
            #expect(Self.bytes(text) { FieldBytes.int64($0) } == Int64(text), "\(text)")
        }
    }

    @Test func decimalsMatchDoubleOfStringBitForBit() {
        var texts = ["", "0", "0.0", "-0.0", "-0", "1", "1.", ".5", "-.5", "+1.5", "1.300", "12.5", "0.1", "0.2", "0.3",
                     "1e3", "1E-3", "inf", "-inf", "infinity", "nan", "0x1p3", " 1.0", "1.0 ", "1..0", "1.2.3", "-", ".",
                     "9007199254740992", "9007199254740993", "9007199254740993.5", "0.1234567890123456789012",
                     "0.12345678901234567890123", "123456789012345678.9", "1.7976931348623157e308", "4.9e-324",
                     "0.00000000000000000000001", "1234567890.1234567", "00000000000000000001.5"]
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            let x = Double.random(in: 0..<1_000, using: &rng) * (Bool.random() ? 1 : -1)
            texts.append(String(format: "%.\(Int.random(in: 0...17))f", x))
            texts.append("\(x)")
            texts.append(String(format: "%.4f", Double(Int.random(in: 0...100_000)) / 1_000 / 3))
        }
        for text in texts {
            let mine = Self.bytes(text) { FieldBytes.double($0) }, swift = Double(text)
            #expect(mine?.bitPattern == swift?.bitPattern, "\(text)")
        }
    }

    @Test func trueInAnyCaseAndNothingElse() {
        for text in ["true", "TRUE", "True", "tRuE", "false", "", "tru", "truee", " true", "ｔrue", "yes", "1", "trUE"] {
            #expect(Self.bytes(text) { FieldBytes.isTrue($0) } == (text.lowercased() == "true"), "\(text)")
        }
        #expect(Self.bytes("bin") { FieldBytes.equals($0, "bin") })
        #expect(!Self.bytes("bi") { FieldBytes.equals($0, "bin") } && !Self.bytes("Bin") { FieldBytes.equals($0, "bin") })
    }

    @Test func threadNamesSplitAsTheStringVersionDoes() {
        let names = ["tts 1-1", "tts 1-200", "Thread Group 2-7", "a b 3-4", "x 0-1", "x 1-", "x -1-2", "x 1--2", "x 1-2-3",
                     "x +1-2", "x 1-+2", "x 1-a", "x 1 -2", "nospace", "", " ", " 1-2", "x 1-2 ", "é 1-2", "x \u{301}1-2",
                     "x 1-\u{301}2", "g 9223372036854775807-1", "g 99999999999999999999-1", "x --", "x 1-2\u{301}"]
        for name in names {
            var g1 = GroupNumbers(), g2 = GroupNumbers()
            let expected = ColumnMap.thread(name, groups: &g1)
            let got: (String, Int, Int) = Self.bytes(name) { f in
                if let (space, g, u) = ColumnMap.groupTail(f) {
                    return (String(decoding: UnsafeBufferPointer(rebasing: f[..<space]), as: UTF8.self), g - 1, u)
                }
                return (name, g2.index(of: name), 1)
            }
            #expect(got == expected, "\(name)")
        }
    }
}
