#!/usr/bin/env bash
# The dashboard at scale: writes a synthetic ttsload JTL of N samples (default 1,000,000: 4 steps of
# 10/50/100/200 users, 5 labels, 2% errors, TTS columns), then times `ttsload report` on it and
# prints its wall time and peak RSS. Goal (issue 6): report under 10 s, peak RSS under 500 MB.
# Usage: bench/report-scale.sh [N]   (TTSLOAD_BIN defaults to the release build)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
N=${1:-1000000}
BIN=${TTSLOAD_BIN:-$ROOT/.build/release/ttsload}
[ -x "$BIN" ] || (cd "$ROOT" && swift build -c release --product ttsload >/dev/null)
[ -x /usr/bin/time ] || { [ "$(id -u)" = 0 ] || SUDO=sudo; ${SUDO:-} apt-get install -y -qq time >/dev/null; }
WORK=$(mktemp -d /tmp/ttsload-report-scale.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

python3 "$ROOT/bench/synthetic_jtl.py" "$N" "$WORK/results.jtl"
echo "JTL: $N samples, $(du -h "$WORK/results.jtl" | cut -f1)"
/usr/bin/time -f "report: %e s wall, %M KB peak RSS" "$BIN" report "$WORK/results.jtl" --out "$WORK/out"
echo "index.html: $(wc -c < "$WORK/out/index.html") bytes"
