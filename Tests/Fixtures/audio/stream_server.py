#!/usr/bin/env python3
"""A TTS-like HTTP/1.0 server whose timing is known, for the audio timing tests.

Prints "listening on PORT" and serves until stdin closes. Paths:
  /stream  a streaming WAV (16 kHz mono 16-bit, data size 0xFFFFFFFF): the header at once, then
           100 ms of PCM at 120, 170, 220 and 270 ms, a deliberate 600 ms gap, then 100 ms at 870 and 900 ms
           (times from when the request arrived; each chunk one send with TCP_NODELAY).
  /whole   a complete WAV of 1 s with Content-Length, sent in one write after 50 ms.

With --log-sends, after each /stream it prints "sent /stream T1 T2 ..." on stdout: when each send of
the body (header, then each chunk) returned, in ms after the head's send returned. A loaded
machine wakes the server late; tests compare what the client measured with what was really sent.
"""
import math
import socket
import struct
import sys
import threading
import time

RATE = 16000
SCHEDULE_MS = [120, 170, 220, 270, 870, 900]


def wav_header(data_size):
    return (b"RIFF" + struct.pack("<I", 0xFFFFFFFF if data_size is None else 36 + data_size) + b"WAVE"
            + b"fmt " + struct.pack("<IHHIIHH", 16, 1, 1, RATE, RATE * 2, 2, 16)
            + b"data" + struct.pack("<I", 0xFFFFFFFF if data_size is None else data_size))


def pcm(ms, phase=0):
    n = RATE * ms // 1000
    return b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * (k + phase) / RATE))) for k in range(n))


# Built before the first request, so that serving is only sleeping and sending: the schedule holds
# even when the machine is busy.
STREAM_HEAD = b"HTTP/1.0 200 OK\r\nContent-Type: audio/wav\r\n\r\n" + wav_header(None)
STREAM_CHUNKS = [pcm(100, k * 1600) for k in range(len(SCHEDULE_MS))]
WHOLE_BODY = wav_header(RATE * 2) + pcm(1000)
WHOLE = b"HTTP/1.0 200 OK\r\nContent-Type: audio/wav\r\nContent-Length: %d\r\n\r\n" % len(WHOLE_BODY) + WHOLE_BODY


LOG_SENDS = "--log-sends" in sys.argv
LOG_LOCK = threading.Lock()


def log_sends(path, times):
    if LOG_SENDS:
        with LOG_LOCK:
            print("sent %s %s" % (path, " ".join("%.3f" % ((t - times[0]) * 1000) for t in times)), flush=True)


def serve(conn):
    start = time.monotonic()
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    request = b""
    while b"\r\n\r\n" not in request:
        part = conn.recv(4096)
        if not part:
            return
        request += part
    path = request.split(b" ")[1].decode()
    try:
        if path == "/stream":
            conn.sendall(STREAM_HEAD)
            sent = [time.monotonic()]
            for chunk, at in zip(STREAM_CHUNKS, SCHEDULE_MS):
                delay = start + at / 1000 - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                conn.sendall(chunk)
                sent.append(time.monotonic())
            log_sends(path, sent)
        else:
            time.sleep(0.05)
            conn.sendall(WHOLE)
    finally:
        conn.close()


def main():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    print("listening on %d" % server.getsockname()[1], flush=True)

    def accept():
        while True:
            conn, _ = server.accept()
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    sys.stdin.read()


if __name__ == "__main__":
    main()
