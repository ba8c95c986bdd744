import Hummingbird
import NIOCore

/// Hummingbird's basic context plus the connection, to learn when the client goes away.
struct TTSRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
    }
}
