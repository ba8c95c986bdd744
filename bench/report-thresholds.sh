#!/usr/bin/env bash
# What judging thresholds costs `ttsload report` on a big file: the same synthetic JTL (default
# 1,000,000 samples, bench/synthetic_jtl.py: steps 10/50/100/200 users, 5 labels, 2% errors) is
# reported by a BASE build (before thresholds, e.g. a release build of 69af52e) and by this tree's
# release build, alternately, 3 times each: without a plan (steps inferred) and with a stepped plan
# of 6 thresholds the base build can also read (it lists them; the new build judges them in the
# same pass; the new build alone is also timed with the new metrics and step scopes). Prints each run, the medians and
# the ratio new / base.
# Usage: BASE_BIN=/path/to/old/ttsload bench/report-thresholds.sh [N]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
N=${1:-1000000}
NEW=${NEW_BIN:-$ROOT/.build/release/ttsload}
BASE=${BASE_BIN:?give BASE_BIN: a ttsload release build from before thresholds}
[ -x "$NEW" ] || (cd "$ROOT" && swift build -c release --product ttsload >/dev/null)
WORK=$(mktemp -d /tmp/ttsload-report-thresholds.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
python3 "$ROOT/bench/synthetic_jtl.py" "$N" "$WORK/results.jtl" >/dev/null
cat > "$WORK/plan.yaml" <<'YAML'
name: synthetic
target: { url: "http://127.0.0.1:9", api: raw }
thread_groups:
  - { name: tts, request: { method: GET, path: / }, load: { steps: [10, 50, 100, 200], ramp_up: 1s, hold: 59s } }
thresholds:
  - "p95 < 1s"
  - "p99 < 2s"
  - "error_rate < 1%"
  - "happy-short: p95 < 1s"
  - "rtf_p95 < 1"
  - "ttfa_p95 < 500ms"
YAML
sed -e 's/"p99 < 2s"/"each step: p99 < 2s"/' -e 's/"rtf_p95 < 1"/"ok_p95 < 1s"/' -e 's/"happy-short: p95 < 1s"/"rc5xx < 1%"/' \
  "$WORK/plan.yaml" > "$WORK/plan-new.yaml"
run() { # bin, extra args -> seconds
  local t0=$(date +%s.%N)
  # Exit 1 is a failed threshold; anything else is a failed run and stops the bench.
  "$1" report "$WORK/results.jtl" --out "$WORK/out" "${@:2}" >/dev/null 2>"$WORK/err" || [ $? -eq 1 ] || { cat "$WORK/err" >&2; exit 3; }
  echo "$(date +%s.%N) - $t0" | bc
}
median() { printf '%s\n' "$@" | sort -n | sed -n 2p; }
echo "JTL: $N samples; base $BASE; new $NEW"
for mode in inferred plan; do
  args=(); [ $mode = plan ] && args=(--plan "$WORK/plan.yaml")
  b=(); n=()
  for i in 1 2 3; do b+=("$(run "$BASE" "${args[@]}")"); n+=("$(run "$NEW" "${args[@]}")"); done
  mb=$(median "${b[@]}"); mn=$(median "${n[@]}")
  printf '%-9s base %s s  new %s s  (runs base: %s; new: %s)  new/base %.2f\n' "$mode" "$mb" "$mn" "${b[*]}" "${n[*]}" "$(echo "$mn / $mb" | bc -l)"
done
n=(); for i in 1 2 3; do n+=("$(run "$NEW" --plan "$WORK/plan-new.yaml")"); done
printf 'new metrics and step scopes (new only): %s s  (runs: %s)\n' "$(median "${n[@]}")" "${n[*]}"
