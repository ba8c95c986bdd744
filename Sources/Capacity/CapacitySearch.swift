import Results

/// The search itself, as a pure function of the levels measured so far, so that a resumed search
/// (`--resume`) picks up exactly where the last one stopped:
///
/// 1. **Grow** from `start`, doubling (1, 2, 4, ...) up to `maxUsers`, until a level breaks the SLO.
///    When even `start` breaks it, halve down to 1.
/// 2. **Bisect** between the most users within the SLO (`good`) and the fewest that broke it
///    (`bad`) until `bad - good` is within the precision (a fraction of `good`, or N users).
/// 3. **Confirm**: the answer level is measured again; it is given only if it holds twice. A
///    failed confirmation makes it the new `bad` and the bisection goes on below it.
///
/// The latest measurement of a user count is the one that counts. The search assumes the SLO
/// breaks monotonically with users; a `good` above a `bad` (noise) is ignored in favour of the
/// lower `bad`. A level that did not settle ends the search unanswered.
public enum CapacitySearch {
    public enum Step: Sendable, Equatable {
        case measure(users: Int, confirmation: Bool)
        case done(CapacityAnswer)
    }

    public static func next(levels: [CapacityLevel], settings: CapacitySettingsRecord) -> Step {
        if let unstable = levels.last(where: { $0.verdict == .unstable }) {
            return .done(CapacityAnswer(kind: .unstable, maxUsers: bracket(levels).good, firstBad: bracket(levels).bad, unstableAt: unstable.users,
                                        text: "no answer: \(amount(unstable.users, settings)) \(unstable.reason)"))
        }
        let (good, bad) = bracket(levels)
        guard let good else {
            // Nothing within the SLO yet.
            guard let bad else { return .measure(users: settings.start, confirmation: false) }
            if bad <= 1 {
                let first = levels.last { $0.users == bad }
                return .done(CapacityAnswer(kind: .none, maxUsers: nil, firstBad: bad,
                                            text: "no level within the SLO: \(amount(1, settings)) already \(first?.reason ?? "breaks it")"))
            }
            return .measure(users: max(1, bad / 2), confirmation: false)
        }
        guard let bad else {
            if good >= settings.maxUsers {
                if !confirmed(good, levels) { return .measure(users: good, confirmation: true) }
                return .done(CapacityAnswer(kind: .atLeast, maxUsers: good, firstBad: nil,
                                            text: "within the SLO up to the cap: at least \(amount(good, settings)) (--max-level \(settings.maxUsers))"))
            }
            return .measure(users: min(good * 2, settings.maxUsers), confirmation: false)
        }
        if bad - good > step(good, settings) {
            return .measure(users: good + (bad - good) / 2, confirmation: false)
        }
        if !confirmed(good, levels) { return .measure(users: good, confirmation: true) }
        let what = settings.open == true ? "max rate within SLO: \(good) req/s" : "max users within SLO: \(good)"
        return .done(CapacityAnswer(kind: .found, maxUsers: good, firstBad: bad, text: "\(what) (\(good)-\(bad))"))
    }

    /// The most users whose latest measurement kept the SLO below the fewest whose latest broke it.
    public static func bracket(_ levels: [CapacityLevel]) -> (good: Int?, bad: Int?) {
        var latest: [Int: CapacityLevel.Verdict] = [:]
        for level in levels where level.verdict == .good || level.verdict == .bad { latest[level.users] = level.verdict }
        let bad = latest.filter { $0.value == .bad }.keys.min()
        let good = latest.filter { $0.value == .good && (bad == nil || $0.key < bad!) }.keys.max()
        return (good, bad)
    }

    /// Bisection stops when bad - good is within this many users.
    static func step(_ good: Int, _ settings: CapacitySettingsRecord) -> Int {
        settings.precisionUsers ?? max(1, Int((Double(good) * settings.precision).rounded(.up)))
    }

    /// Whether `users` kept the SLO in at least two measurements, the latest included.
    static func confirmed(_ users: Int, _ levels: [CapacityLevel]) -> Bool {
        levels.filter { $0.users == users && $0.verdict == .good }.count >= 2
    }

    /// `1 user`, `12 users`, `40 req/s`.
    static func amount(_ level: Int, _ settings: CapacitySettingsRecord) -> String {
        settings.open == true ? "\(level) req/s" : "\(level) user\(level == 1 ? "" : "s")"
    }

    /// The answer when the search stops before it is done (Ctrl-C, --max-time): the bracket so far.
    public static func incomplete(levels: [CapacityLevel], why: String, settings: CapacitySettingsRecord) -> CapacityAnswer {
        let (good, bad) = bracket(levels)
        let known = [good.map { "within the SLO at \(amount($0, settings))" }, bad.map { "broken at \($0)" }].compactMap { $0 }
        return CapacityAnswer(kind: .incomplete, maxUsers: good, firstBad: bad,
                              text: "stopped before an answer (\(why))" + (known.isEmpty ? "" : ": " + known.joined(separator: ", ")))
    }
}
