import Foundation

/// A parsed, validated test plan. Every field has its default filled in; see docs/plan.md.
public struct Plan: Sendable, Equatable {
    /// The plan's name (defaults to the file name without extension); names run folders.
    public var name: String
    public var description: String?
    public var target: Target
    public var defaults: Defaults
    /// Constants usable as `${name}` anywhere a template is allowed (JMeter's User Defined Variables).
    public var variables: [String: String]
    /// Data sets in the order they were written.
    public var data: [DataSetSpec]
    /// Shared load profile for thread groups that give a `weight` instead of their own `load`.
    public var load: LoadSpec?
    public var threadGroups: [ThreadGroup]
    public var thresholds: [Threshold]
    /// `stop_when:` ends a stepped run at the first step whose hold meets a condition.
    public var stopWhen: StopWhen?
    public var monitors: [Monitor]
    /// Agent addresses (`host:port`); empty means the load runs in-process.
    public var agents: [AgentAddress]
    /// The directory the plan was read from: data-set files are relative to it.
    public var baseDirectory: String
    /// `secrets:`: names of variables (or `env:NAME`) whose values are never written out.
    public var secrets: [String] = []
    /// `targets:`: an A/B run (docs/ab.md); `threadGroups` and `thresholds` are then the twins
    /// made by `expandedForAB`, and `target.location` is side a's.
    public var ab: ABTargets?

    /// The values to redact (`***`) wherever the run writes text: those of `secrets`, at least 4
    /// characters long (a shorter one would mangle every text it appears in; the decoder warns).
    public var secretValues: [String] {
        secrets.compactMap { variables[$0] }.filter { $0.count >= 4 }
    }

    /// The values of the `${env:NAME}` references the plan uses, by NAME: what agents are sent
    /// with the plan (over the control channel) instead of reading their own environment.
    public var environmentValues: [String: String] {
        var out: [String: String] = [:]
        for (key, value) in variables where key.hasPrefix("env:") { out[String(key.dropFirst(4))] = value }
        return out
    }

    public init(
        name: String, description: String? = nil, target: Target, defaults: Defaults = Defaults(),
        variables: [String: String] = [:], data: [DataSetSpec] = [], load: LoadSpec? = nil,
        threadGroups: [ThreadGroup], thresholds: [Threshold] = [], stopWhen: StopWhen? = nil, monitors: [Monitor] = [],
        agents: [AgentAddress] = [], baseDirectory: String = "."
    ) {
        self.name = name
        self.description = description
        self.target = target
        self.defaults = defaults
        self.variables = variables
        self.data = data
        self.load = load
        self.threadGroups = threadGroups
        self.thresholds = thresholds
        self.stopWhen = stopWhen
        self.monitors = monitors
        self.agents = agents
        self.baseDirectory = baseDirectory
    }
}

/// When a stepped run ends early: at the end of the first step's hold on which a condition holds
/// (`p95 > 2s`) or, with `thresholds`, which breaks one of the plan's thresholds.
public struct StopWhen: Sendable, Equatable {
    /// Conditions that stop the run when they hold over a step's hold.
    public var conditions: [Threshold]
    /// Also stop at the first step that breaks a threshold.
    public var thresholds: Bool

    public init(conditions: [Threshold], thresholds: Bool) {
        self.conditions = conditions
        self.thresholds = thresholds
    }
}

/// The service under test.
public struct Target: Sendable, Equatable {
    public enum Location: Sendable, Equatable {
        /// Start `ttsload server` on a free loopback port for the run.
        case embedded
        /// A real service, `http://` or `https://`.
        case url(String)
    }

    public enum HTTPVersion: String, Sendable, Equatable, CaseIterable {
        case http1 = "1.1"
        case http2 = "2"
    }

    public var location: Location
    public var api: APIPreset
    /// Headers sent with every request (thread groups add or override).
    public var headers: [Header]
    /// How to read the audio when the response does not describe itself (raw PCM) or to force a format.
    public var audio: AudioFormat?
    /// Accept self-signed TLS certificates.
    public var insecure: Bool
    public var httpVersion: HTTPVersion
    /// Extra `ttsload server` flags when `url: embedded` (e.g. `[--workers, "1"]`).
    public var serverArgs: [String]
    /// TLS trust and identity, and the proxy (`tls:`, `proxy:`).
    public var connection = TargetConnection()

    public init(
        location: Location, api: APIPreset = .indextts, headers: [Header] = [], audio: AudioFormat? = nil,
        insecure: Bool = false, httpVersion: HTTPVersion = .http1, serverArgs: [String] = []
    ) {
        self.location = location
        self.api = api
        self.headers = headers
        self.audio = audio
        self.insecure = insecure
        self.httpVersion = httpVersion
        self.serverArgs = serverArgs
    }
}

/// How connections to the target are made beyond its URL: the CA bundle that verifies its
/// certificate, the client certificate that mutual TLS asks for, and the proxy. File paths are
/// as written in the plan (relative to the plan's folder unless absolute).
public struct TargetConnection: Sendable, Equatable {
    /// PEM bundle of the CAs trusted for the target (instead of the system's).
    public var caFile: String?
    /// PEM client certificate (and its key, unless `keyFile` gives it) for mutual TLS.
    public var certFile: String?
    public var keyFile: String?
    /// nil: libcurl's usual rule (the http_proxy/https_proxy/no_proxy variables); "": no proxy
    /// at all; else the proxy URL (http://, https://, socks5://, socks5h://).
    public var proxy: String?

    public init(caFile: String? = nil, certFile: String? = nil, keyFile: String? = nil, proxy: String? = nil) {
        self.caFile = caFile
        self.certFile = certFile
        self.keyFile = keyFile
        self.proxy = proxy
    }

    /// The files to read, as written (for shipping to agents).
    public var files: [String] { [caFile, certFile, keyFile].compactMap { $0 } }

    /// `file` as a path to open: relative ones from the plan's folder.
    public static func path(_ file: String, baseDirectory: String) -> String {
        file.hasPrefix("/") ? file : (baseDirectory as NSString).appendingPathComponent(file)
    }
}

/// Request presets: how the TTS fields of a request become a body.
public enum APIPreset: String, Sendable, Equatable, CaseIterable {
    /// `POST /v1/tts` with `{text, emotion, emotion_intensity, voice, speed, format, stream}` (the seed study's shape).
    case indextts
    /// `POST /v1/audio/speech` with `{model, input, voice, response_format, speed, instructions}`.
    case openai
    /// Nothing implied: the request gives its own path and body.
    case raw

    /// The path a request gets when it names none.
    public var defaultPath: String? {
        switch self {
        case .indextts: return "/v1/tts"
        case .openai: return "/v1/audio/speech"
        case .raw: return nil
        }
    }
}

/// One HTTP header; order is kept as written. Values may use `${var}`.
public struct Header: Sendable, Equatable {
    public var name: String
    public var value: String
    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// Audio format of responses, for targets whose audio does not describe itself.
public struct AudioFormat: Sendable, Equatable {
    public enum Encoding: String, Sendable, Equatable, CaseIterable { case wav, pcm, mp3, opus }
    public var format: Encoding
    public var sampleRate: Int
    public var channels: Int
    /// Bytes per sample (2 = 16-bit).
    public var sampleWidth: Int

    public init(format: Encoding, sampleRate: Int = 22_050, channels: Int = 1, sampleWidth: Int = 2) {
        self.format = format
        self.sampleRate = sampleRate
        self.channels = channels
        self.sampleWidth = sampleWidth
    }
}

/// Settings every thread group inherits unless it sets its own.
public struct Defaults: Sendable, Equatable {
    public var timeout: Timeouts
    public var thinkTime: ThinkTime
    public var checks: Checks
    /// How long in-flight requests may run after the load ends before they are cut.
    public var gracefulStop: PlanDuration

    public init(
        timeout: Timeouts = Timeouts(), thinkTime: ThinkTime = .none, checks: Checks = Checks(),
        gracefulStop: PlanDuration = PlanDuration(microseconds: 30_000_000)
    ) {
        self.timeout = timeout
        self.thinkTime = thinkTime
        self.checks = checks
        self.gracefulStop = gracefulStop
    }
}

/// Connect timeout and response timeout (the whole request, like JMeter's response timeout).
public struct Timeouts: Sendable, Equatable {
    public var connect: PlanDuration
    public var response: PlanDuration
    public init(connect: PlanDuration = PlanDuration(microseconds: 5_000_000),
                response: PlanDuration = PlanDuration(microseconds: 30_000_000)) {
        self.connect = connect
        self.response = response
    }
}

/// Pause of a virtual user between two requests.
public enum ThinkTime: Sendable, Equatable {
    case none
    case constant(PlanDuration)
    case uniform(min: PlanDuration, max: PlanDuration)
    /// Normal distribution, clamped at zero.
    case gaussian(mean: PlanDuration, stddev: PlanDuration)
}

/// Where `${variables}` come from: a CSV file (columns) or a one-text-per-line file.
public struct DataSetSpec: Sendable, Equatable {
    public enum Order: String, Sendable, Equatable, CaseIterable {
        case random, sequential, unique
    }
    public enum FileFormat: String, Sendable, Equatable, CaseIterable {
        case csv, lines
    }
    /// What happens when an `order: unique` data set has given every row.
    public enum OnEnd: String, Sendable, Equatable, CaseIterable {
        /// Start again from the first row.
        case recycle
        /// Stop the thread groups that use it.
        case stop
    }

    public var name: String
    /// Path as written in the plan, relative to the plan's directory.
    public var file: String
    public var format: FileFormat
    public var order: Order
    public var onEnd: OnEnd
    /// For `lines` files: the variable each line becomes (default `text`).
    public var variable: String
    /// For CSV files: the field delimiter.
    public var delimiter: Character
    /// The variable names it provides (CSV header or `variable`), read at validation.
    public var columns: [String]
    /// Number of rows found at validation.
    public var rowCount: Int

    public init(name: String, file: String, format: FileFormat, order: Order = .random, onEnd: OnEnd = .recycle,
                variable: String = "text", delimiter: Character = ",", columns: [String] = [], rowCount: Int = 0) {
        self.name = name
        self.file = file
        self.format = format
        self.order = order
        self.onEnd = onEnd
        self.variable = variable
        self.delimiter = delimiter
        self.columns = columns
        self.rowCount = rowCount
    }
}

/// A monitor sampled during a run and stored with it (docs/monitors.md).
public enum Monitor: Sendable, Equatable {
    /// CPU, memory and network of each load host, from /proc every second.
    case host
    /// GPUs through `nvidia-smi` every second (reported once and skipped where there is none).
    case gpu
    /// A Prometheus text endpoint scraped at an interval.
    case prometheus(PrometheusMonitor)
}

/// A Prometheus endpoint to scrape during the run.
public struct PrometheusMonitor: Sendable, Equatable {
    /// The URL as written (`${target}` expands to the target's base URL).
    public var url: String
    public var interval: PlanDuration
    /// Prefix of the series names (`target:tts_queue_depth`): `name:` in the plan, else `target`
    /// for a `${target}` URL, else the URL's host and port.
    public var name: String
    /// Glob patterns on metric family names (`tts_*`); empty keeps every family.
    public var match: [String]

    public init(url: String, interval: PlanDuration, name: String, match: [String] = []) {
        self.url = url
        self.interval = interval
        self.name = name
        self.match = match
    }
}

/// A `host:port` agent address.
public struct AgentAddress: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int
    /// `http` for an agent started with `--plain-http`; otherwise agents are reached over HTTPS.
    public var scheme: String
    public init(host: String, port: Int, scheme: String = "https") {
        self.host = host
        self.port = port
        self.scheme = scheme
    }
    public var description: String { "\(scheme)://" + (host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)") }
}
