#!/usr/bin/env python3
"""One WebSocket session with the `websockets` library's client (PyPI; ./setup installs it), for
the server tests: a counterpart that is not our own client.

Usage: ws_session.py URL MESSAGES_JSON
Sends each message of the JSON list as a text message (JSON-encoded), reads until the server
closes, and prints one JSON line: binary (count), binary_bytes, texts (the text messages),
close_code and close_reason (the server's close frame; null without one). Bounded: 30 s in all.
"""
import asyncio
import json
import sys

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed


async def session(url, messages):
    out = {"binary": 0, "binary_bytes": 0, "texts": [], "close_code": None, "close_reason": None}
    async with connect(url, compression=None, open_timeout=10, close_timeout=5, max_size=None) as ws:
        try:
            for message in messages:
                await ws.send(json.dumps(message))
            async for message in ws:
                if isinstance(message, bytes):
                    out["binary"] += 1
                    out["binary_bytes"] += len(message)
                else:
                    out["texts"].append(message)
        except ConnectionClosed:
            pass
        out["close_code"] = ws.close_code
        out["close_reason"] = ws.close_reason
    return out


result = asyncio.run(asyncio.wait_for(session(sys.argv[1], json.loads(sys.argv[2])), 30))
print(json.dumps(result), flush=True)
