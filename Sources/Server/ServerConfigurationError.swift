/// A server option that cannot work, with the flag to fix.
public enum ServerConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalid(flag: String, reason: String)

    public var description: String {
        switch self {
        case .invalid(let flag, let reason): return "\(flag): \(reason)"
        }
    }
}
