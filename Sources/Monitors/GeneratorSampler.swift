import Foundation
import Results

/// How hard the load generator itself works, from /proc/self once a second: the CPU of the whole
/// process, and the engine threads' demand for CPU (time running plus time runnable but waiting
/// for a core, from each thread's schedstat) with the mean wait per time slice.
///
/// An engine thread that is running or waiting to run all the time is saturated: responses that
/// arrived sit in its socket until it gets a core, and their latency counts that wait. The wait
/// per time slice is the event-loop lag: a thread woken by a response starts that late.
struct GeneratorSampler {
    /// A second counts as saturated when the engine threads' demand reaches this share of one core
    /// per engine thread, or when a woken thread waits this long on average for a core.
    static let saturatedDemand = GeneratorLimits.demandPercent / 100
    static let saturatedWaitMs = GeneratorLimits.waitMs

    private var previous: (cpuTicks: UInt64, run: UInt64, wait: UInt64, slices: UInt64, micros: Int64)?
    private let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))

    /// The figures of one read.
    struct Reading {
        /// Cores' worth of CPU the process used (1.0 = one core all the time).
        var cpuCores: Double
        /// Engine threads' running plus waiting time per second, over the number of engine threads.
        var demand: Double
        /// Mean wait for a core per time slice of an engine thread, ms.
        var waitMs: Double
        var engineThreads: Int
        var saturated: Bool { engineThreads > 0 && (demand >= GeneratorSampler.saturatedDemand || waitMs >= GeneratorSampler.saturatedWaitMs) }
    }

    mutating func sample(atMicros micros: Int64) -> Reading? {
        guard let cpu = Self.processTicks() else { return nil }
        let threads = Self.engineThreadStats()
        defer { previous = (cpu, threads.run, threads.wait, threads.slices, micros) }
        guard let previous, micros > previous.micros else { return nil }
        let seconds = Double(micros - previous.micros) / 1_000_000
        // An engine thread that ended between reads takes its counts away: no negative figures.
        let run = Double(threads.run &- previous.run), wait = Double(threads.wait &- previous.wait)
        let valid = threads.run >= previous.run && threads.wait >= previous.wait && threads.slices >= previous.slices
        let slices = Double(threads.slices &- previous.slices)
        return Reading(cpuCores: Double(cpu &- previous.cpuTicks) / ticksPerSecond / seconds,
                       demand: valid && threads.count > 0 ? (run + wait) / 1e9 / seconds / Double(threads.count) : 0,
                       waitMs: valid && slices > 0 ? wait / slices / 1e6 : 0,
                       engineThreads: threads.count)
    }

    /// utime + stime of this process, in clock ticks (/proc/self/stat fields 14 and 15).
    static func processTicks() -> UInt64? {
        guard let text = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return nil }
        // Fields after the command name (which may hold spaces), starting at field 3 (state).
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = UInt64(fields[11]), let system = UInt64(fields[12]) else { return nil }
        return user + system
    }

    /// Summed schedstat (ns running, ns waiting on a run queue, time slices) of the threads named
    /// ttsload-engine-* (the kernel keeps 15 characters of a name).
    static func engineThreadStats() -> (run: UInt64, wait: UInt64, slices: UInt64, count: Int) {
        var run: UInt64 = 0, wait: UInt64 = 0, slices: UInt64 = 0, count = 0
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
        for task in tasks {
            guard let name = try? String(contentsOfFile: "/proc/self/task/\(task)/comm", encoding: .utf8),
                  name.hasPrefix("ttsload-engine"),
                  let stat = try? String(contentsOfFile: "/proc/self/task/\(task)/schedstat", encoding: .utf8)
            else { continue }
            let f = stat.split(whereSeparator: { $0 == " " || $0 == "\n" }).compactMap { UInt64($0) }
            guard f.count >= 3 else { continue }
            run += f[0]
            wait += f[1]
            slices += f[2]
            count += 1
        }
        return (run, wait, slices, count)
    }
}
