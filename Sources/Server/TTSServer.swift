import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

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
        var logger = Logger(label: "ttsload.server")
        logger.logLevel = .warning
        let host = configuration.host
        let app = Application(
            router: router,
            server: .http1(configuration: .init(additionalChannelHandlers: [ConnectionCloseWatcher()])),
            configuration: .init(address: .hostname(host, port: configuration.port), serverName: "ttsload"),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                await onListening("http://\(host):\(port)")
            },
            logger: logger)
        var groupConfiguration = ServiceGroupConfiguration(
            services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        groupConfiguration.maximumGracefulShutdownDuration = configuration.gracePeriod
        // After the grace period in-flight handlers are cancelled; give them a moment to unwind.
        groupConfiguration.maximumCancellationDuration = .seconds(2)
        let group = ServiceGroup(configuration: groupConfiguration)
        do {
            try await group.run()
        } catch {
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
