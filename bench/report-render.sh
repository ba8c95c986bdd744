#!/usr/bin/env bash
# Renders a real run's dashboard as a person sees it: runs PLAN (default plans/smoke.yaml) against
# its target, writes index.html with `ttsload report`, and screenshots it with Debian's headless
# Chromium at 1400 px width, with the network blocked (a proxy that refuses everything), so a page
# that tried to fetch anything would show it. Prints the PNG's path; look at it.
# Usage: bench/report-render.sh [PLAN] [extra `ttsload run` args, e.g. --set thread_groups[0].load.hold=5s]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PLAN=${1:-plans/smoke.yaml}; shift || true
BIN=${TTSLOAD_BIN:-$ROOT/.build/debug/ttsload}
command -v chromium >/dev/null || { [ "$(id -u)" = 0 ] || SUDO=sudo; ${SUDO:-} apt-get install -y -qq chromium >/dev/null; }
if [ ! -x "$BIN" ]; then
  echo "building ttsload..." >&2
  (cd "$ROOT" && swift build --product ttsload >/dev/null)
fi
OUT=${OUT:-$ROOT/reports/report-render-$(date -u +%Y%m%d-%H%M%S)}

cd "$ROOT"
"$BIN" run "$PLAN" --out "$OUT" --quiet "$@" > "$OUT.run.log" 2>&1 || { cat "$OUT.run.log" >&2; exit 1; }
mv "$OUT.run.log" "$OUT/run.log"
start=$(date +%s%N)
"$BIN" report "$OUT"
echo "report written in $(( ($(date +%s%N) - start) / 1000000 )) ms ($(wc -c < "$OUT/index.html") bytes)"

# Static check: nothing the page could fetch (attributes and CSS only; escaped text holds no tags).
if grep -oE '(src|href)=["'"'"']?[^"'"'"' >]*|url\([^)]*' "$OUT/index.html" | grep -vE '=["'"'"']?(#|data:)|url\((#|data:)' ; then
  echo "FAIL: external references above" >&2; exit 1
fi

# Chromium with every network request sent to a closed port: a fetch would fail and be logged.
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars \
  --proxy-server="http://127.0.0.1:9" --proxy-bypass-list="<-loopback>" \
  --enable-logging=stderr --v=0 \
  --screenshot="$OUT/dashboard.png" --window-size=1400,${HEIGHT:-2400} "file://$OUT/index.html" \
  2> "$OUT/chromium.log" >/dev/null || { cat "$OUT/chromium.log" >&2; exit 1; }
if grep -E 'ERR_(PROXY|CONNECTION|NAME|INTERNET|FILE_NOT_FOUND)|Failed to load' "$OUT/chromium.log"; then
  echo "FAIL: the page tried to load something (above)" >&2; exit 1
fi
echo "screenshot: $OUT/dashboard.png"
