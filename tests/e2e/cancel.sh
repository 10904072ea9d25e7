#!/usr/bin/env bash
# salvo cancel and salvo status (issue 23) against salvo-mock, which fills
# every 4th order it takes and cancels on DELETE /orders/{id}: a run's live
# orders are read and cancelled once each, a second cancel changes nothing
# and says so, what never reached the broker is left alone, a bad line is
# named, and a signal during a paced cancel drains with one line an order.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

start_mock --fill-every 4 --latency 2ms
# the bundled salvo-mock profile, pointed at this mock's port
sed "s|127.0.0.1:8080|127.0.0.1:$PORT|g" "$EXAMPLES/brokers/salvo-mock.json" > "$WORK/mock.json"
P="$WORK/mock.json"
statuses() { jq -r .status "$1" | sort | uniq -c | awk '{printf "%s%s=%s", sep, $2, $1; sep=" "}'; }

# 1. Send 12: 9 rest open, 3 are filled at once.
make_orders 12 > "$WORK/in.csv"
"$SALVO" --broker "$P" "$WORK/in.csv" > "$WORK/run.ndjson" 2> "$WORK/err"
check "send: exit 0" 0 "$?"
check "send: 12 accepted" "accepted=12" "$(statuses "$WORK/run.ndjson")"
jq -r .client_order_id "$WORK/run.ndjson" | sort > "$WORK/ids"

# 2. status: each order's state now, with what was filled.
"$SALVO" status --broker "$P" "$WORK/run.ndjson" > "$WORK/st.ndjson" 2> "$WORK/err"
check "status: exit 0" 0 "$?"
check "status: 9 open, 3 filled" "filled=3 open=9" "$(statuses "$WORK/st.ndjson")"
check_same "status: one line for each order sent" "$(cat "$WORK/ids")" "$(jq -r .client_order_id "$WORK/st.ndjson" | sort)"
check "status: lines say op status" 12 "$(jq -r 'select(.op == "status")' "$WORK/st.ndjson" | jq -s length)"
check "status: a filled order's filled is its quantity" 3 \
    "$(jq -r 'select(.status == "filled" and .filled == (.quantity | tostring))' "$WORK/st.ndjson" | jq -s length)"
check "status: the broker's order id is carried" 12 "$(jq -r 'select(.order_id | startswith("MOCK-"))' "$WORK/st.ndjson" | jq -s length)"
check_true "status: says how many it looks up" grep -q "12 orders may have reached the broker: looking them up" "$WORK/err"
check "status: nothing was cancelled by it" 0 "$(stat_of cancels)"

# 3. cancel, reading the run and its status lines: the filled ones are left.
"$SALVO" cancel --broker "$P" "$WORK/run.ndjson" "$WORK/st.ndjson" > "$WORK/c1.ndjson" 2> "$WORK/err"
check "cancel: exit 0" 0 "$?"
check "cancel: 9 cancelled" "cancelled=9" "$(statuses "$WORK/c1.ndjson")"
check "cancel: 9 DELETEs reached the broker" 9 "$(stat_of cancels)"
check "cancel: the broker cancelled 9" 9 "$(stat_of cancelled)"
check_true "cancel: says what it left" grep -q "the results: 9 orders may be live: cancelling them (3 others never placed, or already closed)" "$WORK/err"
cat "$WORK/run.ndjson" "$WORK/st.ndjson" > "$WORK/all.ndjson"
check "cancel: lines say op cancel" 9 "$(jq -r 'select(.op == "cancel")' "$WORK/c1.ndjson" | jq -s length)"

# 4. The same cancel again (one file, the same lines): already closed, never
# a second effect, exit 0.
"$SALVO" cancel --broker "$P" "$WORK/all.ndjson" > "$WORK/c2.ndjson" 2> "$WORK/err"
check "cancel twice: exit 0" 0 "$?"
check "cancel twice: 9 already_closed" "already_closed=9" "$(statuses "$WORK/c2.ndjson")"
check "cancel twice: the broker still cancelled 9" 9 "$(stat_of cancelled)"
check "cancel twice: the broker's words" 9 "$(jq -r 'select(.error == "broker: order already closed")' "$WORK/c2.ndjson" | jq -s length)"

# 5. With the cancel's lines read too: nothing is live, nothing is sent.
cat "$WORK/c1.ndjson" >> "$WORK/all.ndjson"
"$SALVO" cancel --broker "$P" "$WORK/all.ndjson" > "$WORK/c3.ndjson" 2> "$WORK/err"
check "nothing live: exit 0" 0 "$?"
check "nothing live: no line" 0 "$(wc -l < "$WORK/c3.ndjson")"
check "nothing live: no DELETE" 18 "$(stat_of cancels)"
check_true "nothing live: says so" grep -q "no order may be live: nothing to cancel" "$WORK/err"
"$SALVO" status --broker "$P" "$WORK/all.ndjson" > "$WORK/st2.ndjson" 2>/dev/null
check "status after: 9 cancelled, 3 filled" "cancelled=9 filled=3" "$(statuses "$WORK/st2.ndjson")"
# salvo report over the run and its later lines: each order's final state
cat "$WORK/st2.ndjson" >> "$WORK/all.ndjson"
"$SALVO" report "$WORK/all.ndjson" > "$WORK/rep" 2>&1
check "report: exit 0" 0 "$?"
check "report: 3 orders end filled" 3 "$(grep -c 'order: 1 filled$' "$WORK/rep")"
check "report: 9 orders end cancelled" 9 "$(grep -c 'order: 1 cancelled$' "$WORK/rep")"
"$SALVO" report --html "$WORK/rep.html" "$WORK/all.ndjson" > /dev/null 2>&1
check "report --html: exit 0" 0 "$?"
check_true "report --html: the cancel run's orders are drawn (st-cancelled points)" \
    grep -q 'class="pts st-cancelled"' "$WORK/rep.html"
check_true "report --html: the status run's filled orders too (st-filled)" grep -q 'class="pts st-filled"' "$WORK/rep.html"
check_true "report --html: cancelled has a colour of its own" grep -q '\.st-cancelled{' "$WORK/rep.html"

# 6. What never reached the broker is not cancelled; what may have is, and
# one the broker never had is not_found (--url, no profile: DELETE, 404).
# A line that is not a result is named, and makes the exit 1.
first=$(head -1 "$WORK/run.ndjson")
{
    jq -c '.client_order_id = "x-rej" | .status = "rejected"' <<<"$first"
    jq -c '.client_order_id = "x-unk" | .status = "unknown"' <<<"$first"
    echo 'this is not a result line'
    jq -c '.client_order_id = "x-inv" | .status = "invalid"' <<<"$first"
} > "$WORK/odd.ndjson"
"$SALVO" cancel --url "$URL/{{client_order_id}}" --no-auth "$WORK/odd.ndjson" > "$WORK/c4.ndjson" 2> "$WORK/err"
check "odd lines: exit 1 (a line not read)" 1 "$?"
check "odd lines: only the unknown one is asked" "x-unk not_found" "$(jq -r '"\(.client_order_id) \(.status)"' "$WORK/c4.ndjson")"
check_true "odd lines: the bad line is named" grep -q "odd.ndjson line 3: not a salvo result line" "$WORK/err"

# 7. Refused before anything is sent (exit 2), with a message that says why.
refused() { # refused NAME WORDS ARGS...
    local name=$1 words=$2; shift 2
    "$SALVO" "$@" > "$WORK/out" 2> "$WORK/err"
    check "$name: exit 2" 2 "$?"
    check_true "$name: says \"$words\"" grep -qF -- "$words" "$WORK/err"
}
before=$(stat_of cancels)
refused "--url names no order" "names no order" cancel --url "$URL" --no-auth "$WORK/run.ndjson"
refused "status without a profile" "salvo status needs --broker" status --url "$URL/{{client_order_id}}" --no-auth "$WORK/run.ndjson"
jq 'del(.cancel)' "$P" > "$WORK/nocancel.json"
refused "a profile without a cancel request" 'has no "cancel" request' cancel --broker "$WORK/nocancel.json" "$WORK/run.ndjson"
refused "--journal with --fsync" "takes no --fsync" cancel --broker "$P" --journal "$WORK/j" --fsync "$WORK/run.ndjson"
refused "--side" "takes no --side" cancel --broker "$P" --side BUY "$WORK/run.ndjson"
check "refusals sent nothing" "$before" "$(stat_of cancels)"

# 8. --dry-run: the DELETE as it would go, with no body; nothing sent.
"$SALVO" cancel --broker "$P" --dry-run "$WORK/run.ndjson" > "$WORK/dry" 2>/dev/null
check "dry run: exit 0" 0 "$?"
check "dry run: DELETE /orders/ID, no body" "DELETE $URL/$(head -1 "$WORK/ids") null" \
    "$(jq -r 'select(.client_order_id == "'"$(head -1 "$WORK/ids")"'") | "\(.request.method) \(.request.url) \(.request.body)"' "$WORK/dry")"
check "dry run: nothing sent" "$before" "$(stat_of cancels)"

# 9. SIGINT during a paced cancel: it drains; every order has one line,
# and what the broker cancelled is what the lines say.
make_orders 40 SELL > "$WORK/in40.csv"
"$SALVO" --broker "$P" --id-prefix sig "$WORK/in40.csv" > "$WORK/run40.ndjson" 2>/dev/null
check "40 sent" "accepted=40" "$(statuses "$WORK/run40.ndjson")"
base=$(stat_of cancels)
"$SALVO" cancel --broker "$P" --rate 20/s "$WORK/run40.ndjson" > "$WORK/c40.ndjson" 2> "$WORK/err" &
pid=$!
cancels_at_least() { [ "$(stat_of cancels)" -ge "$1" ]; }
wait_for 20 cancels_at_least $((base + 5))
kill -INT "$pid"
wait "$pid"
check "SIGINT: exit 130" 130 "$?"
check "SIGINT: one line for each of the 40" 40 "$(jq -r .client_order_id "$WORK/c40.ndjson" | sort -u | wc -l)"
check "SIGINT: 40 lines" 40 "$(wc -l < "$WORK/c40.ndjson")"
n_cancel=$(jq -r 'select(.status == "cancelled" or .status == "already_closed")' "$WORK/c40.ndjson" | jq -s length)
check_true "SIGINT: stopped before the end ($n_cancel acted on)" test "$n_cancel" -lt 40
check "SIGINT: the rest not sent" $((40 - n_cancel)) "$(jq -r 'select(.status == "not_sent")' "$WORK/c40.ndjson" | jq -s length)"
check "SIGINT: the broker saw as many cancels as the lines say" "$n_cancel" $(($(stat_of cancels) - base))
# and the rest are cancelled by running it again over both
cat "$WORK/c40.ndjson" >> "$WORK/run40.ndjson"
"$SALVO" cancel --broker "$P" "$WORK/run40.ndjson" > "$WORK/c41.ndjson" 2>/dev/null
check "again: exit 0" 0 "$?"
n_cancelled=$(jq -r 'select(.status == "cancelled")' "$WORK/c40.ndjson" | jq -s length)
# what was cancelled is not asked again; what was already closed (filled) is
check "again: a line for each not cancelled" $((40 - n_cancelled)) "$(wc -l < "$WORK/c41.ndjson")"
check "again: each cancelled or closed (filled)" $((40 - n_cancelled)) \
    "$(jq -r 'select(.status == "cancelled" or .status == "already_closed")' "$WORK/c41.ndjson" | jq -s length)"

# 10. The bundled profiles' cancel and lookup requests, as their brokers'
# docs give them (each profile's _sources): method and URL, the body, and
# for the brokers that sign the method and path, the string signed.
jq -c '.client_order_id = "abc123" | .symbol = "BTCUSDT" | .order_id = "OID7"' <<<"$first" > "$WORK/one.ndjson"
req() { # req OP BROKER: "METHOD URL BODY" of its dry run
    "$SALVO" "$1" --broker "$2" --dry-run --clock 1700000000000 "$WORK/one.ndjson" 2>/dev/null |
        jq -r '"\(.request.method) \(.request.url) \(.request.body | tojson)"'
}
signs() { "$SALVO" "$1" --broker "$2" --dry-run --clock 1700000000000 "$WORK/one.ndjson" 2>/dev/null | jq -r .request.signs; }
check "alpaca cancel" "DELETE https://api.alpaca.markets/v2/orders/OID7 null" "$(req cancel alpaca)"
check "alpaca status" "GET https://api.alpaca.markets/v2/orders:by_client_order_id?client_order_id=abc123 null" "$(req status alpaca)"
bq="symbol=BTCUSDT&origClientOrderId=abc123&recvWindow=5000&timestamp=1700000000000"
check "binance cancel" "DELETE https://api.binance.com/api/v3/order?$bq&signature=%2A%2A%2A null" "$(req cancel binance)"
check "binance status" "GET https://api.binance.com/api/v3/order?$bq&signature=%2A%2A%2A null" "$(req status binance)"
check "binance status signs its query" "$bq" "$(signs status binance)"
check "bybit cancel" 'POST https://api.bybit.com/v5/order/cancel {"category":"spot","symbol":"BTCUSDT","orderLinkId":"abc123"}' "$(req cancel bybit)"
check "bybit status signs the query" "1700000000000***5000category=spot&symbol=BTCUSDT&orderLinkId=abc123" "$(signs status bybit)"
check "okx status" "GET https://www.okx.com/api/v5/trade/order?instId=BTCUSDT&clOrdId=abc123 null" "$(req status okx)"
check "okx status signs GET and the query" "2023-11-14T22:13:20.000ZGET/api/v5/trade/order?instId=BTCUSDT&clOrdId=abc123" "$(signs status okx)"
check "okx cancel" 'POST https://www.okx.com/api/v5/trade/cancel-order {"instId":"BTCUSDT","clOrdId":"abc123"}' "$(req cancel okx)"
check "kraken cancel" 'POST https://api.kraken.com/0/private/CancelOrder "nonce=1700000000000&cl_ord_id=abc123"' "$(req cancel kraken)"
check "coinbase cancel" 'POST https://api.coinbase.com/api/v3/brokerage/orders/batch_cancel {"order_ids":["OID7"]}' "$(req cancel coinbase)"
check "coinbase status" "GET https://api.coinbase.com/api/v3/brokerage/orders/historical/OID7 null" "$(req status coinbase)"
check "coinbase status's JWT names GET" '"GET api.coinbase.com/api/v3/brokerage/orders/historical/OID7"' \
    "$(signs status coinbase | cut -d. -f2 | tr '_-' '/+' | base64 -d 2>/dev/null | jq .uri)"
check "bitget status signs GET" "1700000000000GET/api/v2/spot/trade/orderInfo?orderId=OID7" "$(signs status bitget)"
check "oanda cancel, its account by --url" "PUT https://api-fxtrade.oanda.com/v3/accounts/A-1/orders/@abc123/cancel \"\"" \
    "$("$SALVO" cancel --broker oanda --url 'https://api-fxtrade.oanda.com/v3/accounts/A-1/orders/@{{client_order_id}}/cancel' \
        --dry-run "$WORK/one.ndjson" 2>/dev/null | jq -r '"\(.request.method) \(.request.url) \(.request.body | tojson)"')"
check "tradier cancel" "DELETE https://api.tradier.com/v1/accounts/A-1/orders/OID7 null" \
    "$("$SALVO" cancel --broker tradier --url 'https://api.tradier.com/v1/accounts/A-1/orders/{{order_id}}' \
        --dry-run "$WORK/one.ndjson" 2>/dev/null | jq -r '"\(.request.method) \(.request.url) \(.request.body | tojson)"')"
check "kraken status, by its own id" 'POST https://api.kraken.com/0/private/QueryOrders "nonce=1700000000000&txid=OID7"' \
    "$(req status kraken)"

# 11. A send killed (-9) with orders in flight: they reached the broker, but
# have no result line; the journal has them as sent. salvo cancel --journal
# reads the send's journal and orders (as the send read them) and cancels
# every order that may be live; one never sent is skipped. While the send
# runs, its journal is locked: the cancel is refused.
stop_mock
start_mock --latency 2s
sed "s|127.0.0.1:8080|127.0.0.1:$PORT|g" "$EXAMPLES/brokers/salvo-mock.json" > "$WORK/mock2.json"
P2="$WORK/mock2.json"
make_orders 20 > "$WORK/in20.csv"
"$SALVO" --broker "$P2" --journal "$WORK/j.jnl" --concurrency 4 "$WORK/in20.csv" > "$WORK/k.ndjson" 2>/dev/null &
pid=$!
wait_for 20 received_at_least 4
"$SALVO" cancel --broker "$P2" --journal "$WORK/j.jnl" "$WORK/in20.csv" > "$WORK/out" 2> "$WORK/err"
check "while the send runs: refused (exit 2)" 2 "$?"
check_true "while the send runs: says so" grep -q "the send is still running" "$WORK/err"
kill -9 "$pid"
wait "$pid" 2>/dev/null
check "killed: no result line for the orders in flight" 0 "$(wc -l < "$WORK/k.ndjson")"
check "killed: the broker has 4" 4 "$(stat_of orders)"
"$SALVO" cancel --broker "$P2" "$WORK/k.ndjson" > "$WORK/out" 2> "$WORK/err"
check "from the results alone: nothing seen live (exit 0)" "0 0" "$? $(wc -l < "$WORK/out")"
"$SALVO" cancel --broker "$P2" --journal "$WORK/j.jnl" "$WORK/in20.csv" > "$WORK/kc.ndjson" 2> "$WORK/err"
check "from the journal: exit 0" 0 "$?"
check "from the journal: the 4 in flight cancelled, 16 never sent skipped" "cancelled=4 skipped=16" "$(statuses "$WORK/kc.ndjson")"
check "from the journal: the cancelled ones were sent" 4 "$(jq -r 'select(.status == "cancelled" and .previous == "sent")' "$WORK/kc.ndjson" | jq -s length)"
check "from the journal: the broker cancelled 4" 4 "$(stat_of cancelled)"
check_same "from the journal: the ids the broker has are the ones cancelled" \
    "$(curl -s "$BASE/orders" | jq -r .client_order_id | sort)" \
    "$(jq -r 'select(.status == "cancelled") | .client_order_id' "$WORK/kc.ndjson" | sort)"
check "the journal was not written to" 1 "$(grep -c salvo_journal "$WORK/j.jnl")"
make_orders 21 > "$WORK/in21.csv"
"$SALVO" cancel --broker "$P2" --journal "$WORK/j.jnl" "$WORK/in21.csv" > /dev/null 2>&1
check "from the journal, other orders than the send's: the ids match (exit 0)" 0 "$?"
{ head -1 "$WORK/in20.csv"; tail -10 "$WORK/in20.csv"; } > "$WORK/in9.csv"
"$SALVO" cancel --broker "$P2" --journal "$WORK/j.jnl" "$WORK/in9.csv" > /dev/null 2> "$WORK/err"
check "from the journal, an input missing a sent order: refused (exit 2)" 2 "$?"
check_true "... naming it" grep -q "which this input does not hold" "$WORK/err"

# 12. --cancel-after DUR on a send: DUR after --at's TIME the orders that
# may be live are cancelled, in the same results (run "ID-cancel"); a
# send still going at that time stops sending; a signal while it waits
# cancels nothing and says how to.
stop_mock
start_mock --fill-every 4
sed "s|127.0.0.1:8080|127.0.0.1:$PORT|g" "$EXAMPLES/brokers/salvo-mock.json" > "$WORK/mock3.json"
P3="$WORK/mock3.json"
at=$(date -d '+3 sec' +%H:%M:%S.%3N)
at_us=$(date -d "$at" +%s%6N)
"$SALVO" --broker "$P3" --at "$at" --cancel-after 1s --summary-json "$WORK/ca.json" "$WORK/in.csv" > "$WORK/ca.ndjson" 2> "$WORK/ca.err"
check "--cancel-after: exit 0" 0 "$?"
check "--summary-json: the send's and, inside, the cancel's" "12 9 3 true" \
    "$(jq -r '"\(.counts.accepted) \(.cancel_after.counts.cancelled) \(.cancel_after.counts.already_closed) \(.cancel_after.run == .run + "-cancel")"' "$WORK/ca.json")"
check "--cancel-after: 12 sent" 12 "$(jq -r 'select(.op == null and .status == "accepted")' "$WORK/ca.ndjson" | jq -s length)"
check "--cancel-after: 9 cancelled, 3 filled before" "already_closed=3 cancelled=9" \
    "$(jq -c 'select(.op == "cancel")' "$WORK/ca.ndjson" > "$WORK/ca.c"; statuses "$WORK/ca.c")"
check "--cancel-after: the cancels' run is the send's, -cancel" 1 \
    "$(jq -r '.run' "$WORK/ca.ndjson" | sort -u | awk '{ sub(/-cancel$/, "") } 1' | sort -u | wc -l)"
first_cancel_us=$(jq -r 'select(.op == "cancel") | .sent_at' "$WORK/ca.ndjson" | sort | head -1 | xargs -I{} date -d {} +%s%6N)
check_nonempty "--cancel-after: a cancel's send time" "$first_cancel_us"
check_true "--cancel-after: no cancel before TIME + 1 s ($((first_cancel_us - at_us)) us after TIME)" \
    test $((first_cancel_us - at_us)) -ge 1000000
check "--cancel-after: the broker cancelled 9" 9 "$(stat_of cancelled)"

"$SALVO" --broker "$P3" --rate 10/s --cancel-after 1s --id-prefix slow "$WORK/in40.csv" > "$WORK/ca2.ndjson" 2> "$WORK/ca2.err"
check "--cancel-after before the send ends: exit 1 (orders not sent)" 1 "$?"
sent=$(jq -r 'select(.op == null and .status == "accepted")' "$WORK/ca2.ndjson" | jq -s length)
check_true "--cancel-after before the send ends: the send stopped ($sent of 40 sent)" test "$sent" -lt 40
check "--cancel-after before the send ends: the rest not sent" $((40 - sent)) \
    "$(jq -r 'select(.op == null and .status == "not_sent")' "$WORK/ca2.ndjson" | jq -s length)"
check "--cancel-after before the send ends: each sent one cancelled or closed" "$sent" \
    "$(jq -r 'select(.op == "cancel" and (.status == "cancelled" or .status == "already_closed"))' "$WORK/ca2.ndjson" | jq -s length)"

# The same through a host name: libcurl resolves it on a thread it wakes
# through a descriptor of its own (not a connection), which it closes
# without salvo's close callback; the cancel's engine, on the same loop,
# resolves again and must get its descriptors watched (e2e_faults 20 has
# the lookup that fails at once, which aborted salvo).
sed "s|127.0.0.1:$PORT|salvo-e2e.test:$PORT|g" "$P3" > "$WORK/mock3h.json"
before=$(stat_of cancelled)
LD_PRELOAD="${RESOLVE_SHIM:?}" ASAN_OPTIONS="$ASAN_OPTIONS:verify_asan_link_order=0" \
    "$SALVO" --broker "$WORK/mock3h.json" --cancel-after 1s --id-prefix host "$WORK/in.csv" > "$WORK/ca4.ndjson" 2> "$WORK/ca4.err"
check "--cancel-after through a host name: exit 0" 0 "$?"
check "--cancel-after through a host name: 12 sent" 12 \
    "$(jq -r 'select(.op == null and .status == "accepted")' "$WORK/ca4.ndjson" | jq -s length)"
check "--cancel-after through a host name: each cancelled or filled before" 12 \
    "$(jq -r 'select(.op == "cancel" and (.status == "cancelled" or .status == "already_closed"))' "$WORK/ca4.ndjson" | jq -s length)"
check "--cancel-after through a host name: the broker cancelled what was open" \
    "$(jq -r 'select(.op == "cancel" and .status == "cancelled")' "$WORK/ca4.ndjson" | jq -s length)" \
    "$(($(stat_of cancelled) - before))"

before=$(stat_of cancels)
"$SALVO" --broker "$P3" --cancel-after 60s --id-prefix wait "$WORK/in.csv" > "$WORK/ca3.ndjson" 2> "$WORK/ca3.err" &
pid=$!
lines_at_least() { [ "$(wc -l < "$1")" -ge "$2" ]; }
wait_for 20 lines_at_least "$WORK/ca3.ndjson" 12
kill -INT "$pid"
wait "$pid"
check "--cancel-after, SIGINT while waiting: exit 130" 130 "$?"
check_true "--cancel-after, SIGINT while waiting: says nothing was cancelled" grep -q "before the cancel: nothing was cancelled" "$WORK/ca3.err"
check "--cancel-after, SIGINT while waiting: no cancel sent" "$before" "$(stat_of cancels)"

refused "--cancel-after without --broker" "needs --broker" --url "$URL" --no-auth --cancel-after 5s "$WORK/in.csv"
"$SALVO" --broker "$P3" --dry-run --cancel-after 5s "$WORK/in.csv" > /dev/null 2> "$WORK/err"
check "--cancel-after with --dry-run: exit 0, nothing to cancel" "0 1" "$? $(grep -c 'no order may be live: nothing to cancel' "$WORK/err")"
jq 'del(.cancel)' "$P3" > "$WORK/nocancel3.json"
refused "--cancel-after, a profile without cancel" 'has no "cancel" request' --broker "$WORK/nocancel3.json" --cancel-after 5s "$WORK/in.csv"
refused "salvo cancel --cancel-after" "takes no --cancel-after" cancel --broker "$P3" --cancel-after 5s "$WORK/run.ndjson"

# 13. What a review found (each an order left live while salvo said done):
stop_mock
start_mock --fill-every 1000
sed "s|127.0.0.1:8080|127.0.0.1:$PORT|g" "$EXAMPLES/brokers/salvo-mock.json" > "$WORK/mock4.json"
P4="$WORK/mock4.json"
make_orders 6 > "$WORK/in6.csv"
"$SALVO" --broker "$P4" --id-prefix rv "$WORK/in6.csv" > "$WORK/rv.ndjson" 2>/dev/null
# a. a wrong cancel URL: 404 for every order is no "not_found, done" (exit 1);
# the run does not stop on 404s (a 404 is an order's answer: the next may be live)
"$SALVO" cancel --no-auth --concurrency 1 --url "$BASE/order/{{client_order_id}}" "$WORK/rv.ndjson" > "$WORK/out" 2> "$WORK/err"
check "a wrong URL: not exit 0" 1 "$?"
check "a wrong URL: each order asked, each not_found" "not_found=6" "$(statuses "$WORK/out")"
check "a wrong URL: the orders are still open" 0 "$(stat_of cancelled)"
# 404s for orders that never arrived (unknown sends) before live ones: every live one is still cancelled
"$SALVO" --broker "$P4" --id-prefix rv3 "$WORK/in6.csv" > "$WORK/rv3.ndjson" 2>/dev/null
{ for i in 1 2 3 4 5 6; do jq -c --arg i "$i" '.client_order_id = "gone-\($i)" | .status = "unknown"' <<<"$(head -1 "$WORK/rv3.ndjson")"; done
  cat "$WORK/rv3.ndjson"; } > "$WORK/gone.ndjson"
"$SALVO" cancel --no-auth --concurrency 1 --url "$URL/{{client_order_id}}" "$WORK/gone.ndjson" > "$WORK/out" 2> "$WORK/err"
check "404s first: exit 1 (not found)" 1 "$?"
check "404s first: the 6 live ones cancelled, the 6 gone not found" "cancelled=6 not_found=6" "$(statuses "$WORK/out")"
# b. --resume's skipped lines (previous accepted) are orders placed: live
{ jq -c '.status = "skipped" | .previous = "accepted" | del(.order_id, .http_status)' "$WORK/rv.ndjson"; } > "$WORK/rs.ndjson"
"$SALVO" cancel --broker "$P4" "$WORK/rs.ndjson" > "$WORK/out" 2> "$WORK/err"
check "resumed lines: exit 0" 0 "$?"
check "resumed lines: the 6 placed earlier are cancelled" "cancelled=6" "$(statuses "$WORK/out")"
# c. --method on a profile's cancel would drop the body that names the order: refused
refused "--method with a profile's cancel" "--method" cancel --broker "$P4" --method POST "$WORK/rv.ndjson"
# d. a column the request needs is empty (no broker id): the order is invalid, never a request naming no order
jq -c 'del(.order_id)' "$WORK/rv.ndjson" > "$WORK/noid.ndjson"
jq '.cancel.body = {"order_ids": ["{{order_id}}"]} | .cancel.method = "POST"' "$P4" > "$WORK/byid.json"
"$SALVO" cancel --broker "$WORK/byid.json" --dry-run "$WORK/noid.ndjson" > "$WORK/out" 2>/dev/null
check "an empty order_id: each order invalid" "invalid=6" "$(statuses "$WORK/out")"
check_true "an empty order_id: said" grep -q "needs column order_id, which is empty" "$WORK/out"
# e. salvo cancel --at reads the results at TIME: an order written after the start is cancelled
"$SALVO" --broker "$P4" --id-prefix rv2 "$WORK/in6.csv" > "$WORK/rv2.ndjson" 2>/dev/null
head -3 "$WORK/rv2.ndjson" > "$WORK/late.ndjson"
"$SALVO" cancel --broker "$P4" --at "$(date -d '+3 sec' +%H:%M:%S.%3N)" "$WORK/late.ndjson" > "$WORK/out" 2> "$WORK/err" &
pid=$!
said_utc() { grep -q "(UTC)" "$WORK/err"; }
wait_for 20 said_utc # it has started; the send's later lines come now
tail -3 "$WORK/rv2.ndjson" >> "$WORK/late.ndjson"
wait "$pid"
check "--at: exit 0" 0 "$?"
check "--at: the 3 lines written after the start are cancelled too" "cancelled=6" "$(statuses "$WORK/out")"
# f. --cancel-after with --url: the cancel would go to the profile's host, not the send's: refused
refused "--cancel-after with --url" "--cancel-after" --broker "$P4" --url "$URL" --cancel-after 5s "$WORK/in6.csv"
# g. a cancel request needing a column results do not carry: refused before anything is sent
jq '.cancel.url = "'"$BASE"'/accounts/{{account_id}}/orders/{{client_order_id}}"' "$P4" > "$WORK/acct.json"
refused "--cancel-after, a column results lack" "account_id" --broker "$WORK/acct.json" --cancel-after 5s "$WORK/in6.csv"
refused "salvo cancel, a column results lack" "account_id" cancel --broker "$WORK/acct.json" "$WORK/rv.ndjson"
# i. salvo cancel --journal: a journal not there is refused (it would read as "nothing sent"),
# and --at reads it at TIME: a send that starts after the cancel is in
refused "--journal not there" "No such file" cancel --broker "$P4" --journal "$WORK/none.jnl" "$WORK/in6.csv"
make_orders 5 > "$WORK/in5.csv"
"$SALVO" cancel --broker "$P4" --journal "$WORK/late.jnl" --at "$(date -d '+3 sec' +%H:%M:%S.%3N)" "$WORK/in5.csv" \
    > "$WORK/out" 2> "$WORK/err" &
pid=$!
wait_for 20 said_utc
"$SALVO" --broker "$P4" --journal "$WORK/late.jnl" "$WORK/in5.csv" > /dev/null 2>&1
wait "$pid"
check "--journal --at: exit 0" 0 "$?"
check "--journal --at: the send's 5 orders, begun after the cancel, are cancelled" "cancelled=5" "$(statuses "$WORK/out")"
# j. a later unknown send line with no broker id keeps the id an earlier line named
jq -c '.status = "unknown" | del(.order_id)' "$WORK/rv.ndjson" > "$WORK/unk.ndjson"
cat "$WORK/rv.ndjson" "$WORK/unk.ndjson" > "$WORK/both.ndjson"
"$SALVO" cancel --broker "$WORK/byid.json" --dry-run "$WORK/both.ndjson" > "$WORK/out" 2>/dev/null
check "an unknown resend keeps the earlier broker id" 6 \
    "$(jq -r 'select(.status == "dry_run" and (.request.body.order_ids[0] | startswith("MOCK-")))' "$WORK/out" | jq -s length)"
# k. --cancel-after --sandbox with a cancel request that has no sandbox_url: refused before sending
jq '.sandbox_url = .url' "$P4" > "$WORK/sb.json"
before_orders=$(stat_of orders)
refused "--cancel-after --sandbox, no cancel sandbox_url" "sandbox_url" --broker "$WORK/sb.json" --sandbox --cancel-after 1s "$WORK/in6.csv"
check "--cancel-after --sandbox: nothing was sent" "$before_orders" "$(stat_of orders)"
# l. --cancel-after is paced by the profile (none here), not the send's --rate
"$SALVO" --broker "$P4" --id-prefix pace --rate 5/s --cancel-after 1500ms "$WORK/in6.csv" > "$WORK/pace.ndjson" 2>/dev/null
spread() { jq -r "select($1) | .sent_at" "$WORK/pace.ndjson" | sort | python3 -c '
import sys, datetime
t = [datetime.datetime.fromisoformat(l.strip().replace("Z", "+00:00")).timestamp() for l in sys.stdin if l.strip()]
print(round(max(t) - min(t), 3) if t else "none")'; }
send_spread=$(spread '.op == null') cancel_spread=$(spread '.op == "cancel"')
check_true "--cancel-after's pace: the send at 5/s (${send_spread} s), its cancels at once (${cancel_spread} s)" \
    python3 -c "import sys; sys.exit(0 if $send_spread >= 0.8 and $cancel_spread < 0.5 else 1)"
# m. salvo cancel --at with an -o that cannot be written: said at once, not at TIME
at_us=$(date -d '+3 sec' +%s%6N)
"$SALVO" cancel --broker "$P4" --at "$(date -d "@${at_us:0:10}.${at_us:10}" +%H:%M:%S.%3N)" -o /nonexistent/x.ndjson \
    "$WORK/rv.ndjson" > /dev/null 2> "$WORK/err"
check "-o unwritable: exit 3" 3 "$?"
check_true "-o unwritable: said before TIME" test "$(date +%s%6N)" -lt "$at_us"

# h. a broken status section stops a cancel too (a profile is checked whole)
jq '.status.result.rules = [{"status": "accepted", "http": [200]}]' "$P4" > "$WORK/badst.json"
refused "a broken status section" 'its "status" request' cancel --broker "$WORK/badst.json" "$WORK/rv.ndjson"

finish
