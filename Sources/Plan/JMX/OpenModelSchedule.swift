import Foundation

/// JMeter 5.5's open-model schedule language, as far as ttsload's `arrival_rate.stages` can say it.
enum OpenModelSchedule {
    struct Parsed {
        var stages: [JMXLoadShape.Stage] = []
        var poisson = true
        var mixed = false
        var problem: String?
    }

    /// Seconds per unit word (JMeter accepts ms, s/sec, m/min, h/hour, d/day).
    private static func unitSeconds(_ unit: String) -> Double? {
        switch unit.lowercased() {
        case "ms": return 0.001
        case "", "s", "sec", "secs", "second", "seconds": return 1
        case "m", "min", "mins", "minute", "minutes": return 60
        case "h", "hour", "hours": return 3600
        case "d", "day", "days": return 86_400
        default: return nil
        }
    }

    /// `10 min`, `1 min 30 s`, `90`: milliseconds.
    static func duration(_ text: String) -> Int? {
        let pattern = try! NSRegularExpression(pattern: "([0-9]+(?:\\.[0-9]+)?)\\s*([a-zA-Z]*)")
        var total = 0.0
        let ns = text as NSString
        let matches = pattern.matches(in: text, range: NSRange(location: 0, length: ns.length))
        for m in matches {
            guard let n = Double(ns.substring(with: m.range(at: 1))), let unit = unitSeconds(ns.substring(with: m.range(at: 2))) else { return nil }
            total += n * unit
        }
        // Nothing but number-unit pairs and spaces.
        let rest = pattern.stringByReplacingMatches(in: text, range: NSRange(location: 0, length: ns.length), withTemplate: "")
        guard !matches.isEmpty, rest.allSatisfy(\.isWhitespace) else { return nil }
        guard total.isFinite else { return nil }
        return Int((min(total, JMXNumber.limit) * 1000).rounded())
    }

    /// `10/min`, `0.5/s`: per second.
    static func rate(_ text: String) -> Double? {
        let parts = text.split(separator: "/", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 2, let n = Double(parts[0]), n >= 0, let unit = unitSeconds(parts[1]), !parts[1].isEmpty else { return nil }
        return n / unit
    }

    static func parse(_ schedule: String) -> Parsed {
        var result = Parsed()
        // Comments: /* ... */ and // to the end of the line.
        var text = schedule.replacingOccurrences(of: "/\\*[\\s\\S]*?\\*/", with: " ", options: .regularExpression)
        text = text.replacingOccurrences(of: "//[^\\n]*", with: " ", options: .regularExpression)
        let call = try! NSRegularExpression(pattern: "([a-z_]+)\\s*\\(([^)]*)\\)")
        let ns = text as NSString
        var tokens: [(String, String)] = []
        var covered = 0
        for m in call.matches(in: text, range: NSRange(location: 0, length: ns.length)) {
            tokens.append((ns.substring(with: m.range(at: 1)), ns.substring(with: m.range(at: 2)).trimmingCharacters(in: .whitespaces)))
            covered += m.range.length
        }
        let nonSpace = text.filter { !$0.isWhitespace }.count
        let tokenNonSpace = tokens.reduce(0) { $0 + $1.0.count + $1.1.filter { !$0.isWhitespace }.count + 2 }
        if tokens.isEmpty || tokenNonSpace != nonSpace {
            result.problem = "not a schedule of rate(...), random_arrivals(...), even_arrivals(...), pause(...)"
            return result
        }
        var current = 0.0
        var emitted = 0.0
        var kinds: Set<String> = []
        for (index, (name, argument)) in tokens.enumerated() {
            switch name {
            case "rate":
                guard let r = rate(argument) else { result.problem = "rate(\(argument)): expected N/sec, N/min, N/hour"; return result }
                current = r
            case "random_arrivals", "even_arrivals", "pause":
                guard let ms = duration(argument) else { result.problem = "\(name)(\(argument)): expected a duration such as 10 min"; return result }
                if name == "pause" {
                    if emitted != 0 { result.stages.append(.init(ms: 0, target: 0)) }
                    result.stages.append(.init(ms: ms, target: 0))
                    emitted = 0
                    continue
                }
                kinds.insert(name)
                var end = current
                if index + 1 < tokens.count, tokens[index + 1].0 == "rate", let next = rate(tokens[index + 1].1) { end = next }
                if emitted != current { result.stages.append(.init(ms: 0, target: current)) }
                result.stages.append(.init(ms: ms, target: end))
                emitted = end
                current = end
            default:
                result.problem = "\(name)(...) is not part of the open-model schedule language"
                return result
            }
        }
        if result.stages.allSatisfy({ $0.target == 0 }) { result.problem = "no arrivals at any time" }
        result.poisson = kinds.contains("random_arrivals")
        result.mixed = kinds.count > 1
        return result
    }
}
