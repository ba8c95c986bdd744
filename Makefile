# The two commands of the README: `make demo` (the main job) and `make test` (the whole suite).
# Run ./setup first on a fresh machine: it installs make and the libraries through apt.
SWIFT ?= swift
BIN := .build/debug/ttsload

.PHONY: demo test build release clean

build:
	$(SWIFT) build

# The main job: check every example plan, then a stepped test (10 -> 50 -> 100 -> 200 users, about
# a minute) against the embedded TTS server; it ends with the thresholds' verdict and the run
# folder. Exit 1 from `ttsload run` is that verdict (thresholds broken at the knee, which is what
# the demo shows), so it does not fail make; any other failure does.
demo: build
	$(BIN) validate --quiet plans/*.yaml
	$(BIN) run plans/stepped.yaml || [ $$? -eq 1 ]

# The whole test suite: unit tests and tests that start real processes on loopback, then the
# tests that time things, alone and serialized so the shared machine's other work stays out.
test: build
	$(SWIFT) test --skip TimingTests
	$(SWIFT) test --filter TimingTests --no-parallel

release:
	$(SWIFT) build -c release

clean:
	rm -rf .build
