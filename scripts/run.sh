#!/usr/bin/env bash
# `make run`: a local store with the demonstration scenario, a key to try it with, and the
# HTTP server on 127.0.0.1:8080 (PORT=… to change it).
set -euo pipefail
store="${1:-custos-data}"
port="${PORT:-8080}"
custos=.build/release/custos

if [ ! -f "$store/data.mdb" ]; then
    "$custos" init --store "$store" >/dev/null
    "$custos" demo --store "$store"
fi

# A fresh key for this session; the one from the last `make run` is revoked. The key is shown
# here only: the store keeps its SHA-256.
"$custos" keys list --store "$store" | awk '/make-run/ && /active/ {print $1}' | while read -r old; do
    "$custos" keys revoke --store "$store" "$old" >/dev/null
done
key=$("$custos" keys create --store "$store" --identity human:demo@example.com \
    --role agent --role approver --role auditor --role admin --description make-run 2>/dev/null)
# An agent's key, so that the person above has someone else's request to approve.
agent=$("$custos" keys create --store "$store" --identity agent:demo-bot --role agent --description make-run 2>/dev/null)
today=$(date -u +%Y-%m-%d)

entries=$("$custos" stats --store "$store" | sed -n 's/^entries  *\([0-9][0-9]*\)$/\1/p')
cat <<TRY

Custos: store $store ($entries entries), server on http://127.0.0.1:$port
Your key for this session (all roles; shown once): $key

Three things to try, in another terminal:

  # 1. Exports with no approved request behind them (the demo has two)
  curl -s -H "Authorization: Bearer $key" -d '{"query":"FIND EXPORTS WITHOUT APPROVAL"}' http://127.0.0.1:$port/v1/query

  # 2. Where the partner's quarterly export came from, ten steps back
  curl -s -H "Authorization: Bearer $key" 'http://127.0.0.1:$port/v1/lineage?node=export:s3://partner-bucket/q3-revenue.csv&depth=10'

  # 3. Mask a payload before an agent sees it, and record the masking
  curl -s -H "Authorization: Bearer $key" --data 'Ana (ana@example.com, 555-234-5678) paid with 4111 1111 1111 1111' \\
       'http://127.0.0.1:$port/v1/mask?record=true&input=dataset:tickets/raw&output=dataset:tickets/masked'

Approvals: open http://127.0.0.1:$port/inbox and sign in with your key, then let an agent ask:
  curl -s -H "Authorization: Bearer $agent" -d '{"action":"export","resource":"dataset:s3://lake/marts/revenue_by_region","justification":"partner report","payload":"send to ops@example.com"}' http://127.0.0.1:$port/v1/approvals

Evidence: a SOC 2 bundle of today (or POST /v1/evidence), checked offline:
  $custos evidence --store $store --framework soc2 --from $today --to $today --out demo-soc2.zip
  $custos verify-bundle demo-soc2.zip --key $store/checkpoint.pub

More: GET /openapi.json (every route), /metrics, /healthz; custos query, custos trace, custos verify --store $store.
Ctrl-C stops the server (what is queued is written first).

TRY
exec "$custos" serve --store "$store" --port "$port"
