#!/usr/bin/env bash
# WebSocket sessions at scale: a stepped closed-model run up to 1,000 concurrent sessions against
# the embedded server's /v1/tts/ws (`ttsload server` started here on a free port). Each session
# sends a config, a sentence word by word (20 ms apart, as an LLM would) and end, then reads PCM
# until done. Prints per-step TTFA and gap percentiles, errors by class, the client's and the
# server's peak RSS, and the client's CPU per session (sessions per core).
# Sentences come from a 40-line file (the server's cache holds them after the first pass, so the
# steps measure the WebSocket path and the queue rather than espeak-ng's CPU on 2 cores).
# Usage: bench/ws-sessions.sh [STEPS=250,500,1000] [HOLD=20s] [THINK=3s]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
STEPS=${1:-250,500,1000}; HOLD=${2:-20s}; THINK=${3:-3s}
WORK=$(mktemp -d /tmp/ttsload-ws.XXXXXX)
SERVER_PID=""
cleanup() { [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
[ -x /usr/bin/time ] || { [ "$(id -u)" = 0 ] || SUDO=sudo; ${SUDO:-} apt-get install -y -qq time >/dev/null; }
ulimit -n "$(ulimit -Hn)"

if [ -z "${TTSLOAD_BIN:-}" ]; then
  echo "building ttsload (release)..." >&2
  (cd "$ROOT" && nice -n 15 swift build -c release --product ttsload >/dev/null)
  TTSLOAD_BIN=$ROOT/.build/release/ttsload
fi

: > "$WORK/server.out"
"$TTSLOAD_BIN" server --port 0 --queue 4000 --deadline-ms 120000 --max-batch 8 > "$WORK/server.out" 2> "$WORK/server.err" &
SERVER_PID=$!
for _ in $(seq 300); do grep -q listening "$WORK/server.out" && break; sleep 0.1; done
URL=$(sed -n 's/^listening on //p' "$WORK/server.out")
[ -n "$URL" ] || { echo "server did not start" >&2; cat "$WORK/server.err" >&2; exit 1; }

python3 - "$WORK/sentences.txt" <<'PY'
import sys
words = "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november oscar papa".split()
with open(sys.argv[1], "w") as f:
    for i in range(40):
        f.write(" ".join(words[(i + k) % len(words)] for k in range(6 + i % 5)) + ".\n")
PY

cat > "$WORK/plan.yaml" <<PLAN
name: bench-ws-sessions
target: { url: "$URL", api: raw, audio: { format: pcm, sample_rate: 22050 } }
defaults: { timeout: { connect: 30s, response: 120s } }
data:
  lines: sentences.txt
thread_groups:
  - name: ws
    request:
      websocket:
        path: /v1/tts/ws
        messages:
          - json: { type: config, format: pcm }
          - json: { type: text, text: "\${piece}" }
            split: { text: "\${text}", by: words, pace: 20ms }
          - json: { type: end }
        done: { field: type, equals: done }
    think_time: $THINK
    load: { steps: [$STEPS], ramp_up: 10s, hold: $HOLD }
PLAN

/usr/bin/time -f '%e %U %S %M' -o "$WORK/time" "$TTSLOAD_BIN" run "$WORK/plan.yaml" --out "$WORK/run" --quiet --no-report > "$WORK/run.out" 2>&1 || true
read -r wall user sys rss < "$WORK/time"
server_hwm=$(awk '/VmHWM/ {print $2}' "/proc/$SERVER_PID/status")
python3 - "$WORK/run/results.jtl" "$wall" "$user" "$sys" "$rss" "$server_hwm" "$STEPS" <<'PY'
import csv, sys, collections
path, wall, user, sys_, rss, server_hwm = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
held = {int(x) for x in sys.argv[7].split(",")}
steps = collections.defaultdict(lambda: {"ttfa": [], "gap": [], "underrun": [], "n": 0, "err": collections.Counter()})
total = 0
with open(path) as f:
    for row in csv.DictReader(f):
        total += 1
        s = steps[int(row["allThreads"])]
        s["n"] += 1
        if row["success"] != "true":
            s["err"][row["responseCode"].split(":")[-1].strip()] += 1
            continue
        if row.get("ttfa_ms"): s["ttfa"].append(float(row["ttfa_ms"]))
        if row.get("max_gap_ms"): s["gap"].append(float(row["max_gap_ms"]))
        if row.get("underrun_ms"): s["underrun"].append(float(row["underrun_ms"]))
def pct(v, p):
    if not v: return float("nan")
    v = sorted(v); return v[min(len(v) - 1, int(p / 100 * len(v)))]
print(f"{'sessions':>9} {'samples':>8} {'errors':>7} {'ttfa p50':>9} {'p95':>8} {'p99':>8} {'gap p50':>8} {'p95':>8} {'p99':>8} {'underrun p95':>13}")
# The hold of each step: the sessions ended while exactly that many users were active.
for users in sorted(steps):
    s = steps[users]
    if users not in held: continue  # ramps between steps
    errors = sum(s["err"].values())
    print(f"{users:>9} {s['n']:>8} {errors:>7} {pct(s['ttfa'],50):>9.1f} {pct(s['ttfa'],95):>8.1f} {pct(s['ttfa'],99):>8.1f} "
          f"{pct(s['gap'],50):>8.1f} {pct(s['gap'],95):>8.1f} {pct(s['gap'],99):>8.1f} {pct(s['underrun'],95):>13.1f}"
          + (f"  {dict(s['err'])}" if errors else ""))
print(f"samples {total}; client peak RSS {rss/1024:.1f} MB; server peak RSS {server_hwm/1024:.1f} MB; "
      f"client CPU {user+sys_:.1f} s over {wall:.1f} s = {1000*(user+sys_)/max(total,1):.2f} ms per session "
      f"({total/max(user+sys_,1e-9):.0f} sessions per CPU-second)")
PY
