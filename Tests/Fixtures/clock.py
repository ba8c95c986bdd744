#!/usr/bin/env python3
"""Answers every line on stdin with its wall clock and its monotonic clock (time.time() and
time.monotonic(), seconds, repr), for clock-offset tests (NetworkLab.fakeTimeArguments).
Prints 'listening on stdin PID' first; exits when stdin closes."""
import os
import sys
import time

print(f"listening on stdin {os.getpid()}", flush=True)
for _ in sys.stdin:
    print(repr(time.time()), repr(time.monotonic()), flush=True)
