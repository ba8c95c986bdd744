#!/usr/bin/env bash
# The A/A spread behind `ttsload compare`'s default tolerances (docs/compare.md): PAIRS pairs of
# runs of PLAN (default plans/model-latency.yaml: sleep-dominated latency), each pair compared with every
# tolerance at 0, printing the relative change of req/s and p50/p90/p95/p99 per step.
set -euo pipefail
cd "$(dirname "$0")/.."
PAIRS=${PAIRS:-5}
PLAN=${PLAN:-plans/model-latency.yaml}
BIN=${BIN:-.build/debug/ttsload}
[ -x "$BIN" ] || swift build
dir=$(mktemp -d /tmp/ttsload-aa-XXXXXX)
for i in $(seq 1 $((PAIRS * 2))); do
  "$BIN" run "$PLAN" --out "$dir/run$i" --no-store --no-report --quiet >/dev/null
done
for p in $(seq 1 "$PAIRS"); do
  a=$((2 * p - 1)); b=$((2 * p))
  "$BIN" compare "$dir/run$a" "$dir/run$b" --format json --tolerance all=0 > "$dir/pair$p.json" || true
done
python3 - "$dir" "$PAIRS" <<'PY'
import json, sys
d, pairs = sys.argv[1], int(sys.argv[2])
metrics = ["rps", "p50", "p90", "p95", "p99"]
print("pair  scope                    " + "  ".join(f"{m:>7}" for m in metrics))
worst = {m: 0.0 for m in metrics}
for p in range(1, pairs + 1):
    doc = json.load(open(f"{d}/pair{p}.json"))
    rows = {}
    for e in doc["entries"]:
        if e["kind"] == "step" and e["metric"] in metrics and e["relative"] is not None:
            rows.setdefault(e["scope"], {})[e["metric"]] = e["relative"] * 100
    for scope in sorted(rows):
        r = rows[scope]
        for m in metrics: worst[m] = max(worst[m], abs(r.get(m, 0)))
        print(f"{p:>4}  {scope:<24} " + "  ".join(f"{r.get(m, float('nan')):+6.1f}%" for m in metrics))
print("largest |change|               " + "  ".join(f"{worst[m]:6.1f}%" for m in metrics))
PY
echo "runs in $dir"
