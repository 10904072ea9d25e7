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
"$SALVO" --url "$URL" --no-auth --concurrency 16 --retries 5 --seed 5 "$WORK/o2000.csv" > "$WORK/out" 2>/dev/null
check "faults: one line per order" 2000 "$(wc -l < "$WORK/out")"
check "faults: no order executed twice" 0 "$(book_dups)"
book_ids > "$WORK/book"
ids_with '.status == "accepted"' > "$WORK/acc"
check "faults: every accepted order is at the broker" 0 "$(missing_from "$WORK/acc" "$WORK/book")"
ids_with '.status != "accepted" and .status != "unknown" and .status != "duplicate"' > "$WORK/notacc"
check "faults: no order at the broker is reported rejected or failed" 0 "$(comm -12 "$WORK/notacc" "$WORK/book" | wc -l)"
check "faults: every copy the broker refused as a duplicate was seen by salvo" "$(stat_of duplicates)" \
    "$(jq -s '[.[].attempt_statuses[] | select(. == 409)] | length' "$WORK/out")"
check "faults: an order the broker saw twice is never 'rejected'" 0 \
    "$(jq -s '[.[] | select((.transport_resent or (.attempt_statuses | index(409))) and .status == "rejected")] | length' "$WORK/out")"
# A 409 on salvo's first attempt means a copy arrived before that attempt
# ended: only libcurl's own resend (after the mock dropped the connection)
# can do that, and salvo must have seen it.
check "faults: libcurl's silent resends are seen (transport_resent)" 0 \
    "$(jq -s '[.[] | select(.attempt_statuses[0] == 409 and (.transport_resent | not))] | length' "$WORK/out")"
check_true "faults: libcurl did resend some (the check above is not empty)" \
    jq -se 'any(.[]; .transport_resent == true)' "$WORK/out" >/dev/null
check_true "faults: some orders were unknown without reconciliation" jq -se 'any(.[]; .status == "unknown")' "$WORK/out" >/dev/null
stop_mock

start_mock --seed 11 --error-rate 0.05 --drop-rate 0.02 --rate-limit 1500/s
"$SALVO" --url "$URL" --no-auth --concurrency 16 --retries 5 --seed 5 --reconcile-url "$BASE/orders/{{client_order_id}}" \
    "$WORK/o2000.csv" > "$WORK/out" 2> "$WORK/err"
check "reconcile: exit 0" 0 $?
check "reconcile: no unknown left" 0 "$(jq -s '[.[] | select(.status == "unknown")] | length' "$WORK/out")"
check_same "reconcile: accepted (or duplicate) orders are exactly the broker's" "$(book_ids)" \
    "$(ids_with '.status == "accepted" or .status == "duplicate"')"
check_true "reconcile: some were settled by lookup" jq -se 'any(.[]; .reconciled == true and .status == "accepted")' "$WORK/out" >/dev/null
check_true "reconcile: the summary says so" grep -q 'reconcile: [0-9]* lookups' "$WORK/err"
stop_mock

# ---- kill -9 in the middle of 5,000 orders, then --resume: nothing twice, nothing lost ----
make_orders 5000 > "$WORK/o5000.csv"
# ids_of_input PREFIX FILE: the ids its orders get, as a dry run shows them
ids_of_input() { "$SALVO" --url "$URL" --dry-run --id-prefix "$1" "$2" 2>/dev/null | jq -r .request.body.client_order_id | sort; }
for seed in $(seq 1 "$SEEDS"); do
    start_mock --seed "$seed" --latency 4ms --jitter 3ms --error-rate 0.02 --drop-rate 0.01
    j="$WORK/j$seed"
    "$SALVO" --url "$URL" --no-auth --concurrency 32 --rate 3000/s --id-prefix "k$seed" --journal "$j" \
        "$WORK/o5000.csv" > "$WORK/out1" 2>/dev/null &
    pid=$!
    # killed at a time the seed picks, counted from its first send (from
    # the start, a busy machine could kill it before it sent anything)
    wait_for 20 grep -q '"sent"' "$j"
    sleep "0.$((1 + seed % 7))"
    kill -KILL $pid
    wait $pid 2>/dev/null
    sent_before=$(grep -c '"sent"' "$j")
    # Odd seeds: plain --resume (held orders stay unknown). Even: reconcile and resend.
    extra=()
    [ $((seed % 2)) -eq 0 ] && extra=(--reconcile-url "$BASE/orders/{{client_order_id}}" --resend-unknown)
    "$SALVO" --url "$URL" --no-auth --concurrency 32 --rate 3000/s --journal "$j" --resume "${extra[@]}" \
        "$WORK/o5000.csv" > "$WORK/out2" 2>/dev/null
    book_ids > "$WORK/book"
    ids_with '.status == "accepted" or .status == "skipped"' "$WORK/out2" > "$WORK/done"
    ids_with '.status != "accepted" and .status != "skipped"' "$WORK/out2" > "$WORK/open"
    ids_of_input "k$seed" "$WORK/o5000.csv" > "$WORK/input"
    bad=0
    [ "$(sort -u "$WORK/input" | wc -l)" -eq 5000 ] || bad=8               # one id an order
    # the same ids before the kill, after the resume and in a dry run
    [ "$(jq -r .client_order_id "$WORK/out2" | sort | md5sum)" = "$(md5sum < "$WORK/input")" ] || bad=9
    [ "$(ids_with true "$WORK/out1" | comm -23 - "$WORK/input" | wc -l)" -eq 0 ] || bad=10
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
"$SALVO" --url "$URL" --no-auth --journal "$WORK/jt" --id-prefix t "$WORK/o2000.csv" > "$WORK/out0" 2>/dev/null
printf '{"sent":"t-1' >> "$WORK/jt" # a crash mid-write
"$SALVO" --url "$URL" --no-auth --journal "$WORK/jt" --resume "$WORK/o2000.csv" > "$WORK/out" 2> "$WORK/err"
check "resume of a finished run: exit 0" 0 $?
check "resume of a finished run: all skipped" 2000 "$(jq -s '[.[] | select(.status == "skipped" and .previous == "accepted")] | length' "$WORK/out")"
check_true "resume: a torn last line is tolerated and said" grep -q 'torn last line was dropped' "$WORK/err"
check "resume: nothing sent again" 2000 "$(stat_of received)"
check_same "resume: the journal took the same ids (no --id-prefix)" "$(ids_with true "$WORK/out0")" "$(ids_with true)"
"$SALVO" --url "$URL" --no-auth --journal "$WORK/jt" "$WORK/o2000.csv" > "$WORK/out" 2> "$WORK/err"
check "a used journal without --resume: usage error" 2 $?
check_true "a used journal without --resume: says why" grep -q 'pass --resume' "$WORK/err"
sed -i '3s/.*/garbage/' "$WORK/jt"
"$SALVO" --url "$URL" --no-auth --journal "$WORK/jt" --resume "$WORK/o2000.csv" > "$WORK/out" 2> "$WORK/err"
check "corrupt journal: usage error" 2 $?
check_true "corrupt journal: names the line" grep -q 'line 3 is not a salvo journal record; nothing was sent' "$WORK/err"
check "corrupt journal: nothing sent" 2000 "$(stat_of received)"
stop_mock

# stdin: the same rows get the same ids, and the journal keeps the prefix for the resume.
start_mock
make_orders 50 | "$SALVO" --url "$URL" --no-auth --journal "$WORK/js" --fsync - > /dev/null 2>&1
make_orders 50 | "$SALVO" --url "$URL" --no-auth --journal "$WORK/js" --resume - > "$WORK/out" 2>/dev/null
check "stdin resume: all skipped" 50 "$(jq -s '[.[] | select(.status == "skipped")] | length' "$WORK/out")"
check "stdin resume: broker has each once" 50 "$(stat_of received)"
stop_mock

# ---- Signals: in-flight orders finish, get a result and a journal outcome ----
for sig in INT TERM; do
    start_mock --latency 400ms
    "$SALVO" --url "$URL" --no-auth --concurrency 10 --journal "$WORK/jsig$sig" "$WORK/o2000.csv" > "$WORK/out" 2>/dev/null &
    pid=$!
    wait_for 20 received_at_least 10 # its handlers are in place and 10 orders are out
    kill -$sig $pid
    wait $pid
    code=$?
    check "SIG$sig: exit code" "$([ $sig = INT ] && echo 130 || echo 143)" "$code"
    check_same "SIG$sig: every order the broker has got an accepted line" "$(book_ids)" "$(ids_with '.status == "accepted"')"
    check_same "SIG$sig: every order sent has its outcome in the journal" \
        "$(jq -r 'select(.sent) | .sent' "$WORK/jsig$sig" | sort -u)" \
        "$(jq -r 'select(.status) | .id' "$WORK/jsig$sig" | sort -u)"
    check_true "SIG$sig: stopped early" jq -se 'any(.[]; .status == "not_sent")' "$WORK/out" >/dev/null
    check "SIG$sig: the rest of the file has its lines too" 2000 "$(wc -l < "$WORK/out")"
    stop_mock
done
start_mock --latency 5s
"$SALVO" --url "$URL" --no-auth --concurrency 5 "$WORK/o2000.csv" > "$WORK/out" 2>/dev/null &
pid=$!
wait_for 20 received_at_least 5 # the 5 in flight
kill -INT $pid
sleep 0.2
kill -INT $pid
wait $pid
check "second SIGINT: exit 130" 130 $?
check "second SIGINT: in-flight reported unknown" 5 "$(jq -s 'map(select(.status == "unknown")) | length' "$WORK/out")"
check "second SIGINT: every order read has a line, the rest not_sent" "not_sent,unknown" \
    "$(jq -rs 'map(.status) | unique | join(",")' "$WORK/out")"
stop_mock

# ---- Guard rails ----
start_mock
printf 'symbol,price,quantity,side\nA,10,1,BUY\nB,x,1,BUY\nC,10,1,BUY\nD,10,0,BUY\n' > "$WORK/bad.csv"
"$SALVO" --url "$URL" --no-auth --check "$WORK/bad.csv" > "$WORK/out" 2> "$WORK/err"
check "--check: exit 2" 2 $?
check "--check: every bad line listed" "2" "$(grep -c '^salvo: line [35]:' "$WORK/err")"
check "--check: nothing sent" 0 "$(stat_of received)"
"$SALVO" --url "$URL" --no-auth --check - < "$WORK/bad.csv" > /dev/null 2>&1
check "--check on stdin: exit 2" 2 $?
head -2 "$WORK/bad.csv" | "$SALVO" --url "$URL" --no-auth --check - > "$WORK/out" 2>/dev/null
check "--check on a clean stream: sent" "0 1" "$? $(stat_of received)"
curl -s -X POST "$BASE/reset" > /dev/null
printf 'symbol,price,quantity,side,client_order_id\nA,10,1,BUY,x-1\nB,10,1,BUY,x-2\nC,10,1,BUY,x-1\nD,10,1,BUY,\n' > "$WORK/dup.csv"
"$SALVO" --url "$URL" --no-auth --id-prefix g "$WORK/dup.csv" > "$WORK/out" 2>/dev/null
check "a repeated id in the input: the second is invalid" "accepted accepted invalid accepted" "$(jq -rs 'sort_by(.line) | map(.status) | join(" ")' "$WORK/out")"
check "a repeated id in the input: sent once, the blank one gets an id" "3 1" \
    "$(stat_of received) $(jq -r 'select(.line == 5) | .client_order_id' "$WORK/out" | grep -cE '^g-[0-9a-f]{16}$')"
curl -s -X POST "$BASE/reset" > /dev/null
make_orders 10 > "$WORK/o10.csv"
"$SALVO" --url "$URL" --no-auth --max-orders 5 "$WORK/o10.csv" > "$WORK/out" 2> "$WORK/err"
check "--max-orders on a file: nothing sent, exit 2" "2 0" "$? $(stat_of received)"
check_true "--max-orders on a file: says so" grep -q 'holds 10 orders, over --max-orders 5' "$WORK/err"
"$SALVO" --url "$URL" --no-auth --max-notional 100 "$WORK/o10.csv" > "$WORK/out" 2>/dev/null
check "--max-notional on a file: nothing sent" "2 0" "$? $(stat_of received)"
"$SALVO" --url "$URL" --no-auth --max-orders 5 - < <(cat "$WORK/o10.csv") > "$WORK/out" 2>/dev/null
check "--max-orders on a stream: stops at 5, exit 1" "1 5" "$? $(stat_of received)"
check "--max-orders on a stream: the next order is reported not sent" "skipped" "$(jq -r 'select(.line == 7) | .status' "$WORK/out")"
curl -s -X POST "$BASE/reset" > /dev/null
"$SALVO" --url "$URL" --no-auth --max-notional 250 - < <(cat "$WORK/o10.csv") > "$WORK/out" 2>/dev/null
# S1: 101.5 x 2 = 203; S2: 102.5 x 3 would pass 250
check "--max-notional on a stream: stops before the order that would pass it" "1 1" "$? $(stat_of received)"
stop_mock

# ---- Ids are what the orders are, not where they came from ----
start_mock
make_orders 50 > "$WORK/o50.csv"
mkdir -p "$WORK/elsewhere" && cp "$WORK/o50.csv" "$WORK/elsewhere/copy.csv"
"$SALVO" --url "$URL" --no-auth "$WORK/o50.csv" > "$WORK/out_file" 2>/dev/null
"$SALVO" --url "$URL" --no-auth "$WORK/elsewhere/copy.csv" > "$WORK/out_copy" 2>/dev/null
"$SALVO" --url "$URL" --no-auth - < "$WORK/o50.csv" > "$WORK/out_stdin" 2>/dev/null
check "ids: 50 distinct ids" 50 "$(ids_with true "$WORK/out_file" | sort -u | wc -l)"
check_same "ids: a copy gets the file's ids" "$(ids_with true "$WORK/out_file")" "$(ids_with true "$WORK/out_copy")"
check_same "ids: stdin gets the file's ids" "$(ids_with true "$WORK/out_file")" "$(ids_with true "$WORK/out_stdin")"
check "ids: the broker placed each order once" "50 0" "$(book_ids | wc -l) $(book_dups)"
# A different batch of the same size at the same path: new orders, all placed.
sed 's/\.5,/.7,/' "$WORK/o50.csv" > "$WORK/o50b.csv" && mv "$WORK/o50b.csv" "$WORK/o50.csv"
"$SALVO" --url "$URL" --no-auth "$WORK/o50.csv" > "$WORK/out" 2>/dev/null
check "ids: another batch at the same path and size is placed" "0 50 100" \
    "$? $(jq -s '[.[] | select(.status == "accepted")] | length' "$WORK/out") $(book_ids | wc -l)"
printf 'symbol,price,quantity,side\nZ,1,1,BUY\nZ,1,1,BUY\n' | "$SALVO" --url "$URL" --no-auth - > "$WORK/out" 2>/dev/null
check "ids: two identical rows are two orders" "2 2" \
    "$(ids_with true | uniq | wc -l) $(curl -s -m 5 "$URL" | jq -r 'select(.symbol == "Z") | .client_order_id' | wc -l)"
stop_mock

# ---- A resume reads the input its journal's run read ----
start_mock
make_orders 50 > "$WORK/r50.csv"
"$SALVO" --url "$URL" --no-auth --journal "$WORK/jr" "$WORK/r50.csv" > /dev/null 2>&1
{ echo "symbol,price,quantity,side"; echo "NEW,1.5,1,BUY"; tail -n +2 "$WORK/r50.csv"; } > "$WORK/r51.csv"
"$SALVO" --url "$URL" --no-auth --journal "$WORK/jr" --resume "$WORK/r51.csv" > "$WORK/out" 2>/dev/null
check "resume, a row inserted at the top: it alone is sent" "0 1 50 51 0" \
    "$? $(jq -s '[.[] | select(.status == "accepted")] | length' "$WORK/out") \
$(jq -s '[.[] | select(.status == "skipped")] | length' "$WORK/out") $(book_ids | wc -l) $(book_dups)"
check "resume, a row inserted: the new order is the inserted row" "NEW" "$(jq -r 'select(.status == "accepted") | .symbol' "$WORK/out")"
sed '5s/,[0-9]*,BUY$/,99,BUY/' "$WORK/r51.csv" > "$WORK/r51x.csv"
"$SALVO" --url "$URL" --no-auth --journal "$WORK/jr" --resume "$WORK/r51x.csv" > "$WORK/out" 2> "$WORK/err"
check "resume, a row changed: usage error, nothing sent" "2 0 51" "$? $(wc -l < "$WORK/out") $(stat_of received)"
check_true "resume, a row changed: names the lines" grep -qE 'line [0-9]+ records order s[0-9]{6}-[0-9a-f]{16} \(input line 4\), which this input does not hold' "$WORK/err"
make_orders 50 SELL > "$WORK/other.csv"
"$SALVO" --url "$URL" --no-auth --journal "$WORK/jr" --resume "$WORK/other.csv" > "$WORK/out" 2> "$WORK/err"
check "resume, another file: usage error, nothing sent" "2 0 51" "$? $(wc -l < "$WORK/out") $(stat_of received)"
check_true "resume, another file: says what to do" grep -q 'line 2 records order .*resume with the same input, or start a new journal' "$WORK/err"
cp "$WORK/jr" "$WORK/jr2" && echo '{"sent":"zz-1","line":2,"attempt":1}' >> "$WORK/jr2"
echo '{"id":"zz-1","status":"accepted","http":200}' >> "$WORK/jr2"
"$SALVO" --url "$URL" --no-auth --journal "$WORK/jr2" --resume "$WORK/r51.csv" > "$WORK/out" 2> "$WORK/err"
check "resume, a record of another prefix: usage error" 2 $?
check_true "resume, a record of another prefix: names its line" grep -q "line $(( $(wc -l < "$WORK/jr") + 1 )) records order \"zz-1\", which is not one of this journal's" "$WORK/err"
stop_mock

# ---- One run at a time on a journal ----
start_mock --latency 300ms
"$SALVO" --url "$URL" --no-auth --concurrency 1 --journal "$WORK/jl" "$WORK/o10.csv" > /dev/null 2>&1 &
pid=$!
wait_for 20 received_at_least 1 # the first run holds the journal
"$SALVO" --url "$URL" --no-auth --journal "$WORK/jl" --resume "$WORK/o10.csv" > "$WORK/out" 2> "$WORK/err"
check "a second run on a journal in use: usage error, nothing printed" "2 0" "$? $(wc -l < "$WORK/out")"
check_true "a second run on a journal in use: names the holder's pid" grep -q "another run (pid $pid) is using it" "$WORK/err"
wait $pid
check "the first run finished alone: each order once" "10 10 0" "$(stat_of received) $(book_ids | wc -l) $(book_dups)"
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
