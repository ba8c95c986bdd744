/// One side of an A/B run (`targets: {a: ..., b: ...}`, docs/ab.md).
public enum ABSide: String, Sendable, Equatable, CaseIterable, Codable {
    case a, b

    /// What a twin group's name and every label of the side end with: ` [a]`, ` [b]`.
    public var suffix: String { " [\(rawValue)]" }

    /// The side a group name or label ends with, and the name without it; nil for a name of no side.
    public static func split(_ name: String) -> (base: String, side: ABSide)? {
        for side in allCases where name.hasSuffix(side.suffix) {
            return (String(name.dropLast(side.suffix.count)), side)
        }
        return nil
    }
}

/// Where one side of an A/B run sends its requests: its own address, or its own embedded server
/// with its own flags. Everything else about the target (api, headers, TLS, proxy) is `target:`'s,
/// shared by both sides.
public struct SideTarget: Sendable, Equatable {
    public var location: Target.Location
    /// Extra `ttsload server` flags when `location` is `.embedded`.
    public var serverArgs: [String]

    public init(location: Target.Location, serverArgs: [String] = []) {
        self.location = location
        self.serverArgs = serverArgs
    }
}

/// `targets:`: the same load sent to two targets at the same moments, judged side by side.
public struct ABTargets: Sendable, Equatable {
    public var a: SideTarget
    public var b: SideTarget

    public init(a: SideTarget, b: SideTarget) {
        self.a = a
        self.b = b
    }

    public subscript(side: ABSide) -> SideTarget { side == .a ? a : b }
}

extension Plan {
    /// The plan as an A/B run: every thread group G becomes the twins `G [a]` and `G [b]` (same
    /// request, load, delay, think time, checks and data sets; each label gets the side as a
    /// suffix), and every threshold on samples becomes one per side (`[a] p95 < 2s`, its scope
    /// renamed to the side's group or label). Thresholds on monitor series stay single: the hosts
    /// and endpoints they read are not split by side. The twins are listed a-group then b-group,
    /// group by group, so user i of `G [a]` and user i of `G [b]` are started at the same moments
    /// by the engine (docs/ab.md).
    public func expandedForAB(_ targets: ABTargets) -> Plan {
        var plan = self
        plan.ab = targets
        plan.target.location = targets.a.location
        plan.target.serverArgs = targets.a.serverArgs
        plan.threadGroups = threadGroups.flatMap { group in
            ABSide.allCases.map { side in
                var twin = group
                twin.name = group.name + side.suffix
                twin.side = side
                twin.request.label = (group.request.label ?? group.name) + side.suffix
                return twin
            }
        }
        plan.thresholds = thresholds.flatMap(Self.twins)
        plan.stopWhen?.conditions = stopWhen?.conditions.flatMap(Self.twins) ?? []
        return plan
    }

    /// A threshold (or `stop_when` condition) once per side; monitor series stay single.
    static func twins(_ t: Threshold) -> [Threshold] {
        guard t.metric.monitorSeries == nil else { return [t] }
        return ABSide.allCases.map { side in
            var twin = t
            twin.side = side
            twin.expression = "[\(side.rawValue)] " + t.expression
            // Group names and labels both carry the side, so a scope of either keeps its meaning.
            twin.scope = t.scope.map { $0 + side.suffix }
            return twin
        }
    }

    /// The plan one side ran, as if it had been run alone: its twins under their own names, its
    /// thresholds as written (for judging that side's samples, or comparing the two).
    public func sidePlan(_ side: ABSide) -> Plan {
        var plan = self
        plan.ab = nil
        if let targets = ab {
            plan.target.location = targets[side].location
            plan.target.serverArgs = targets[side].serverArgs
        }
        plan.threadGroups = threadGroups.compactMap { group in
            guard let twin = group.side else { return group }
            guard twin == side, let split = ABSide.split(group.name) else { return nil }
            var base = group
            base.name = split.base
            base.side = nil
            // The expansion gave every twin a label; the group's own name as label is no label.
            let label = base.request.label.map { ABSide.split($0)?.base ?? $0 }
            base.request.label = label == split.base ? nil : label
            return base
        }
        func own(_ t: Threshold) -> Threshold? {
            guard let twin = t.side else { return t }
            guard twin == side else { return nil }
            var base = t
            base.side = nil
            base.expression = String(t.expression.dropFirst("[\(side.rawValue)] ".count))
            base.scope = t.scope.map { ABSide.split($0)?.base ?? $0 }
            return base
        }
        plan.thresholds = thresholds.compactMap(own)
        plan.stopWhen?.conditions = stopWhen?.conditions.compactMap(own) ?? []
        return plan
    }
}
