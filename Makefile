# Custos: the two commands a new machine needs are `make run` and `make test`.
SWIFT ?= swift
STORE ?= custos-data

.PHONY: all deps build release run test bench bench-http clean

all: build

# System libraries (LMDB, xxHash): installed with apt-get when missing.
deps:
	@./scripts/install-deps.sh

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release --product custos

# Builds, creates a local store if there is none, and shows what to try.
run: release
	@./scripts/run.sh "$(STORE)"

# The whole test suite (debug build; the crash tests kill real processes, and the inbox test
# drives a real headless Chromium through chromedriver, both from Debian's packages). One test
# at a time: on two cores, tests that wait on child processes would otherwise hold up the
# timed ones (token expiry, webhooks) for seconds; serial costs about 20 s more (105 s in all).
test: deps
	@{ command -v chromium && command -v chromedriver; } >/dev/null 2>&1 || ./scripts/install-deps.sh chromium chromium-driver
	$(SWIFT) build --build-tests
	$(SWIFT) test --no-parallel

# Benchmarks join the package only with CUSTOS_BENCHMARKS set, so `make test` never builds them.
# The C reference needs libssl-dev. BENCH_FILTER picks benchmarks (a regex on whole names).
BENCH_FILTER ?= .*
bench: deps
	@pkg-config --exists libcrypto || ./scripts/install-deps.sh libssl-dev
	@rm -f "$${TMPDIR:-/tmp}/custos-bench-figures.txt"
	CUSTOS_BENCHMARKS=1 $(SWIFT) package benchmark --filter '$(BENCH_FILTER)' --no-progress
	@cat "$${TMPDIR:-/tmp}/custos-bench-figures.txt" 2>/dev/null || true

# HTTP load on loopback with wrk (installed when missing), against custos and, in the same
# run, against Hummingbird answering alone (Benchmarks/HTTPReference); figures in BENCHMARKS.md.
bench-http: release
	@command -v wrk >/dev/null || ./scripts/install-deps.sh wrk
	CUSTOS_BENCHMARKS=1 $(SWIFT) build -c release --product HTTPReference
	./Benchmarks/HTTP/run.sh

clean:
	rm -rf .build
