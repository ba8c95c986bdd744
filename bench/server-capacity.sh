#!/usr/bin/env bash
# Throughput of `ttsload server` (client: wrk) against the raw capacity of espeak-ng (the same
# text synthesized in-process, one process per core), for short, medium and long texts; then the
# server offered twice its capacity: p99 of the 200s against the queueing bound, and how fast
# the excess gets its 503.
#   bench/server-capacity.sh            (DURATION=15 by default; TTSLOAD_BIN to skip the build)
source "$(dirname "$0")/server-common.sh"
DURATION=${DURATION:-15}
need hey hey
need wrk wrk
build

WORKERS=$CORES
printf '\n== saturation: server vs raw espeak-ng (%s workers, cache off, %ss each) ==\n' "$WORKERS" "$DURATION"
# This machine's cores are shared and their speed drifts, so raw capacity and server
# throughput are measured in alternating slices (ROUNDS of each, the server idle during the raw
# slices) and summed: both see the same neighbours on average.
ROUNDS=${ROUNDS:-4}
SLICE=$(awk -v d="$DURATION" -v r="$ROUNDS" 'BEGIN {printf "%d", (d / r < 2 ? 2 : d / r)}')
printf '%-7s %10s %12s %7s   %s\n' text raw_per_s server_per_s ratio "per-round server/raw"
declare -A CAPACITY
for class in SHORT MEDIUM LONG; do
    text=${!class}
    start_server --workers "$WORKERS" --cache-mb 0 --queue 256
    body=$(json_body "$text")
    hey -n 40 -c 2 -m POST -T application/json -D "$body" "$URL/v1/tts" >/dev/null  # warm-up
    raw_sum=0; rps_sum=0; rounds=""
    for _ in $(seq "$ROUNDS"); do
        raw=$(raw_capacity "$text" "$SLICE")
        rps=$(wrk_rps "$body" "$URL/v1/tts" -t 1 -c $((WORKERS * 4)) -d "${SLICE}s" --timeout 30s)
        raw_sum=$(awk -v a="$raw_sum" -v b="$raw" 'BEGIN {print a + b}')
        rps_sum=$(awk -v a="$rps_sum" -v b="$rps" 'BEGIN {print a + b}')
        rounds="$rounds $(awk -v a="$rps" -v b="$raw" 'BEGIN {printf "%.0f/%.0f", a, b}')"
    done
    stop_server
    raw=$(awk -v s="$raw_sum" -v r="$ROUNDS" 'BEGIN {printf "%.1f", s / r}')
    rps=$(awk -v s="$rps_sum" -v r="$ROUNDS" 'BEGIN {printf "%.1f", s / r}')
    CAPACITY[$class]=$rps
    printf '%-7s %10s %12s %7s  %s\n' "${class,,}" "$raw" "$rps" "$(awk -v a="$rps" -v b="$raw" 'BEGIN {printf "%.2f", a / b}')" "$rounds"
done

# Overload: offered 2x the measured medium capacity, open loop (Poisson arrivals), small queue.
QUEUE=${QUEUE:-8}
cap=${CAPACITY[MEDIUM]}
rate=$(awk -v c="$cap" 'BEGIN {printf "%.1f", 2 * c}')
printf '\n== overload: medium text offered 2x capacity (%s/s, Poisson), --queue %s ==\n' "$rate" "$QUEUE"
start_server --workers "$WORKERS" --cache-mb 0 --queue "$QUEUE"
body=$(json_body "$MEDIUM")
hey -n 40 -c 1 -m POST -T application/json -D "$body" "$URL/v1/tts" >/dev/null
hey -n 200 -c 1 -o csv -m POST -T application/json -D "$body" "$URL/v1/tts" > "$WORK/service.csv"
p50=$(csv_stats "$WORK/service.csv" | awk '$1 == 200 {print $3}')
python3 "$(dirname "$0")/server-openloop.py" "$URL/v1/tts" "$body" "$rate" "$DURATION" 10 > "$WORK/overload.json"
stop_server
bound=$(awk -v p="$p50" -v q="$QUEUE" -v w="$WORKERS" 'BEGIN {printf "%.1f", 1.5 * (q + w) / w * p}')
printf 'service time p50, one client, idle server: %s ms -> bound for p99 of 200s: 1.5 x (%s+%s)/%s x p50 = %s ms\n' "$p50" "$QUEUE" "$WORKERS" "$WORKERS" "$bound"
python3 - "$WORK/overload.json" "$bound" "$QUEUE" "$WORKERS" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); bound = float(sys.argv[2]); q, w = int(sys.argv[3]), int(sys.argv[4])
if "service_p50_ms" in r:
    print("service time p50 during the overload (X-Synthesis-Ms): %.1f ms -> bound %.1f ms"
          % (r["service_p50_ms"], 1.5 * (q + w) / w * r["service_p50_ms"]))
print("%-10s %7s %9s %9s %9s" % ("status", "count", "p50_ms", "p99_ms", "max_ms"))
for k, v in r.items():
    if isinstance(v, dict):
        print("%-10s %7d %9.1f %9.1f %9.1f" % (k, v["count"], v["p50"], v["p99"], v["max"]))
ok, busy = r.get("200", {}), r.get("503", {})
others = sum(v["count"] for k, v in r.items() if isinstance(v, dict) and k not in ("200", "503"))
print("offered %d in %.0fs; 200s/s: %.1f; p99(200) %.1f ms vs bound %.1f ms: %s; p99(503) %.1f ms (goal <= 10 ms); timeouts/errors: %d"
      % (r["offered"], r["duration"], ok.get("count", 0) / r["duration"], ok.get("p99", 0), bound,
         "within" if ok.get("p99", 1e9) <= bound else "OVER", busy.get("p99", 0), others))
PY
