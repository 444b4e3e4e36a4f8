#!/usr/bin/env bash
# `make run`: a local store, a few demonstration events, and what to try next.
set -euo pipefail
store="${1:-custos-data}"
custos=.build/release/custos

if [ ! -f "$store/data.mdb" ]; then
    "$custos" init --store "$store"
    "$custos" append --store "$store" --quiet <<'EVENTS'
{"kind":"classify","actor":"service:scanner","outputs":["dataset:pg://crm/public.customers"],"attributes":{"tags":["pii"]}}
{"kind":"transform","actor":{"id":"agent:etl-bot","onBehalfOf":"human:alice@example.com"},"inputs":["dataset:pg://crm/public.customers"],"outputs":["dataset:s3://lake/staging/customers"],"attributes":{"rows":1200}}
{"kind":"mask","actor":"service:masker","inputs":["dataset:s3://lake/staging/customers"],"outputs":["dataset:s3://lake/masked/customers"],"attributes":{"counts":{"email":1200,"phone":877}}}
{"kind":"request","actor":"agent:export-bot","inputs":["dataset:s3://lake/masked/customers"],"outputs":["request:q3-export"],"attributes":{"action":"export","justification":"quarterly partner report"}}
{"kind":"approve","actor":"human:bob@example.com","inputs":["request:q3-export"]}
{"kind":"export","actor":"agent:export-bot","inputs":["dataset:s3://lake/masked/customers"],"outputs":["export:s3://partner/q3.csv"],"clientEventId":"q3-export"}
EVENTS
fi

entries=$("$custos" stats --store "$store" | sed -n 's/^entries  *\([0-9][0-9]*\)$/\1/p')
cat <<TRY

Custos store: $store ($entries entries)
The HTTP server arrives with the server milestone; until then, try the command line:

  $custos tail --store $store              # the last entries, as stored and hashed
  $custos verify --store $store            # check every hash, link, tree node and index
  $custos get 5 --store $store --pretty    # one entry, indented
  $custos append --store $store '{"kind":"read","actor":"human:carol@example.com","inputs":["dataset:s3://lake/masked/customers"]}'
  $custos checkpoint --sign --store $store # sign a checkpoint of the log as it stands
  $custos prove inclusion 3 --store $store > proof.json && $custos verify-proof proof.json --key $store/checkpoint.pub
  $custos query --store $store 'TRACE UPSTREAM FROM "export:s3://partner/q3.csv" DEPTH 10'
  $custos query --store $store 'FIND EXPORTS WITHOUT APPROVAL'
  echo 'ana@example.com paid with 4111 1111 1111 1111, token=s3cr3t' | $custos mask --report --store $store
  echo 'ticket from ana@example.com' | $custos mask --store $store --record --input dataset:tickets/raw --output dataset:tickets/masked
  $custos tail -f --store $store           # follow new entries (Ctrl-C to stop)

TRY
"$custos" verify --store "$store"
