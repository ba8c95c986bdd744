import Plan

/// Text rendering of a load schedule for `ttsload plan show` and the demo.
public enum ScheduleText {
    static let bars: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]

    /// A table of every group's steps, then a sparkline per group and for the total.
    public static func render(plan: Plan, profile: LoadProfile, width: Int = 60) -> String {
        var out = "plan \(plan.name): \(profile.groups.count) thread group\(profile.groups.count == 1 ? "" : "s"), "
        out += "\(clock(profile.duration)) in all\n"
        for (group, spec) in zip(profile.groups, plan.threadGroups.filter { g in profile.groups.contains { $0.name == g.name } }) {
            let unit: String
            switch group.model {
            case .closed: unit = "users"
            case let .open(maxUsers, distribution):
                unit = "req/s"
                out += "\n\(group.name): open model, \(distribution.rawValue) arrivals, at most \(maxUsers) in flight"
            }
            if case .closed = group.model { out += "\n\(group.name): closed model (virtual users)" }
            if let weight = spec.weight { out += ", weight \(format(weight)) of the shared load" }
            out += "\n"
            let rows = group.steps.map { step in
                [String(step.index), format(step.level), clock(step.start), clock(step.holdStart - step.start),
                 clock(step.end - step.holdStart), clock(step.end)]
            }
            out += table(header: ["step", unit, "starts", "ramp", "hold", "ends"], rows: rows)
            out += "  " + sparkline(width: width, duration: profile.duration) { group.isOpen ? group.rate(at: $0) : Double(group.users(at: $0)) }
            out += "  peak \(format(group.steps.map(\.level).max() ?? 0)) \(unit)\n"
        }
        if profile.groups.count > 1 {
            let closed = profile.groups.contains { !$0.isOpen }, open = profile.groups.contains { $0.isOpen }
            if closed {
                out += "\nall closed groups: users\n  "
                out += sparkline(width: width, duration: profile.duration) { Double(profile.users(at: $0)) } + "\n"
            }
            if open {
                out += "\nall open groups: req/s\n  "
                out += sparkline(width: width, duration: profile.duration) { profile.rate(at: $0) } + "\n"
            }
        }
        return out
    }

    /// One character per time slice, scaled to the peak; the slice's value is its midpoint's.
    public static func sparkline(width: Int, duration: Double, value: (Double) -> Double) -> String {
        guard duration > 0, width > 0 else { return "" }
        let values = (0..<width).map { value((Double($0) + 0.5) * duration / Double(width)) }
        let peak = values.max() ?? 0
        return String(values.map { v -> Character in
            guard peak > 0, v > 0 else { return " " }
            return bars[min(bars.count - 1, Int((v / peak * Double(bars.count - 1)).rounded()))]
        })
    }

    /// `45s`, `3m00s`, `1h02m03s`; sub-second values as `0.25s`.
    public static func clock(_ seconds: Double) -> String {
        if seconds < 10 && seconds != seconds.rounded() { return "\(format((seconds * 100).rounded() / 100))s" }
        let total = Int(seconds.rounded())
        let h = total / 3600, m = (total % 3600) / 60, s = total % 60
        if h > 0 { return "\(h)h" + pad(m) + "m" + pad(s) + "s" }
        if m > 0 { return "\(m)m" + pad(s) + "s" }
        return "\(s)s"
    }

    static func pad(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }

    static func format(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e12 ? String(Int(v)) : String((v * 1000).rounded() / 1000)
    }

    /// A plain left-aligned text table with two-space indent.
    public static func table(header: [String], rows: [[String]]) -> String {
        let all = [header] + rows
        let widths = header.indices.map { c in all.map { $0.indices.contains(c) ? $0[c].count : 0 }.max() ?? 0 }
        return all.map { row in
            "  " + row.enumerated().map { c, cell in cell.padding(toLength: widths[c], withPad: " ", startingAt: 0) }
                .joined(separator: "  ").trimmingTrailingSpaces() + "\n"
        }.joined()
    }
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var s = self
        while s.last == " " { s.removeLast() }
        return s
    }
}
import Foundation
