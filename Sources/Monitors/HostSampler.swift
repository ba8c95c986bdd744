import Foundation

/// CPU, memory and network of this host, read from /proc (Linux) once a second.
///
/// Hand-written: four small files whose formats are stable kernel ABI; a library would add a
/// dependency for a few dozen lines. Rates and shares come from the difference between two reads.
struct HostSampler {
    private var previousCPU: [UInt64]?
    private var previousNet: (rx: UInt64, tx: UInt64, micros: Int64)?

    /// Points for this read; CPU and network need a previous read, so the first call gives memory only.
    mutating func sample(atMicros micros: Int64) -> [(String, Double)] {
        var out: [(String, Double)] = []
        if let cpu = Self.cpuTimes() {
            if let previous = previousCPU, previous.count == cpu.count {
                let delta = zip(cpu, previous).map { $0 >= $1 ? Double($0 - $1) : 0 }
                let total = delta.reduce(0, +)
                if total > 0 {
                    // /proc/stat's cpu line: user nice system idle iowait irq softirq steal guest guest_nice;
                    // guest time is already counted in user, so the total leaves it out.
                    func share(_ i: Int) -> Double { i < delta.count ? 100 * delta[i] / total : 0 }
                    out.append(("host:cpu_user_percent", share(0) + share(1)))
                    out.append(("host:cpu_system_percent", share(2) + share(5) + share(6)))
                    out.append(("host:cpu_iowait_percent", share(4)))
                    out.append(("host:cpu_steal_percent", share(7)))
                }
            }
            previousCPU = cpu
        }
        if let memory = Self.memory() {
            out.append(("host:memory_used_bytes", memory.used))
            out.append(("host:memory_available_bytes", memory.available))
        }
        if let net = Self.networkBytes() {
            if let previous = previousNet, micros > previous.micros {
                let seconds = Double(micros - previous.micros) / 1_000_000
                out.append(("host:rate(network_receive_bytes)", Double(net.rx &- previous.rx) / seconds))
                out.append(("host:rate(network_transmit_bytes)", Double(net.tx &- previous.tx) / seconds))
            }
            previousNet = (net.rx, net.tx, micros)
        }
        return out
    }

    /// The aggregate `cpu` line of /proc/stat, in clock ticks, guest columns left out.
    static func cpuTimes(_ text: String? = try? String(contentsOfFile: "/proc/stat", encoding: .utf8)) -> [UInt64]? {
        guard let text, let line = text.split(separator: "\n").first(where: { $0.hasPrefix("cpu ") }) else { return nil }
        let fields = line.split(separator: " ").dropFirst().compactMap { UInt64($0) }
        return fields.count >= 4 ? Array(fields.prefix(8)) : nil
    }

    /// Used (MemTotal - MemAvailable) and available bytes from /proc/meminfo.
    static func memory(_ text: String? = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8)) -> (used: Double, available: Double)? {
        guard let text else { return nil }
        var total: Double?, available: Double?
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            guard parts.count >= 2, let kb = Double(parts[1]) else { continue }
            if parts[0] == "MemTotal:" { total = kb * 1024 } else if parts[0] == "MemAvailable:" { available = kb * 1024 }
        }
        guard let total, let available else { return nil }
        return (total - available, available)
    }

    /// Bytes received and sent over every interface but loopback, from /proc/net/dev (this
    /// network namespace's interfaces).
    static func networkBytes(_ text: String? = try? String(contentsOfFile: "/proc/net/dev", encoding: .utf8)) -> (rx: UInt64, tx: UInt64)? {
        guard let text else { return nil }
        var rx: UInt64 = 0, tx: UInt64 = 0
        for line in text.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].trimmingCharacters(in: .whitespaces)
            if name == "lo" { continue }
            let fields = line[line.index(after: colon)...].split(separator: " ").compactMap { UInt64($0) }
            guard fields.count >= 9 else { continue }
            rx &+= fields[0]
            tx &+= fields[8]
        }
        return (rx, tx)
    }
}
