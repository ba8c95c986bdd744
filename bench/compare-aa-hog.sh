#!/usr/bin/env bash
# Does `ttsload compare` hold its verdicts on a busy machine (docs/compare.md, "Significance")?
# With a CPU hog pinned to core 0 for the whole bench (a busy loop; stress-ng --cpu 1 does the
# same), it runs PLAN (default plans/model-latency.yaml: the embedded server's simulated
# accelerator, 18 ms + 2 ms per request) 2 x AA_PAIRS times and compares each pair, which must give
# no regression and no improvement; then SLOW_PAIRS runs with the accelerator 20% slower
# (21.6 ms + 2.4 ms), each compared with the base run of an A/A pair, which must be called a
# regression. Default tolerances, release build. Prints each pair and the counts.
set -euo pipefail
cd "$(dirname "$0")/.."
AA_PAIRS=${AA_PAIRS:-20}
SLOW_PAIRS=${SLOW_PAIRS:-10}
PLAN=${PLAN:-plans/model-latency.yaml}
BIN=${BIN:-.build/release/ttsload}
[ -x "$BIN" ] || swift build -c release --product ttsload
SLOW='target.server_args=["--cache-mb","0","--workers","2","--queue","256","--model-latency","base=21.6ms,per-item=2.4ms"]'

dir=$(mktemp -d /tmp/ttsload-aa-hog-XXXXXX)
taskset -c 0 sh -c 'while :; do :; done' &
hog=$!
trap 'kill $hog 2>/dev/null || true' EXIT
echo "CPU hog: pid $hog on core 0; runs in $dir"

for i in $(seq 1 $((AA_PAIRS * 2))); do
  "$BIN" run "$PLAN" --out "$dir/aa$i" --no-store --no-report --quiet >/dev/null
done
for i in $(seq 1 "$SLOW_PAIRS"); do
  "$BIN" run "$PLAN" --out "$dir/slow$i" --no-store --no-report --quiet --set "$SLOW" >/dev/null
done
for p in $(seq 1 "$AA_PAIRS"); do
  "$BIN" compare "$dir/aa$((2 * p - 1))" "$dir/aa$((2 * p))" --format json > "$dir/aa-pair$p.json" || true
done
for p in $(seq 1 "$SLOW_PAIRS"); do
  "$BIN" compare "$dir/aa$((2 * p - 1))" "$dir/slow$p" --format json > "$dir/slow-pair$p.json" || true
done

python3 - "$dir" "$AA_PAIRS" "$SLOW_PAIRS" <<'PY'
import json, sys
d, aa, slow = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def pair(name):
    doc = json.load(open(f"{d}/{name}.json"))
    changed = [e for e in doc["entries"] if e["verdict"] in ("regression", "improvement")]
    steps = {e["scope"]: e for e in doc["entries"] if e["kind"] == "step" and e["metric"] == "p95"}
    p95 = " ".join(f"{(e['relative'] or 0) * 100:+5.1f}%" for _, e in sorted(steps.items()))
    ess = " ".join(f"{e.get('base_effective') or '-'}/{e['base_count']}" for _, e in sorted(steps.items()))
    return doc["verdict"], changed, p95, ess
quiet = 0
print("A/A pairs (must be no regression, no improvement): verdict, p95 change per step, p95 effective n / samples (base)")
for p in range(1, aa + 1):
    verdict, changed, p95, ess = pair(f"aa-pair{p}")
    quiet += not changed
    print(f"  aa {p:>2}  {verdict:<11} p95 {p95}  eff {ess}  " + "; ".join(f"{e['scope']} {e['metric']} {e['verdict']} {(e['relative'] or 0) * 100:+.1f}%" for e in changed))
called = 0
print("20% slower accelerator (must be a regression): verdict, p95 change per step")
for p in range(1, slow + 1):
    verdict, changed, p95, ess = pair(f"slow-pair{p}")
    called += verdict == "regression"
    regressions = sorted({e["metric"] for e in changed if e["verdict"] == "regression"})
    print(f"  slow {p:>2}  {verdict:<11} p95 {p95}  regressions in: {', '.join(regressions) or '-'}")
print(f"A/A pairs with no change: {quiet} of {aa}; 20% slowdowns called a regression: {called} of {slow}")
PY
