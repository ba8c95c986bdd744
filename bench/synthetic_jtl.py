#!/usr/bin/env python3
"""A synthetic ttsload JTL: N samples, 4 steps of 10/50/100/200 users (60 s each), 5 labels (one
quoted), 2% errors, TTS columns. Usage: synthetic_jtl.py N PATH. Used by report-scale.sh and
store-ingest.sh."""
import random, sys
n, path = int(sys.argv[1]), sys.argv[2]
random.seed(1)
levels = [10, 50, 100, 200]
labels = ["neutral-short", "happy-short", "sad-medium", "angry-long", "calm, quoted \"label\""]
start = 1_700_000_000_000
failure = '"status 503, expected 200"'   # holds a comma, so quoted as JMeter does
with open(path, "w") as f:
    f.write("timeStamp,elapsed,label,responseCode,responseMessage,threadName,dataType,success,failureMessage,bytes,"
            "sentBytes,grpThreads,allThreads,URL,Latency,IdleTime,Connect,\"audio_seconds\",\"ttfa_ms\",\"max_gap_ms\","
            "\"underrun_ms\",\"rtf\",\"chars\"\n")
    per_step = n // len(levels)
    for k, users in enumerate(levels):
        base = 40 * (1 + k * k)                  # latency grows with load
        for i in range(per_step if k < len(levels) - 1 else n - per_step * (len(levels) - 1)):
            t = start + k * 60_000 + i * 60_000 // per_step
            elapsed = int(random.expovariate(1 / base)) + 5
            ok = random.random() > 0.02
            label = labels[i % len(labels)]
            q = '"' + label.replace('"', '""') + '"' if ("," in label or '"' in label) else label
            audio = 1.0 + (i % 7) * 0.3
            f.write(f"{t},{elapsed},{q},{200 if ok else 503},{'OK' if ok else 'Service Unavailable'},tts 1-{i % users + 1},"
                    f"bin,{'true' if ok else 'false'},{'' if ok else failure},48044,310,{users},{users},"
                    f"http://127.0.0.1:8080/v1/tts,{elapsed // 3},0,0,{audio:.3f},{elapsed / 3:.1f},0.0,0.0,"
                    f"{elapsed / 1000 / audio:.4f},42\n")
