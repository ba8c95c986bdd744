#!/usr/bin/env python3
"""Open-loop load for bench/server-capacity.sh: requests arrive as a Poisson process at a fixed
rate whatever the server does (hey's rate limit is per closed-loop worker with synchronised
tickers, which offers bursts, not a rate). One connection per request; every request has a
timeout. Prints per-status counts and latency percentiles in ms, the timeouts, and the median
server-side synthesis time of the 200s during the run (X-Synthesis-Ms).

    server-openloop.py URL BODY_FILE RATE_PER_S DURATION_S [TIMEOUT_S]
"""
import asyncio, json, random, sys, time
from urllib.parse import urlsplit


service = []  # server-side synthesis ms of each 200 (X-Synthesis-Ms)


async def one(host, port, path, body, timeout, results):
    start = time.perf_counter()
    try:
        async def exchange():
            reader, writer = await asyncio.open_connection(host, port)
            writer.write(b"POST %s HTTP/1.1\r\nHost: %s:%d\r\nContent-Type: application/json\r\n"
                         b"Content-Length: %d\r\nConnection: close\r\n\r\n" % (path.encode(), host.encode(), port, len(body)) + body)
            await writer.drain()
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            synth = None
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"x-synthesis-ms:"):
                    synth = float(line.split(b":", 1)[1])
            while await reader.read(1 << 20):
                pass
            writer.close()
            return status, synth
        status, synth = await asyncio.wait_for(exchange(), timeout)
        results.append((status, (time.perf_counter() - start) * 1000))
        if synth is not None:
            service.append(synth)
    except asyncio.TimeoutError:
        results.append(("timeout", (time.perf_counter() - start) * 1000))
    except Exception as e:  # connection refused/reset: counted, not fatal
        results.append((type(e).__name__, (time.perf_counter() - start) * 1000))


async def main():
    url, body_file, rate, duration = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
    timeout = float(sys.argv[5]) if len(sys.argv) > 5 else 10.0
    parts = urlsplit(url)
    body = open(body_file, "rb").read()
    results, tasks = [], []
    rng = random.Random(42)
    start = time.perf_counter()
    next_at = start
    while next_at - start < duration:
        delay = next_at - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(parts.hostname, parts.port, parts.path, body, timeout, results)))
        next_at += rng.expovariate(rate)
    await asyncio.gather(*tasks)
    by = {}
    for status, ms in results:
        by.setdefault(str(status), []).append(ms)
    out = {"offered": len(tasks), "rate": rate, "duration": duration}
    if service:
        service.sort()
        out["service_p50_ms"] = round(service[len(service) // 2], 1)
    for status, v in sorted(by.items()):
        v.sort()
        pick = lambda q: round(v[min(len(v) - 1, int(q * len(v)))], 1)
        out[status] = {"count": len(v), "p50": pick(0.5), "p99": pick(0.99), "max": round(v[-1], 1)}
    print(json.dumps(out))


asyncio.run(main())
