import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization
import UnixSignals

/// The embedded TTS server: HTTP API in front of the scheduler, cache and worker processes.
public struct TTSServer: Sendable {
    public let configuration: ServerConfiguration
    public let workerCommand: WorkerCommand

    public init(configuration: ServerConfiguration, workerCommand: WorkerCommand) {
        self.configuration = configuration
        self.workerCommand = workerCommand
    }

    /// Starts the workers, serves until SIGTERM/SIGINT, then drains within the grace period and
    /// stops the workers. `onListening` gets the bound base URL, e.g. `http://127.0.0.1:43117`.
    public func run(onListening: @escaping @Sendable (String) async -> Void) async throws {
        // A worker that dies mid-write must surface as EPIPE, not kill the server.
        signal(SIGPIPE, SIG_IGN)
        let catalog = try Self.loadVoiceCatalog()
        let metrics = ServerMetrics()
        let scheduler = Scheduler(configuration: configuration.scheduler, command: workerCommand, metrics: metrics)
        try await scheduler.start()
        let api = SpeechAPI(
            configuration: configuration, scheduler: scheduler, metrics: metrics,
            cache: AudioCache(budgetBytes: configuration.cacheMB << 20),
            leak: LeakBallast(kilobytesPerRequest: configuration.leakKBPerRequest),
            voices: catalog)

        let router = Router(context: TTSRequestContext.self)
        api.register(on: router)
        SpeechWebSocket(configuration: configuration, scheduler: scheduler, metrics: metrics, cache: api.cache, voices: catalog)
            .register(on: router)
        var logger = Logger(label: "ttsload.server")
        logger.logLevel = .warning
        let host = configuration.host
        let app = Application(
            router: router,
            // One router for HTTP and the WebSocket upgrade of /v1/tts/ws; no automatic pings (a
            // session lasts one synthesis), a short close handshake.
            server: .http1WebSocketUpgrade(
                webSocketRouter: router,
                configuration: .init(
                    http1: .init(additionalChannelHandlers: [ConnectionCloseWatcher(metrics: metrics)]),
                    ws: .init(maxFrameSize: 1 << 20, autoPing: .disabled, closeTimeout: .seconds(2)))),
            configuration: .init(address: .hostname(host, port: configuration.port), serverName: "ttsload"),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                await onListening("http://\(host):\(port)")
            },
            logger: logger)
        // Signals are handled here rather than by the service group, so that admission stops
        // (503 shutting_down) before Hummingbird starts its graceful shutdown: it closes the
        // listener, lets in-flight requests finish (at most the grace period) and closes idle
        // connections. ConnectionCloseWatcher keeps it from cutting off a large response.
        var groupConfiguration = ServiceGroupConfiguration(services: [app], logger: logger)
        groupConfiguration.maximumGracefulShutdownDuration = configuration.gracePeriod
        groupConfiguration.maximumCancellationDuration = .seconds(2)
        let group = ServiceGroup(configuration: groupConfiguration)
        let signals = await UnixSignalsSequence(trapping: .sigterm, .sigint)
        do {
            // Task results: true when the service group has finished (the server is down).
            try await withThrowingTaskGroup(of: Bool.self) { tasks in
                tasks.addTask {
                    try await group.run()
                    return true
                }
                tasks.addTask {
                    for await _ in signals { break }
                    guard !Task.isCancelled else { return false }
                    await scheduler.stopAccepting()
                    await group.triggerGracefulShutdown()
                    return false
                }
                while let serverDown = try await tasks.next() {
                    if serverDown { break }
                }
                tasks.cancelAll()
            }
        } catch {
            // e.g. the port is taken: the workers must not outlive us.
            await scheduler.shutdown()
            throw error
        }
        await scheduler.shutdown()
    }

    /// espeak-ng's voice lists, read once in this process before serving. This is the only
    /// espeak-ng use in the server process; synthesis happens in the workers.
    static func loadVoiceCatalog() throws -> VoiceCatalog {
        let espeak = try EspeakSynthesizer()
        return VoiceCatalog(voices: espeak.listVoices(), variants: espeak.listVoices(variants: true))
    }
}
