# tokenclock — build, test and run entry points. `make help` lists them.
SHELL := /bin/bash
GO ?= go
GINKGO := $(GO) run github.com/onsi/ginkgo/v2/ginkgo
NODE_DIR := clientunderTest/node
NODE_STAMP := $(NODE_DIR)/node_modules/.package-lock.json
# The suite can run long on a 2-core machine under -race; never let go test's 10 min default cut it.
TEST_TIMEOUT ?= 30m

.PHONY: help test vet unit node-deps python-deps browser-deps matrix serve fuzz conformance bench build clean FORCE chromium screenshots soak

help:
	@echo "make test         vet, every spec with -race, fuzz seed corpora (what CI runs; installs chromium)"
	@echo "make chromium     Debian's chromium, for browser mode (browser:ADAPTER clients)"
	@echo "make python-deps  Debian's python3 with requests and httpx, for the Python drivers"
	@echo "make serve        the standalone fake server on 127.0.0.1:8088"
	@echo "make fuzz         a short real fuzzing run of token and body parsing"
	@echo "make conformance  tokenclock run from this checkout (ARGS='--client ...')"
	@echo "make matrix       every bundled client × the catalog: docs/compatibility.md, reports/matrix/"
	@echo "make bench        benchmarks, each next to a baseline from the same run"
	@echo "make soak         serve's memory under load: peak RSS per phase vs the 150 MB ceiling"
	@echo "make build        bin/tokenclock"

test: vet node-deps python-deps browser-deps unit

# Browser mode's specs run the bundled adapters in real Chromium: make test installs
# Debian's chromium when it is missing and fails without it. TOKENCLOCK_SKIP_BROWSER=1
# skips them (and says so loudly) on a machine that cannot have a browser.
browser-deps:
	@if [ "$${TOKENCLOCK_SKIP_BROWSER:-}" = 1 ]; then \
		echo "*** TOKENCLOCK_SKIP_BROWSER=1: browser mode will NOT be tested ***"; \
	else $(MAKE) --no-print-directory chromium; fi

vet:
	$(GO) vet ./...

# Fuzz seed corpora run as ordinary tests inside `go test`.
unit:
	$(GO) test -race -timeout $(TEST_TIMEOUT) ./...

# npm ci installs exactly the lockfile; the stamp keeps repeat runs fast.
node-deps: $(NODE_STAMP)
$(NODE_STAMP): $(NODE_DIR)/package.json $(NODE_DIR)/package-lock.json
	cd $(NODE_DIR) && npm ci --no-audit --no-fund --loglevel=error
	@touch $(NODE_STAMP)

serve:
	$(GO) run ./cmd/tokenclock serve $(ARGS)

FUZZTIME ?= 20s
fuzz:
	$(GO) test ./fakeserver -run '^$$' -fuzz '^FuzzAuthorization$$' -fuzztime $(FUZZTIME)
	$(GO) test ./fakeserver -run '^$$' -fuzz '^FuzzJSONBody$$' -fuzztime $(FUZZTIME)

# make conformance [ARGS='--client NAME=COMMAND --expect-failures NAME=FILE --strict --focus REGEX']
# is `tokenclock run` from this checkout; reports go to REPORT_DIR (default reports/out).
# Pass flags through ARGS exactly as `tokenclock run --help` lists them.
REPORT_DIR ?= reports/out
ARGS ?=

conformance: bin/tokenclock node-deps
	bin/tokenclock run --report-dir '$(REPORT_DIR)' $(ARGS)

# make matrix: the whole catalog against every bundled client (scripts/matrix/manifest.go:
# the kits' examples and one driver per real library); rewrites docs/compatibility.md and
# the README's summary of it, and writes the run's reports to reports/matrix/. It exits 1
# when a client no longer fails exactly its expected-failures file.
matrix: node-deps python-deps
	$(GO) run ./scripts/matrix

# make bench [BENCH_COUNT=5] [BENCH_OUT=reports/out/bench.txt]: every figure of
# docs/performance.md, each next to a baseline from the same run (the machine is
# shared: ratios and medians). Raw output is benchstat-friendly; benchsummary prints
# the medians and the figures. Benchmarks only run here, never under `make test`.
BENCH_COUNT ?= 5
BENCH_OUT ?= reports/out/bench.txt
bench: node-deps
	@mkdir -p $(dir $(BENCH_OUT))
	@{ echo "# make bench, $$(date -u +%FT%TZ)"; echo "# nproc: $$(nproc)"; \
	  echo "# cpu: $$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"; \
	  echo "# $$($(GO) version)"; echo "# somaxconn: $$(cat /proc/sys/net/core/somaxconn 2>/dev/null)"; } | tee $(BENCH_OUT)
	set -o pipefail; $(GO) test -run '^$$' -bench '^BenchmarkCatalog$$|ScenarioOverhead|ParallelGate' -benchmem \
	  -count $(BENCH_COUNT) -timeout 20m ./scenarios | tee -a $(BENCH_OUT)
	set -o pipefail; $(GO) test -run '^$$' -bench 'CatalogParallel' -benchtime 1x \
	  -count 3 -timeout 30m ./scenarios | tee -a $(BENCH_OUT)
	set -o pipefail; $(GO) test -run '^$$' -bench 'UnmatchedBodies' -benchmem \
	  -count $(BENCH_COUNT) -timeout 20m ./conformance | tee -a $(BENCH_OUT)
	set -o pipefail; $(GO) test -run '^$$' -bench 'AuthMe|JournalEntry' -benchmem \
	  -count $(BENCH_COUNT) -timeout 20m ./fakeserver | tee -a $(BENCH_OUT)
	set -o pipefail; $(GO) test -run '^$$' -bench 'ServeSession' -benchmem -benchtime 1x \
	  -count 3 -timeout 20m ./fakeserver | tee -a $(BENCH_OUT)
	@echo
	$(GO) run ./scripts/benchsummary $(BENCH_OUT)

# make soak: `tokenclock serve` with its default flags, in process on 127.0.0.1 only: 600
# POSTs of a 1 MiB body to a 404 path, then 150 000 register-or-login + refresh + create
# loops, then a page of ideas and the whole journal read back. Prints each phase's peak RSS
# (VmHWM) and live heap after GC next to the documented ceiling (docs/fake-server.md,
# "Memory") and fails past it. About a minute on 2 cores; Linux only (/proc). Not in `make test`.
soak:
	$(GO) test -tags soak -run '^TestServeSoak$$' -count=1 -v -timeout 15m ./cmd/tokenclock

build: bin/tokenclock

# Build outputs are written to a temporary name and renamed, so two runs in one
# checkout never see a half-written binary. FORCE: go's own cache decides what to rebuild.
bin/tokenclock: FORCE
	@mkdir -p bin
	$(GO) build -o bin/.tokenclock.$$$$ ./cmd/tokenclock && mv -f bin/.tokenclock.$$$$ $@

FORCE:

clean:
	rm -rf bin reports/out

# The Python kit needs only the standard library; the requests, httpx,
# requests-oauthlib and Authlib drivers use Debian's packages of them, for Debian's
# /usr/bin/python3 (docs/python-kit.md).
PYTHON_PACKAGES := python3 python3-requests python3-httpx python3-requests-oauthlib python3-authlib
python-deps:
	@if ! /usr/bin/python3 -c 'import requests, httpx, requests_oauthlib, authlib' 2>/dev/null; then \
		sudo=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$sudo apt-get install -y --no-install-recommends $(PYTHON_PACKAGES) || \
		{ $$sudo apt-get update && $$sudo apt-get install -y --no-install-recommends $(PYTHON_PACKAGES); }; \
	fi

# Debian's chromium, for browser mode and `make screenshots`; installed only when missing
# (as root, or with sudo).
chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
		sudo=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$sudo apt-get update && $$sudo apt-get install -y chromium; \
	fi

# docs/img/console*.png: the web console, photographed by its own specs (webconsole).
# docs/img/report-matrix.png and docs/img/report-detail.png: report.html of a three-client
# run, in headless chromium; docs/img/report-browser*.png: a run of the three bundled
# browser adapters (browser mode) and nocred's BROWSER-01 detail. axios-seed fails by design, so a non-zero exit is tolerated as
# long as the run wrote its reports. The --disable-*/--no-first-run flags keep chromium off
# the network (without internet it hangs on background connections). Headless --screenshot
# does not paint a page scrolled to its #fragment, so the detail is the report scrolled to
# one anchor inside a full-window iframe.
screenshots: chromium
	@dir=$$(mktemp -d) && profile=$$(mktemp -d) && trap 'rm -rf "$$dir" "$$profile"' EXIT && \
	$(MAKE) --no-print-directory conformance REPORT_DIR="$$dir" ARGS="--client 'reference=go:reference' \
		--client 'axios-seed=node clientunderTest/node/kit/run.mjs clientunderTest/node/adapters/axios-seed.mjs' \
		--client 'axios-singleflight=node clientunderTest/node/kit/run.mjs clientunderTest/node/adapters/axios-singleflight.mjs' \
		--expect-failures axios-seed=clientunderTest/node/adapters/axios-seed.expected-failures.txt" \
		|| { test -s "$$dir/report.html" && echo "conformance exited non-zero; its reports are complete, taking the screenshots"; } && \
	printf '<!DOCTYPE html><body style="margin:0"><iframe src="report.html#d-axios-seed-CONC-01" style="border:0;width:100%%;height:100vh"></iframe></body>\n' >"$$dir/detail.html" && \
	shot() { timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
		--disable-component-update --disable-sync --no-first-run --user-data-dir="$$profile" --hide-scrollbars \
		--window-size="$$2" --screenshot="$$1" "file://$$3" >"$$dir/chromium.log" 2>&1 \
		|| { cat "$$dir/chromium.log"; return 1; }; echo "wrote $$1 ($$(wc -c <"$$1") bytes)"; } && \
	mkdir -p docs/img && \
	shot docs/img/report-matrix.png 1300,1260 "$$dir/report.html" && \
	shot docs/img/report-detail.png 1300,1000 "$$dir/detail.html" && \
	$(MAKE) --no-print-directory conformance REPORT_DIR="$$dir/browser" ARGS="--focus '^(EXP-ACCESS-0[12]|CONC-0[1-3]|TABS-0[12]|BODY-01|BROWSER-0[1-6])' \
		--client 'seed=browser:clientunderTest/node/adapters/axios-seed.mjs' \
		--client 'fixed=browser:clientunderTest/node/adapters/axios-singleflight.mjs' \
		--client 'nocred=browser:clientunderTest/node/adapters/axios-no-credentials.mjs' \
		--expect-failures seed=clientunderTest/node/adapters/axios-seed.browser.expected-failures.txt" \
		|| { test -s "$$dir/browser/report.html" && echo "conformance exited non-zero (nocred fails by design); taking the screenshot"; } && \
	printf '<!DOCTYPE html><body style="margin:0"><iframe src="report.html#d-nocred-BROWSER-01" style="border:0;width:100%%;height:100vh"></iframe></body>\n' >"$$dir/browser/detail.html" && \
	shot docs/img/report-browser.png 1300,1100 "$$dir/browser/report.html" && \
	shot docs/img/report-browser-detail.png 1300,1000 "$$dir/browser/detail.html" && \
	go test ./webconsole -count=1 -args -update-screenshots && echo "wrote docs/img/console*.png (the web console's specs)"
