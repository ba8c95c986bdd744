import Foundation
import Hummingbird

/// The HTTP routes: POST /v1/tts, POST /v1/audio/speech, GET /healthz, GET /metrics.
struct SpeechAPI: Sendable {
    let configuration: ServerConfiguration
    let scheduler: Scheduler
    let metrics: ServerMetrics
    let cache: AudioCache
    let leak: LeakBallast
    let voices: VoiceCatalog

    private enum Route: String {
        case tts = "/v1/tts", speech = "/v1/audio/speech"
    }

    func register(on router: Router<TTSRequestContext>) {
        router.post("/v1/tts") { request, context in
            await self.handle(request, context: context, route: .tts)
        }
        router.post("/v1/audio/speech") { request, context in
            await self.handle(request, context: context, route: .speech)
        }
        router.get("/healthz") { _, _ in
            let s = await self.scheduler.snapshot()
            let status = s.accepting ? "ok" : "draining"
            let pids = s.workerPIDs.map(String.init).joined(separator: ",")
            let body = "{\"status\":\"\(status)\",\"workers\":\(s.workers),\"worker_pids\":[\(pids)],\"workers_ready\":\(s.readyWorkers),\"queue\":\(s.queueDepth),\"in_flight\":\(s.inFlight),\"voices\":\(self.voices.voiceCount)}"
            return Self.json(s.accepting ? 200 : 503, body)
        }
        router.get("/metrics") { _, _ in
            let external = ServerMetrics.External(
                scheduler: await self.scheduler.snapshot(), cache: self.cache.stats,
                residentBytes: ProcessMemory.residentBytes(), leakedBytes: self.leak.leakedBytes,
                modelEnabled: self.configuration.scheduler.modelLatency != nil)
            return Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: self.metrics.render(external))))
        }
    }

    // MARK: - Synthesis requests

    private func handle(_ request: Request, context: TTSRequestContext, route: Route) async -> Response {
        let response: Response
        do {
            response = try await synthesize(
                body: request.body, contentLength: request.headers[.contentLength], route: route,
                connection: ConnectionSignal.signal(for: context.channel))
        } catch let error as APIError {
            response = Self.json(error.status, error.json)
        } catch let failure as JobFailure {
            response = failureResponse(failure)
        } catch {
            // The client went away (cancellation); nobody reads this answer.
            response = failureResponse(.cancelled)
        }
        metrics.countRequest(route: route.rawValue, code: Int(response.status.code))
        return response
    }

    private func synthesize(
        body: RequestBody, contentLength: String?, route: Route, connection: ConnectionSignal?
    ) async throws -> Response {
        let limit = configuration.maxBodyBytes
        if let declared = contentLength.flatMap(Int.init), declared > limit {
            throw tooLarge(limit)
        }
        let buffer: ByteBuffer
        do {
            buffer = try await body.collect(upTo: limit)
        } catch {
            throw tooLarge(limit)
        }
        let bytes = Array(buffer: buffer)
        let limits = SpeechRequest.Limits(maxTextChars: configuration.maxTextChars)
        let speech = try route == .tts
            ? SpeechRequest.parseTTS(bytes, limits: limits, voices: voices)
            : SpeechRequest.parseOpenAI(bytes, limits: limits, voices: voices)
        leak.leak()

        if let pcm = cache.lookup(speech.parameters) {
            var timing = Timing()
            timing.cache = "hit"
            timing.samples = pcm.readableBytes / 2
            if speech.streamFormat == .sse { return eventsResponse(speech, pcm: pcm, timing: timing) }
            return audioResponse(speech, pcm: pcm, timing: timing)
        }
        let job = try await scheduler.submit(speech.parameters, stream: speech.stream)
        let scheduler = self.scheduler
        let cancel: @Sendable () -> Void = { Task { await scheduler.cancel(job.id) } }
        // A client that goes while its job is queued takes the job out of the queue.
        let token = connection?.onClose(cancel)
        defer { connection?.remove(token) }
        return try await withTaskCancellationHandler {
            speech.stream ? try await streamed(speech, job: job) : try await collected(speech, job: job)
        } onCancel: {
            cancel()
        }
    }

    /// Waits for the whole audio, then answers with Content-Length and every timing header.
    private func collected(_ speech: SpeechRequest, job: Job) async throws -> Response {
        var pcm = ByteBuffer()
        var timing = Timing()
        for await event in job.events {
            switch event {
            case .started(let wait, let batch, let model):
                timing.queueWait = wait.seconds
                timing.batchSize = batch
                timing.modelSeconds = model
            case .audio(let chunk):
                pcm.writeBytes(chunk)
            case .finished(let samples, let seconds):
                timing.samples = samples
                timing.synthesisSeconds = seconds
                metrics.observeSynthesis(seconds: seconds)
                cache.store(speech.parameters, pcm: pcm)
                return audioResponse(speech, pcm: pcm, timing: timing)
            case .failed(let failure):
                throw failure
            }
        }
        throw CancellationError()
    }

    /// Waits until a worker has the job (so queue failures still get a proper status), then
    /// streams: WAV header with unknown sizes first, PCM chunks as espeak-ng produces them; with
    /// `stream_format: sse` each of them is a `speech.audio.delta` event (`SpeechEvents`) and a
    /// `speech.audio.done` closes the stream.
    private func streamed(_ speech: SpeechRequest, job: Job) async throws -> Response {
        var timing = Timing()
        waiting: for await event in job.events {
            switch event {
            case .started(let wait, let batch, let model):
                timing.queueWait = wait.seconds
                timing.batchSize = batch
                timing.modelSeconds = model
                break waiting
            case .failed(let failure):
                throw failure
            default:
                break
            }
        }
        try Task.checkCancellation()
        let events = job.events
        let scheduler = self.scheduler, metrics = self.metrics, cache = self.cache
        let sse = speech.streamFormat == .sse
        var headers = timing.headers(final: false)
        headers[.contentType] = sse ? "text/event-stream" : speech.format == .wav ? "audio/wav" : "audio/pcm"
        if sse { headers[.cacheControl] = "no-cache" }
        headers.set("X-Audio-Sample-Rate", String(EspeakSynthesizer.sampleRate))
        let characters = speech.parameters.text.count
        let body = ResponseBody { writer in
            var deltas = 0
            /// One piece of audio, as bytes or as an event.
            func send(_ audio: [UInt8]) async throws {
                if sse {
                    deltas += 1
                    try await writer.write(SpeechEvents.delta(audio))
                } else {
                    try await writer.write(ByteBuffer(bytes: audio))
                }
            }
            if speech.format == .wav {
                try await send(WAVHeader.make(dataBytes: nil))
            }
            var pcm = ByteBuffer()
            do {
                for await event in events {
                    switch event {
                    case .audio(let chunk):
                        if cache.isEnabled { pcm.writeBytes(chunk) }
                        try await send(chunk)
                    case .finished(_, let seconds):
                        metrics.observeSynthesis(seconds: seconds)
                        cache.store(speech.parameters, pcm: pcm)
                        if sse { try await writer.write(SpeechEvents.done(inputCharacters: characters, deltas: deltas)) }
                        try await writer.finish(nil)
                        return
                    case .failed(let failure) where sse:
                        // Events can say what went wrong: an error event, then a clean end.
                        try await writer.write(SpeechEvents.error(code: Self.failureCode(failure).code, message: failure.description))
                        try await writer.finish(nil)
                        return
                    case .failed(let failure):
                        // Headers are gone already: end the body abruptly so the client sees an
                        // incomplete chunked response rather than truncated audio that looks whole.
                        throw failure
                    case .started:
                        break
                    }
                }
            } catch {
                await scheduler.cancel(job.id)
                throw error
            }
            throw CancellationError()
        }
        return Response(status: .ok, headers: headers, body: body)
    }

    // MARK: - Responses

    /// Server-side timings sent as headers.
    private struct Timing {
        var queueWait = 0.0
        var synthesisSeconds = 0.0
        var modelSeconds = 0.0
        var batchSize = 0
        var samples = 0
        var cache = "miss"

        func headers(final: Bool) -> HTTPFields {
            var h = HTTPFields()
            h.set("X-Queue-Wait-Ms", ms(queueWait))
            h.set("X-Batch-Size", String(batchSize))
            h.set("X-Cache", cache)
            h.set("X-Model-Simulated-Ms", ms(modelSeconds))
            var serverTiming = "queue;dur=\(ms(queueWait))"
            if final {
                h.set("X-Synthesis-Ms", ms(synthesisSeconds))
                h.set("X-Audio-Seconds", String(format: "%.3f", Double(samples) / Double(EspeakSynthesizer.sampleRate)))
                serverTiming += ", synth;dur=\(ms(synthesisSeconds))"
            }
            if modelSeconds > 0 { serverTiming += ", model;desc=\"simulated\";dur=\(ms(modelSeconds))" }
            h.set("Server-Timing", serverTiming)
            return h
        }

        private func ms(_ seconds: Double) -> String { String(format: "%.1f", seconds * 1000) }
    }

    /// The whole audio at once (streamed requests served from the cache too). The WAV header
    /// and the PCM go out as two buffers, so the audio is not copied again.
    private func audioResponse(_ speech: SpeechRequest, pcm: ByteBuffer, timing: Timing) -> Response {
        var headers = timing.headers(final: true)
        headers.set("X-Audio-Sample-Rate", String(EspeakSynthesizer.sampleRate))
        if speech.format == .wav {
            headers[.contentType] = "audio/wav"
            let header = ByteBuffer(bytes: WAVHeader.make(dataBytes: pcm.readableBytes))
            return Response(status: .ok, headers: headers, body: .init(contentsOf: [header, pcm]))
        }
        headers[.contentType] = "audio/pcm"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: pcm))
    }

    /// A cache hit asked as events: the whole audio as deltas of about 100 ms (a synthesis chunk),
    /// all at once, then the done event.
    private func eventsResponse(_ speech: SpeechRequest, pcm: ByteBuffer, timing: Timing) -> Response {
        var headers = timing.headers(final: true)
        headers.set("X-Audio-Sample-Rate", String(EspeakSynthesizer.sampleRate))
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-cache"
        let header = speech.format == .wav ? WAVHeader.make(dataBytes: pcm.readableBytes) : nil
        var events = SpeechEvents.deltas(pcm, header: header, bytesPerDelta: EspeakSynthesizer.sampleRate / 10 * 2)
        events.append(SpeechEvents.done(inputCharacters: speech.parameters.text.count, deltas: events.count))
        return Response(status: .ok, headers: headers, body: .init(contentsOf: events))
    }

    private func tooLarge(_ limit: Int) -> APIError {
        APIError(status: 413, field: "body", code: "body_too_large", message: "the request body is larger than \(limit) bytes")
    }

    /// The status and error code a job failure is answered with.
    static func failureCode(_ failure: JobFailure) -> (status: Int, code: String) {
        switch failure {
        case .queueFull: return (503, "queue_full")
        case .shuttingDown: return (503, "shutting_down")
        case .deadlineExceeded: return (504, "deadline_exceeded")
        case .workerCrashed: return (500, "worker_crashed")
        case .synthesisFailed: return (500, "synthesis_failed")
        // 499 as nginx logs it: the client closed the connection; nobody reads this answer.
        case .cancelled: return (499, "client_closed_request")
        }
    }

    private func failureResponse(_ failure: JobFailure) -> Response {
        let (status, code) = Self.failureCode(failure)
        if failure == .queueFull { metrics.countQueueFull() }
        let body = "{\"error\":{\"message\":\(APIError.quote(failure.description)),\"type\":\"server_error\",\"code\":\"\(code)\"}}"
        var response = Self.json(status, body)
        if status == 503 {
            response.headers[.retryAfter] = String(configuration.retryAfterSeconds)
        }
        return response
    }

    private static func json(_ status: Int, _ body: String) -> Response {
        Response(
            status: .init(code: status),
            headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}

/// HTTPTypes' field name, reached through Hummingbird's re-exported `HTTPFields`.
typealias HeaderName = HTTPFields.Element.Name

extension HTTPFields {
    /// Sets a header by its literal name (our own names, all valid tokens; the tests read them).
    mutating func set(_ name: String, _ value: String) {
        if let field = HeaderName(name) { self[field] = value }
    }
}
