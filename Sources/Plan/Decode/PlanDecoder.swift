import Foundation
import Yams

/// Builds a `Plan` from a composed YAML tree, collecting every problem with its position.
struct PlanDecoder {
    let reader: NodeReader
    /// Used when the plan has no `name`.
    let defaultName: String
    let baseDirectory: String
    /// Where `${env:NAME}` is read: this process's environment, or the one a controller sent;
    /// nil: every reference reads `***` (a recorded plan, whose secrets were never written).
    var environment: [String: String]? = [:]

    static let topLevelKeys = [
        "name", "description", "target", "defaults", "variables", "data", "load", "thread_groups", "thresholds",
        "stop_when", "monitors", "agents", "secrets", "targets", "measures",
    ]

    func decode(_ root: Node) -> Plan? {
        let cursor = Cursor(node: root, path: .root, keyMark: root.mark)
        guard let top = reader.mapping(cursor, allowed: Self.topLevelKeys, what: "a plan (a mapping with target and thread_groups)")
        else { return nil }

        let name = top["name"].flatMap { reader.string($0) } ?? defaultName
        let description = top["description"].flatMap { reader.string($0, nonEmpty: false) }
        // With `targets: {a: ...}` side a's address is there, and `target:` only carries what both
        // sides share (api, headers, TLS): its url is then optional, and so is target itself.
        let sideAGiven = top["targets"].map { c -> Bool in
            guard case .mapping(let m) = c.node else { return false }
            return m.contains { $0.key.scalar?.string == "a" }
        } ?? false
        let targetHasURL = top["target"].map { c -> Bool in
            guard case .mapping(let m) = c.node else { return false }
            return m.contains { $0.key.scalar?.string == "url" }
        } ?? false
        var target = sideAGiven && top["target"] == nil ? Target(location: .embedded)
            : top.required("target", what: "the service under test, e.g. target: {url: embedded}").flatMap { decodeTarget($0, urlOptional: sideAGiven) }
        let targets = top["targets"].flatMap { decodeTargets($0, target: target, targetHasURL: targetHasURL, top: top) }
        let defaults = top["defaults"].map(decodeDefaults) ?? Defaults()
        var variables: [String: String] = [:]
        if let v = top["variables"], let pairs = reader.stringPairs(v) {
            for (key, value) in pairs { variables[key] = value }
        }
        // `${env:NAME}` references anywhere in the plan, resolved now; unset ones are reported
        // where they are used (checkReferences).
        for name in Self.environmentReferences(in: root) {
            if let value = environment.map({ $0[name] }) ?? "***" { variables["env:" + name] = value }
        }
        let data = top["data"].map(decodeDataSets) ?? []
        let sharedLoad = top["load"].flatMap(decodeLoad)
        var groups: [ThreadGroup] = []
        var groupCursors: [Cursor] = []
        if let list = top.required("thread_groups", what: "a list of thread groups").flatMap({ reader.sequence($0) }) {
            if list.isEmpty, let c = top["thread_groups"] { reader.error(c, "expected at least one thread group") }
            for item in list {
                if let group = decodeThreadGroup(item, defaults: defaults, api: target?.api ?? .indextts) {
                    groups.append(group)
                    groupCursors.append(item)
                }
            }
        }
        let monitors = top["monitors"].map(decodeMonitors) ?? []
        let thresholds = top["thresholds"].map { decodeThresholds($0, monitors: monitors) } ?? []
        let stopWhen = top["stop_when"].flatMap(decodeStopWhen)
        let agents = top["agents"].map(decodeAgents) ?? []
        let measures = top["measures"].map(decodeMeasures) ?? Measures()

        checkGroups(groups, cursors: groupCursors, sharedLoad: sharedLoad, top: top)
        let targetHeaders = top["target"].flatMap { t -> Cursor? in
            guard case .mapping(let m) = t.node, let h = m.first(where: { $0.key.scalar?.string == "headers" }) else { return nil }
            return Cursor(node: h.value, path: t.path.appending("headers"), keyMark: h.key.mark)
        }
        if !reader.exhausted {
            checkReferences(groups: groups, cursors: groupCursors, data: data, variables: variables, targetHeaders: targetHeaders)
        }
        checkThresholdScopes(thresholds, groups: groups, top: top)
        if let stopWhen, let c = top["stop_when"] {
            checkThresholdScopes(stopWhen.conditions, groups: groups, top: top, key: "stop_when")
            let stepped = LoadProfile(plan: Plan(name: name, target: target ?? Target(location: .embedded), load: sharedLoad,
                                                 threadGroups: groups)).groups.contains { $0.steps.count > 1 }
            if !stepped, reader.diagnostics.allSatisfy({ $0.severity == .warning }) {
                reader.error(c, "stop_when ends a stepped load at a step: give a thread group steps: (or stages with holds)")
            }
            if stopWhen.thresholds && thresholds.isEmpty { reader.error(c, "stop_when: thresholds, but the plan has no thresholds") }
        }

        let secrets = top["secrets"].map { decodeSecrets($0, variables: variables) } ?? []
        if targets != nil { checkSideNames(groups, cursors: groupCursors) }
        // WebSocket sessions connect on NIO, not libcurl, and so without a proxy: refused rather
        // than silently going direct.
        if let proxy = target?.connection.proxy, !proxy.isEmpty, let ws = groups.first(where: { $0.request.websocket != nil }),
           let c = top["target"].flatMap({ t -> Cursor? in
               guard case .mapping(let m) = t.node, let p = m.first(where: { $0.key.scalar?.string == "proxy" }) else { return nil }
               return Cursor(node: p.value, path: t.path.appending("proxy"), keyMark: p.key.mark)
           }) {
            reader.error(c, "thread group '\(ws.name)' runs WebSocket sessions, which do not go through a proxy: remove target.proxy or run them apart")
        }
        if let a = targets?.a { target?.location = a.location }

        guard let target, reader.diagnostics.allSatisfy({ $0.severity == .warning }) else { return nil }
        var plan = Plan(name: name, description: description, target: target, defaults: defaults, variables: variables,
                        data: data, load: sharedLoad, threadGroups: groups, thresholds: thresholds, stopWhen: stopWhen,
                        monitors: monitors, agents: agents, baseDirectory: baseDirectory)
        plan.secrets = secrets
        plan.measures = measures
        if let targets { plan = plan.expandedForAB(targets) }
        return plan
    }

    // MARK: Target and defaults

    /// `urlOptional`: `targets.a` gives side a's address, so `target:` may leave url out.
    func decodeTarget(_ cursor: Cursor, urlOptional: Bool = false) -> Target? {
        guard let m = reader.mapping(cursor, allowed: ["url", "api", "headers", "audio", "insecure", "http_version", "server_args", "tls", "proxy"])
        else { return nil }
        var location: Target.Location?
        if urlOptional, m["url"] == nil { location = .embedded }
        if let c = urlOptional ? m["url"] : m.required("url", what: "'embedded' or an http(s):// address"), let url = reader.string(c) {
            if url == "embedded" {
                location = .embedded
            } else if let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme?.lowercased() ?? ""),
                      parsed.host?.isEmpty == false {
                location = .url(url.hasSuffix("/") ? String(url.dropLast()) : url)
            } else {
                reader.error(c, "expected 'embedded' or an http:// or https:// URL with a host, got '\(url.prefix(60))'")
            }
        }
        let api = m["api"].flatMap { reader.choice($0, APIPreset.self) } ?? .indextts
        let headers = m["headers"].flatMap(reader.stringPairs)?.map { Header($0.0, $0.1) } ?? []
        let audio = m["audio"].flatMap(decodeAudioFormat)
        let insecure = m["insecure"].flatMap(reader.bool) ?? false
        let httpVersion = m["http_version"].flatMap { reader.choice($0, Target.HTTPVersion.self) } ?? .http1
        var serverArgs: [String] = []
        if let c = m["server_args"] {
            serverArgs = reader.sequence(c, what: "a list of `ttsload server` flags")?.compactMap { reader.string($0) } ?? []
            if location != .embedded { reader.error(c, "server_args applies only to url: embedded", preferKey: true) }
        }
        if insecure, case .url(let u) = location, !u.lowercased().hasPrefix("https"), let c = m["insecure"] {
            reader.warning(c, "insecure has no effect on a plain http:// target")
        }
        var connection = TargetConnection()
        if let c = m["tls"], let tls = reader.mapping(c, allowed: ["ca", "cert", "key"], what: "{ca: FILE, cert: FILE, key: FILE}") {
            func file(_ key: String, _ what: String) -> String? {
                guard let fc = tls[key], let name = reader.string(fc) else { return nil }
                let path = TargetConnection.path(name, baseDirectory: baseDirectory)
                guard FileManager.default.isReadableFile(atPath: path) else {
                    reader.error(fc, "cannot read \(what) \(path)")
                    return nil
                }
                return name
            }
            connection.caFile = file("ca", "the CA bundle")
            connection.certFile = file("cert", "the client certificate")
            connection.keyFile = file("key", "the client key")
            if tls["key"] != nil && tls["cert"] == nil { reader.error(c, "tls.key needs tls.cert (the certificate the key belongs to)") }
            if location == .embedded, m["url"] != nil { reader.error(c, "tls applies to an https:// target, not url: embedded", preferKey: true) }
        }
        if let c = m["proxy"], let proxy = reader.string(c) {
            if proxy == "none" {
                connection.proxy = ""
            } else if let parsed = URL(string: proxy), ["http", "https", "socks5", "socks5h", "socks4"].contains(parsed.scheme?.lowercased() ?? ""),
                      parsed.host?.isEmpty == false {
                connection.proxy = proxy
            } else {
                reader.error(c, "expected a proxy URL (http://, https://, socks5://, socks5h://) with a host, or none")
            }
        }
        guard let location else { return nil }
        var target = Target(location: location, api: api, headers: headers, audio: audio, insecure: insecure,
                            httpVersion: httpVersion, serverArgs: serverArgs)
        target.connection = connection
        return target
    }

    func decodeAudioFormat(_ cursor: Cursor) -> AudioFormat? {
        guard let m = reader.mapping(cursor, allowed: ["format", "sample_rate", "channels", "sample_width"]) else { return nil }
        guard let format = m.required("format", what: "wav, pcm, mp3 or opus").flatMap({ reader.choice($0, AudioFormat.Encoding.self) })
        else { return nil }
        return AudioFormat(
            format: format,
            sampleRate: m["sample_rate"].flatMap { reader.int($0, in: 1_000...384_000, what: "a sample rate in Hz") } ?? 22_050,
            channels: m["channels"].flatMap { reader.int($0, in: 1...8, what: "a channel count") } ?? 1,
            sampleWidth: m["sample_width"].flatMap { reader.int($0, in: 1...4, what: "bytes per sample") } ?? 2)
    }

    func decodeDefaults(_ cursor: Cursor) -> Defaults {
        var defaults = Defaults()
        guard let m = reader.mapping(cursor, allowed: ["timeout", "think_time", "checks", "graceful_stop"]) else { return defaults }
        if let c = m["timeout"], let t = decodeTimeouts(c, base: defaults.timeout) { defaults.timeout = t }
        if let c = m["think_time"], let t = decodeThinkTime(c) { defaults.thinkTime = t }
        if let c = m["checks"], let checks = decodeChecks(c) { defaults.checks = checks }
        if let c = m["graceful_stop"], let d = reader.duration(c) { defaults.gracefulStop = d }
        return defaults
    }

    /// `timeout: 30s` (response) or `timeout: {connect: 5s, response: 30s}`; unset parts come from `base`.
    func decodeTimeouts(_ cursor: Cursor, base: Timeouts) -> Timeouts? {
        let minimum = PlanDuration(microseconds: 1_000)
        if case .scalar = cursor.node {
            return reader.duration(cursor, atLeast: minimum).map { Timeouts(connect: base.connect, response: $0) }
        }
        guard let m = reader.mapping(cursor, allowed: ["connect", "response"], what: "a duration or {connect, response}")
        else { return nil }
        var result = base
        if let c = m["connect"], let d = reader.duration(c, atLeast: minimum) { result.connect = d }
        if let c = m["response"], let d = reader.duration(c, atLeast: minimum) { result.response = d }
        if result.connect > result.response, let c = m["connect"] {
            reader.warning(c, "connect timeout \(result.connect) is longer than the response timeout \(result.response), which also bounds connecting")
        }
        return result
    }

    /// `500ms`, `{constant: 500ms}`, `{uniform: [0ms, 300ms]}`, `{gaussian: [300ms, 50ms]}` or `{gaussian: {mean, stddev}}`.
    func decodeThinkTime(_ cursor: Cursor) -> ThinkTime? {
        if case .scalar = cursor.node {
            if cursor.node.scalar?.string == "none" { return ThinkTime.none }
            return reader.duration(cursor).map { $0 == .zero ? ThinkTime.none : .constant($0) }
        }
        guard let m = reader.mapping(cursor, allowed: ["constant", "uniform", "gaussian"], what: "a duration or {constant | uniform | gaussian}")
        else { return nil }
        m.exclusive(["constant", "uniform", "gaussian"])
        if let c = m["constant"] { return reader.duration(c).map { .constant($0) } }
        if let c = m["uniform"] {
            guard let (low, high) = durationPair(c, names: ("min", "max")) else { return nil }
            if high < low { reader.error(c, "uniform needs min <= max, got [\(low), \(high)]"); return nil }
            return .uniform(min: low, max: high)
        }
        if let c = m["gaussian"] {
            guard let (mean, stddev) = durationPair(c, names: ("mean", "stddev")) else { return nil }
            return .gaussian(mean: mean, stddev: stddev)
        }
        reader.error(cursor, "expected one of constant, uniform, gaussian")
        return nil
    }

    /// `[a, b]` or `{first: a, second: b}`.
    private func durationPair(_ cursor: Cursor, names: (String, String)) -> (PlanDuration, PlanDuration)? {
        if case .sequence = cursor.node {
            guard let items = reader.sequence(cursor) else { return nil }
            guard items.count == 2 else {
                reader.error(cursor, "expected two durations [\(names.0), \(names.1)], got \(items.count) values")
                return nil
            }
            guard let a = reader.duration(items[0]), let b = reader.duration(items[1]) else { return nil }
            return (a, b)
        }
        guard let m = reader.mapping(cursor, allowed: [names.0, names.1], what: "[\(names.0), \(names.1)] or {\(names.0), \(names.1)}")
        else { return nil }
        guard let a = m.required(names.0, what: "a duration").flatMap({ reader.duration($0) }),
              let b = m.required(names.1, what: "a duration").flatMap({ reader.duration($0) })
        else { return nil }
        return (a, b)
    }

    // MARK: Checks

    func decodeChecks(_ cursor: Cursor) -> Checks? {
        guard let m = reader.mapping(cursor, allowed: ["status", "content_type", "min_bytes", "max_bytes", "max_elapsed", "audio"]) else { return nil }
        var checks = Checks()
        if let c = m["status"] { checks.status = decodeStatus(c) }
        if let c = m["content_type"] { checks.contentType = reader.string(c) }
        checks.minBytes = m["min_bytes"].flatMap { reader.int($0, in: 0...Int(Int32.max), what: "a byte count") }
        checks.maxBytes = m["max_bytes"].flatMap { reader.int($0, in: 1...Int(Int32.max), what: "a byte count") }
        if let low = checks.minBytes, let high = checks.maxBytes, high < low, let c = m["max_bytes"] {
            reader.error(c, "max_bytes \(high) is below min_bytes \(low)")
        }
        checks.maxElapsed = m["max_elapsed"].flatMap { reader.duration($0, atLeast: PlanDuration(microseconds: 1)) }
        if let c = m["audio"], let audio = decodeAudioChecks(c) { checks.audio = audio }
        return checks
    }

    /// `200`, `[200, 201]`, `2xx`, `[200, 3xx]`.
    func decodeStatus(_ cursor: Cursor) -> StatusCheck? {
        let items: [Cursor]
        if case .sequence = cursor.node { items = reader.sequence(cursor) ?? [] } else { items = [cursor] }
        var check = StatusCheck()
        for item in items {
            guard let text = reader.scalarText(item, what: "a status code (200) or class (2xx)") else { continue }
            if let code = Int(text), (100...599).contains(code) {
                check.codes.append(code)
            } else if text.count == 3, text.lowercased().hasSuffix("xx"), let digit = Int(text.prefix(1)), (1...5).contains(digit) {
                check.classes.append(digit)
            } else {
                reader.error(item, "expected a status code 100...599 or a class such as 2xx, got '\(text.prefix(40))'")
            }
        }
        if items.isEmpty { reader.error(cursor, "expected at least one status code") }
        return check.codes.isEmpty && check.classes.isEmpty ? nil : check
    }

    func decodeAudioChecks(_ cursor: Cursor) -> AudioChecks? {
        let keys = ["min_seconds", "max_seconds", "max_rtf", "max_ttfa", "max_underrun", "non_silent", "distinct"]
        guard let m = reader.mapping(cursor, allowed: keys) else { return nil }
        var a = AudioChecks()
        a.minSeconds = m["min_seconds"].flatMap { reader.double($0, in: 0...86_400, what: "seconds of audio") }
        a.maxSeconds = m["max_seconds"].flatMap { reader.double($0, in: 0...86_400, what: "seconds of audio") }
        a.maxRTF = m["max_rtf"].flatMap { reader.double($0, in: 0...1_000, what: "a real-time factor") }
        a.maxTTFA = m["max_ttfa"].flatMap { reader.duration($0) }
        a.maxUnderrun = m["max_underrun"].flatMap { reader.duration($0) }
        a.nonSilent = m["non_silent"].flatMap(reader.bool)
        a.distinct = m["distinct"].flatMap(reader.bool)
        if let low = a.minSeconds, let high = a.maxSeconds, high < low, let c = m["max_seconds"] {
            reader.error(c, "max_seconds \(NodeReader.format(high)) is below min_seconds \(NodeReader.format(low))")
        }
        return a
    }

    // MARK: Measures

    /// `measures: {ready_seconds: 1.0, nth_chunk: 5}`; a missing key keeps its default.
    func decodeMeasures(_ cursor: Cursor) -> Measures {
        var out = Measures()
        guard let m = reader.mapping(cursor, allowed: ["ready_seconds", "nth_chunk"], what: "{ready_seconds, nth_chunk}") else { return out }
        // Above 0: "ready with no audio" would be TTFA again. An hour bounds a typo (1000 for 1.0).
        if let v = m["ready_seconds"].flatMap({ reader.double($0, in: 0.001...3_600, what: "seconds of audio") }) { out.readySeconds = v }
        if let v = m["nth_chunk"].flatMap({ reader.int($0, in: 1...1_000_000, what: "a chunk number") }) { out.nthChunk = v }
        return out
    }

    // MARK: Data sets

    func decodeDataSets(_ cursor: Cursor) -> [DataSetSpec] {
        guard case .mapping(let mapping) = cursor.node else {
            reader.error(cursor, "expected a mapping of data-set names to {file, order}, got \(NodeReader.describe(cursor.node))")
            return []
        }
        var sets: [DataSetSpec] = []
        for (keyNode, valueNode) in mapping {
            let name = keyNode.scalar?.string ?? "?"
            let c = Cursor(node: valueNode, path: cursor.path.appending(name), keyMark: keyNode.mark)
            guard reader.spend(c) else { break }
            if let spec = decodeDataSet(name: name, c) { sets.append(spec) }
        }
        return sets
    }

    func decodeDataSet(name: String, _ cursor: Cursor) -> DataSetSpec? {
        // `data: {sentences: data/x.csv}` is the short form of `{file: data/x.csv}`.
        var fileCursor: Cursor?
        var m: MappingReader?
        if case .scalar = cursor.node {
            fileCursor = cursor
        } else {
            m = reader.mapping(cursor, allowed: ["file", "order", "format", "on_end", "variable", "delimiter"])
            fileCursor = m?.required("file", what: "a CSV or text file relative to the plan")
        }
        guard let fileCursor, let file = reader.string(fileCursor) else { return nil }
        let isCSV = file.lowercased().hasSuffix(".csv") || file.lowercased().hasSuffix(".tsv")
        var spec = DataSetSpec(name: name, file: file, format: isCSV ? .csv : .lines,
                               delimiter: file.lowercased().hasSuffix(".tsv") ? "\t" : ",")
        if let m {
            if let c = m["format"], let f = reader.choice(c, DataSetSpec.FileFormat.self) { spec.format = f }
            if let c = m["order"], let o = reader.choice(c, DataSetSpec.Order.self) { spec.order = o }
            if let c = m["on_end"], let e = reader.choice(c, DataSetSpec.OnEnd.self) { spec.onEnd = e }
            if spec.order == .unique, m["on_end"] == nil { spec.onEnd = .stop }
            if let c = m["variable"], let v = reader.string(c) {
                if isIdentifier(v) { spec.variable = v } else { reader.error(c, "expected a variable name (letters, digits, _), got '\(v)'") }
            }
            if let c = m["delimiter"], let d = reader.string(c, nonEmpty: false) {
                if d.count == 1, let ch = d.first { spec.delimiter = ch } else { reader.error(c, "expected one character, got '\(d)'") }
            }
        }
        switch DataSetFile.read(spec, baseDirectory: baseDirectory) {
        case .success(let table):
            spec.columns = table.columns
            spec.rowCount = table.rows.count
            if table.rows.isEmpty { reader.error(fileCursor, "data file '\(file)' has no rows") }
        case .failure(let failure):
            reader.error(fileCursor, failure.message)
        }
        return spec
    }

    // MARK: Thresholds, monitors, agents

    func decodeThresholds(_ cursor: Cursor, monitors: [Monitor] = []) -> [Threshold] {
        // A monitor threshold names its series by the monitor's name: it must be one the plan records.
        var prefixes = ["ttsload"]
        for m in monitors {
            switch m {
            case .host: prefixes.append("host")
            case .gpu: prefixes.append("gpu")
            case .prometheus(let p): prefixes.append(p.name)
            }
        }
        guard let items = reader.sequence(cursor, what: "a list of threshold expressions") else { return [] }
        var thresholds: [Threshold] = []
        for item in items {
            var exprCursor = item
            var abort = false
            var after = PlanDuration.zero
            var window: PlanDuration?
            var abortCursor: Cursor?
            if case .mapping = item.node {
                guard let m = reader.mapping(item, allowed: ["expr", "abort", "after", "for"]),
                      let c = m.required("expr", what: "the threshold expression, e.g. \"p95 < 2s\"")
                else { continue }
                exprCursor = c
                abortCursor = m["abort"]
                abort = m["abort"].flatMap(reader.bool) ?? false
                after = m["after"].flatMap { reader.duration($0) } ?? .zero
                window = m["for"].flatMap { reader.duration($0) }
                if !abort, let c = m["after"] { reader.warning(c, "after only matters with abort: true") }
                if !abort, let c = m["for"] { reader.warning(c, "for only matters with abort: true") }
                if let w = window, w < PlanDuration(seconds: 1), let c = m["for"] {
                    reader.error(c, "for: judged per whole second, so at least 1s")
                }
            }
            guard let text = reader.string(exprCursor, what: "a threshold expression such as \"p95 < 2s\"") else { continue }
            do {
                let threshold = try Threshold.parse(text, abort: abort, after: after, window: window)
                if let series = threshold.metric.monitorSeries,
                   let prefix = series.split(separator: ":").first.map(String.init), !prefixes.contains(prefix) {
                    reader.error(exprCursor, "'\(series)': no monitor named '\(prefix)' in monitors:\(suggestion(for: prefix, in: prefixes)) (monitors here: \(prefixes.joined(separator: ", ")))")
                } else if abort, threshold.metric.monitorSeries != nil, let c = abortCursor {
                    reader.error(c, "a monitor series is judged at the end of the run: abort is not supported on '\(text)'")
                } else if abort, threshold.steps != .run, let c = abortCursor {
                    reader.error(c, "abort judges the run as it goes: it cannot be used with a step scope ('\(text)'); see stop_when")
                }
                thresholds.append(threshold)
            } catch {
                reader.error(shifted(exprCursor, by: error.offset), "\(error.message) in '\(text)'")
            }
        }
        return thresholds
    }

    /// `stop_when: ["p95 > 2s", ...]` (conditions judged on each step's hold) or `stop_when: thresholds`.
    func decodeStopWhen(_ cursor: Cursor) -> StopWhen? {
        if case .scalar(let scalar) = cursor.node {
            guard scalar.string == "thresholds" else {
                reader.error(cursor, "expected a list of conditions such as [\"p95 > 2s\"], or thresholds (stop at the first step that breaks one)")
                return nil
            }
            return StopWhen(conditions: [], thresholds: true)
        }
        guard let items = reader.sequence(cursor, what: "a list of conditions such as [\"p95 > 2s\"], or thresholds") else { return nil }
        var conditions: [Threshold] = []
        var thresholds = false
        for item in items {
            guard let text = reader.string(item, what: "a condition such as \"p95 > 2s\"") else { continue }
            if text == "thresholds" { thresholds = true; continue }
            do {
                let condition = try Threshold.parse(text)
                if condition.metric.monitorSeries != nil {
                    reader.error(item, "a monitor series is judged at the end of the run: it cannot stop it ('\(text)')")
                    continue
                }
                if condition.steps != .run {
                    reader.error(item, "stop_when is judged on every step's hold already: drop '\(text.split(separator: ":")[0]):'")
                    continue
                }
                conditions.append(condition)
            } catch {
                reader.error(shifted(item, by: error.offset), "\(error.message) in '\(text)'")
            }
        }
        return StopWhen(conditions: conditions, thresholds: thresholds)
    }

    /// A cursor whose mark points `offset` columns into a plain one-line scalar (so errors land on the bad token).
    private func shifted(_ cursor: Cursor, by offset: Int) -> Cursor {
        guard case .scalar(let scalar) = cursor.node else { return cursor }
        let quote = (scalar.style == .singleQuoted || scalar.style == .doubleQuoted) ? 1 : 0
        var shifted = cursor
        shifted.columnShift = quote + offset
        return shifted
    }

    func decodeMonitors(_ cursor: Cursor) -> [Monitor] {
        guard let items = reader.sequence(cursor, what: "a list of monitors (host, gpu, {prometheus: URL})") else { return [] }
        var monitors: [Monitor] = []
        // Series names start with the monitor's name: two monitors of one name would mix their series.
        var names: [String: Cursor] = ["host": cursor, "gpu": cursor, "ttsload": cursor]
        for item in items {
            if case .scalar = item.node {
                guard let word = reader.string(item) else { continue }
                switch word {
                case "host": monitors.append(.host)
                case "gpu": monitors.append(.gpu)
                default:
                    reader.error(item, "unknown monitor '\(word)'\(suggestion(for: word, in: ["host", "gpu", "prometheus"])); expected host, gpu or {prometheus: URL}")
                }
                continue
            }
            guard let m = reader.mapping(item, allowed: ["prometheus", "interval", "name", "match"]),
                  let c = m.required("prometheus", what: "the metrics URL, e.g. ${target}/metrics"),
                  let url = reader.string(c)
            else { continue }
            var defaultName = "target"
            if !url.hasPrefix("${target}") {
                guard let parsed = URLComponents(string: url), let scheme = parsed.scheme?.lowercased(),
                      scheme == "http" || scheme == "https", let host = parsed.host, !host.isEmpty
                else {
                    reader.error(c, "expected an http(s):// URL or one starting with ${target}, got '\(url.prefix(60))'")
                    continue
                }
                defaultName = "\(host)_\(parsed.port ?? (scheme == "https" ? 443 : 80))"
                    .map { $0.isLetter || $0.isNumber ? $0 : "_" }.reduce(into: "") { $0.append($1) }
            }
            var name = defaultName
            if let n = m["name"], let given = reader.string(n) {
                let valid = given.first.map { $0.isLetter || $0 == "_" } == true
                    && given.allSatisfy { ($0.isASCII && ($0.isLetter || $0.isNumber)) || $0 == "_" }
                if !valid { reader.error(n, "a monitor name is letters, digits and _ (it starts every series name: name:metric), got '\(given.prefix(40))'") }
                name = given
            }
            if names[name] != nil {
                reader.error(m["name"] ?? c, "two monitors named '\(name)': give one of them another `name:` (series are named name:metric)")
            }
            names[name] = c
            var match: [String] = []
            if let mc = m["match"], let list = reader.sequence(mc, what: "a list of metric name patterns (tts_*, node_cpu_*)") {
                match = list.compactMap { reader.string($0) }
            }
            let interval = m["interval"].flatMap { reader.duration($0, atLeast: PlanDuration(microseconds: 100_000)) }
                ?? PlanDuration(microseconds: 1_000_000)
            monitors.append(.prometheus(PrometheusMonitor(url: url, interval: interval, name: name, match: match)))
        }
        return monitors
    }

    func decodeAgents(_ cursor: Cursor) -> [AgentAddress] {
        guard let items = reader.sequence(cursor, what: "a list of host:port agent addresses") else { return [] }
        var agents: [AgentAddress] = []
        for item in items {
            guard let text = reader.string(item, what: "a host:port address") else { continue }
            if let address = AgentAddress(parsing: text) {
                if agents.contains(address) { reader.error(item, "agent \(text) is listed twice") } else { agents.append(address) }
            } else {
                reader.error(item, "expected host:port (e.g. loadgen-1:7070 or [::1]:7070; http://host:port for an agent serving plain HTTP), got '\(text.prefix(60))'")
            }
        }
        return agents
    }
}

func isIdentifier(_ text: String) -> Bool {
    guard let first = text.unicodeScalars.first, first == "_" || CharacterSet.letters.contains(first) else { return false }
    return text.unicodeScalars.allSatisfy { $0 == "_" || CharacterSet.alphanumerics.contains($0) }
}

extension AgentAddress {
    /// `host:port` or `[v6]:port`, optionally after `https://` (the default) or `http://`.
    public init?(parsing full: String) {
        var scheme = "https", text = Substring(full)
        for prefix in ["https://", "http://"] where full.lowercased().hasPrefix(prefix) {
            scheme = String(prefix.dropLast(3))
            text = full.dropFirst(prefix.count)
        }
        var host: Substring
        var portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else { return nil }
            host = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(close, offsetBy: 2)...]
        } else {
            let parts = text.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2 else { return nil }
            host = parts[0]
            portText = parts[1]
        }
        guard !host.isEmpty, !host.contains(where: { $0.isWhitespace || $0 == "/" }),
              let port = Int(portText), (1...65_535).contains(port)
        else { return nil }
        self.init(host: String(host), port: port, scheme: scheme)
    }
}
