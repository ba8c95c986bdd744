import Foundation
import Plan
import Results

/// Runs a plan's load against a target: one libcurl multi loop per thread, the plan's schedule
/// followed exactly, every completed request handed to a `SampleSink`.
public final class LoadEngine: @unchecked Sendable {
    public enum SetupError: Error, CustomStringConvertible {
        case dataSet(String)
        public var description: String {
            switch self { case .dataSet(let m): return m }
        }
    }

    let plan: Plan
    let profile: LoadProfile
    let threads: Int
    let sink: SampleSink
    let shared: EngineShared
    let runtimes: [GroupRuntime]
    let seed: UInt64
    let slot: EngineSlot
    private let lock = NSLock()
    private var loops: [EngineLoop] = []
    /// Wall clock (µs since the epoch) and monotonic clock at the start of the load (0 before).
    private var clocks: (wall: Int64, mono: Int64) = (0, 0)

    /// - Parameters:
    ///   - baseURL: the target's address, `http://127.0.0.1:PORT` for the embedded server; in an
    ///     A/B run (`plan.ab`), side a's.
    ///   - baseURLB: side b's address in an A/B run: where the `[b]` twins send their requests.
    ///   - threads: engine threads (libcurl multi loops); default the number of cores.
    ///   - agentName: what `${__agent}` gives: the agent's name in a distributed run, empty in one process.
    public init(plan: Plan, baseURL: String, baseURLB: String? = nil, threads: Int = ProcessInfo.processInfo.activeProcessorCount,
                sink: SampleSink, seed: UInt64 = UInt64.random(in: 1...UInt64.max), slot: EngineSlot = .whole,
                agentName: String = "") throws {
        self.plan = plan
        self.slot = slot
        self.profile = LoadProfile(plan: plan)
        self.threads = max(1, threads)
        self.sink = sink
        self.seed = seed
        // In an A/B run each side draws from its own copy of every data set, both seeded alike, so
        // the k-th row drawn on side b is the k-th drawn on side a (docs/ab.md); otherwise one
        // feeder per set, shared by every group, as before.
        let sides: [ABSide?] = plan.ab == nil ? [nil] : [.a, .b]
        let dataSeed = seed
        var feeders: [String: DataFeeder] = [:]
        func key(_ name: String, _ side: ABSide?) -> String { name + "\u{0}" + (side?.rawValue ?? "") }
        for spec in plan.data {
            switch DataSetFile.read(spec, baseDirectory: plan.baseDirectory) {
            case .success(let table):
                for side in sides {
                    feeders[key(spec.name, side)] = DataFeeder(spec: spec, table: table, slot: slot, seed: side == nil ? nil : dataSeed)
                }
            case .failure(let failure): throw SetupError.dataSet(failure.message)
            }
        }
        var runtimes: [GroupRuntime] = []
        for schedule in profile.groups {
            guard let index = plan.threadGroups.firstIndex(where: { $0.name == schedule.name }) else { continue }
            let group = plan.threadGroups[index]
            let names = group.dataSets.isEmpty ? plan.data.map(\.name) : group.dataSets
            let url = group.side == .b ? (baseURLB ?? baseURL) : baseURL
            // A b twin follows its a twin's arrival sequence (the open model's seed is per group).
            let twin = group.side == .b ? ABSide.split(group.name).flatMap { split in
                plan.threadGroups.firstIndex { $0.name == split.base + ABSide.a.suffix }
            } : nil
            runtimes.append(GroupRuntime(index: index, group: group, schedule: schedule,
                                         request: RequestPlan(group: group, target: plan.target, baseURL: url, baseDirectory: plan.baseDirectory),
                                         feeders: names.compactMap { feeders[key($0, group.side)] }, variables: plan.variables,
                                         target: plan.target, baseURL: url, baseDirectory: plan.baseDirectory,
                                         seedIndex: twin ?? index, measures: plan.measures))
        }
        self.runtimes = runtimes
        shared = EngineShared(groups: plan.threadGroups.count, agentName: agentName, redactor: Redactor(plan.secretValues))
    }

    /// Runs the whole schedule on `threads` threads and returns when every one has finished.
    ///
    /// - Parameter start: in a distributed test, the common start instant: the engine waits until
    ///   this host's clock reads `localWall`, and stamps samples on the controller's clock, whose
    ///   reading at that instant is `reportedWall` (the two differ by the measured clock offset).
    ///   nil: start now, on this host's clock.
    public func run(start: (localWall: Int64, reportedWall: Int64)? = nil) {
        Curl.globalInit()
        if let start { Self.sleep(untilWall: start.localWall) { self.shared.stop.at != nil } }
        let startMono = monotonicMicros()
        let nowWall = Int64(Date().timeIntervalSince1970 * 1_000_000)
        // A late wake-up (the machine was busy) moves the start, never the clock it is stamped on.
        let startWall = start.map { $0.reportedWall + max(0, nowWall - $0.localWall) } ?? nowWall
        lock.lock()
        clocks = (startWall, startMono)
        lock.unlock()
        let made = (0..<threads).map { k in
            // Slot s of S agents, T threads each: this engine's thread k is global thread s + S*k of S*T,
            // so users and arrivals are dealt out across all agents' threads as on one host.
            EngineLoop(index: slot.index + slot.count * k, threads: slot.count * threads, groups: runtimes, shared: shared, sink: sink, wall0: startWall,
                       mono0: startMono, gracefulStop: plan.defaults.gracefulStop, seed: seed)
        }
        lock.lock()
        loops = made
        lock.unlock()
        let group = DispatchGroup()
        for loop in made {
            group.enter()
            let thread = Thread {
                // The kernel's name for the thread (at most 15 characters): the monitors find engine
                // threads by it. Foundation's `name` does not reach the kernel on Linux.
                try? "ttsload-engine".write(toFile: "/proc/thread-self/comm", atomically: false, encoding: .utf8)
                loop.run()
                group.leave()
            }
            thread.name = "ttsload-engine-\(loop.index)"
            thread.stackSize = 1 << 20
            thread.start()
        }
        group.wait()
    }

    /// Sleeps until the wall clock reads `wall` (µs since the epoch): coarse sleeps, then short ones.
    /// `cancelled` is asked between sleeps (a stop before the start ends the wait).
    static func sleep(untilWall wall: Int64, cancelled: () -> Bool) {
        while !cancelled() {
            let left = wall - Int64(Date().timeIntervalSince1970 * 1_000_000)
            if left <= 0 { return }
            usleep(useconds_t(min(left > 5_000 ? left - 2_000 : left, 500_000)))
        }
    }

    /// Stops the load: no new requests; in-flight ones may finish within `defaults.graceful_stop`
    /// (`hard`: abort them now). Safe from any thread, e.g. a signal handler's queue.
    public func stop(hard: Bool = false) {
        shared.requestStop(at: monotonicMicros(), hard: hard)
        lock.lock()
        let current = loops
        lock.unlock()
        for loop in current { loop.multis.wakeup() }
    }

    /// Wall-clock µs since the epoch at the load's start (schedule time 0); 0 until `run` starts.
    public var startWall: Int64 {
        lock.lock()
        defer { lock.unlock() }
        return clocks.wall
    }

    /// CLOCK_MONOTONIC µs at the load's start (0 before): with `startWall`, the clock samples are stamped on.
    public var startMonotonic: Int64 {
        lock.lock()
        defer { lock.unlock() }
        return clocks.mono
    }

    /// Seconds since the load started.
    public var elapsed: Double {
        lock.lock()
        let mono = clocks.mono
        lock.unlock()
        return mono == 0 ? 0 : Double(monotonicMicros() - mono) / 1_000_000
    }

    public var counters: EngineCounters { shared.snapshot }

    /// The first audio warning of each label (unknown or broken audio), for the end-of-run report.
    public var audioWarnings: [String: String] { shared.warnings }

    /// Active virtual users per thread group (plan order) right now.
    public var activeUsers: [Int] { shared.activeByGroup }
}

/// Which part of a test's load one engine runs. A test spread over `count` agents gives each a
/// slot; with the same thread count everywhere, every agent's threads interleave into one global
/// set, so user counts split exactly (10 users on 3 agents: 4+3+3, at every instant of a ramp)
/// and user numbers stay unique across agents.
public struct EngineSlot: Sendable, Equatable, Codable {
    public var index: Int
    public var count: Int
    public init(index: Int, count: Int) {
        precondition(count > 0 && (0..<count).contains(index), "slot \(index) of \(count)")
        self.index = index
        self.count = count
    }
    /// The whole load on one host.
    public static let whole = EngineSlot(index: 0, count: 1)

    /// How many of `total` users this slot runs when every agent has `threadsPerAgent` threads:
    /// global thread j of G owns users j+1, j+1+G, ...; this slot's threads are index + count*k.
    public func users(of total: Int, threadsPerAgent: Int) -> Int {
        let g = count * threadsPerAgent
        return (0..<threadsPerAgent).reduce(0) { sum, k in sum + total / g + (index + count * k < total % g ? 1 : 0) }
    }
}
