#!/usr/bin/env python3
"""Answers every line on stdin with its wall clock (time.time(), repr) and its pid, for clock-offset
tests (NetworkLab.fakeTimeArguments). Prints 'listening on stdin PID' first; exits when stdin closes."""
import os
import sys
import time

print(f"listening on stdin {os.getpid()}", flush=True)
for _ in sys.stdin:
    print(repr(time.time()), flush=True)
