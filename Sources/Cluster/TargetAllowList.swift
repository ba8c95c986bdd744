import Foundation
import Plan

/// What an agent may be aimed at (`ttsload agent --allow-target`): the controller's token lets it
/// choose the target, and without a list that makes the agent a probe of its own network (a
/// prepare's probe reports status and timing of any URL). Checked before any request.
public struct TargetAllowList: Sendable, Equatable {
    /// One `--allow-target` item.
    public enum Rule: Sendable, Equatable, CustomStringConvertible {
        /// A host name or address, any port or one port.
        case host(String, port: Int?)
        /// Addresses in a network (`10.0.0.0/8`, `fd00::/8`): a host name must resolve only into it.
        case network(address: [UInt8], prefix: Int, text: String)

        public var description: String {
            switch self {
            case .host(let host, let port): return port.map { host.contains(":") ? "[\(host)]:\($0)" : "\(host):\($0)" } ?? host
            case .network(_, _, let text): return text
            }
        }
    }

    public var rules: [Rule]

    public init(rules: [Rule] = []) { self.rules = rules }

    /// No list: anything may be targeted (the documented default; the agent warns at start).
    public var allowsAll: Bool { rules.isEmpty }

    /// Parses `HOST`, `HOST:PORT`, `[IPv6]:PORT` or `CIDR`; nil when malformed.
    public static func rule(_ text: String) -> Rule? {
        if let slash = text.firstIndex(of: "/") {
            guard let prefix = Int(text[text.index(after: slash)...]), let bytes = addressBytes(String(text[..<slash])),
                  (0...(bytes.count * 8)).contains(prefix) else { return nil }
            return .network(address: bytes, prefix: prefix, text: text)
        }
        var host = text, port: Int?
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            host = String(text[text.index(after: text.startIndex)..<close])
            let rest = text[text.index(after: close)...]
            if !rest.isEmpty {
                guard rest.hasPrefix(":"), let p = Int(rest.dropFirst()), (1...65_535).contains(p) else { return nil }
                port = p
            }
        } else if text.filter({ $0 == ":" }).count == 1, let colon = text.firstIndex(of: ":") {
            guard let p = Int(text[text.index(after: colon)...]), (1...65_535).contains(p) else { return nil }
            host = String(text[..<colon])
            port = p
        }
        guard !host.isEmpty, host.range(of: "^[A-Za-z0-9.:_-]+$", options: .regularExpression) != nil else { return nil }
        return .host(host.lowercased(), port: port)
    }

    /// Why `url` may not be targeted, or nil when it may. A host name checked against networks
    /// must resolve, and every address it resolves to must be inside one of them.
    public func refusal(_ url: String) -> String? {
        guard !allowsAll else { return nil }
        guard let parts = URLComponents(string: url), let rawHost = parts.host, !rawHost.isEmpty else {
            return "\(url): not a URL with a host"
        }
        let host = rawHost.hasPrefix("[") ? String(rawHost.dropFirst().dropLast()).lowercased() : rawHost.lowercased()
        let scheme = parts.scheme?.lowercased() ?? "http"
        let port = parts.port ?? (scheme == "https" ? 443 : scheme.hasPrefix("socks") ? 1080 : 80)
        var resolved: [[UInt8]]?
        for rule in rules {
            switch rule {
            case .host(let allowed, let allowedPort):
                if allowed == host && (allowedPort == nil || allowedPort == port) { return nil }
            case .network(let network, let prefix, _):
                if resolved == nil { resolved = Self.resolve(host) }
                if let addresses = resolved, !addresses.isEmpty,
                   addresses.allSatisfy({ Self.contains(network: network, prefix: prefix, $0) }) { return nil }
            }
        }
        return "\(host):\(port) is not allowed by this agent's --allow-target (\(rules.map(\.description).joined(separator: ", ")))"
    }

    /// Every URL a plan makes this agent connect to: the target, each group's own `url` (a host
    /// from a template cannot be checked, so it is refused), and the proxy.
    public func refusal(plan: Plan, target: String) -> String? {
        guard !allowsAll else { return nil }
        if let why = refusal(target) { return "target.url: " + why }
        for group in plan.threadGroups {
            guard let url = group.request.url else { continue }
            let head = url.components(separatedBy: "://").dropFirst().first?.split(separator: "/").first.map(String.init) ?? url
            if head.contains("${") { return "thread group \(group.name): request.url takes its host from a template, which --allow-target cannot check" }
            if let why = refusal(url) { return "thread group \(group.name): request.url: " + why }
        }
        if let proxy = plan.target.connection.proxy, !proxy.isEmpty, let why = refusal(proxy) { return "target.proxy: " + why }
        return nil
    }

    static func addressBytes(_ text: String) -> [UInt8]? {
        var v4 = in_addr(), v6 = in6_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }

    /// The host's addresses (itself when it is an address), through the system resolver.
    static func resolve(_ host: String) -> [[UInt8]] {
        if let bytes = addressBytes(host) { return [bytes] }
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &list) == 0, let first = list else { return [] }
        defer { freeaddrinfo(list) }
        var out: [[UInt8]] = []
        var node: UnsafeMutablePointer<addrinfo>? = first
        while let info = node {
            if info.pointee.ai_family == AF_INET, let sa = info.pointee.ai_addr {
                sa.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { var a = $0.pointee.sin_addr; out.append(withUnsafeBytes(of: &a) { Array($0) }) }
            } else if info.pointee.ai_family == AF_INET6, let sa = info.pointee.ai_addr {
                sa.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { var a = $0.pointee.sin6_addr; out.append(withUnsafeBytes(of: &a) { Array($0) }) }
            }
            node = info.pointee.ai_next
        }
        return out
    }

    static func contains(network: [UInt8], prefix: Int, _ address: [UInt8]) -> Bool {
        guard network.count == address.count else { return false }
        for bit in 0..<prefix {
            let byte = bit / 8, mask = UInt8(0x80) >> UInt8(bit % 8)
            if network[byte] & mask != address[byte] & mask { return false }
        }
        return true
    }
}
