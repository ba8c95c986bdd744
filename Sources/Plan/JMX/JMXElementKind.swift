import Foundation

/// What part an element of a .jmx plays, read from its XML name (JMeter's test class), and why
/// the importer leaves out the kinds it does not convert.
enum JMXElementKind: Equatable {
    case headers, httpDefaults, variables, csv, timer, assertion
    case threadGroup, sampler
    /// Simple, loop and transaction controllers: their samplers are converted in order.
    case transparentController
    case other

    init(_ e: JMXElement) {
        switch e.name {
        case "HeaderManager": self = .headers
        case "ConfigTestElement" where e.attributes["guiclass"] == "HttpDefaultsGui" || e.elementProp("HTTPsampler.Arguments") != nil
            || e.string("HTTPSampler.domain") != nil:
            self = .httpDefaults
        case "Arguments": self = .variables
        case "CSVDataSet": self = .csv
        case "ConstantTimer", "UniformRandomTimer", "GaussianRandomTimer": self = .timer
        case "ResponseAssertion", "DurationAssertion", "SizeAssertion": self = .assertion
        case _ where JMXLoadReader.kinds.contains(e.name): self = .threadGroup
        case "HTTPSamplerProxy", "HTTPSampler", "HTTPSampler2": self = .sampler
        case "GenericController", "LoopController", "TransactionController": self = .transparentController
        default: self = .other
        }
    }

    /// Why an element of this kind is left out (for `.other`, from its name).
    func skipReason(_ e: JMXElement) -> String {
        let name = e.name
        if name.contains("BeanShell") || name.contains("JSR223") || name.contains("BSF") {
            let language = e.string("scriptLanguage").flatMap { $0.isEmpty ? nil : $0 } ?? (name.contains("BeanShell") ? "beanshell" : "script")
            return "a \(language) script: ttsload runs no scripts"
        }
        switch name {
        case "ResultCollector", "Summariser", "BackendListener", "ResultSaver", "SimpleDataWriter", "ListenerNotifier":
            return "a listener: ttsload writes its own results (results.jtl, summary.json, the dashboard)"
        case "IfController", "WhileController", "ThroughputController", "RandomController", "RandomOrderController",
             "InterleaveControl", "OnceOnlyController", "SwitchController", "ForeachController", "RunTime", "ModuleController",
             "IncludeController", "CriticalSectionController", "TestFragmentController", "RecordingController":
            return "a logic controller beyond simple and loop (\(name)): ttsload sends one request per group in a loop, so it and its samplers are left out"
        case "CookieManager": return "ttsload keeps no cookies"
        case "CacheManager": return "ttsload caches nothing"
        case "AuthManager": return "no authorization manager: put credentials in target.headers (with ${env:NAME} and secrets:)"
        case "DNSCacheManager": return "DNS is resolved by libcurl"
        case "KeystoreConfig": return "client certificates go in target.tls"
        case "ConstantThroughputTimer", "PreciseThroughputTimer", "kg.apc.jmeter.timers.VariableThroughputTimer":
            return "throughput shaping: use an arrival_rate load instead"
        case "PoissonRandomTimer": return "a Poisson timer has no ttsload think time (constant, uniform, Gaussian)"
        case "SyncTimer": return "ttsload does not hold users to release them together"
        case "SetupThreadGroup", "PostThreadGroup": return "a setUp/tearDown thread group: ttsload has no setup or teardown phase"
        case "kg.apc.jmeter.threads.UltimateThreadGroup", "com.blazemeter.jmeter.threads.arrivals.ArrivalsThreadGroup",
             "com.blazemeter.jmeter.threads.arrivals.FreeFormArrivalsThreadGroup":
            return "this thread group kind is not converted (Thread Group, Stepping, Concurrency and Open Model are)"
        case "WorkBench": return "the workbench is not part of a run"
        case "TestAction": return "flow control actions (pause, stop) are not converted; use think_time"
        default: break
        }
        if name.hasSuffix("Extractor") || name.hasSuffix("PostProcessor") || name == "JSONPathExtractor" {
            return "a post-processor: ttsload extracts nothing from responses"
        }
        if name.hasSuffix("PreProcessor") || name == "UserParameters" || name == "RegExUserParameters" {
            return "a pre-processor: ttsload changes no variables between requests"
        }
        if name.hasSuffix("Assertion") { return "an assertion with no ttsload check (ttsload checks status, content type, size and audio)" }
        if name.hasSuffix("Sampler") || name.hasSuffix("SamplerProxy") { return "a sampler ttsload cannot send (HTTP only)" }
        if name.hasSuffix("Timer") { return "a timer with no ttsload think time" }
        if name.hasSuffix("Visualizer") || name.hasSuffix("Listener") { return "a listener: ttsload writes its own results" }
        if name.hasSuffix("Controller") { return "a logic controller the importer does not convert: left out with its samplers" }
        if name.hasSuffix("ThreadGroup") { return "this thread group kind is not converted" }
        return "not known to the importer"
    }
}
