#!/usr/bin/env bash
# Order safety end to end: faults and retries, the journal across a kill -9,
# reconciliation, signals, guard rails and secrets. The broker's record
# (GET /orders) is the ground truth every check compares against.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
export SALVO_API_KEY=
SEEDS=${SEEDS:-10}

book_ids() { curl -s -m 10 "$URL" | jq -r .client_order_id | sort; }
book_dups() { book_ids | uniq -d | wc -l; }
ids_with() { jq -r "select($1) | .client_order_id" "${2:-$WORK/out}" | sort; }
# lines of $1 not in $2 (both sorted)
missing_from() { comm -23 "$1" "$2" | wc -l; }

# ---- Faults and retries: nothing executed twice, nothing claimed that isn't there ----
start_mock --seed 11 --error-rate 0.05 --drop-rate 0.02 --rate-limit 1500/s
make_orders 2000 > "$WORK/o2000.csv"
"$SALVO" --url "$URL" --concurrency 16 --retries 5 --seed 5 "$WORK/o2000.csv" > "$WORK/out" 2>/dev/null
check "faults: one line per order" 2000 "$(wc -l < "$WORK/out")"
check "faults: no order executed twice" 0 "$(book_dups)"
book_ids > "$WORK/book"
ids_with '.status == "accepted"' > "$WORK/acc"
check "faults: every accepted order is at the broker" 0 "$(missing_from "$WORK/acc" "$WORK/book")"
ids_with '.status != "accepted" and .status != "unknown"' > "$WORK/notacc"
check "faults: no order at the broker is reported rejected or failed" 0 "$(comm -12 "$WORK/notacc" "$WORK/book" | wc -l)"
check "faults: every copy the broker refused as a duplicate was seen by salvo" "$(stat_of duplicates)" \
    "$(jq -s '[.[].attempt_statuses[] | select(. == 409)] | length' "$WORK/out")"
check "faults: an order the broker saw twice is never 'rejected'" 0 \
    "$(jq -s '[.[] | select((.transport_resent or (.attempt_statuses | index(409))) and .status == "rejected")] | length' "$WORK/out")"
check_true "faults: some orders were unknown without reconciliation" jq -se 'any(.[]; .status == "unknown")' "$WORK/out" >/dev/null
stop_mock

start_mock --seed 11 --error-rate 0.05 --drop-rate 0.02 --rate-limit 1500/s
"$SALVO" --url "$URL" --concurrency 16 --retries 5 --seed 5 --reconcile-url "$BASE/orders/{{client_order_id}}" \
    "$WORK/o2000.csv" > "$WORK/out" 2> "$WORK/err"
check "reconcile: exit 0" 0 $?
check "reconcile: no unknown left" 0 "$(jq -s '[.[] | select(.status == "unknown")] | length' "$WORK/out")"
check "reconcile: accepted orders are exactly the broker's" "$(book_ids | md5sum)" "$(ids_with '.status == "accepted"' | md5sum)"
check_true "reconcile: some were settled by lookup" jq -se 'any(.[]; .reconciled == true and .status == "accepted")' "$WORK/out" >/dev/null
check_true "reconcile: the summary says so" grep -q 'reconcile: [0-9]* lookups' "$WORK/err"
stop_mock

# ---- kill -9 in the middle of 5,000 orders, then --resume: nothing twice, nothing lost ----
make_orders 5000 > "$WORK/o5000.csv"
sort_ids_of_input() { awk -F, 'NR > 1 { printf "%s-%d\n", p, NR - 1 }' p="$1" "$WORK/o5000.csv" | sort; }
for seed in $(seq 1 "$SEEDS"); do
    start_mock --seed "$seed" --latency 4ms --jitter 3ms --error-rate 0.02 --drop-rate 0.01
    j="$WORK/j$seed"
    "$SALVO" --url "$URL" --concurrency 32 --rate 3000/s --id-prefix "k$seed" --journal "$j" \
        "$WORK/o5000.csv" > "$WORK/out1" 2>/dev/null &
    pid=$!
    sleep "0.$((3 + seed % 7))"
    kill -KILL $pid
    wait $pid 2>/dev/null
    sent_before=$(grep -c '"sent"' "$j")
    # Odd seeds: plain --resume (held orders stay unknown). Even: reconcile and resend.
    extra=()
    [ $((seed % 2)) -eq 0 ] && extra=(--reconcile-url "$BASE/orders/{{client_order_id}}" --resend-unknown)
    "$SALVO" --url "$URL" --concurrency 32 --rate 3000/s --journal "$j" --resume "${extra[@]}" \
        "$WORK/o5000.csv" > "$WORK/out2" 2>/dev/null
    book_ids > "$WORK/book"
    ids_with '.status == "accepted" or .status == "skipped"' "$WORK/out2" > "$WORK/done"
    ids_with '.status != "accepted" and .status != "skipped"' "$WORK/out2" > "$WORK/open"
    sort_ids_of_input "k$seed" > "$WORK/input"
    bad=0
    [ "$sent_before" -gt 0 ] && [ "$(wc -l < "$WORK/out2")" -eq 5000 ] || bad=1
    [ "$(book_dups)" -eq 0 ] || bad=2
    [ "$(missing_from "$WORK/done" "$WORK/book")" -eq 0 ] || bad=3     # claimed done: at the broker
    # every input order is at the broker or reported unknown/failed: none lost
    [ "$(comm -23 "$WORK/input" "$WORK/book" | comm -23 - "$WORK/open" | wc -l)" -eq 0 ] || bad=4
    [ "$(jq -s '[.[] | select(.status == "skipped")] | length' "$WORK/out2")" -gt 0 ] || bad=5
    if [ $((seed % 2)) -eq 0 ]; then
        [ "$(wc -l < "$WORK/book")" -eq 5000 ] || bad=6                  # all in, once each
        [ "$(jq -s '[.[] | select(.status == "unknown")] | length' "$WORK/out2")" -eq 0 ] || bad=7
    fi
    check "kill -9 and resume, seed $seed (sent before the kill: $sent_before)" 0 "$bad"
    echo "seed $seed: killed after $sent_before sends; resume: $(jq -rs 'group_by(.status) | map("\(length) \(.[0].status)") | join(", ")' "$WORK/out2")"
    stop_mock
done

# A run resumed twice more changes nothing at the broker.
start_mock
"$SALVO" --url "$URL" --journal "$WORK/jt" --id-prefix t "$WORK/o2000.csv" > /dev/null 2>&1
printf '{"sent":"t-1' >> "$WORK/jt" # a crash mid-write
"$SALVO" --url "$URL" --journal "$WORK/jt" --resume "$WORK/o2000.csv" > "$WORK/out" 2> "$WORK/err"
check "resume of a finished run: exit 0" 0 $?
check "resume of a finished run: all skipped" 2000 "$(jq -s '[.[] | select(.status == "skipped" and .previous == "accepted")] | length' "$WORK/out")"
check_true "resume: a torn last line is tolerated and said" grep -q 'torn last line was dropped' "$WORK/err"
check "resume: nothing sent again" 2000 "$(stat_of received)"
check "resume: the journal took the same ids (no --id-prefix)" "t-1" "$(jq -r .client_order_id "$WORK/out" | head -1)"
"$SALVO" --url "$URL" --journal "$WORK/jt" "$WORK/o2000.csv" > "$WORK/out" 2> "$WORK/err"
check "a used journal without --resume: usage error" 2 $?
check_true "a used journal without --resume: says why" grep -q 'pass --resume' "$WORK/err"
sed -i '3s/.*/garbage/' "$WORK/jt"
"$SALVO" --url "$URL" --journal "$WORK/jt" --resume "$WORK/o2000.csv" > "$WORK/out" 2> "$WORK/err"
check "corrupt journal: usage error" 2 $?
check_true "corrupt journal: names the line" grep -q 'line 3 is not a salvo journal record; nothing was sent' "$WORK/err"
check "corrupt journal: nothing sent" 2000 "$(stat_of received)"
stop_mock

# stdin has no file to hash: the journal keeps the ids for the resume.
start_mock
make_orders 50 | "$SALVO" --url "$URL" --journal "$WORK/js" --fsync - > /dev/null 2>&1
make_orders 50 | "$SALVO" --url "$URL" --journal "$WORK/js" --resume - > "$WORK/out" 2>/dev/null
check "stdin resume: all skipped" 50 "$(jq -s '[.[] | select(.status == "skipped")] | length' "$WORK/out")"
check "stdin resume: broker has each once" 50 "$(stat_of received)"
stop_mock

# ---- Signals: in-flight orders finish, get a result and a journal outcome ----
for sig in INT TERM; do
    start_mock --latency 400ms
    "$SALVO" --url "$URL" --concurrency 10 --journal "$WORK/jsig$sig" "$WORK/o2000.csv" > "$WORK/out" 2>/dev/null &
    pid=$!
    sleep 0.6
    kill -$sig $pid
    wait $pid
    code=$?
    check "SIG$sig: exit code" "$([ $sig = INT ] && echo 130 || echo 143)" "$code"
    check "SIG$sig: every order the broker has got an accepted line" "$(book_ids | md5sum)" "$(ids_with '.status == "accepted"' | md5sum)"
    check "SIG$sig: every order sent has its outcome in the journal" \
        "$(jq -r 'select(.sent) | .sent' "$WORK/jsig$sig" | sort -u | md5sum)" \
        "$(jq -r 'select(.status) | .id' "$WORK/jsig$sig" | sort -u | md5sum)"
    check_true "SIG$sig: stopped early" test "$(wc -l < "$WORK/out")" -lt 2000
    stop_mock
done
start_mock --latency 5s
"$SALVO" --url "$URL" --concurrency 5 "$WORK/o2000.csv" > "$WORK/out" 2>/dev/null &
pid=$!
sleep 0.5
kill -INT $pid
sleep 0.2
kill -INT $pid
wait $pid
check "second SIGINT: exit 130" 130 $?
check "second SIGINT: in-flight reported unknown" "5 unknown" "$(jq -rs '"\(length) \(map(.status) | unique | join(","))"' "$WORK/out")"
stop_mock

# ---- Guard rails ----
start_mock
printf 'symbol,price,quantity,side\nA,10,1,BUY\nB,x,1,BUY\nC,10,1,BUY\nD,10,0,BUY\n' > "$WORK/bad.csv"
"$SALVO" --url "$URL" --check "$WORK/bad.csv" > "$WORK/out" 2> "$WORK/err"
check "--check: exit 2" 2 $?
check "--check: every bad line listed" "2" "$(grep -c '^salvo: line [35]:' "$WORK/err")"
check "--check: nothing sent" 0 "$(stat_of received)"
"$SALVO" --url "$URL" --check - < "$WORK/bad.csv" > /dev/null 2>&1
check "--check on stdin: exit 2" 2 $?
head -2 "$WORK/bad.csv" | "$SALVO" --url "$URL" --check - > "$WORK/out" 2>/dev/null
check "--check on a clean stream: sent" "0 1" "$? $(stat_of received)"
curl -s -X POST "$BASE/reset" > /dev/null
printf 'symbol,price,quantity,side,client_order_id\nA,10,1,BUY,x-1\nB,10,1,BUY,x-2\nC,10,1,BUY,x-1\nD,10,1,BUY,\n' > "$WORK/dup.csv"
"$SALVO" --url "$URL" --id-prefix g "$WORK/dup.csv" > "$WORK/out" 2>/dev/null
check "a repeated id in the input: the second is invalid" "accepted accepted invalid accepted" "$(jq -rs 'sort_by(.line) | map(.status) | join(" ")' "$WORK/out")"
check "a repeated id in the input: sent once, the blank one gets an id" "3 g-4" "$(stat_of received) $(jq -r 'select(.line == 5) | .client_order_id' "$WORK/out")"
curl -s -X POST "$BASE/reset" > /dev/null
make_orders 10 > "$WORK/o10.csv"
"$SALVO" --url "$URL" --max-orders 5 "$WORK/o10.csv" > "$WORK/out" 2> "$WORK/err"
check "--max-orders on a file: nothing sent, exit 2" "2 0" "$? $(stat_of received)"
check_true "--max-orders on a file: says so" grep -q 'holds 10 orders, over --max-orders 5' "$WORK/err"
"$SALVO" --url "$URL" --max-notional 100 "$WORK/o10.csv" > "$WORK/out" 2>/dev/null
check "--max-notional on a file: nothing sent" "2 0" "$? $(stat_of received)"
"$SALVO" --url "$URL" --max-orders 5 - < <(cat "$WORK/o10.csv") > "$WORK/out" 2>/dev/null
check "--max-orders on a stream: stops at 5, exit 1" "1 5" "$? $(stat_of received)"
check "--max-orders on a stream: the next order is reported not sent" "skipped" "$(jq -r 'select(.line == 7) | .status' "$WORK/out")"
curl -s -X POST "$BASE/reset" > /dev/null
"$SALVO" --url "$URL" --max-notional 250 - < <(cat "$WORK/o10.csv") > "$WORK/out" 2>/dev/null
# S1: 101.5 x 2 = 203; S2: 102.5 x 3 would pass 250
check "--max-notional on a stream: stops before the order that would pass it" "1 1" "$? $(stat_of received)"
stop_mock

# ---- Secrets: the key is nowhere ----
start_mock --api-key k3y-SeCrEt-42 --error-rate 0.2 --seed 3
export SALVO_API_KEY=k3y-SeCrEt-42 DESK_TOKEN=d3sk-SeCrEt-7
"$SALVO" --url "$URL" --journal "$WORK/jk" --trace "$WORK/trace" --summary-json "$WORK/sum.json" \
    --header-env X-Desk-Token=DESK_TOKEN --redact-header X-Desk-Token \
    --reconcile-url "$BASE/orders/{{client_order_id}}" "$WORK/o10.csv" > "$WORK/out" 2> "$WORK/err"
check "secrets: authorized run" 0 $?
check_true "secrets: trace has the requests" grep -q '> POST /orders HTTP/1.1' "$WORK/trace"
check_true "secrets: trace shows the headers blanked" grep -q '> Authorization: \*\*\*' "$WORK/trace"
check_true "secrets: the lookups are traced too" grep -q '> GET /orders/' "$WORK/trace"
check "secrets: key in no output, summary, journal or trace" 0 \
    "$(cat "$WORK/out" "$WORK/err" "$WORK/sum.json" "$WORK/jk" "$WORK/trace" | grep -c 'SeCrEt')"
"$SALVO" --url "$URL" -H "X-MBX-APIKEY: abc" "$WORK/o10.csv" > /dev/null 2> "$WORK/err"
check "secrets: a key header in argv is refused" 2 $?
export SALVO_API_KEY=
stop_mock
finish
