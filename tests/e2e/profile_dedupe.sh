#!/usr/bin/env bash
# Idempotency by profile: a profile sends an idempotency header only when it
# names one ("idempotency_header"; --idempotency-header still sets it), and
# --retry-ambiguous / --resend-unknown, which count on the broker refusing
# a client order id it has seen, are refused on a profile whose broker
# neither dedupes by client id ("dedupes_client_id") nor gets a header.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
: "${EXAMPLES:?}"
ulimit -c 0
export BINANCE_API_KEY=k1 BINANCE_API_SECRET=s1 BYBIT_API_KEY=k2 BYBIT_API_SECRET=s2
export BITGET_API_KEY=k3 BITGET_API_SECRET=s3 BITGET_PASSPHRASE=p3
make_orders 2 > "$WORK/o2.csv"
lacks() { ! grep -q "$@"; } # lacks [grep flags] PATTERN FILE

# ---- who sends Idempotency-Key ----
"$SALVO" --broker binance --dry-run "$WORK/o2.csv" > "$WORK/out" 2> /dev/null
check "binance dry run: exit 0" 0 $?
check_true "binance: no Idempotency-Key (Binance never asked for one)" lacks -i idempotency "$WORK/out"
"$SALVO" --broker binance --idempotency-header X-Client-Key --dry-run "$WORK/o2.csv" > "$WORK/out" 2> /dev/null
check_true "binance --idempotency-header X-Client-Key: sent" grep -q '"X-Client-Key: ' "$WORK/out"
"$SALVO" --url http://127.0.0.1:9/orders --no-auth --dry-run "$WORK/o2.csv" > "$WORK/out" 2> /dev/null
check_true "--url: Idempotency-Key by default, as before" grep -q '"Idempotency-Key: ' "$WORK/out"
cat > "$WORK/idem.json" <<JSON
{"name": "idem", "url": "http://127.0.0.1:9/orders", "idempotency_header": "X-Idem",
 "body": {"symbol": "{{symbol}}", "client_order_id": "{{client_order_id}}"}}
JSON
"$SALVO" --broker "$WORK/idem.json" --dry-run "$WORK/o2.csv" > "$WORK/out" 2> /dev/null
check_true "a profile's idempotency_header: sent" grep -q '"X-Idem: ' "$WORK/out"
check_true "a profile's idempotency_header: no Idempotency-Key" lacks Idempotency-Key "$WORK/out"
"$SALVO" --broker "$WORK/idem.json" --no-idempotency-header --dry-run "$WORK/o2.csv" > "$WORK/out" 2> /dev/null
check_true "--no-idempotency-header overrides the profile's" lacks X-Idem "$WORK/out"

# ---- the flags that resend, by what the broker does ----
for flag in --retry-ambiguous --resend-unknown; do
    "$SALVO" --broker bitget --dry-run "$flag" "$WORK/o2.csv" > /dev/null 2> "$WORK/err"
    check "bitget $flag: exit 2 (no dedupe, no header)" 2 $?
    check_true "bitget $flag: says why" grep -q -- "$flag.*bitget.*client order id" "$WORK/err"
    "$SALVO" --broker binance --dry-run "$flag" "$WORK/o2.csv" > /dev/null 2> "$WORK/err"
    check "binance $flag: exit 2 (ids unique among open orders only)" 2 $?
    "$SALVO" --broker bybit --dry-run "$flag" "$WORK/o2.csv" > /dev/null 2> "$WORK/err"
    check "bybit $flag: allowed (orderLinkId always unique)" 0 $?
    "$SALVO" --broker binance --idempotency-header X-Client-Key --dry-run "$flag" "$WORK/o2.csv" > /dev/null 2>&1
    check "binance $flag with a header the user names: allowed" 0 $?
    "$SALVO" --url http://127.0.0.1:9/orders --no-auth --no-idempotency-header --dry-run "$flag" "$WORK/o2.csv" \
        > /dev/null 2> "$WORK/err"
    check "--url $flag --no-idempotency-header: still exit 2" 2 $?
done

# ---- a deduping profile without a header: an ambiguous answer is retried ----
# shellcheck disable=SC2119 # start_mock takes optional mock flags
start_mock --error-rate 1
cat > "$WORK/dedupe.json" <<JSON
{"name": "dedupe", "url": "$URL", "dedupes_client_id": true,
 "body": {"symbol": "{{symbol}}", "price": "{{price:number}}", "quantity": "{{quantity:number}}",
          "side": "{{side}}", "type": "{{type}}", "client_order_id": "{{client_order_id}}"}}
JSON
make_orders 1 > "$WORK/o1.csv"
"$SALVO" --broker "$WORK/dedupe.json" --retry-ambiguous --retries 2 --retry-backoff 1ms "$WORK/o1.csv" \
    > "$WORK/out" 2> "$WORK/err"
check "dedupe profile --retry-ambiguous: exit 0" 0 $?
# the 500 was retried (without the profile's word it would have stayed
# unknown), and the broker, holding the id, said so: delivered
check "dedupe profile --retry-ambiguous: 2 attempts reached the broker" 2 "$(stat_of received)"
check "dedupe profile --retry-ambiguous: duplicate after a 500" "duplicate 500,409" \
    "$(jq -r '"\(.status) \(.attempt_statuses | map(tostring) | join(","))"' "$WORK/out")"

finish
