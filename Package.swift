// swift-tools-version:6.0
// ttsload: a distributed load-testing tool for text-to-speech services.
// One target per stage of the data path (docs/ARCHITECTURE.md); dependencies point one way:
// ttsload -> TTSLoadCLI -> (Export, Cluster, Capacity) -> RunPipeline -> (Monitors, Report) -> (Engine, Thresholds) -> Results, Server stands apart.
import PackageDescription

let package = Package(
    name: "ttsload",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "ttsload", targets: ["ttsload"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/swiftcsv/SwiftCSV", from: "0.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
        // WebSocket sessions: the embedded server's endpoint (HummingbirdWebSocket). The engine's
        // client is NIOWebSocket's frame codec under our own upgrade (docs/websocket.md says why
        // not WSClient); swift-crypto for the handshake's SHA-1 (Sec-WebSocket-Accept).
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket", from: "2.8.1"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.0.0"),
    ],
    targets: [
        // System libraries: module maps + headers (and, for libcurl, typed setopt helpers).
        // libcurl (Debian: libcurl4-openssl-dev): a C target because curl_easy_setopt is variadic and
        // Swift needs one typed helper per argument type (Sources/CCurl/shim.c).
        .target(name: "CCurl", path: "Sources/CCurl", linkerSettings: [.linkedLibrary("curl")]),
        // zlib (Debian: zlib1g-dev): gzip for agents' spools; a C target because deflateInit2 is a macro.
        .target(name: "CZlib", path: "Sources/CZlib", linkerSettings: [.linkedLibrary("z")]),
        // Snappy (Debian: libsnappy-dev): the block compression remote write requires.
        .systemLibrary(name: "CSnappy", path: "Sources/CSnappy", providers: [.apt(["libsnappy-dev"])]),
        .systemLibrary(
            name: "CEspeakNG", path: "Sources/CEspeakNG", pkgConfig: "espeak-ng",
            providers: [.apt(["libespeak-ng-dev"])]),

        // plan.yaml -> Plan (typed, validated, with positions) -> load schedule.
        .target(
            name: "Plan",
            dependencies: [
                .product(name: "Yams", package: "Yams"),
                .product(name: "SwiftCSV", package: "SwiftCSV"),
            ]),
        // Virtual users on libcurl multi loops -> samples.
        .target(
            name: "Engine",
            dependencies: [
                "Plan", "Results", "TTS", "CCurl",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ]),
        // TTS API presets, audio parsing, time to first audio, RTF.
        .target(name: "TTS", dependencies: ["Plan"]),
        // Sample type, JTL writer/reader, histograms, SQLite store.
        .target(
            name: "Results",
            dependencies: [
                "Plan", .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "GRDB", package: "GRDB.swift"),
                // SQLite's C API, for the one hot insert loop (Store/SampleRowBinder.swift).
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ]),
        // The plan's thresholds judged on samples and per-second tallies: verdicts, aborts,
        // stop_when, JUnit XML.
        .target(name: "Thresholds", dependencies: ["Results", "Plan"]),
        // Monitors sampled beside the load: Prometheus endpoints (strict text-format parser), the
        // host and the load generator from /proc, GPUs through nvidia-smi.
        .target(name: "Monitors", dependencies: ["Engine", "Results", "Plan"]),
        // HTML dashboard, comparison page, terminal tables (reads Results).
        .target(name: "Report", dependencies: ["Results", "Plan", "Thresholds"]),
        // One run, local or distributed: the engine or the agents' streams feed a list of outputs
        // (JTL, statistics, store, terminal, dashboard) through one protocol.
        .target(name: "RunPipeline", dependencies: ["Engine", "Results", "Report", "Plan", "Thresholds", "Monitors"]),
        // The run's figures live, for Prometheus and Grafana: `/metrics` (swift-prometheus on a
        // SwiftNIO listener) and remote write (swift-protobuf, generated code committed; snappy).
        .target(
            name: "Export",
            dependencies: [
                "RunPipeline", "Results", "Plan", "Engine", "Monitors", "CSnappy",
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            exclude: ["RemoteWrite/remote_write.proto", "RemoteWrite/generate.sh"]),
        // Capacity search: levels judged by a stability gate against an SLO, grow/bisect/confirm.
        .target(name: "Capacity", dependencies: ["RunPipeline", "Results", "Thresholds", "Plan"]),
        // Controller/agent protocol, clock offset, load split.
        .target(
            name: "Cluster",
            dependencies: [
                "RunPipeline", "Engine", "Results", "Plan", "CZlib",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]),
        // The embedded TTS server (espeak-ng workers, batching, cache, metrics).
        .target(
            name: "Server",
            dependencies: [
                "CEspeakNG",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]),
        // Subcommands: argument parsing and wiring only.
        .target(
            name: "TTSLoadCLI",
            dependencies: [
                "Plan", "Engine", "Results", "Report", "RunPipeline", "Cluster", "Server", "TTS", "Thresholds", "Export", "Capacity",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .executableTarget(name: "ttsload", dependencies: ["TTSLoadCLI"]),

        .testTarget(name: "PlanTests", dependencies: ["Plan"]),
        .testTarget(name: "CapacityTests", dependencies: ["Capacity", "Results", "Plan", "TestSupport"]),
        .testTarget(name: "ExportTests", dependencies: ["Export", "Engine", "RunPipeline", "Results", "Plan", "TestSupport"]),
        .testTarget(name: "MonitorsTests", dependencies: ["Monitors", "Plan", "Results", "TestSupport"]),
        // Shared by the test targets: starting fixture servers, free ports, the repository root.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "CLITests", dependencies: ["TTSLoadCLI", "Results", "Plan", "TestSupport"]),
        .testTarget(name: "ResultsTests", dependencies: ["Results"]),
        .testTarget(name: "ThresholdsTests", dependencies: ["Thresholds", "Results", "Plan"]),
        // Hummingbird's WebSocket server as the in-test counterpart whose frame schedule a test sets.
        .testTarget(name: "EngineTests", dependencies: ["Engine", "Results", "Plan", "CCurl", "TestSupport",
                                                    .product(name: "Hummingbird", package: "hummingbird"),
                                                    .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket")]),
        .testTarget(name: "ServerTests", dependencies: ["Server", "Plan"]),
        .testTarget(name: "TTSTests", dependencies: ["TTS", "Plan", "TestSupport"]),
        .testTarget(name: "ClusterTests", dependencies: ["Cluster", "Engine", "Results", "Plan", "TestSupport"]),
        .testTarget(name: "ReportTests", dependencies: ["Report", "Results", "Plan", "TestSupport",
                                                    .product(name: "Histogram", package: "hdrhistogram-swift")]),
        .testTarget(name: "CompareTests", dependencies: ["Report", "Results", "Plan", "TestSupport"]),
        // Multi-host tests: NetworkLab (network namespaces, or 127.0.0.x without root) and libfaketime.
    ]
)
