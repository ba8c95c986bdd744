#!/usr/bin/env bash
# The controller's own cost in a distributed run: 4 agents on this host (127.0.0.2..5) drive a
# static nginx target at RATE req/s in all (open model, constant arrivals) for SECONDS; the
# controller's CPU (user+sys) and peak RSS come from /usr/bin/time, the agents' too for scale.
# Goal (issue 7): controller under 5% of one core per agent. Medians of RUNS runs.
# Usage: bench/cluster-controller.sh [RUNS=3] [SECONDS=20] [RATE=3000]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
RUNS=${1:-3}; SECONDS_PER_RUN=${2:-20}; RATE=${3:-3000}; AGENTS=4
WORK=$(mktemp -d /tmp/ttsload-cluster-bench.XXXXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
[ "$(id -u)" = 0 ] || SUDO=sudo
command -v nginx >/dev/null || ${SUDO:-} apt-get install -y -qq --no-install-recommends nginx-light >/dev/null
[ -x /usr/bin/time ] || ${SUDO:-} apt-get install -y -qq --no-install-recommends time >/dev/null

if [ -z "${TTSLOAD_BIN:-}" ]; then
  echo "building ttsload (release)..." >&2
  (cd "$ROOT" && swift build -c release --product ttsload >/dev/null)
  TTSLOAD_BIN=$ROOT/.build/release/ttsload
fi
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

source "$ROOT/bench/static-target.sh"
start_static_nginx "$WORK"; PIDS+=("$NGINX_PID")

openssl rand -hex 24 > "$WORK/token"
# The control channel over TLS, as agents serve it by default: one pair for every agent address.
"$TTSLOAD_BIN" agent-cert --dir "$WORK/certs" $(for i in $(seq $AGENTS); do printf -- '--host 127.0.0.%d ' $((i+1)); done) > /dev/null
LIST=""
for i in $(seq $AGENTS); do
  APORT=$(free_port)
  /usr/bin/time -f '%U %S %M' -o "$WORK/agent$i.time" "$TTSLOAD_BIN" agent --listen 127.0.0.$((i+1)):$APORT \
    --token-file "$WORK/token" --name a$i --spool-dir "$WORK/spool$i" \
    --tls-cert "$WORK/certs/agent-127.0.0.2.pem" --tls-key "$WORK/certs/agent-127.0.0.2-key.pem" > "$WORK/agent$i.log" 2>&1 & PIDS+=($!)
  LIST="$LIST${LIST:+,}a$i=127.0.0.$((i+1)):$APORT"
done
for i in $(seq $AGENTS); do for _ in $(seq 100); do grep -q listening "$WORK/agent$i.log" && break; sleep 0.1; done; done

cat > "$WORK/plan.yaml" <<PLAN
name: cluster-bench
target: { url: "http://127.0.0.1:$PORT", api: raw }
thread_groups:
  - name: static
    request: { method: GET, path: /index.html }
    load: { arrival_rate: { rate: "$RATE/s", duration: ${SECONDS_PER_RUN}s, max_users: 400 } }
PLAN

printf '%-4s %10s %12s %14s %16s %12s\n' run "req/s" "ctl CPU s" "ctl % of core" "per agent %" "ctl RSS MB"
results=()
for r in $(seq "$RUNS"); do
  /usr/bin/time -f '%U %S %M' -o "$WORK/ctl.time" "$TTSLOAD_BIN" run "$WORK/plan.yaml" --agents "$LIST" \
    --token-file "$WORK/token" --ca "$WORK/certs/ca.pem" --out "$WORK/run$r" --no-report --no-store --quiet > "$WORK/ctl$r.log" 2>&1 \
    || { tail -20 "$WORK/ctl$r.log" >&2; exit 1; }
  samples=$(python3 -c "import json; print(json.load(open('$WORK/run$r/summary.json'))['total']['samples'])")
  read -r user sys rss < "$WORK/ctl.time"
  line=$(python3 - "$samples" "$user" "$sys" "$rss" "$SECONDS_PER_RUN" "$AGENTS" <<'PY'
import sys
samples, user, sys_, rss, secs, agents = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]), int(sys.argv[6])
cpu = user + sys_
# The controller lives from the agents' check to the merge: its CPU is spread over the load's
# seconds here (the conservative reading: the whole process's CPU charged to the load time).
pct = 100 * cpu / secs
print(f"{samples/secs:.0f} {cpu:.2f} {pct:.1f} {pct/agents:.2f} {rss/1024:.0f}")
PY
)
  results+=("$line")
  read -r rate cpu pct per rssmb <<< "$line"
  printf '%-4s %10s %12s %14s %16s %12s\n' "$r" "$rate" "$cpu" "$pct" "$per" "$rssmb"
done
printf '%s\n' "${results[@]}" | python3 -c '
import sys, statistics
rows = [list(map(float, l.split())) for l in sys.stdin if l.strip()]
med = [statistics.median(c) for c in zip(*rows)]
print(f"median {med[0]:10.0f} {med[1]:12.2f} {med[2]:14.1f} {med[3]:16.2f} {med[4]:12.0f}   (goal: per agent < 5%)")'
