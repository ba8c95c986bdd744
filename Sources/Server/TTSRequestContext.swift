import Hummingbird
import HummingbirdWebSocket
import NIOCore

/// Hummingbird's basic context plus the connection, to learn when the client goes away, and the
/// WebSocket handler slot (`/v1/tts/ws`).
struct TTSRequestContext: RequestContext, WebSocketRequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel
    let webSocket: WebSocketHandlerReference<Self>

    init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
        self.webSocket = .init()
    }
}
