#!/usr/bin/env bash
# /metrics of a server that has seen successes, errors, a queue-full 503 and the model passes
# `promtool check metrics` (Debian's prometheus package).
source "$(dirname "$0")/server-common.sh"
need promtool prometheus
need curl curl
build

start_server --workers 1 --queue 1 --model-latency base=200ms --cache-mb 1
body=$(json_body "$SHORT")
pids=()
for _ in 1 2 3 4; do curl -s -o /dev/null -X POST --data-binary @"$body" "$URL/v1/tts" & pids+=($!); done
wait "${pids[@]}"
curl -s -o /dev/null -X POST -d '{"text": ""}' "$URL/v1/tts"
curl -s -o /dev/null -X POST -d '{"model": "tts-1", "input": "hi", "voice": "alloy", "response_format": "mp3"}' "$URL/v1/audio/speech"
curl -s "$URL/metrics" > "$WORK/metrics.txt"
stop_server
promtool check metrics < "$WORK/metrics.txt" && echo "promtool check metrics: OK ($(grep -vc '^#' "$WORK/metrics.txt") samples)"
