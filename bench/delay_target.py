#!/usr/bin/env python3
"""A keep-alive HTTP/1.1 target that answers every request after a fixed delay, on asyncio so one
process holds tens of thousands of connections (bench/engine-users.sh). Loopback only.
Prints 'listening on http://127.0.0.1:PORT'; GET /stats gives open connections and requests."""
import asyncio
import json
import sys

DELAY = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0
stats = {"open_connections": 0, "max_open_connections": 0, "requests": 0}
BODY = b"x" * 100


async def handle(reader, writer):
    stats["open_connections"] += 1
    stats["max_open_connections"] = max(stats["max_open_connections"], stats["open_connections"])
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            if length:
                await reader.readexactly(length)
            if head.startswith(b"GET /stats"):
                body = json.dumps(stats).encode()
            else:
                stats["requests"] += 1
                await asyncio.sleep(DELAY)
                body = BODY
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        stats["open_connections"] -= 1
        writer.close()


async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=65535)
    print(f"listening on http://127.0.0.1:{server.sockets[0].getsockname()[1]}", flush=True)
    async with server:
        await server.serve_forever()


asyncio.run(main())
