#!/usr/bin/env python3
"""Regenerates the JMeter 2.13 result files in this folder with the real JMeter (Debian's `jmeter`).

Starts a loopback server that answers plan.jmx's paths like a misbehaving TTS service (README.md
has the table), rewrites the ports in a copy of plan.jmx (the server's, and a closed one for
`refused`), then runs `jmeter -n` twice:
  jmeter-2.13-default.jtl  JMeter 2.13's default save settings (no header, 12 columns)
  jmeter-2.13-header.jtl   print_field_names plus connect_time, hostname, url, idle_time (16)
Usage: make_fixtures.py [OUTDIR] (default: this folder). Needs Debian packages jmeter and jmeter-http.
"""
import math
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))
JMETER_HOME = "/usr/share/jmeter"
# Debian's /usr/bin/jmeter, started through PermissiveJMeter.java: Debian 12 pairs JMeter 2.13 with
# XStream 1.4.20, which refuses to load any .jmx until JMeter's XStream instances allow its
# classes (the launcher's comment says more). JMeter itself runs unchanged.
JMETER = ["java", f"-Djmeter.home={JMETER_HOME}", "-cp", f"{JMETER_HOME}/bin/ApacheJMeter.jar",
          os.path.join(HERE, "PermissiveJMeter.java")]


def wav(seconds=0.25, rate=16000):
    """A valid 16-bit mono PCM WAV: a 440 Hz tone."""
    frames = int(seconds * rate)
    pcm = b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * i / rate))) for i in range(frames))
    header = b"RIFF" + struct.pack("<I", 36 + len(pcm)) + b"WAVE"
    header += b"fmt " + struct.pack("<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16)
    header += b"data" + struct.pack("<I", len(pcm))
    return header + pcm


WAV = wav()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are separate writes: no 40 ms Nagle stall

    def log_message(self, *args):
        pass

    def _send(self, code, body, content_type, extra=()):
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        path = self.path.split("?")[0]
        if path == "/ok":
            time.sleep(0.02)  # a little synthesis time, so elapsed is not all zeros
            self._send(200, WAV, "audio/wav")
        elif path == "/busy":
            self._send(503, b'{"error": "overloaded"}', "application/json", [("Retry-After", "1")])
        elif path == "/truncated":
            # Content-Length promises more than is sent, then the connection closes.
            self.send_response(200)
            self.send_header("Content-Type", "audio/wav")
            self.send_header("Content-Length", str(len(WAV)))
            self.end_headers()
            self.wfile.write(WAV[:1000])
            self.wfile.flush()
            self.close_connection = True
        elif path == "/stall":
            # Headers, then nothing: the client's response timeout (1.5 s in plan.jmx) ends it.
            self.send_response(200)
            self.send_header("Content-Type", "audio/wav")
            self.send_header("Content-Length", str(len(WAV)))
            self.end_headers()
            self.wfile.flush()
            self.connection.settimeout(10)
            try:
                self.connection.recv(1)  # returns when JMeter gives up and closes
            except OSError:
                pass
            self.close_connection = True
        elif path == "/htmlwav":
            self._send(200, WAV, "text/html")
        else:
            self._send(404, b"no such path", "text/plain")


class Server(ThreadingHTTPServer):
    daemon_threads = True


def closed_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def main():
    out_dir = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else HERE
    server = Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port, refused = server.server_address[1], closed_port()
    plan = open(os.path.join(HERE, "plan.jmx")).read()
    # plan.jmx names two ports: the server's (55607) and the refused one (57609).
    plan = plan.replace(">55607<", f">{port}<").replace(">57609<", f">{refused}<")
    header_flags = [
        "-Jjmeter.save.saveservice.print_field_names=true",
        "-Jjmeter.save.saveservice.connect_time=true",
        "-Jjmeter.save.saveservice.hostname=true",
        "-Jjmeter.save.saveservice.url=true",
        "-Jjmeter.save.saveservice.idle_time=true",
    ]
    with tempfile.TemporaryDirectory() as work:
        plan_path = os.path.join(work, "plan.jmx")
        open(plan_path, "w").write(plan)
        for name, flags in (("jmeter-2.13-default.jtl", []), ("jmeter-2.13-header.jtl", header_flags)):
            jtl = os.path.join(work, name)
            command = JMETER + ["-n", "-t", plan_path, "-l", jtl, "-j", os.path.join(work, name + ".log")] + flags
            print("+", " ".join(command), flush=True)
            result = subprocess.run(command, cwd=work)
            if result.returncode != 0 or not os.path.exists(jtl):
                sys.stderr.write(open(os.path.join(work, name + ".log")).read())
                sys.exit(f"jmeter failed (exit {result.returncode}) for {name}")
            shutil.copy(jtl, os.path.join(out_dir, name))
            print(f"{name}: {sum(1 for _ in open(jtl))} lines", flush=True)
    server.shutdown()


if __name__ == "__main__":
    main()
