#!/usr/bin/env bash
# The simulated accelerator (--model-latency base=300ms,per-item=40ms,per-char=2ms): throughput
# with --max-batch 1 (serial inference) against --max-batch 8 at 64 concurrent clients.
#   bench/server-batching.sh           (DURATION=30 by default)
source "$(dirname "$0")/server-common.sh"
DURATION=${DURATION:-30}
MODEL=${MODEL:-base=300ms,per-item=40ms,per-char=2ms}
need wrk wrk
need curl curl
build

body=$(json_body "$MEDIUM")
printf '\n== model latency %s, %s workers, 64 clients, medium text, %ss ==\n' "$MODEL" "$CORES" "$DURATION"
declare -A RPS
for batch in 1 8; do
    start_server --workers "$CORES" --cache-mb 0 --queue 256 --max-batch "$batch" --batch-wait-ms 20 --model-latency "$MODEL"
    RPS[$batch]=$(wrk_rps "$body" "$URL/v1/tts" -t 1 -c 64 -d "${DURATION}s" --timeout 120s)
    sizes=$(curl -s "$URL/metrics" | awk '/^tts_batch_size_sum/ {s=$2} /^tts_batch_size_count/ {c=$2} END {if (c) printf "%.2f", s / c}')
    stop_server
    printf 'max-batch %s: %s requests/s (mean batch %s)\n' "$batch" "${RPS[$batch]}" "$sizes"
done
printf 'batching gain: %sx\n' "$(awk -v a="${RPS[8]}" -v b="${RPS[1]}" 'BEGIN {printf "%.2f", a / b}')"
