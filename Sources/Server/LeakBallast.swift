import Synchronization

/// Memory leaked on purpose (`--leak-kb-per-request`) so a soak test can rehearse finding a leak.
final class LeakBallast: Sendable {
    let bytesPerRequest: Int
    private let held = Mutex<[[UInt8]]>([])
    private let total = Atomic<Int>(0)

    init(kilobytesPerRequest: Int) {
        self.bytesPerRequest = kilobytesPerRequest * 1024
    }

    /// Keeps `bytesPerRequest` forever; the bytes are written so they count in RSS.
    func leak() {
        guard bytesPerRequest > 0 else { return }
        let block = [UInt8](repeating: 0xA5, count: bytesPerRequest)
        held.withLock { $0.append(block) }
        total.add(bytesPerRequest, ordering: .relaxed)
    }

    var leakedBytes: Int { total.load(ordering: .relaxed) }
}
