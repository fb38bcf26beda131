# Hostwire: `make run` starts everything locally, `make test` runs the test suite.
SHELL := /bin/bash
export HOSTWIRE_VAR ?= $(CURDIR)/var
export HOSTWIRE_PG_PORT ?= 55432
APT_PACKAGES := libzmq3-dev libpq-dev libcurl4-openssl-dev libssl-dev postgresql postgresql-client \
	pdns-server pdns-backend-sqlite3 pebble python3-aiosmtpd sqlite3 dnsutils docker-compose python3-yaml python3-zmq openssl curl \
	chromium chromium-driver fonts-dejavu-core haproxy
SWIFT_BUILD_FLAGS ?=

.PHONY: deps build run up down format test-unit test test-servers stop-test-servers compose-test compose-build compose-bench usage-bench swap-test dr-drill bench bench-orders bench-billing bench-dnsssl bench-stages bench-portal chaos fuzz clean

## deps: install the system packages the build and the real test servers need (Debian)
deps:
	@deploy/local/install-deps.sh $(APT_PACKAGES)
	@python3 -c "import selenium, axe_selenium_python" 2>/dev/null || python3 -m pip install -q selenium axe-selenium-python

build: deps
	swift build $(SWIFT_BUILD_FLAGS)

## run: Postgres, the broker and every service in the foreground; Ctrl-C stops them all
run: build
	@deploy/local/launch.sh foreground

## up/down: the same in the background, for scripts (up returns once all are ready)
up: build
	@deploy/local/launch.sh background

down:
	@deploy/local/launch.sh stop

## format: rewrite the Swift sources in the checked-in format (.swift-format); `make test` fails on any drift
format:
	swift format format --in-place --recursive --parallel Package.swift Services Shared Tests Benchmarks Tools

## test-unit: the fast lane: the unit-test targets, which start no server (make test runs them too)
UNIT_TESTS := ZeroMQTests|WireCodecTests|ValidationTests|MoneyTests|QRCodeTests|ExternalHTTPTests|ServiceKitTests|TimerServiceTests
test-unit:
	swift build --build-tests $(SWIFT_BUILD_FLAGS)
	swift test --skip-build --filter '^($(UNIT_TESTS))\.'

## test: install what is missing, start the real servers, run swift test, stop them
test: deps
	@deploy/local/test.sh

## chaos: the whole chain (500 orders) while processes are killed -9 at random and Postgres restarts
chaos: deps
	@HOSTWIRE_CHAOS_ORDERS=$${HOSTWIRE_CHAOS_ORDERS:-500} deploy/local/test.sh --filter ChainFaultTests.chaos

## fuzz: libFuzzer on every parser strangers reach, FUZZ_SECONDS each (findings in .build/fuzz/found-*)
fuzz:
	@deploy/local/fuzz.sh run $${FUZZ_SECONDS:-60}

## compose-test: the platform in containers (Docker, or Podman where none runs): an order end to end, then a service swapped while orders flow
compose-test: build
	@deploy/compose/test.sh

## swap-test: services replaced behind HAProxy while customers order and browse; no request may fail
swap-test: build
	@deploy/local/swap-test.sh

## dr-drill: Postgres destroyed and restored to a point in time from a base backup and the WAL archive
dr-drill: build
	@deploy/local/dr-drill.sh

## compose-bench: the release images' binaries as host processes and in their containers, one run (after compose-build)
compose-bench: deps
	@deploy/compose/bench.sh

## usage-bench: the daily usage sync of 10,000 accounts on 20 simulated servers (release build)
usage-bench: deps
	@deploy/local/usage-bench.sh

## compose-build: the real multi-stage build of deploy/Dockerfile (a release build in the Swift image), timed
compose-build: deps
	@deploy/compose/build.sh

## bench: release-mode benchmarks; figures go to docs/performance.md
bench: deps
	@deploy/local/bench.sh

## bench-billing: one daily billing run (SUBSCRIPTIONS=1000000 DUE=250000 for the large one, KILLS=2 to kill billing during it)
bench-billing: deps
	@deploy/local/bench-billing.sh

## bench-dnsssl: account.provisioned → certificate.issued latency over 50 domains (PowerDNS + Pebble)
bench-dnsssl: deps
	@deploy/local/bench-dnsssl.sh

## bench-orders: orders/s and payment-to-account latency through checkout and provisioning
bench-orders: deps
	@deploy/local/bench-orders.sh

## bench-portal: the portal's pages under 50 signed-in customers at once (hostwire-load, release)
bench-portal: deps
	@deploy/local/bench-portal.sh

## bench-stages: each stage alone at 1 and 2 instances, then the whole chain (hostwire-load, release)
bench-stages: deps
	@deploy/local/bench-stages.sh

clean:
	@deploy/local/launch.sh stop || true
	rm -rf .build var
