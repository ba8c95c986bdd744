#!/usr/bin/env bash
# Shared helpers for bench/server-*.sh (sourced, not run). Builds ttsload in release mode unless
# TTSLOAD_BIN is set, installs the load client (hey) from Debian if missing, starts and stops
# servers on a free port, and measures espeak-ng's raw in-process capacity.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SCRATCH=${SCRATCH:-$ROOT/.build-server}
CORES=$(nproc)
WORK=$(mktemp -d /tmp/ttsload-bench.XXXXXX)
trap 'stop_server; rm -rf "$WORK"' EXIT

# Texts of three lengths (characters: ~45, ~230, ~1000).
SHORT="The quick brown fox jumps over the lazy dog."
MEDIUM="Load testing a speech service means raising the offered load step by step, watching the latency percentiles and the error rate, and finding the point where the service stops keeping its promises to users."
LONG="$MEDIUM $MEDIUM Every request carries a different sentence, a voice and an emotion, and the server has to turn it into audio before the client gives up waiting. $MEDIUM $MEDIUM"

log() { printf '%s\n' "$*" >&2; }

need() {  # need COMMAND DEBIAN_PACKAGE
    command -v "$1" >/dev/null 2>&1 && return
    log "installing $2 (for $1) with apt-get"
    if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
    $SUDO apt-get install -y --no-install-recommends "$2" >/dev/null || { $SUDO apt-get update >/dev/null && $SUDO apt-get install -y --no-install-recommends "$2" >/dev/null; }
}

build() {
    if [ -n "${TTSLOAD_BIN:-}" ]; then BIN=$TTSLOAD_BIN; return; fi
    log "building ttsload (release) in $SCRATCH"
    (cd "$ROOT" && swift build -c release --scratch-path "$SCRATCH" --product ttsload >/dev/null)
    BIN=$SCRATCH/release/ttsload
}

json_body() {  # json_body TEXT [EXTRA_JSON_FIELDS] -> file path
    local file=$WORK/body-$RANDOM.json
    python3 -c 'import json,sys; d={"text": sys.argv[1]}; d.update(json.loads(sys.argv[2] or "{}")); print(json.dumps(d))' "$1" "${2:-}" > "$file"
    echo "$file"
}

SERVER_PID=""
start_server() {  # start_server FLAGS... ; sets URL
    "$BIN" server --port 0 "$@" > "$WORK/server.out" 2> "$WORK/server.err" &
    SERVER_PID=$!
    for _ in $(seq 300); do
        if grep -q '^listening on ' "$WORK/server.out" 2>/dev/null; then
            URL=$(sed -n 's/^listening on //p' "$WORK/server.out")
            return
        fi
        kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.err" >&2; exit 3; }
        sleep 0.1
    done
    log "server did not start"; exit 3
}

stop_server() {
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true
    fi
    SERVER_PID=""
}

raw_capacity() {  # raw_capacity TEXT SECONDS -> syntheses per second, one espeak-ng process per core
    local text=$1 seconds=$2 i pids=()
    for i in $(seq "$CORES"); do
        "$BIN" server-worker --raw-bench-seconds "$seconds" --raw-bench-text "$text" > "$WORK/raw-$i.out" &
        pids+=($!)
    done
    wait "${pids[@]}"
    cat "$WORK"/raw-*.out | sed -n 's/.*per_second=\([0-9.]*\).*/\1/p' | awk '{s+=$1} END {printf "%.2f", s}'
    rm -f "$WORK"/raw-*.out
}

hey_rps() {  # hey_rps HEY_ARGS... -> requests per second from hey's summary
    hey "$@" | sed -n 's/^ *Requests\/sec:[[:space:]]*\([0-9.]*\).*/\1/p'
}

# wrk (C, one event loop) costs the shared cores far less per request than hey (Go), so the
# saturation figures use it; non-2xx answers and socket errors are reported, not hidden.
wrk_rps() {  # wrk_rps BODY_FILE URL WRK_ARGS... -> requests per second
    local body=$1 url=$2; shift 2
    cat > "$WORK/post.lua" <<'LUA'
local f = io.open(os.getenv("BODY_FILE"), "rb"); local body = f:read("*a"); f:close()
wrk.method = "POST"; wrk.body = body; wrk.headers["Content-Type"] = "application/json"
LUA
    BODY_FILE=$body wrk -s "$WORK/post.lua" "$@" "$url" > "$WORK/wrk.out"
    if grep -qE 'Non-2xx|Socket errors' "$WORK/wrk.out"; then grep -E 'Non-2xx|Socket errors' "$WORK/wrk.out" | sed 's/^/  wrk: /' >&2; fi
    sed -n 's/^Requests\/sec:[[:space:]]*\([0-9.]*\).*/\1/p' "$WORK/wrk.out"
}

# CSV analysis of `hey -o csv` output: latency percentiles per status code.
csv_stats() {  # csv_stats FILE -> lines "code count p50_ms p99_ms max_ms"
    python3 - "$1" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
by = {}
for r in rows:
    by.setdefault(r["status-code"], []).append(float(r["response-time"]) * 1000)
for code, v in sorted(by.items()):
    v.sort()
    pick = lambda q: v[min(len(v) - 1, int(q * len(v)))]
    print(code, len(v), "%.1f" % pick(0.5), "%.1f" % pick(0.99), "%.1f" % v[-1])
PY
}
