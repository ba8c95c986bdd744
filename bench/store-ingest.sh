#!/usr/bin/env bash
# Samples per second into the SQLite store, for the two ways samples get there:
#   run recording: ResultStore.addSamples with batches as `ttsload run` drains them (2,500 per call),
#                  synthetic samples, only the store calls timed (`ttsload store-bench`, hidden);
#   import:        `ttsload import` of a synthetic ttsload JTL (bench/synthetic_jtl.py, 23 columns):
#                  reading + parsing + storing, one transaction, wall time of the whole command.
# Each into a new store file; prints a table. Goal (issue 6): at least 300k samples/s ingest.
# Usage: bench/store-ingest.sh [N]   (default 1,000,000; TTSLOAD_BIN defaults to the release build)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
N=${1:-1000000}
BIN=${TTSLOAD_BIN:-$ROOT/.build/release/ttsload}
[ -x "$BIN" ] || (cd "$ROOT" && swift build -c release --product ttsload >/dev/null)
[ -x /usr/bin/time ] || { [ "$(id -u)" = 0 ] || SUDO=sudo; ${SUDO:-} apt-get install -y -qq time >/dev/null; }
WORK=$(mktemp -d /tmp/ttsload-store-ingest.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

python3 "$ROOT/bench/synthetic_jtl.py" "$N" "$WORK/results.jtl"

rec=$(/usr/bin/time -f "rss %M" -o "$WORK/rec.time" "$BIN" store-bench --samples "$N" --store "$WORK/record.sqlite")
rec_rate=$(echo "$rec" | sed -E 's/.* = ([0-9]+) samples\/s/\1/')
rec_secs=$(echo "$rec" | sed -E 's/.* in ([0-9.]+) s .*/\1/')
rec_rss=$(awk '/rss/ {print $2}' "$WORK/rec.time")

/usr/bin/time -f "%e %M" -o "$WORK/imp.time" "$BIN" import "$WORK/results.jtl" --store "$WORK/import.sqlite" >/dev/null 2>"$WORK/imp.err"
read -r imp_secs imp_rss < "$WORK/imp.time"
imp_rate=$(python3 -c "print(round($N / $imp_secs))")

printf '%-16s %10s %9s %12s %10s\n' path samples seconds samples/s "peak RSS"
printf '%-16s %10s %9s %12s %10s\n' "run recording" "$N" "$rec_secs" "$rec_rate" "$((rec_rss / 1024)) MB"
printf '%-16s %10s %9s %12s %10s\n' "import (JTL)" "$N" "$imp_secs" "$imp_rate" "$((imp_rss / 1024)) MB"
echo "store sizes: record $(du -h "$WORK/record.sqlite" | cut -f1), import $(du -h "$WORK/import.sqlite" | cut -f1); load: $(cut -d' ' -f1-3 /proc/loadavg)"
