#!/usr/bin/env bash
# CI smoke test: run salvo against salvo-mock before pointing it at a broker.
#   examples/ci-smoke.sh [ORDERS.csv]   (default orders.csv; writes results.ndjson)
# Exit 0 when every order was accepted, else salvo's exit code (1: one was
# not, see salvo(1)); 2 also when the test itself could not run (a program
# missing, the mock not starting).
set -euo pipefail
ulimit -c 0
orders=${1:-orders.csv}
for p in salvo salvo-mock jq; do
    command -v "$p" > /dev/null || { echo "ci-smoke: $p is not on PATH" >&2; exit 2; }
done
[ -r "$orders" ] || { echo "ci-smoke: cannot read $orders" >&2; exit 2; }
dir=$(mktemp -d) # the port file of this run only: a second run never reads a stale one
salvo-mock --listen 127.0.0.1:0 --port-file "$dir/port" --reject-rate 0 > /dev/null &
mock=$!
trap 'kill "$mock" 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 200); do # up to 10 s
    [ -s "$dir/port" ] && break
    kill -0 "$mock" 2>/dev/null || { echo "ci-smoke: salvo-mock exited before it listened" >&2; exit 2; }
    sleep 0.05
done
[ -s "$dir/port" ] || { echo "ci-smoke: salvo-mock did not listen within 10 s" >&2; exit 2; }
salvo --url "http://127.0.0.1:$(cat "$dir/port")/orders" --no-auth --rate 100/s "$orders" > results.ndjson
test "$(jq -s 'map(select(.status != "accepted")) | length' results.ndjson)" = 0
