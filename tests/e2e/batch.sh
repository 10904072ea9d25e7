#!/usr/bin/env bash
# --batch N (issue 23) against salvo-mock's POST /orders/batch: up to N
# orders a request, and still one honest line an order, read from its own
# element of the answer: a batch that gets no answer leaves each order
# unknown (they are at the broker), one refused whole rejects each with the
# reason, only elements that prove nothing was placed are sent again, the
# journal has each order, the concurrency cap counts requests, and a
# profile's "group" keeps one batch to one symbol; a dry run shows each
# order with the batch request it would go in.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

statuses() { jq -r .status "$1" | sort | uniq -c | awk '{printf "%s%s=%s", sep, $2, $1; sep=" "}'; }
ids_of() { jq -r .client_order_id "$1" | sort; }
# the bundled salvo-mock profile, pointed at this mock's port, changed by jq FILTER
profile() { sed "s|127.0.0.1:8080|127.0.0.1:$PORT|g" "$EXAMPLES/brokers/salvo-mock.json" | jq "${1:-.}" > "$WORK/mock.json"; }
P="$WORK/mock.json"
make_orders 45 > "$WORK/in45.csv"
# 45 orders, with ids of their own, on 3 symbols
awk -F, 'NR == 1 { print $0 ",client_order_id"; next } { $1 = "SYM" (NR % 3); print $0 ",b" NR }' OFS=, \
    "$WORK/in45.csv" > "$WORK/sym.csv"

# 1. 45 orders, 10 a batch, some refused by the broker: 5 requests, one
# line an order, each with its own element's answer.
start_mock --reject-rate 0.2 --seed 7
profile
"$SALVO" --broker "$P" --batch 10 --journal "$WORK/j1" --summary-json "$WORK/s1.json" "$WORK/sym.csv" > "$WORK/r1" 2> "$WORK/err"
rc=$?
check "batches: the summary counts 5 requests, 5 of them batches" "5 5" "$(jq -r '"\(.requests) \(.batches)"' "$WORK/s1.json")"
check_true "batches: and says so" grep -q "45 orders sent in 5 requests (5 batches)" "$WORK/err"
check "batches: each line says its batch (size, place)" "10:0-9 x4;5:0-4 x1;" \
    "$(jq -r '"\(.batch.size) \(.batch.index)"' "$WORK/r1" | awk '{ k = $1; if (!(k in lo) || $2 < lo[k]) lo[k] = $2; if ($2 > hi[k]) hi[k] = $2; c[k]++ }
        END { for (k in c) printf "%s:%d-%d x%d;\n", k, lo[k], hi[k], c[k] / (hi[k] + 1) }' | LC_ALL=C sort | tr -d '\n')"
check "batches: 5 requests for 45 orders" 5 "$(stat_of batches)"
check "batches: the broker read 45 orders" 45 "$(stat_of received)"
check_same "batches: one line for each order" "$(ids_of "$WORK/r1" | uniq)" "$(ids_of "$WORK/r1")"
check "batches: 45 lines" 45 "$(wc -l < "$WORK/r1")"
check "batches: accepted as the broker counts" "$(stat_of accepted)" "$(jq -r 'select(.status == "accepted")' "$WORK/r1" | jq -s length)"
check "batches: rejected as the broker counts" "$(stat_of rejected)" "$(jq -r 'select(.status == "rejected")' "$WORK/r1" | jq -s length)"
check_true "batches: some were rejected" test "$(stat_of rejected)" -gt 0
check "batches: exit 1 (some rejected)" 1 "$rc"
check "batches: an accepted order has its own broker id" 0 \
    "$(jq -r 'select(.status == "accepted" and (.order_id | startswith("MOCK-") | not))' "$WORK/r1" | jq -s length)"
check "batches: a line's response is its own element" 0 \
    "$(jq -r 'select(.response.client_order_id != .client_order_id)' "$WORK/r1" | jq -s length)"
check "batches: a rejected order has the broker's words" 0 \
    "$(jq -r 'select(.status == "rejected" and .error != "broker: insufficient buying power")' "$WORK/r1" | jq -s length)"
check "batches: the journal has each order sent" 45 "$(jq -r '.sent // empty' "$WORK/j1" | sort -u | wc -l)"
check "batches: and each outcome" 45 "$(jq -r 'select(.status) | .id' "$WORK/j1" | sort -u | wc -l)"

# 2. --resume from that journal: nothing is sent again.
"$SALVO" --broker "$P" --batch 10 --journal "$WORK/j1" --resume "$WORK/sym.csv" > "$WORK/r2" 2> "$WORK/err"
check "resume: every order skipped" "skipped=45" "$(statuses "$WORK/r2")"
check "resume: no request" 5 "$(stat_of batches)"
stop_mock

# 3. A profile's "group": one symbol a batch. The broker records each
# batch's orders at one moment: each moment has one symbol.
start_mock
profile '.batch.group = ["symbol"] | .batch.body = {"symbol": "{{symbol}}", "orders": "{{orders}}"}'
"$SALVO" --broker "$P" --batch 10 "$WORK/sym.csv" > "$WORK/r3" 2> "$WORK/err"
check "group: exit 0" 0 "$?"
check "group: 45 accepted" "accepted=45" "$(statuses "$WORK/r3")"
check "group: 6 requests (15 orders of each symbol, 10 a batch)" 6 "$(stat_of batches)"
check "group: no batch mixes symbols" 0 \
    "$(curl -s "$URL" | jq -s 'group_by(.arrival_ns) | map(map(.symbol) | unique | length) | map(select(. > 1)) | length')"
stop_mock

# 3b. A limit per symbol: the broker never sees more than 5 orders of one
# symbol in any second, however they are batched, whether the broker
# counts orders or requests (a batch of several symbols must not pass one's
# limit riding on another's).
busiest_symbol() {
    curl -s "$URL" | python3 -c '
import json, sys, collections
t = collections.defaultdict(list)
for line in sys.stdin:
    o = json.loads(line)
    t[o["symbol"]].append(o["arrival_ns"] / 1e9)
print(max(sum(1 for y in v if x <= y < x + 1) for v in t.values() for x in v))'
}
for counts in order request; do
    start_mock
    profile ".batch.counts = \"$counts\""
    "$SALVO" --broker "$P" --batch 10 --rate-per symbol=5/1s "$WORK/sym.csv" > "$WORK/r3b" 2> "$WORK/err"
    check "per symbol, counts $counts: 45 accepted" "accepted=45" "$(statuses "$WORK/r3b")"
    most=$(busiest_symbol)
    check_nonempty "per symbol, counts $counts: the broker's record read" "$most"
    check_true "per symbol, counts $counts: at most 5 of a symbol in any second at the broker ($most)" \
        test "${most:-99}" -le 5
    stop_mock
done

# 4. The concurrency cap counts requests: one at a time, 10 orders each.
start_mock --latency 20ms
profile
"$SALVO" --broker "$P" --batch 10 --concurrency 1 "$WORK/in45.csv" > "$WORK/r4" 2> "$WORK/err"
check "cap: 45 accepted" "accepted=45" "$(statuses "$WORK/r4")"
check "cap: 5 requests" 5 "$(stat_of batches)"
stop_mock

# 4b. --cancel-after with --batch: the send goes in batches, the cancel one
# request an order, and every order placed is cancelled.
start_mock
profile
"$SALVO" --broker "$P" --batch 10 --cancel-after 2s "$WORK/in45.csv" > "$WORK/r4b" 2> "$WORK/err"
check "batch, then cancel: exit 0" 0 "$?"
check "batch, then cancel: 45 accepted, then 45 cancelled" "accepted=45 cancelled=45" "$(statuses "$WORK/r4b")"
check "batch, then cancel: the broker cancelled 45" 45 "$(stat_of cancelled)"
stop_mock

# 5. No answer: the broker placed every order and the connection closed.
# Each order is unknown (it may be, and is, at the broker), never a "no";
# the journal says so: --resume --resend-unknown (the profile dedupes ids)
# sends each again (here to a fresh broker, which takes them).
start_mock --drop-rate 1
profile
"$SALVO" --broker "$P" --batch 10 --retries 0 --journal "$WORK/j5" "$WORK/in45.csv" > "$WORK/r5" 2> "$WORK/err"
check "dropped: exit 4 (unknown)" 4 "$?"
check "dropped: 45 unknown" "unknown=45" "$(statuses "$WORK/r5")"
check "dropped: the broker has all 45" 45 "$(stat_of orders)"
stop_mock
MOCK_PORT=$PORT start_mock
"$SALVO" --broker "$P" --batch 10 --journal "$WORK/j5" --resume --resend-unknown "$WORK/in45.csv" > "$WORK/r5b" 2> "$WORK/err"
check "dropped, resent: 45 accepted (a fresh broker)" "accepted=45" "$(statuses "$WORK/r5b")"
check "dropped, resent: each was unknown before" 45 "$(jq -r 'select(.previous == "unknown")' "$WORK/r5b" | jq -s length)"
stop_mock

# 6. A 500 for the whole batch: each unknown (5xx says nothing of what was done).
start_mock --error-rate 1
profile
"$SALVO" --broker "$P" --batch 10 --retries 0 "$WORK/in45.csv" > "$WORK/r6" 2> "$WORK/err"
check "500: 45 unknown" "unknown=45" "$(statuses "$WORK/r6")"
stop_mock

# 7. A batch refused whole (no key): each order rejected, with the reason.
start_mock --api-key right
profile
"$SALVO" --broker "$P" --batch 10 --give-up-after 0 "$WORK/in45.csv" > "$WORK/r7" 2> "$WORK/err"
check "refused: 45 rejected" "rejected=45" "$(statuses "$WORK/r7")"
check "refused: each says why" 45 "$(jq -r 'select(.error == "broker: missing or wrong API key")' "$WORK/r7" | jq -s length)"
check "refused: nothing placed" 0 "$(stat_of orders -H 'Authorization: Bearer right')"
stop_mock

# 8. The broker's rate limit (429 for a whole batch): nothing was placed,
# so the batch goes again; every order ends accepted, each once.
start_mock --rate-limit 1/s
profile
"$SALVO" --broker "$P" --batch 15 --retries 6 --retry-max-backoff 3s "$WORK/in45.csv" > "$WORK/r8" 2> "$WORK/err"
check "429: 45 accepted" "accepted=45" "$(statuses "$WORK/r8")"
check_true "429: the broker did say 429" test "$(stat_of rate_limited)" -gt 0
check "429: each placed once" "45 0" "$(stat_of orders) $(stat_of duplicates)"
stop_mock

# 9. Only the elements that prove nothing was placed go again: a profile
# that reads the broker's refusal as its rate limit retries exactly those
# orders, alone or batched with others, never one already accepted.
start_mock --reject-rate 0.3 --seed 11
profile '.batch.result.rules = [.batch.result.rules[] | if .status == "rejected" then .status = "rate_limited" else . end]'
"$SALVO" --broker "$P" --batch 10 --retries 8 --retry-backoff 10ms --retry-max-backoff 50ms "$WORK/in45.csv" > "$WORK/r9" 2> "$WORK/err"
check "element retry: each placed once" "0" "$(stat_of duplicates)"
check "element retry: one line an order" 45 "$(wc -l < "$WORK/r9")"
check "element retry: every line accepted or (out of tries) rejected" 0 \
    "$(jq -r 'select(.status != "accepted" and .status != "rejected")' "$WORK/r9" | jq -s length)"
check "element retry: the broker read 45 + the retried attempts" "$(stat_of received)" \
    "$(jq -s 'map(.attempts) | add' "$WORK/r9")"
check_true "element retry: some orders were retried" test "$(jq -r 'select(.attempts > 1)' "$WORK/r9" | jq -s length)" -gt 0
check "element retry: an order accepted at once was sent once" 0 \
    "$(jq -r 'select(.attempt_statuses[0] == 200 and .attempts > 1 and .status == "accepted" and (.response.status == "accepted") and .attempts != (.attempt_statuses | length))' "$WORK/r9" | jq -s length)"
stop_mock

# 10. An answer with no element for the orders (a profile pointing
# elsewhere): a 200 proves nothing about each order: unknown.
start_mock
profile '.batch.elements = "/nowhere"'
"$SALVO" --broker "$P" --batch 10 --retries 0 "$WORK/in45.csv" > "$WORK/r10" 2> "$WORK/err"
check "no element: 45 unknown" "unknown=45" "$(statuses "$WORK/r10")"
check "no element: says so" 45 \
    "$(jq -r 'select(.error == "broker: the batch'"'"'s answer has no element for this order")' "$WORK/r10" | jq -s length)"
stop_mock

# 11. A signal while batches hang unanswered: each order gets its line, unknown.
start_mock --stall-rate 1
profile
"$SALVO" --broker "$P" --batch 10 --drain-timeout 100ms "$WORK/in45.csv" > "$WORK/r11" 2> "$WORK/err" &
pid=$!
batches_at_least() { [ "$(stat_of batches 2>/dev/null || echo 0)" -ge "$1" ] 2>/dev/null; }
wait_for 20 batches_at_least 5
kill -TERM "$pid"
wait "$pid"
check "signal: exit 143 (stopped by SIGTERM)" 143 "$?"
check "signal: 45 unknown" "unknown=45" "$(statuses "$WORK/r11")"
stop_mock

# 12. Refusals, each naming the flag.
start_mock
profile 'del(.batch)'
"$SALVO" --broker "$P" --batch 10 "$WORK/in45.csv" > /dev/null 2> "$WORK/err"
check "no batch request: exit 2" 2 "$?"
check_true "no batch request: says so" grep -q 'the salvo-mock profile has no "batch" request' "$WORK/err"
profile
"$SALVO" --broker "$P" --batch 51 "$WORK/in45.csv" > /dev/null 2> "$WORK/err"
check "over the max: exit 2" 2 "$?"
check_true "over the max: says so" grep -q 'batch request carries at most 50 orders' "$WORK/err"
"$SALVO" --url "$URL" --no-auth --batch 10 "$WORK/in45.csv" > /dev/null 2> "$WORK/err"
check "no profile: exit 2" 2 "$?"
jq '.batch.method = "PUT"' "$EXAMPLES/brokers/salvo-mock.json" | sed "s|127.0.0.1:8080|127.0.0.1:$PORT|g" > "$WORK/put.json"
"$SALVO" --broker "$WORK/put.json" --batch 10 "$WORK/in45.csv" > /dev/null 2> "$WORK/err"
check "a batch method not the orders': exit 2" 2 "$?"
check_true "a batch method not the orders': says so" grep -q "batch request is a PUT, its orders' a POST" "$WORK/err"
profile '.url = "http://127.0.0.1:8080/accounts/{{account}}/orders"'
"$SALVO" --broker "$P" --batch 10 "$WORK/in45.csv" > /dev/null 2> "$WORK/err"
check "an order URL naming columns: exit 2" 2 "$?"
check_true "an order URL naming columns: says so" grep -q 'the order URL names columns' "$WORK/err"
profile
check "refusals: nothing sent" "0 0" "$(stat_of received) $(stat_of batches)"

# 13. A dry run shows each order with the batch request it would go in.
"$SALVO" --broker "$P" --batch 10 --dry-run "$WORK/sym.csv" > "$WORK/r13" 2> "$WORK/err"
check "dry run: exit 0" 0 "$?"
check "dry run: 45 lines" "dry_run=45" "$(statuses "$WORK/r13")"
check "dry run: to the batch endpoint" "$URL/batch" "$(jq -r .request.url "$WORK/r13" | sort -u)"
check "dry run: batches of 10, 10, 10, 10, 5" "10 10 10 10 5" \
    "$(jq -r '.request.body.orders | map(.client_order_id) | join(",")' "$WORK/r13" | uniq | awk -F, '{print NF}' | xargs)"
check "dry run: each order is in the request its line shows" 0 \
    "$(jq -r 'select(.client_order_id as $id | .request.body.orders | map(.client_order_id) | index($id) | not)' "$WORK/r13" | jq -s length)"
check "dry run: nothing sent" "0 0" "$(stat_of received) $(stat_of batches)"

# ---- A broker whose batch answers are odd (tests/batch_server.py) ----
# start_odd MODE [LOOKUP_DELAY]: sets ODD (its orders URL) and P to the
# salvo-mock profile aimed at it
start_odd() {
    STARTS=$((STARTS + 1))
    local pf="$WORK/odd.$STARTS"
    python3 "$(dirname "$0")/../batch_server.py" "$1" "$pf" "${2:-0}" 2> "$WORK/odd.err" &
    MOCK_PIDS+=($!)
    wait_for 10 test -s "$pf" || return 1
    ODD="http://127.0.0.1:$(cat "$pf")"
    sed "s|http://127.0.0.1:8080|$ODD|g" "$EXAMPLES/brokers/salvo-mock.json" > "$WORK/odd.json"
}
seen_count() { curl -s -m 5 "$ODD/_seen" | jq "[.[]] | add // 0"; }
printf 'symbol,price,quantity,side,client_order_id\nAAA,10.5,1,BUY,oa1\nBBB,10.5,1,BUY,ob2\n' > "$WORK/two.csv"
printf 'symbol,price,quantity,side,client_order_id\nAAA,10.5,1,BUY,sa1\nBBB,10.5,1,BUY,sb2\nCCC,10.5,1,BUY,sc3\n' > "$WORK/three.csv"

# 14. An answer out of order: each element names its order, but not in its
# place. By place (element_id checks the place's id), no order has its
# element: both unknown, never the other's "no". Found by id (match): each
# its own.
start_odd reverse
"$SALVO" --broker "$WORK/odd.json" --batch 2 --retries 0 "$WORK/two.csv" > "$WORK/r14" 2> "$WORK/err"
check "out of order, by place: both unknown" "oa1 unknown;ob2 unknown;" \
    "$(jq -r '"\(.client_order_id) \(.status)"' "$WORK/r14" | sort | tr '\n' ';')"
jq 'del(.batch.element_id) | .batch.match = "/client_order_id" |
    .batch.result = (.batch.result | walk(if type == "string" then sub("/results/\\{\\{index\\}\\}"; "{{element}}") else . end))' \
    "$WORK/odd.json" > "$WORK/odd-match.json"
printf 'symbol,price,quantity,side,client_order_id\nAAA,10.5,1,BUY,oa3\nBBB,10.5,1,BUY,ob4\n' > "$WORK/two-b.csv"
"$SALVO" --broker "$WORK/odd-match.json" --batch 2 --retries 0 "$WORK/two-b.csv" > "$WORK/r14b" 2> "$WORK/err"
check "out of order, by id: each its own" "oa3 rejected;ob4 accepted;" \
    "$(jq -r '"\(.client_order_id) \(.status)"' "$WORK/r14b" | sort | tr '\n' ';')"
check "out of order, by id: the refusal's own words" "broker: insufficient funds" \
    "$(jq -r 'select(.status == "rejected") | .error' "$WORK/r14b")"

# 15. An answer one element short, read by place (no element_id): no order
# is read from another's element; each unknown (the first is placed).
start_odd short
jq 'del(.batch.element_id)' "$WORK/odd.json" > "$WORK/odd-place.json"
"$SALVO" --broker "$WORK/odd-place.json" --batch 3 --retries 0 "$WORK/three.csv" > "$WORK/r15" 2> "$WORK/err"
check "short answer: each unknown" "unknown=3" "$(statuses "$WORK/r15")"

# 16. A 400 whose elements say "accepted" (no rule reads a 400's elements):
# the orders are placed; unknown, never rejected.
start_odd e400
"$SALVO" --broker "$WORK/odd.json" --batch 2 --retries 0 "$WORK/two.csv" > "$WORK/r16" 2> "$WORK/err"
check "a 400 with elements: each unknown" "unknown=2" "$(statuses "$WORK/r16")"
check "a 400 with elements: both were placed" 2 "$(seen_count)"

# 17. Batches that get no answer, then lookups slower than the cap allows:
# every order ends accepted, placed once, and the journal holds a few lines
# an order (a batch that finds no free connection waits for an answer, it
# does not go round again at once).
start_odd stall2 0.3
awk 'BEGIN { print "symbol,price,quantity,side,client_order_id"; for (i = 1; i <= 6; i++) printf "S%d,10.5,1,BUY,st%d\n", i, i }' > "$WORK/six.csv"
"$SALVO" --broker "$WORK/odd.json" --batch 3 --concurrency 2 --timeout 500ms --retry-backoff 10ms \
    --reconcile-url "$ODD/orders/{{client_order_id}}" --resend-unknown --journal "$WORK/j17" "$WORK/six.csv" \
    > "$WORK/r17" 2> "$WORK/err"
check "stalled then looked up: 6 accepted" "accepted=6" "$(statuses "$WORK/r17")"
check "stalled then looked up: each placed once" "6 1" "$(curl -s -m 5 "$ODD/_seen" | jq '[length, ([.[]] | max)] | join(" ")' -r)"
check_true "stalled then looked up: the journal stays small ($(wc -l < "$WORK/j17") lines)" test "$(wc -l < "$WORK/j17")" -lt 100

finish
