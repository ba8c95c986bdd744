#!/usr/bin/env bash
# Sessions against servers that greet at once (audio and done right after the handshake, then the
# close), built on the Python websockets library (Tests/Fixtures/ws_greeting_server.py): "burst"
# sends the 101, the frames, the close frame and FIN in one write, "serve" is the library's asyncio
# server. Counts, per mode, the sessions that got all 4 audio messages and the done message, and
# what happened to the others: WSClient's upgrade lost 10 of 13 against "burst" (docs/websocket.md).
# Usage: bench/ws-greeting.sh [SESSIONS=200] (at 200/s, at most 10 in flight, 2 s timeout each;
# TTSLOAD_BIN=path uses that binary instead of a release build)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SESSIONS=${1:-200}
WORK=$(mktemp -d /tmp/ttsload-wsgreet.XXXXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT
python3 -c "import websockets" 2>/dev/null || { echo "needs the websockets module (./setup installs it)" >&2; exit 2; }
if [ -z "${TTSLOAD_BIN:-}" ]; then
  echo "building ttsload (release)..." >&2
  (cd "$ROOT" && nice -n 15 swift build -c release --product ttsload >/dev/null)
  TTSLOAD_BIN=$ROOT/.build/release/ttsload
fi

for mode in burst serve; do
  mkfifo "$WORK/$mode.in"
  python3 "$ROOT/Tests/Fixtures/ws_greeting_server.py" "$mode" < "$WORK/$mode.in" > "$WORK/$mode.out" &
  PIDS+=($!)
  exec {fd}>"$WORK/$mode.in"   # held open: the fixture exits when its stdin closes
  for _ in $(seq 100); do grep -q listening "$WORK/$mode.out" && break; sleep 0.1; done
  PORT=$(sed -n 's/^listening on //p' "$WORK/$mode.out")
  cat > "$WORK/$mode.yaml" <<PLAN
name: ws-greeting-$mode
target: { url: "http://127.0.0.1:$PORT", api: raw, audio: { format: pcm, sample_rate: 16000 } }
thread_groups:
  - name: $mode
    request:
      websocket:
        path: /
        messages:
          - json: { type: hello }
        done: { field: type, equals: done }
        timeout: 2s
    load: { arrival_rate: { rate: 200, duration: $((SESSIONS / 200))s, max_users: 10 } }
PLAN
  "$TTSLOAD_BIN" run "$WORK/$mode.yaml" --out "$WORK/$mode.run" --quiet --no-report > /dev/null 2>&1 || true
  python3 - "$WORK/$mode.run/results.jtl" "$mode" <<'PY'
import csv, sys, collections, re
rows = list(csv.DictReader(open(sys.argv[1])))
outcomes = collections.Counter()
for r in rows:
    whole = r["success"] == "true" and r["responseMessage"].endswith("5 received (4 audio)")
    outcomes["complete" if whole else re.sub(r"[\d.]+ ?m?s\b", "N", r["failureMessage"] or r["responseMessage"])[:80]] += 1
print(f"{sys.argv[2]:6} {len(rows)} sessions: " + ", ".join(f"{v} {k}" for k, v in outcomes.most_common()))
PY
done
