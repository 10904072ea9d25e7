#!/usr/bin/env bash
# make demo: start salvo-mock on a free port, submit examples/orders.csv, show results.
set -euo pipefail
build=${1:-build}
dir=$(mktemp -d)
trap 'kill $mock 2>/dev/null; rm -rf "$dir"' EXIT
"$build/salvo-mock" --listen 127.0.0.1:0 --port-file "$dir/port" --latency 20ms --jitter 5ms > /dev/null &
mock=$!
for _ in $(seq 100); do [ -s "$dir/port" ] && break; sleep 0.05; done
url="http://127.0.0.1:$(cat "$dir/port")/orders"
echo "== salvo --url $url --no-auth --rate 200/s --concurrency 8 examples/orders.csv"
"$build/salvo" --url "$url" --no-auth --rate 200/s --concurrency 8 examples/orders.csv | tee "$dir/out" |
    jq -c '{seq, symbol, side, quantity, price, status, http_status, latency_ms}' || true
echo "== what the broker saw"
curl -s "http://127.0.0.1:$(cat "$dir/port")/stats" | jq -c .
