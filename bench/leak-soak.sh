#!/usr/bin/env bash
# A leak rehearsal of a few minutes (docs/monitors.md, "Leaks"): two embedded servers side by side,
# one leaking KB kilobytes per request (`--leak-kb-per-request`), one clean, each under the same
# closed load for SECONDS with its /metrics scraped as a monitor. Prints, per server, whether the
# run flagged a leak, the RSS slope it found with its 95% interval, and the truth: the growth of
# the server's own tts_leaked_bytes counter over the run (read here with curl, before and after).
# Usage: bench/leak-soak.sh [SECONDS=180] [KB=16]
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_=${1:-180}
KB=${2:-16}
BIN=${BIN:-.build/release/ttsload}
[ -x "$BIN" ] || swift build -c release --product ttsload
dir=$(mktemp -d /tmp/ttsload-leak-soak-XXXXXX)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done' EXIT

start_server() {  # name, extra flags... (not in a subshell: the trap must see the pid)
  local name=$1; shift
  "$BIN" server --port 0 --workers 1 --cache-mb 0 "$@" > "$dir/$name.out" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do grep -q "^listening on " "$dir/$name.out" && break; sleep 0.1; done
}
url_of() { sed -n 's/^listening on //p' "$dir/$1.out" | head -1; }
leaked() { curl -fsS "$1/metrics" | awk '$1 == "tts_leaked_bytes" { print $2 }'; }

start_server leaking --leak-kb-per-request "$KB"
start_server clean
url_leak=$(url_of leaking)
url_clean=$(url_of clean)
for name in leaking clean; do
  url=$([ $name = leaking ] && echo "$url_leak" || echo "$url_clean")
  cat > "$dir/$name.yaml" <<PLAN
name: soak-$name
target: { url: "$url", api: indextts }
defaults: { think_time: { constant: 50ms } }
thread_groups:
  - { name: g, request: { text: "a soak test sentence" }, load: { users: 3, duration: ${SECONDS_}s } }
monitors:
  - { prometheus: "\${target}/metrics", match: ["process_resident_memory_bytes", "tts_leaked_bytes"] }
PLAN
done
before_leak=$(leaked "$url_leak")
t0=$(date +%s.%N)
"$BIN" run "$dir/leaking.yaml" --out "$dir/leaking" --no-store --no-report --quiet > "$dir/leaking.log" 2>&1 &
run_leak=$!
"$BIN" run "$dir/clean.yaml" --out "$dir/clean" --no-store --no-report --quiet > "$dir/clean.log" 2>&1 || true
wait $run_leak || true
t1=$(date +%s.%N)
after_leak=$(leaked "$url_leak")

python3 - "$dir" "$before_leak" "$after_leak" "$t0" "$t1" <<'PY'
import json, sys
d, before, after, t0, t1 = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
truth = (after - before) / (t1 - t0) * 3600 / 2**20
print(f"server's own tts_leaked_bytes: +{(after - before) / 2**20:.1f} MiB in {t1 - t0:.0f} s = {truth:.1f} MiB/h (whole run, ramp included)")
for name in ("leaking", "clean"):
    s = json.load(open(f"{d}/{name}/summary.json"))
    leaks = {l["series"]: l for l in s.get("monitors", {}).get("leaks", [])}
    rss = leaks.get("target:process_resident_memory_bytes")
    if rss:
        sl = rss["slope"]
        print(f"{name:8s} flagged: RSS {sl['per_hour'] / 2**20:.1f} MiB/h (95% {sl['low_per_hour'] / 2**20:.1f} to {sl['high_per_hour'] / 2**20:.1f}),"
              f" ratio to the server's leak {sl['per_hour'] / 2**20 / truth:.2f}" if truth > 0 else "")
    else:
        print(f"{name:8s} not flagged")
PY
echo "runs in $dir"
