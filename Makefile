# The two commands of the README: `make demo` (the main job) and `make test` (the whole suite).
# Run ./setup first on a fresh machine: it installs make and the libraries through apt.
SWIFT ?= swift
BIN := .build/debug/ttsload

.PHONY: demo test build release clean

build:
	$(SWIFT) build

# The main job. For now: validate every example plan and print the stepped plan's schedule.
demo: build
	$(BIN) validate plans/*.yaml
	$(BIN) plan show plans/stepped.yaml

# The whole test suite: unit tests and tests that start real processes on loopback, then the
# tests that time things, alone and serialized so the shared machine's other work stays out.
test: build
	$(SWIFT) test --skip TimingTests
	$(SWIFT) test --filter TimingTests --no-parallel

release:
	$(SWIFT) build -c release

clean:
	rm -rf .build
