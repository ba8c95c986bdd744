import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The main loop of a synthesis worker process (`ttsload server-worker`): batches in on stdin,
/// audio frames out on stdout, one job after another, until stdin closes.
public enum SynthesisWorker {
    /// The nice value workers run at (the server stays at its own).
    public static let workerNiceness: Int32 = 5

    /// Runs until the server closes stdin; returns the process exit status.
    public static func run(input: Int32 = 0, output: Int32 = 1) -> Int32 {
        // A dead server must not kill us with SIGPIPE mid-write; we see EPIPE and exit instead.
        signal(SIGPIPE, SIG_IGN)
        // Ctrl-C in a terminal (or a group-wide SIGTERM) reaches the workers too; they must keep
        // running until the server has drained and closes their stdin, or the requests they hold
        // would fail during a graceful shutdown.
        signal(SIGINT, SIG_IGN)
        signal(SIGTERM, SIG_IGN)
        // Below the server's own priority: when synthesis saturates the cores, the HTTP side
        // (admission, 503s, cache hits, metrics) must still get CPU at once.
        _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, workerNiceness)
        let synthesizer: EspeakSynthesizer
        do {
            synthesizer = try EspeakSynthesizer()
        } catch {
            FileHandle.standardError.write(Data("server-worker: \(error)\n".utf8))
            return 3
        }
        guard send(output, .ready, 0, []) else { return 0 }
        let inbox = WorkerInbox()
        let reader = Thread { inbox.fill(from: input) }
        reader.start()
        while let batch = inbox.next() {
            for item in batch.items {
                defer { inbox.finished(item.id) }
                guard synthesize(item, with: synthesizer, inbox: inbox, output: output) else { return 0 }
            }
        }
        return 0
    }

    /// Synthesizes one item, streaming its audio; false when the server is gone.
    private static func synthesize(
        _ item: WorkerProtocol.WorkItem, with synthesizer: EspeakSynthesizer, inbox: WorkerInbox, output: Int32
    ) -> Bool {
        if inbox.isCancelled(item.id) {
            return send(output, .failed, item.id, Array("\(SynthesisError.aborted)".utf8))
        }
        let p = item.parameters
        let clock = ContinuousClock()
        let start = clock.now
        var serverGone = false
        var pending: [UInt8] = []
        func flush() -> Bool {
            defer { pending.removeAll(keepingCapacity: true) }
            return pending.isEmpty || send(output, .audio, item.id, pending)
        }
        do {
            let samples = try synthesizer.synthesize(text: p.text, voice: p.voice, prosody: p.prosody) { chunk in
                // The client went away: stop espeak-ng rather than synthesize for nobody.
                if inbox.isCancelled(item.id) { return false }
                let ok: Bool
                if item.stream {
                    ok = send(output, .audio, item.id, UnsafeRawBufferPointer(chunk))
                } else {
                    pending.append(contentsOf: UnsafeRawBufferPointer(chunk))
                    ok = pending.count < WorkerProtocol.coalescedFrameBytes || flush()
                }
                if !ok { serverGone = true }
                return ok
            }
            guard flush() else { return false }
            let elapsed = clock.now - start
            let done = WorkerProtocol.WorkDone(samples: samples, synthesisSeconds: elapsed.seconds)
            let json = (try? JSONCoding.encoder.encode(done)) ?? Data("{}".utf8)
            return send(output, .done, item.id, [UInt8](json))
        } catch {
            if serverGone { return false }
            return send(output, .failed, item.id, Array("\(error)".utf8))
        }
    }

    private static func send(_ fd: Int32, _ kind: WorkerProtocol.Kind, _ id: UInt64, _ payload: [UInt8]) -> Bool {
        payload.withUnsafeBytes { send(fd, kind, id, $0) }
    }

    private static func send(_ fd: Int32, _ kind: WorkerProtocol.Kind, _ id: UInt64, _ payload: UnsafeRawBufferPointer) -> Bool {
        // Header and payload in one write keeps frames whole even if the pipe is shared later.
        var frame = WorkerProtocol.header(kind: kind, jobID: id, length: payload.count)
        frame.append(contentsOf: payload)
        return PipeIO.write(fd, frame)
    }
}

extension Duration {
    /// The duration in seconds as a Double (for metrics and headers).
    var seconds: Double {
        let c = components
        return Double(c.seconds) + Double(c.attoseconds) / 1e18
    }
}
