#!/bin/sh
# Rewrites jmeter-2.13-default.jtl and jmeter-2.13-header.jtl in this folder with the real JMeter
# 2.13 (Debian 12: apt-get install jmeter jmeter-http; java 17). About 20 s; loopback only.
set -eu
cd "$(dirname "$0")"
exec python3 make_fixtures.py .
