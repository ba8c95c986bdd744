/// An agent's clock offset from NTP-style exchanges: the controller notes its clock when it sends
/// (`sent`) and receives (`received`) each `GET /v1/clock`; the agent's reading (`remote`) is taken
/// in between. With symmetric paths the agent read its clock at the midpoint, so
/// offset = remote - (sent + received) / 2, good to half the round trip. The exchange with the
/// shortest round trip has the least room for queueing delay, so it is the one used (NTP's rule).
public struct ClockOffset: Sendable, Equatable {
    /// Agent clock minus controller clock, µs.
    public var offset: Int64
    /// Round trip of the exchange used, µs: the offset is good to within half of it.
    public var roundTrip: Int64

    public struct Exchange: Sendable, Equatable {
        public var sent: Int64
        public var remote: Int64
        public var received: Int64
        public init(sent: Int64, remote: Int64, received: Int64) {
            self.sent = sent
            self.remote = remote
            self.received = received
        }
    }

    /// The estimate from the exchange with the shortest round trip; nil without exchanges.
    public static func estimate(_ exchanges: [Exchange]) -> ClockOffset? {
        guard let best = exchanges.min(by: { $0.received - $0.sent < $1.received - $1.sent }) else { return nil }
        let midpoint = best.sent + (best.received - best.sent) / 2
        return ClockOffset(offset: best.remote - midpoint, roundTrip: best.received - best.sent)
    }
}
