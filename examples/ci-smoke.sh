#!/usr/bin/env bash
# CI smoke test: run salvo against salvo-mock before pointing it at a broker.
set -euo pipefail
ulimit -c 0
salvo-mock --listen 127.0.0.1:0 --port-file port --reject-rate 0 > /dev/null &
trap 'kill $!' EXIT
while [ ! -s port ]; do sleep 0.05; done
salvo --url "http://127.0.0.1:$(cat port)/orders" --no-auth --rate 100/s orders.csv > results.ndjson
test "$(jq -s 'map(select(.status != "accepted")) | length' results.ndjson)" = 0
