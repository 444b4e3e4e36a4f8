#!/usr/bin/env bash
# Single-event ingest with the server's CPU accounted: `Benchmarks/HTTP/cpu-per-request.sh [BINARY] [DURATION]`.
# Starts BINARY (default .build/release/custos) on a fresh store, runs the single-event wrk load
# (64 connections), and prints wrk's result and the server's CPU per request, read from
# /proc/PID/stat (user + system ticks) before and after. Run two binaries alternately to compare.
set -euo pipefail
cd "$(dirname "$0")/../.."
custos="${1:-.build/release/custos}"
duration="${2:-15s}"
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
work=$(mktemp -d /tmp/custos-cpu-bench.XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
"$custos" init --store "$work/store" >/dev/null
export CUSTOS_KEY=$("$custos" keys create --store "$work/store" --identity agent:bench --role agent --role auditor 2>/dev/null)
CUSTOS_LOG_LEVEL=warning "$custos" serve --store "$work/store" --port 18184 2>"$work/serve.log" &
server=$!
for _ in $(seq 1 100); do curl -sf http://127.0.0.1:18184/healthz >/dev/null && break; sleep 0.1; done
ticks() { awk '{print $14 + $15}' "/proc/$server/stat"; }
before=$(ticks)
result=$(wrk -t2 -c64 -d"$duration" -s Benchmarks/HTTP/post-event.lua http://127.0.0.1:18184 | grep RESULT)
after=$(ticks)
echo "$result"
requests=$(sed -E 's/.*requests=([0-9]+).*/\1/' <<<"$result")
hz=$(getconf CLK_TCK)
awk -v t=$((after - before)) -v r="$requests" -v hz="$hz" 'BEGIN { printf "server CPU %.2f s, %.1f µs per request\n", t / hz, (r > 0 ? t / hz / r * 1e6 : 0) }'
