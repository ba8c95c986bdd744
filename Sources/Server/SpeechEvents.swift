import Foundation
import NIOCore

/// The Server-Sent Events of `/v1/audio/speech` with `stream_format: "sse"`, shaped as OpenAI's.
///
/// OpenAI's API reference (developers.openai.com/api/reference/resources/audio/subresources/speech/methods/create;
/// the OpenAPI spec 2.3.0's `CreateSpeechResponseStreamEvent`, as in the clients generated from
/// it, e.g. the `openai-client-base` crate's `SpeechAudioDeltaEvent`, `SpeechAudioDoneEvent` and
/// `SpeechAudioDoneEventUsage`) defines two events, each sent as one `data:` line:
/// - `{"type": "speech.audio.delta", "audio": "<base64>"}`: "a chunk of Base64-encoded audio data";
/// - `{"type": "speech.audio.done", "usage": {"input_tokens", "output_tokens", "total_tokens"}}`.
/// It defines no error event; a failure after the first event is sent here as
/// `{"type": "error", "error": {...}}` (the error body's own shape, the way OpenAI's other event
/// streams report errors), and the stream then ends cleanly, so a client reads why it stopped.
enum SpeechEvents {
    /// Audio bytes as one `speech.audio.delta` event.
    static func delta(_ audio: [UInt8]) -> ByteBuffer {
        let base64 = Data(audio).base64EncodedData()
        var out = ByteBuffer()
        out.reserveCapacity(base64.count + 60)
        out.writeString(#"data: {"type":"speech.audio.delta","audio":""#)
        out.writeBytes(base64)
        out.writeString("\"}\n\n")
        return out
    }

    /// The closing `speech.audio.done`. There is no tokenizer here: `input_tokens` counts the
    /// input's characters and `output_tokens` the audio deltas sent (about ten per second of audio).
    static func done(inputCharacters: Int, deltas: Int) -> ByteBuffer {
        ByteBuffer(string: #"data: {"type":"speech.audio.done","usage":{"input_tokens":\#(inputCharacters),"output_tokens":\#(deltas),"total_tokens":\#(inputCharacters + deltas)}}"# + "\n\n")
    }

    /// A failure after the stream began, in the error body's shape.
    static func error(code: String, message: String) -> ByteBuffer {
        ByteBuffer(string: #"data: {"type":"error","error":{"message":\#(APIError.quote(message)),"type":"server_error","code":"\#(code)"}}"# + "\n\n")
    }

    /// Whole audio (a cache hit) as deltas of about 100 ms each, as a synthesis would have sent it.
    static func deltas(_ pcm: ByteBuffer, header: [UInt8]?, bytesPerDelta: Int) -> [ByteBuffer] {
        var out: [ByteBuffer] = []
        if let header { out.append(delta(header)) }
        var rest = pcm
        while rest.readableBytes > 0, let piece = rest.readBytes(length: min(bytesPerDelta, rest.readableBytes)) {
            out.append(delta(piece))
        }
        return out
    }
}
