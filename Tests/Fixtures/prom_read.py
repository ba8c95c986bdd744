#!/usr/bin/env python3
"""Reads a Prometheus /metrics page with Prometheus' own Python client and prints every sample
as JSON: {"name{label=\"v\",...}": value}, labels sorted. What the tests hold the monitors' stored
series against."""
import json
import sys
import urllib.request

from prometheus_client.parser import text_string_to_metric_families

text = urllib.request.urlopen(sys.argv[1], timeout=10).read().decode()
out = {}
for family in text_string_to_metric_families(text):
    for s in family.samples:
        labels = ",".join(f'{k}="{v}"' for k, v in sorted(s.labels.items()))
        out[s.name + ("{" + labels + "}" if labels else "")] = s.value
print(json.dumps(out))
