#!/usr/bin/env python3
"""A WebSocket server built on the `websockets` library (PyPI; ./setup installs it) that greets at
once: right after the handshake, without reading anything from the client, it sends 4 binary
messages of 100 ms of 16 kHz 16-bit mono PCM and {"type": "done"}, then closes.

Usage: ws_greeting_server.py MODE
  serve  the library's asyncio server (its own writes, one per frame)
  burst  the library's sans-I/O ServerProtocol, whose output (the 101 answer, the frames, the
         close frame) goes out in ONE send followed at once by FIN: the client reads the 101,
         the frames and EOF together, as from a server that answers and hangs up in one burst.
  wrong-accept, masked, reject: as burst, but breaking the handshake or the framing in one way
         each, for the client's checks: a 101 whose Sec-WebSocket-Accept is not the key's; a
         masked first audio frame (servers never mask, RFC 6455 5.1); HTTP 429 instead of 101.
Prints 'listening on PORT' (127.0.0.1, a free port) once ready; exits when stdin closes.
"""
import asyncio
import json
import os
import socket
import struct
import sys
import threading

FRAMES = 4
CHUNK = b"".join(struct.pack("<h", (i % 200) * 50) for i in range(1600))
DONE = json.dumps({"type": "done", "frames": FRAMES})


def exit_when_stdin_closes():
    sys.stdin.read()
    os._exit(0)


def masked_frame(payload):
    """A binary frame as only a client may send it: FIN, opcode 2, the mask bit and a key."""
    key = os.urandom(4)
    header = bytes([0x82, 0x80 | 126]) + struct.pack(">H", len(payload)) + key
    return header + bytes(b ^ key[i % 4] for i, b in enumerate(payload))


def burst_session(conn, mode):
    from websockets.server import ServerProtocol
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    conn.settimeout(10)
    proto = ServerProtocol()
    request = None
    try:
        while request is None:
            data = conn.recv(65536)
            if not data:
                return
            proto.receive_data(data)
            for event in proto.events_received():
                request = event
        response = proto.reject(429, "slow down\n") if mode == "reject" else proto.accept(request)
        if mode == "wrong-accept":
            del response.headers["Sec-WebSocket-Accept"]
            response.headers["Sec-WebSocket-Accept"] = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
        proto.send_response(response)
        out = b"".join(proto.data_to_send())
        if response.status_code == 101:
            if mode == "masked":
                out += masked_frame(CHUNK)
            for _ in range(FRAMES):
                proto.send_binary(CHUNK)
            proto.send_text(DONE.encode())
            proto.send_close(1000)
            out += b"".join(proto.data_to_send())
        conn.sendall(out)
        conn.shutdown(socket.SHUT_WR)
        # Read until the client goes, so that its frames never meet a closed socket (an RST).
        while conn.recv(65536):
            pass
    except OSError:
        pass
    finally:
        conn.close()


def run_burst(mode):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(512)
    print(f"listening on {listener.getsockname()[1]}", flush=True)
    while True:
        conn, _ = listener.accept()
        threading.Thread(target=burst_session, args=(conn, mode), daemon=True).start()


async def run_serve():
    from websockets.asyncio.server import serve

    async def greet(ws):
        for _ in range(FRAMES):
            await ws.send(CHUNK)
        await ws.send(DONE)
        await ws.close()

    async with serve(greet, "127.0.0.1", 0, compression=None) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        print(f"listening on {port}", flush=True)
        await server.serve_forever()


threading.Thread(target=exit_when_stdin_closes, daemon=True).start()
if sys.argv[1] == "serve":
    asyncio.run(run_serve())
else:
    run_burst(sys.argv[1])
