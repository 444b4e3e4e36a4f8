#!/usr/bin/env bash
# HTTP load on loopback with wrk (Debian's package): `make bench-http`.
#   single events: 64 connections, 30 s, POST /v1/events, one event each; then the same load
#                  against Hummingbird answering alone (HTTPReference: it reads the body and
#                  answers a receipt-sized JSON, recording nothing), the HTTP stack's floor here
#   batches:       16 connections, 30 s, 1,000 events per request (NDJSON)
#   lineage:       64 connections, 30 s after 10 s of warm-up, GET /v1/lineage depth 10 on the 1,000,000-event store
#                  that `make bench BENCH_FILTER='Lineage.*'` builds (skipped when it is missing)
# The server and wrk share the machine's two cores.
set -euo pipefail
cd "$(dirname "$0")/../.."
custos=.build/release/custos
duration="${DURATION:-30s}"
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
work=$(mktemp -d /tmp/custos-http-bench.XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

serve() {  # store port
    "$custos" serve --store "$1" --port "$2" 2>"$work/serve-$2.log" &
    for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$2/healthz" >/dev/null && return 0; sleep 0.1; done
    echo "the server did not start" >&2; cat "$work/serve-$2.log" >&2; exit 1
}

"$custos" init --store "$work/store" >/dev/null
export CUSTOS_KEY=$("$custos" keys create --store "$work/store" --identity agent:bench --role agent --role auditor 2>/dev/null)
CUSTOS_LOG_LEVEL=warning serve "$work/store" 18181
echo "== single events, 64 connections, $duration"
wrk -t2 -c64 -d"$duration" --latency -s Benchmarks/HTTP/post-event.lua http://127.0.0.1:18181 | grep -E "RESULT|Requests/sec|Latency|Socket"
reference=.build/release/HTTPReference
if [ -x "$reference" ]; then
    "$reference" 18183 >/dev/null 2>"$work/reference.log" &
    reference_pid=$!
    for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:18183/healthz" >/dev/null && break; sleep 0.1; done
    echo "== the reference: Hummingbird alone, the same load, $duration"
    wrk -t2 -c64 -d"$duration" --latency -s Benchmarks/HTTP/post-event.lua http://127.0.0.1:18183 | grep -E "RESULT|Requests/sec|Latency|Socket"
    kill "$reference_pid" 2>/dev/null || true
else
    echo "== the reference skipped: build it with CUSTOS_BENCHMARKS=1 swift build -c release --product HTTPReference"
fi
echo "== batches of 1,000 events, 16 connections, $duration"
wrk -t2 -c16 -d"$duration" -s Benchmarks/HTTP/post-batch.lua http://127.0.0.1:18181 | grep -E "RESULT|Requests/sec|Socket"
"$custos" verify --store "$work/store" --no-indexes | head -1

lineage=/tmp/custos-bench-lineage-1M-v2
if [ -f "$lineage/ready" ]; then
    export CUSTOS_KEY=$("$custos" keys create --store "$lineage" --identity human:bench@example.com --role auditor 2>/dev/null)
    CUSTOS_LOG_LEVEL=warning serve "$lineage" 18182
    # A fresh process faults in the 1.2 GB map page by page (about 9 µs per first touch):
    # warm it for 10 s, unmeasured, so that the figure is the server's steady state.
    wrk -t2 -c64 -d10s -s Benchmarks/HTTP/get-lineage.lua http://127.0.0.1:18182 >/dev/null
    echo "== lineage depth 10 on the 1,000,000-event store, 64 connections, $duration (after a 10 s warm-up)"
    wrk -t2 -c64 -d"$duration" --latency -s Benchmarks/HTTP/get-lineage.lua http://127.0.0.1:18182 | grep -E "RESULT|Requests/sec|Latency|Socket"
else
    echo "== lineage skipped: run make bench BENCH_FILTER='Lineage.*' first to build $lineage"
fi
