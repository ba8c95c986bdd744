import Foundation
import Plan
import Results
import Synchronization

/// Samples the plan's monitors during a run, each on its own thread so a slow endpoint never
/// delays the others: the load generator's own CPU (always, since it says whether latency can be
/// trusted), the host (`host`), GPUs (`gpu`), Prometheus endpoints. Points are kept in memory
/// (a point a second per series is small) and handed out whole at the end.
public final class MonitorRecorder: Sendable {
    private struct State {
        var series: [String: [(micros: Int64, value: Double)]] = [:]
        var order: [String] = []
        var problems: [String] = []
        var reported: Set<String> = []
        var latest: GeneratorSampler.Reading?
        var latestValues: [String: Double] = [:]
        var generator = GeneratorFigures()
        var dropped: [String: Int] = [:]
    }

    private let monitors: [Monitor]
    private let target: String
    private let state = Mutex(State())
    private let stopped = Atomic<Bool>(false)
    private let done = DispatchGroup()
    private let warn: @Sendable (String) -> Void
    /// Wakes sleeping samplers at once when the run ends.
    private let wake = NSCondition()

    /// - Parameters:
    ///   - monitors: the plan's `monitors:`.
    ///   - target: the target's base URL (`${target}` in a Prometheus URL).
    ///   - warn: told once per problem (a failed scrape, no nvidia-smi), while the run goes on.
    public init(monitors: [Monitor], target: String, warn: @escaping @Sendable (String) -> Void) {
        self.monitors = monitors
        self.target = target
        self.warn = warn
    }

    /// Starts the sampling threads.
    public func start() {
        let host = monitors.contains(.host)
        spawn(name: "ttsload-monitor-host", every: 1_000_000) { [weak self] in
            var generator = GeneratorSampler(), hostSampler = HostSampler()
            return { micros in
                guard let self else { return }
                var points: [(String, Double)] = []
                if let r = generator.sample(atMicros: micros) {
                    points.append(("ttsload:cpu_cores", r.cpuCores))
                    // A controller has no engine threads: nothing to say about them.
                    if r.engineThreads > 0 {
                        points += [("ttsload:engine_demand_percent", r.demand * 100), ("ttsload:engine_wait_ms", r.waitMs),
                                   ("ttsload:engine_threads", Double(r.engineThreads))]
                    }
                    self.state.withLock {
                        $0.latest = r
                        $0.generator.add(cpuCores: r.cpuCores, demand: r.demand, waitMs: r.waitMs, engineThreads: r.engineThreads, saturated: r.saturated, at: micros)
                    }
                }
                if host { points += hostSampler.sample(atMicros: micros) }
                self.record(points, at: micros)
            }
        }
        if monitors.contains(.gpu) {
            spawn(name: "ttsload-monitor-gpu", every: 1_000_000) { [weak self] in
                var failed = false
                return { micros in
                    guard let self, !failed else { return }
                    switch GPUSampler.sample() {
                    case .success(let points): self.record(points, at: micros)
                    case .failure(let problem):
                        failed = true
                        self.report(problem.description)
                    }
                }
            }
        }
        for case .prometheus(let m) in monitors {
            spawn(name: "ttsload-monitor-prom", every: m.interval.microseconds) { [weak self, target] in
                var scraper = PrometheusScraper(monitor: m, target: target)
                return { micros in
                    guard let self else { return }
                    let (points, problem) = scraper.scrape(atMicros: micros)
                    self.record(points, at: micros)
                    if let problem { self.report(problem.description, key: m.name) } else { self.clear(key: m.name) }
                    self.state.withLock { $0.dropped[m.name] = scraper.droppedSeries }
                }
            }
        }
    }

    /// Stops every sampler, waits for them, and returns the series in the order they first appeared.
    public func stop() -> MonitorResult {
        stopped.store(true, ordering: .relaxed)
        wake.lock()
        wake.broadcast()
        wake.unlock()
        done.wait()
        return state.withLock { s in
            MonitorResult(series: s.order.map { MonitorSeries(name: $0, points: s.series[$0] ?? []) },
                          problems: s.problems, generator: s.generator,
                          droppedSeries: s.dropped.filter { $0.value > 0 })
        }
    }

    /// The load generator's last reading (for the live line).
    var latest: GeneratorSampler.Reading? { state.withLock { $0.latest } }

    /// The latest value of every series.
    public func latestValues() -> [String: Double] { state.withLock { $0.latestValues } }

    /// Whether the generator's last whole second was saturated, with a short reason.
    public func saturationNow() -> String? {
        guard let r = latest, r.saturated else { return nil }
        return GeneratorFigures.reason(demand: r.demand, waitMs: r.waitMs, limit: GeneratorSampler.saturatedDemand)
    }

    private func record(_ points: [(String, Double)], at micros: Int64) {
        guard !points.isEmpty else { return }
        state.withLock { s in
            for (name, value) in points {
                if s.series[name] == nil { s.order.append(name) }
                s.series[name, default: []].append((micros, value))
                s.latestValues[name] = value
            }
        }
    }

    /// Warns once per problem key (a monitor that keeps failing is not repeated every second).
    private func report(_ message: String, key: String? = nil) {
        let fresh = state.withLock { s -> Bool in
            guard s.reported.insert(key ?? message).inserted else { return false }
            s.problems.append(message)
            return true
        }
        if fresh { warn(message) }
    }

    /// A monitor that answers again may warn again if it fails later.
    private func clear(key: String) { _ = state.withLock { $0.reported.remove(key) } }

    /// Runs `make()`'s sampler at `start + k * every` (wall clock), until `stop`.
    private func spawn(name: String, every: Int64, make: @escaping @Sendable () -> (Int64) -> Void) {
        done.enter()
        let thread = Thread { [self] in
            let tick = make()
            var next = Self.nowMicros()
            while !stopped.load(ordering: .relaxed) {
                tick(next)
                next += every
                let now = Self.nowMicros()
                if next <= now { next = now + every - (now - next) % every }  // a slow sampler skips ticks, it never bunches them
                wake.lock()
                // A wait can end early (a spurious wake-up): only the deadline or `stop` ends it.
                while !stopped.load(ordering: .relaxed), Self.nowMicros() < next {
                    _ = wake.wait(until: Date(timeIntervalSince1970: Double(next) / 1_000_000))
                }
                wake.unlock()
            }
            done.leave()
        }
        thread.name = name
        thread.start()
    }

    static func nowMicros() -> Int64 { Int64(Date().timeIntervalSince1970 * 1_000_000) }
}

/// What the monitors recorded over a run.
public struct MonitorResult: Sendable {
    /// Every series, in the order it first appeared (a failed scrape is a gap in its monitor's
    /// series and a 0 in `NAME:up`).
    public var series: [MonitorSeries]
    /// Problems met (failed scrapes, no nvidia-smi), in order; a monitor that keeps failing once
    /// per spell (its `NAME:up` series counts the failed scrapes).
    public var problems: [String]
    /// The load generator's saturation figures.
    public var generator: GeneratorFigures
    /// Series left out per monitor because it exposed more than the cap.
    public var droppedSeries: [String: Int]
}

