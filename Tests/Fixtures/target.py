#!/usr/bin/env python3
"""A deliberately misbehaving HTTP target for ttsload's engine tests (loopback, or a lab host's
address given as the second argument).

Prints 'listening on http://ADDRESS:PORT' once ready. Routes (any method):
  /delay/<ms>      wait <ms>, then 200 with 2000 bytes of audio/wav-typed body
  /by-client/<name> as /delay/, 30 ms x the number that ends <name> (agent2: 60 ms): clients that differ
  /drift/<ms>      as /delay/, the wait growing by <ms> every second since the first /drift request: a
                   service whose speed drifts and never settles
  /status/<code>   that status (503 carries Retry-After: 1)
  /fail-every/<n>/<route...> the route below it, except that every n-th request of this prefix (the
                   n-th, 2n-th, ... the server counts) is answered 500 after the same wait: a target
                   failing a known share of requests at an unchanged rate
  /html            200 text/html
  /truncated       Content-Length 1000, 100 bytes sent, connection closed
  /reset           Content-Length 1000, 100 bytes sent, connection reset (RST)
  /stall           headers, then nothing for 10 s
  /idle-close/<ms> 200 keep-alive, then the connection is closed if idle for <ms>
  /key/<value>     200 when the X-Key header equals <value>, else 403 (a secret really sent)
  /stats           JSON: in_flight, max_in_flight, requests, open_connections, proxied
A request in absolute form (GET http://host/path, as clients send to an HTTP proxy) is served as
its path and counted in `proxied`: the fixture stands in for a proxy.
It counts what it serves so tests measure load at the target, not from the engine's own counters.
"""
import json
import socket
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

lock = threading.Lock()
state = {"in_flight": 0, "max_in_flight": 0, "requests": 0, "open_connections": 0, "proxied": 0, "failed_on_schedule": 0}
fail_every_count = [0]
drift_since = []  # monotonic time of the first /drift request
BODY = b"RIFF" + b"\x00" * 1996


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; without TCP_NODELAY, Nagle plus delayed ACK
    # adds 40 ms to every keep-alive response.
    disable_nagle_algorithm = True

    def log_message(self, *args):
        pass

    def setup(self):
        super().setup()
        with lock:
            state["open_connections"] += 1

    def finish(self):
        try:
            super().finish()
        finally:
            with lock:
                state["open_connections"] -= 1

    def _drain_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)

    def _send(self, code, body, content_type="audio/wav", extra=()):
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def handle_any(self):
        self._drain_body()
        path = self.path.split("?")[0]
        if path.startswith("http://"):
            path = "/" + path.split("/", 3)[3] if path.count("/") >= 3 else "/"
            with lock:
                state["proxied"] += 1
        if path == "/stats":
            with lock:
                self._send(200, json.dumps(state).encode(), "application/json")
            return
        with lock:
            state["requests"] += 1
            state["in_flight"] += 1
            state["max_in_flight"] = max(state["max_in_flight"], state["in_flight"])
        try:
            self.route(path)
        finally:
            with lock:
                state["in_flight"] -= 1

    def route(self, path):
        parts = path.strip("/").split("/")
        if parts[0] == "fail-every" and len(parts) >= 3:
            with lock:
                fail_every_count[0] += 1
                fail = fail_every_count[0] % int(parts[1]) == 0
                if fail:
                    state["failed_on_schedule"] += 1
            if not fail:
                return self.route("/" + "/".join(parts[2:]))
            if parts[2] == "delay":
                time.sleep(int(parts[3]) / 1000.0)
            self._send(500, b'{"error": "failed on schedule"}', "application/json")
        elif parts[0] == "delay":
            time.sleep(int(parts[1]) / 1000.0)
            self._send(200, BODY)
        elif parts[0] == "drift":
            with lock:
                if not drift_since:
                    drift_since.append(time.monotonic())
                since = time.monotonic() - drift_since[0]
            time.sleep(int(parts[1]) * (1 + since) / 1000.0)
            self._send(200, BODY)
        elif parts[0] == "by-client":
            digits = "".join(c for c in (parts[1] if len(parts) > 1 else "") if c.isdigit())
            time.sleep(30 * int(digits or "0") / 1000.0)
            self._send(200, BODY)
        elif parts[0] == "status":
            code = int(parts[1])
            self._send(code, b'{"error": "busy"}', "application/json", [("Retry-After", "1")] if code == 503 else [])
        elif parts[0] == "idle-close":
            self._send(200, BODY)
            # http.server closes the connection when reading the next request times out.
            self.connection.settimeout(int(parts[1]) / 1000.0)
        elif parts[0] == "key":
            expected = parts[1] if len(parts) > 1 else ""
            ok = expected != "" and self.headers.get("X-Key", "") == expected
            self._send(200 if ok else 403, BODY if ok else b"wrong key", "audio/wav" if ok else "text/plain")
        elif parts[0] == "html":
            self._send(200, b"<html>not audio</html>", "text/html")
        elif parts[0] in ("truncated", "reset"):
            self.send_response(200)
            self.send_header("Content-Type", "audio/wav")
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.write(BODY[:100])
            self.wfile.flush()
            if parts[0] == "reset":
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            self.connection.close()
        elif parts[0] == "stall":
            self.send_response(200)
            self.send_header("Content-Length", "10")
            self.end_headers()
            self.wfile.flush()
            time.sleep(10)
        else:
            self._send(404, b"no such route", "text/plain")

    do_GET = do_POST = do_PUT = handle_any


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024


def main():
    # Arguments: [PORT [ADDRESS]] (a lab host's address in multi-host tests; loopback otherwise).
    host = sys.argv[2] if len(sys.argv) > 2 else "127.0.0.1"
    server = Server((host, int(sys.argv[1]) if len(sys.argv) > 1 else 0), Handler)
    print(f"listening on http://{host}:{server.server_address[1]}", flush=True)
    # Exit when the test that started us goes away (stdin closes), so no server outlives its test.
    threading.Thread(target=lambda: (sys.stdin.read(), server.shutdown()), daemon=True).start()
    server.serve_forever()


if __name__ == "__main__":
    main()
