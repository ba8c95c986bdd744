#!/usr/bin/env bash
# ttsload's engine against wrk and hey on the same static target (nginx, 1 worker), in one run:
# requests/s and client CPU-ms per 1000 requests, with ratios to wrk; medians of RUNS runs.
# ttsload runs as in a real test: JTL written, per-second statistics on; the HTML report, which a
# run builds after the load, is left out (--no-report) so only the load generation is measured.
# Two ttsload rows: `ttsload` with its default engine threads (a loopback target: half the cores,
# EngineThreads.defaultCount) and `ttsload-tN` with one thread per core (N = cores), the setting for
# a target on another host, shown so the default's effect is measured in the same run.
# Usage: bench/engine-vs-wrk.sh [RUNS=3] [SECONDS=5] [CONNECTIONS=50]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
RUNS=${1:-3}; SECONDS_PER_RUN=${2:-5}; CONNS=${3:-50}
WORK=$(mktemp -d /tmp/ttsload-bench.XXXXXX)
NGINX_PID=""
cleanup() { [ -n "$NGINX_PID" ] && kill "$NGINX_PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

need() { command -v "$1" >/dev/null 2>&1 || { echo "installing $2" >&2; ${SUDO:-} apt-get install -y -qq --no-install-recommends "$2" >/dev/null; }; }
[ "$(id -u)" = 0 ] || SUDO=sudo
need wrk wrk; need hey hey; need nginx nginx-light; [ -x /usr/bin/time ] || need /usr/bin/time time

if [ -z "${TTSLOAD_BIN:-}" ]; then
  echo "building ttsload (release)..." >&2
  (cd "$ROOT" && swift build -c release --product ttsload >/dev/null)
  TTSLOAD_BIN=$ROOT/.build/release/ttsload
fi

# nginx: one worker, a 1 KiB file, no access log, on a free port.
source "$ROOT/bench/static-target.sh"
start_static_nginx "$WORK"
URL="http://127.0.0.1:$PORT/index.html"

cat > "$WORK/plan.yaml" <<PLAN
name: bench-static
target: { url: "http://127.0.0.1:$PORT", api: raw }
thread_groups:
  - name: static
    request: { method: GET, path: /index.html }
    load: { users: $CONNS, duration: ${SECONDS_PER_RUN}s }
PLAN

# measure TOOL CMD... -> prints "requests cpu_seconds" (CPU = user+sys of the client process tree)
measure() {
  local tool=$1; shift
  /usr/bin/time -f '%U %S %M' -o "$WORK/time" "$@" > "$WORK/out" 2>&1 || { cat "$WORK/out" >&2; return 1; }
  local cpu rss requests
  cpu=$(awk '{print $1+$2}' "$WORK/time"); rss=$(awk '{print $3}' "$WORK/time")
  case $tool in
    wrk) requests=$(awk '/requests in/{print $1}' "$WORK/out"); grep -q "Non-2xx" "$WORK/out" && { echo "wrk saw non-2xx answers" >&2; return 1; } ;;
    hey) requests=$(awk '/\[200\]/{print $2; exit}' "$WORK/out"); [ -n "$requests" ] || { echo "hey said:" >&2; tail -20 "$WORK/out" >&2; } ;;
    ttsload) requests=$(python3 -c 'import json,sys; t=json.load(open(sys.argv[1]))["total"]; assert t["errors"] == 0, t; print(t["samples"])' "$WORK/run/summary.json") ;;
  esac
  echo "$requests $cpu $rss"
}

declare -A RPS CPU RSS
CORES=$(nproc)
TOOLS="wrk hey ttsload ttsload-t$CORES"
for tool in $TOOLS; do RPS[$tool]=""; CPU[$tool]=""; RSS[$tool]=""; done
for run in $(seq "$RUNS"); do
  for tool in $TOOLS; do
    case $tool in
      wrk) read -r n c m < <(measure wrk wrk -t2 -c"$CONNS" -d"${SECONDS_PER_RUN}s" "$URL") ;;
      hey) read -r n c m < <(measure hey hey -c "$CONNS" -z "${SECONDS_PER_RUN}s" "$URL") ;;
      ttsload) rm -rf "$WORK/run"; read -r n c m < <(measure ttsload "$TTSLOAD_BIN" run "$WORK/plan.yaml" --out "$WORK/run" --quiet --no-report) ;;
      ttsload-t*) rm -rf "$WORK/run"; read -r n c m < <(measure ttsload "$TTSLOAD_BIN" run "$WORK/plan.yaml" --out "$WORK/run" --quiet --no-report --threads "$CORES") ;;
    esac
    RPS[$tool]+="$(python3 -c "print($n/$SECONDS_PER_RUN)") "
    CPU[$tool]+="$(python3 -c "print(1000*$c/max($n,1)*1000)") "
    RSS[$tool]+="$((m/1024)) "
    echo "run $run $tool: $n requests, cpu ${c}s, max RSS $((m/1024)) MB" >&2
  done
done

median() { python3 -c 'import statistics,sys; print(statistics.median(float(x) for x in sys.argv[1:]))' $1; }
W_RPS=$(median "${RPS[wrk]}"); W_CPU=$(median "${CPU[wrk]}")
printf '\n%-10s %12s %16s %10s %12s %12s\n' tool "req/s" "CPU-ms/1k req" "RSS MB" "req/s÷wrk" "CPU÷wrk"
for tool in $TOOLS; do
  r=$(median "${RPS[$tool]}"); c=$(median "${CPU[$tool]}"); m=$(median "${RSS[$tool]}")
  printf '%-10s %12.0f %16.1f %10.0f %12.2f %12.2f\n' "$tool" "$r" "$c" "$m" "$(python3 -c "print($r/$W_RPS)")" "$(python3 -c "print($c/$W_CPU)")"
done
echo "(medians of $RUNS runs, ${SECONDS_PER_RUN}s each, $CONNS connections, nginx 1 worker on the same 2 cores)"
