import Foundation

/// Timers into think time, assertions into checks (docs/jmx-import.md).
extension JMXConverter {
    /// Timers in scope, summed as JMeter sums them before each sample: constants add up, one
    /// random timer gives the distribution.
    mutating func thinkTime(_ timers: [JMXNode], notes: inout [String], approximated: inout Bool) -> PlanYAML? {
        var constant = 0
        var random: (kind: String, a: Int, b: Int)?
        for t in timers {
            let e = t.element
            var n: [String] = []
            let delay = JMXNumber.milliseconds(literal(e.string("ConstantTimer.delay") ?? "0", notes: &n))
            let range = JMXNumber.milliseconds(literal(e.string("RandomTimer.range") ?? "0", notes: &n))
            var entryNote = ""
            var outcome = JMXImportReport.Outcome.converted
            switch e.name {
            case "ConstantTimer":
                constant += delay
                entryNote = "think time \(JMXDuration.text(delay))"
            case "UniformRandomTimer", "GaussianRandomTimer":
                let kind = e.name == "UniformRandomTimer" ? "uniform" : "gaussian"
                if random == nil {
                    random = (kind, delay, range)
                    entryNote = kind == "uniform" ? "think time uniform in [\(JMXDuration.text(delay)), \(JMXDuration.text(delay + range))]"
                        : "think time Gaussian, mean \(JMXDuration.text(delay)), deviation \(JMXDuration.text(range))"
                } else {
                    constant += delay + (kind == "uniform" ? range / 2 : 0)
                    outcome = .approximated
                    entryNote = "a second random timer in scope: its mean is added as a constant"
                    approximated = true
                }
            default:
                continue
            }
            if !n.isEmpty { outcome = .approximated; approximated = true }
            // A timer reaches every sampler in its scope: reported once per sampler it shapes.
            report.add(t, outcome, ([entryNote] + n).joined(separator: "; "))
        }
        switch random {
        case nil:
            return constant > 0 ? .string(JMXDuration.text(constant)) : nil
        case let r? where r.kind == "uniform":
            return .map([.init("uniform", .list([.string(JMXDuration.text(constant + r.a)), .string(JMXDuration.text(constant + r.a + r.b))]))])
        case let r?:
            return .map([.init("gaussian", .list([.string(JMXDuration.text(constant + r.a)), .string(JMXDuration.text(r.b))]))])
        }
    }

    /// Response, Duration and Size assertions into checks.
    mutating func assertions(_ nodes: [JMXNode], checks: inout [PlanYAML.Field]) {
        var codes: [PlanYAML] = []
        var durationLimit: Int?
        for a in nodes {
            let e = a.element
            var n: [String] = []
            switch e.name {
            case "ResponseAssertion":
                let field = e.string("Assertion.test_field") ?? "Assertion.response_data"
                let type = Int(e.string("Assertion.test_type") ?? "") ?? 2
                let strings = e.collection("Asserion.test_strings").map { literal($0.text, notes: &n) }
                let not = type & 4 != 0, or = type & 32 != 0
                if field == "Assertion.response_code" && !not && (or || strings.count == 1) {
                    var parsed: [PlanYAML] = []
                    for s in strings {
                        let t = s.trimmingCharacters(in: .whitespaces)
                        if let code = Int(t), (100...599).contains(code) { parsed.append(.int(code)) }
                        else if let first = t.first, ("1"..."5").contains(first), type & (1 | 2) != 0,
                                ["xx", "..", "\\d\\d", "[0-9][0-9]", "\\d{2}", "[0-9]{2}"].contains(String(t.dropFirst())) {
                            parsed.append(.string("\(first)xx"))
                        } else { parsed = []; break }
                    }
                    if !parsed.isEmpty {
                        codes += parsed
                        report.add(a, .converted, "status check \(parsed.map(Self.scalarText).joined(separator: ", "))")
                        continue
                    }
                }
                if field == "Assertion.response_headers", !not, strings.count == 1,
                   let match = strings[0].range(of: "(?i)^content-type:\\s*", options: .regularExpression) {
                    let media = strings[0][match.upperBound...].trimmingCharacters(in: .whitespaces)
                    if !media.isEmpty, !media.contains(where: { "*+?[](){}|\\^$".contains($0) }) {
                        checks.append(.init("content_type", .string(media)))
                        report.add(a, .approximated, "content_type check \(media) (compared without parameters, not as a header substring)")
                        continue
                    }
                }
                report.add(a, .skipped, "this response assertion (\(field.replacingOccurrences(of: "Assertion.", with: "")), test type \(type)) has no ttsload check: ttsload checks status, content type, size and audio")
            case "DurationAssertion":
                let ms = JMXNumber.milliseconds(literal(e.string("DurationAssertion.duration") ?? "", notes: &n))
                guard ms > 0 else { report.add(a, .skipped, "no duration given"); continue }
                durationLimit = min(durationLimit ?? ms, ms)
                report.add(a, .converted, "checks.max_elapsed \(JMXDuration.text(ms)): a slower sample fails")
            case "SizeAssertion":
                let sizeText = literal(e.string("SizeAssertion.size") ?? "", notes: &n).trimmingCharacters(in: .whitespaces)
                let size = Int(sizeText).map { min($0, 1 << 40) } ?? -1
                let op = Int(e.string("SizeAssertion.operator") ?? "") ?? 1
                let scope = e.string("Assertion.test_field") ?? e.string("SizeAssertion.test_field") ?? ""
                guard size >= 0, scope.isEmpty || scope.contains("response_data") || scope == "SizeAssertion.response_network_size" else {
                    report.add(a, .skipped, "size assertion on headers or without a size")
                    continue
                }
                switch op {
                case 3: checks.append(.init("min_bytes", .int(size + 1)))
                case 5: checks.append(.init("min_bytes", .int(size)))
                case 4 where size > 1: checks.append(.init("max_bytes", .int(size - 1)))
                case 6 where size > 0: checks.append(.init("max_bytes", .int(size)))
                case 1 where size > 0: checks.append(.init("min_bytes", .int(size))); checks.append(.init("max_bytes", .int(size)))
                default: report.add(a, .skipped, "this size assertion ('not equal', or at most 0 bytes) has no ttsload check"); continue
                }
                report.add(a, .converted, "body size check")
            default:
                report.add(a, .skipped, JMXElementKind(e).skipReason(e))
            }
        }
        if !codes.isEmpty { checks.insert(.init("status", codes.count == 1 ? codes[0] : .list(codes)), at: 0) }
        if let limit = durationLimit { checks.append(.init("max_elapsed", .string(JMXDuration.text(limit)))) }
    }

}
