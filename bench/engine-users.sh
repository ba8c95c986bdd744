#!/usr/bin/env bash
# Many virtual users: USERS (default 10000) closed-model users against a target that answers after
# 1 s, ramped over 10 s and held 10 s. Prints ttsload's peak RSS and CPU, and what the target saw
# (its own count of open connections and requests), beside the plan's figures.
# The target is one Python asyncio process; when its CPU time approaches the wall time, it (not
# ttsload) limits req/s and stretches latency, which the table makes visible.
# Usage: bench/engine-users.sh [USERS=10000] [DELAY_SECONDS=1]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
USERS=${1:-10000}; DELAY=${2:-1}
WORK=$(mktemp -d /tmp/ttsload-users.XXXXXX)
TARGET_PID=""
cleanup() { [ -n "$TARGET_PID" ] && kill "$TARGET_PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
[ -x /usr/bin/time ] || { [ "$(id -u)" = 0 ] || SUDO=sudo; ${SUDO:-} apt-get install -y -qq time >/dev/null; }
ulimit -n "$(ulimit -Hn)"  # each side holds USERS sockets

if [ -z "${TTSLOAD_BIN:-}" ]; then
  echo "building ttsload (release)..." >&2
  (cd "$ROOT" && swift build -c release --product ttsload >/dev/null)
  TTSLOAD_BIN=$ROOT/.build/release/ttsload
fi

python3 "$ROOT/bench/delay_target.py" "$DELAY" > "$WORK/target.out" &
TARGET_PID=$!
for _ in $(seq 100); do grep -q listening "$WORK/target.out" && break; sleep 0.1; done
URL=$(sed -n 's/^listening on //p' "$WORK/target.out")

cat > "$WORK/plan.yaml" <<PLAN
name: bench-users
target: { url: "$URL", api: raw }
defaults: { timeout: { connect: 10s, response: 30s } }
thread_groups:
  - name: users
    request: { method: GET, path: /slow }
    load: { steps: [$USERS], ramp_up: 10s, hold: 10s }
PLAN

/usr/bin/time -f '%e %U %S %M' -o "$WORK/time" "$TTSLOAD_BIN" run "$WORK/plan.yaml" --out "$WORK/run" --quiet --no-report > "$WORK/run.out" 2>&1
read -r wall user sys rss < "$WORK/time"
stats=$(curl -s "$URL/stats")
target_cpu=$(ps -o cputime= -p "$TARGET_PID" | awk -F: '{print $1*3600+$2*60+$3}')
python3 - "$WORK/run/summary.json" "$stats" "$USERS" "$wall" "$user" "$sys" "$rss" "$target_cpu" "$DELAY" <<'PY'
import json, sys
summary = json.load(open(sys.argv[1])); stats = json.loads(sys.argv[2])
users, wall, user, sys_, rss = int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]), float(sys.argv[6]), int(sys.argv[7])
hold = [s for s in summary["steps"]][0]["figures"]
print(f"{'measure':34} {'value':>12}")
for name, value in [
    ("plan users", users),
    ("target: max open connections", stats["max_open_connections"]),
    ("target: requests served", stats["requests"]),
    ("ttsload samples", summary["total"]["samples"]),
    ("ttsload errors", summary["total"]["errors"]),
    (f"hold req/s (ideal {users/float(sys.argv[9]):.0f})", round(hold["requests_per_second"], 1)),
    (f"hold p50 ms (target delay {1000*float(sys.argv[9]):.0f})", round(hold["p50_ms"], 1)),
    ("hold p99 ms", round(hold["p99_ms"], 1)),
    ("ttsload peak RSS MB", round(rss / 1024, 1)),
    ("ttsload CPU s (user+sys)", round(user + sys_, 1)),
    ("target CPU s (python asyncio)", float(sys.argv[8])),
    ("wall s", wall),
]:
    print(f"{name:34} {value:>12}")
PY
