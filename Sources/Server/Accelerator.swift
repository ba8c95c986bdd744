/// The one simulated accelerator of a server (`--model-latency`): runs one batch at a time,
/// first come first served, across all workers, as a single GPU would.
actor Accelerator {
    let model: ModelLatency
    private var busy = false
    // FIFO of batches waiting for the accelerator; actor reentrancy alone would not keep order
    // or exclusivity across the sleep, so waiters park here.
    private var waiters: [CheckedContinuation<Void, Never>] = []

    init(model: ModelLatency) {
        self.model = model
    }

    /// Occupies the accelerator for the batch's modelled cost; returns that cost in seconds.
    func run(batchSize: Int, longestText: Int) async -> Double {
        if busy {
            await withCheckedContinuation { waiters.append($0) }
        }
        busy = true
        let cost = model.cost(batchSize: batchSize, longestText: longestText)
        // The sleep IS the modelled work (a stand-in for GPU time), not a synchronisation.
        try? await Task.sleep(for: cost)
        if waiters.isEmpty {
            busy = false
        } else {
            waiters.removeFirst().resume()
        }
        return cost.seconds
    }
}
