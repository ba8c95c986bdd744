import Foundation

/// GPUs through `nvidia-smi --query-gpu` (the NVIDIA driver's own tool), once a second. Where it
/// is missing or fails, the run goes on: the first failure is reported and the monitor stops.
struct GPUSampler {
    static let query = "index,utilization.gpu,memory.used,temperature.gpu,power.draw"

    /// The points of one `nvidia-smi` call, or the reason there are none.
    static func sample(executable: String = "nvidia-smi") -> Result<[(String, Double)], MonitorProblem> {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [executable, "--query-gpu=\(query)", "--format=csv,noheader,nounits"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return .failure(MonitorProblem("gpu: nvidia-smi could not be started: \(error)")) }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            return .failure(MonitorProblem(process.terminationStatus == 127
                ? "gpu: nvidia-smi is not installed on this host; no GPU series are recorded"
                : "gpu: nvidia-smi failed (exit \(process.terminationStatus)); no GPU series are recorded"))
        }
        return .success(parse(String(decoding: data, as: UTF8.self)))
    }

    /// Rows `index, util %, memory MiB, temperature C, power W`; `[N/A]` and `[Not Supported]` are skipped.
    static func parse(_ csv: String) -> [(String, Double)] {
        var out: [(String, Double)] = []
        for line in csv.split(separator: "\n") {
            let f = line.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            guard f.count == 5, let index = Int(f[0]) else { continue }
            let label = "{gpu=\"\(index)\"}"
            if let v = Double(f[1]) { out.append(("gpu:utilization_percent" + label, v)) }
            if let v = Double(f[2]) { out.append(("gpu:memory_used_bytes" + label, v * 1_048_576)) }
            if let v = Double(f[3]) { out.append(("gpu:temperature_celsius" + label, v)) }
            if let v = Double(f[4]) { out.append(("gpu:power_watts" + label, v)) }
        }
        return out
    }
}

/// Why a monitor recorded nothing (or a gap): shown once as a warning, never an error of the run.
public struct MonitorProblem: Error, Sendable, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
