import Foundation
import Testing
@testable import Plan

/// Feeds mutated plans to the validator: each must give a valid plan or at least one located error,
/// never a crash or a hang.
@Suite struct FuzzTests {
    static let seeds: [String] = {
        let dir = repositoryRoot + "/plans"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir))?.filter { $0.hasSuffix(".yaml") }.sorted() ?? []
        return names.compactMap { try? String(contentsOfFile: dir + "/" + $0, encoding: .utf8) }
    }()

    static let nasty: [String] = [
        "99999999999999999999999999", "-1", "1e309", "NaN", ".inf", "~", "null", "[]", "{}", "[[[[[[]]]]]]", "\"\"",
        "'unterminated", "*undefined_alias", "&a [*a]", "!!binary AAAA", "0x7fffffffffffffff", "-0", "true", "\u{FEFF}",
        "${", "${}", "${a${b}}", "😀", "\u{0}", "a: b: c", "- - - -", "? complex key", "|", ">-", "%YAML 1.1",
    ]

    /// One mutation of `text`, chosen by `rng`.
    static func mutate(_ text: String, _ rng: inout SeededRandom) -> Data {
        var lines = text.components(separatedBy: "\n")
        switch Int.random(in: 0..<10, using: &rng) {
        case 0:  // truncate anywhere (in bytes: may cut a UTF-8 sequence)
            let bytes = Array(text.utf8)
            return Data(bytes.prefix(Int.random(in: 0...bytes.count, using: &rng)))
        case 1:  // replace a value with something of the wrong type or size
            let i = Int.random(in: 0..<lines.count, using: &rng)
            if let colon = lines[i].firstIndex(of: ":") {
                lines[i] = String(lines[i][...colon]) + " " + nasty.randomElement(using: &rng)!
            }
        case 2:  // delete a line
            lines.remove(at: Int.random(in: 0..<lines.count, using: &rng))
        case 3:  // duplicate a line
            let i = Int.random(in: 0..<lines.count, using: &rng)
            lines.insert(lines[i], at: i)
        case 4:  // break the indentation of a line
            let i = Int.random(in: 0..<lines.count, using: &rng)
            lines[i] = String(repeating: " ", count: Int.random(in: 0...9, using: &rng)) + lines[i].trimmingCharacters(in: .whitespaces)
        case 5:  // invalid UTF-8 bytes in the middle
            var bytes = Array(text.utf8)
            bytes.insert(contentsOf: [[0xFF], [0xC3, 0x28], [0xE2, 0x82], [0xF0, 0x28, 0x8C, 0xBC]].randomElement(using: &rng)!,
                         at: Int.random(in: 0...bytes.count, using: &rng))
            return Data(bytes)
        case 6:  // deep nesting
            let depth = [10, 100, 999, 5_000].randomElement(using: &rng)!
            lines.append("extra: " + String(repeating: "[", count: depth) + String(repeating: "]", count: depth))
        case 7:  // flip random bytes
            var bytes = Array(text.utf8)
            for _ in 0..<Int.random(in: 1...8, using: &rng) where !bytes.isEmpty {
                bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            }
            return Data(bytes)
        case 8:  // huge and odd numbers in lists
            lines.append("load: { steps: [1, \(nasty.randomElement(using: &rng)!), 1e999], hold: 99999h }")
        default:  // shuffle two lines
            let a = Int.random(in: 0..<lines.count, using: &rng), b = Int.random(in: 0..<lines.count, using: &rng)
            lines.swapAt(a, b)
        }
        return Data(lines.joined(separator: "\n").utf8)
    }

    @Test func mutatedPlansNeverCrash() throws {
        try #require(Self.seeds.count >= 5, "example plans not found under \(repositoryRoot)/plans")
        let base = repositoryRoot + "/plans"
        var rng = SeededRandom(seed: 20_261_125)
        var valid = 0, invalid = 0
        let cases = 800
        for index in 0..<cases {
            let seed = Self.seeds[index % Self.seeds.count]
            var data = Self.mutate(seed, &rng)
            if index % 5 == 4 {  // stack a second mutation now and then
                data = Self.mutate(String(decoding: data, as: UTF8.self), &rng)
            }
            do {
                _ = try PlanLoader.parse(data: data, file: "fuzz-\(index).yaml", baseDirectory: base)
                valid += 1
            } catch {
                invalid += 1
                #expect(!error.errors.isEmpty, "case \(index): thrown without an error")
                for d in error.errors {
                    guard case let .file(_, line, column) = d.location else { continue }
                    #expect(line >= 1 && column >= 1, "case \(index): \(d)")
                }
            }
        }
        #expect(valid + invalid == cases)
        #expect(invalid > cases / 2, "mutations should mostly break plans (valid \(valid), invalid \(invalid))")
    }

    @Test func hugeInputsAreRefusedQuickly() {
        let big = Data(repeating: UInt8(ascii: "a"), count: PlanLoader.maxBytes + 1)
        #expect(throws: PlanErrors.self) { try PlanLoader.parse(data: big, file: "big.yaml") }
        let wide = "name: " + String(repeating: "x", count: 1_000_000) + "\ntarget: { url: embedded }\nthread_groups: []\n"
        #expect(throws: PlanErrors.self) { try PlanLoader.parse(data: Data(wide.utf8), file: "wide.yaml") }
        let manyGroups = "target: { url: embedded }\nthread_groups:\n"
            + String(repeating: "  - { name: g, request: { text: x }, load: { users: 1, duration: 1s } }\n", count: 5_000)
        #expect(throws: PlanErrors.self) { try PlanLoader.parse(data: Data(manyGroups.utf8), file: "many.yaml") }
    }
}
