#!/usr/bin/env python3
"""An OpenAI-style speech server answering in Server-Sent Events, on a schedule the tests know.

Prints "listening on PORT" and serves until stdin closes. Every answer is `text/event-stream`
with `data: {"type":"speech.audio.delta","audio":"<base64>"}` events and a final
`data: {"type":"speech.audio.done","usage":{...}}`, as OpenAI's /v1/audio/speech sends with
stream_format "sse". An HTTP/1.1 request gets a chunked body (as OpenAI's), an HTTP/1.0 one a body
that ends when the connection closes. Status and headers go out at once; times are from when the
request was read; each event is one send with TCP_NODELAY.

Paths (any method):
  /sse/wav    a delta holding a streaming WAV header (16 kHz mono 16-bit, sizes 0xFFFFFFFF) at once,
              then deltas of 100 ms of PCM at 120, 170, 220, 270 ms, a deliberate 600 ms gap, 870
              and 900 ms, then done at 900 ms
  /sse/pcm    the same without the WAV header (raw 16 kHz PCM, as OpenAI streams pcm)
  /sse/bad-base64   one good delta, then a delta whose audio is not base64, then done
  /sse/malformed    one good delta, then an event whose data is cut-off JSON, then done
  /sse/error-event  one good delta, then {"type":"error","error":{"message":"model overloaded",...}}
  /sse/no-done      two good deltas, then a clean end of the body without done
  /sse/cut          one good delta, then half an event, then the connection closes without the
                    body's end (chunked: the client sees a cut transfer)
  /sse/audio        not SSE at all: the /sse/wav audio as plain audio/wav bytes
"""
import base64
import json
import math
import socket
import struct
import sys
import threading
import time

RATE = 16000
SCHEDULE_MS = [120, 170, 220, 270, 870, 900]


def wav_header():
    return (b"RIFF" + struct.pack("<I", 0xFFFFFFFF) + b"WAVE"
            + b"fmt " + struct.pack("<IHHIIHH", 16, 1, 1, RATE, RATE * 2, 2, 16)
            + b"data" + struct.pack("<I", 0xFFFFFFFF))


def pcm(ms, phase=0):
    n = RATE * ms // 1000
    return b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * (k + phase) / RATE))) for k in range(n))


def delta(audio):
    return b'data: {"type":"speech.audio.delta","audio":"' + base64.b64encode(audio) + b'"}\n\n'


DONE = b"data: " + json.dumps({"type": "speech.audio.done",
                               "usage": {"input_tokens": 12, "output_tokens": 6, "total_tokens": 18}}).encode() + b"\n\n"

# Built before the first request, so that serving is only sleeping and sending.
CHUNKS = [pcm(100, k * 1600) for k in range(len(SCHEDULE_MS))]
DELTAS = [delta(c) for c in CHUNKS]
HEADER_DELTA = delta(wav_header())
BROKEN = {
    "/sse/bad-base64": [DELTAS[0], b'data: {"type":"speech.audio.delta","audio":"AAAA!!!!"}\n\n', DONE],
    "/sse/malformed": [DELTAS[0], b'data: {"type":"speech.audio.delta","audio":\n\n', DONE],
    "/sse/error-event": [DELTAS[0], b'data: {"type":"error","error":{"message":"model overloaded","type":"server_error","code":"server_error"}}\n\n'],
    "/sse/no-done": [DELTAS[0], DELTAS[1]],
}


# --log-sends: after each /sse/wav or /sse/pcm, "sent PATH T1 T2 ..." on stdout: when the head's
# send returned (0), then each audio event's, in ms; what a loaded machine really sent.
LOG_SENDS = "--log-sends" in sys.argv
LOG_LOCK = threading.Lock()


def serve(conn):
    start = time.monotonic()
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    request = b""
    while b"\r\n\r\n" not in request:
        part = conn.recv(65536)
        if not part:
            return
        request += part
    line = request.split(b"\r\n")[0].split(b" ")
    path, chunked = line[1].decode(), line[2] == b"HTTP/1.1"
    # Read the request body too, so that closing never resets a connection with unread bytes.
    head, _, body = request.partition(b"\r\n\r\n")
    length = 0
    for h in head.split(b"\r\n")[1:]:
        name, _, value = h.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        part = conn.recv(65536)
        if not part:
            break
        body += part

    def send(data):
        conn.sendall(b"%x\r\n%s\r\n" % (len(data), data) if chunked else data)

    def at(ms):
        delay = start + ms / 1000 - time.monotonic()
        if delay > 0:
            time.sleep(delay)

    try:
        if path == "/sse/audio":
            conn.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: audio/wav\r\n\r\n" + wav_header())
            for chunk, ms in zip(CHUNKS, SCHEDULE_MS):
                at(ms)
                conn.sendall(chunk)
            return
        version = b"HTTP/1.1" if chunked else b"HTTP/1.0"
        conn.sendall(version + b" 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
                     + (b"Transfer-Encoding: chunked\r\n" if chunked else b"") + b"Connection: close\r\n\r\n")
        if path in ("/sse/wav", "/sse/pcm"):
            sent = [time.monotonic()]
            if path == "/sse/wav":
                send(HEADER_DELTA)
                sent.append(time.monotonic())
            for event, ms in zip(DELTAS, SCHEDULE_MS):
                at(ms)
                send(event)
                sent.append(time.monotonic())
            send(DONE)
            if LOG_SENDS:
                with LOG_LOCK:
                    print("sent %s %s" % (path, " ".join("%.3f" % ((t - sent[0]) * 1000) for t in sent[1:])), flush=True)
        elif path in BROKEN:
            for event in BROKEN[path]:
                send(event)
        elif path == "/sse/cut":
            send(DELTAS[0])
            send(DELTAS[1][:40])
            return  # closed without the final chunk
        else:
            send(b"data: {\"type\":\"error\",\"error\":{\"message\":\"no such path\"}}\n\n")
        if chunked:
            conn.sendall(b"0\r\n\r\n")
    except (BrokenPipeError, ConnectionResetError):
        pass
    finally:
        conn.close()


def main():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    print("listening on %d" % server.getsockname()[1], flush=True)

    def accept():
        while True:
            conn, _ = server.accept()
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    sys.stdin.read()


if __name__ == "__main__":
    main()
