#!/usr/bin/env bash
# salvo report: the summary a run printed on stderr is the summary `salvo
# report` prints from the run's stdout (but for the lines only the live run
# knows: wall time, resume, reconcile, timings, the --at warm-up); runs
# appended to one file are told apart; --html is one page with nothing to
# fetch and everything from the results escaped. The browser's view of the
# page is tests/e2e/report_browser.sh.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
: "${EXAMPLES:?}"

# The lines salvo report prints; the rest of a live run's stderr is its own.
shared() { grep -E '^salvo: (run |[0-9]+ orders|by HTTP status|by error|latency ms|--at: the first)' "$1"; }
same_summary() { # NAME RESULTS STDERR [report flags]: the report equals the run's summary
    local name=$1 out=$2 err=$3; shift 3
    "$SALVO" report "$@" "$out" > "$WORK/rep.all" 2> "$WORK/rep.err"
    check "$name: report exit 0" 0 $?
    grep -v '^salvo report: ' "$WORK/rep.all" > "$WORK/rep" # the report's own lines first (9.)
    shared "$err" > "$WORK/live"
    check_true "$name: the summary has its lines ($(wc -l < "$WORK/live"))" test "$(wc -l < "$WORK/live")" -ge 3
    if ! diff -u "$WORK/live" "$WORK/rep"; then
        FAILED=$((FAILED + 1)); echo "FAIL: $name: the run's summary and salvo report of its results differ"
    else
        PASSED=$((PASSED + 1))
    fi
}

start_mock --reject-rate 0.2 --error-rate 0.1 --latency 3ms --jitter 2ms --seed 11
{ make_orders 60; echo "BAD,abc,1,BUY"; echo "BAD,1.5,x,BUY"; } > "$WORK/o.csv"

# 1. Every kind of answer, paced: counts, HTTP statuses, errors, rate, latency.
"$SALVO" --no-auth --url "$URL" --rate 200/s --retries 0 --summary-json "$WORK/s1.json" "$WORK/o.csv" \
    > "$WORK/out1" 2> "$WORK/err1"
check "mixed run: exit 4 (some unknown)" 4 $?
same_summary "mixed run" "$WORK/out1" "$WORK/err1" --rate 200/s
check_true "the summary says why: by HTTP status" grep -q '^salvo: by HTTP status: 200 x[0-9]*, 422 x[0-9]*, 500 x' "$WORK/err1"
check_true "the summary says why: by error (the broker's words for its rejects), values taken out" \
    grep -qE '^salvo: by error: [0-9]+ x broker: rejected: insufficient buying power; 1 x price "\.\.\." is not a positive decimal; 1 x quantity "\.\.\." is not a positive integer' "$WORK/err1"
check_true "wall time and send rate, each labelled" \
    grep -qE '^salvo: 60 orders sent, first to last send [0-9.]+ s: send rate [0-9.]+/s \(--rate 200/s\)$' "$WORK/err1"
check_true "wall time on its own line" grep -qE '^salvo: wall time [0-9.]+ s' "$WORK/err1"
check "every result line names the run" 1 "$(jq -r .run "$WORK/out1" | sort -u | wc -l)"
check_true "the summary names it" grep -q "^salvo: run $(jq -r .run "$WORK/out1" | head -1)$" "$WORK/err1"
check "--summary-json names it, and counts by HTTP status" "$(jq -r .run "$WORK/out1" | head -1) 422" \
    "$(jq -r '"\(.run) \(.http_status | keys | map(select(. == "422")) | .[0])"' "$WORK/s1.json")"

# 2. --at (fired late, at once; it refuses bad rows): the first send from TIME agrees too.
make_orders 30 > "$WORK/o30.csv"
"$SALVO" --no-auth --url "$URL" --at "$(date -d '-2 sec' +%H:%M:%S)" --at-late --retries 0 "$WORK/o30.csv" \
    > "$WORK/out2" 2> "$WORK/err2"
same_summary "--at run" "$WORK/out2" "$WORK/err2"
check_true "--at: the report gives the first send from TIME" grep -q '^salvo: --at: the first order left +' "$WORK/rep"

# 3. A dry run: no requests line, and the report agrees.
"$SALVO" --no-auth --url "$URL" --dry-run "$WORK/o.csv" > "$WORK/out3" 2> "$WORK/err3"
check "dry run: no requests line" 0 "$(grep -c 'sent\|requests' "$WORK/err3")"
same_summary "dry run" "$WORK/out3" "$WORK/err3"

# 4. Runs appended to one file: one summary each, in order.
cat "$WORK/out1" "$WORK/out3" > "$WORK/both"
"$SALVO" report --rate 200/s "$WORK/both" 2>/dev/null | grep -v '^salvo report: ' > "$WORK/rep"
{ shared "$WORK/err1"; shared "$WORK/err3"; } > "$WORK/live"
check "two runs in one file: two summaries" "" "$(diff "$WORK/live" "$WORK/rep")"
"$SALVO" report - < "$WORK/out1" 2>/dev/null | grep -v '^salvo report: ' > "$WORK/rep.stdin"
check "report reads stdin" "$(shared "$WORK/err1" | sed 's/ (--rate 200\/s)//')" "$(cat "$WORK/rep.stdin")"

# 5. What is not a result line is counted and said, never fatal.
{ echo; head -3 "$WORK/out1"; echo 'not json'; echo '{"seq":1}'; } > "$WORK/mixed"
"$SALVO" report "$WORK/mixed" > "$WORK/rep" 2> "$WORK/rep.err"
check "stray lines: exit 0, three orders" "0 salvo: 3 orders" "$? $(grep -o '^salvo: 3 orders' "$WORK/rep")"
check_true "stray lines: said, with the first one's line" grep -q '2 of 5 lines are not salvo results (the first: line 5)' "$WORK/rep.err"
"$SALVO" report --rate fast "$WORK/out1" > /dev/null 2>&1
check "report --rate fast: exit 2" 2 $?
"$SALVO" report "$WORK/nope" > /dev/null 2>&1
check "report of a missing file: exit 3" 3 $?
"$SALVO" report --html /nonexistent/dir/r.html "$WORK/out1" > /dev/null 2>&1
check "report --html into a missing directory: exit 3" 3 $?

# 6. The page: self-contained, broker text escaped.
printf '%s\n' '{"seq":1,"line":2,"run":"x<y","symbol":"<img src=x onerror=alert(1)>","status":"rejected","http_status":422,"attempts":1,"attempt_statuses":[422],"latency_ms":1.5,"sent_at":"2026-11-27T09:00:00.000001Z","response":{"error":"<script>alert(1)</script> & \"quoted\""}}' \
    >> "$WORK/out1"
"$SALVO" report --rate 200/s --html "$WORK/r.html" "$WORK/out1" > /dev/null 2>&1
check "--html: exit 0" 0 $?
check "--html: no script, no external reference (src=, href=, url(), @import)" 0 \
    "$(grep -ciE '<script|<[^>]*[[:space:]](src|href)=|url\(|@import' "$WORK/r.html")"
check_true "--html: broker text escaped" grep -q '&lt;script&gt;alert(1)&lt;/script&gt; &amp; \\&quot;quoted\\&quot;' "$WORK/r.html"
check_true "--html: a symbol escaped" grep -q '&lt;img src=x onerror=alert(1)&gt;' "$WORK/r.html"
check "--html: three charts for each of two runs" 6 "$(grep -oE 'class="chart (latency-histogram|timeline|rate)"' "$WORK/r.html" | wc -l)"
stop_mock

# 7. A --window run: the page draws the window and counts its busiest
# period, which is what the window promises (the first 20 leave at once).
start_mock --latency 2ms
make_orders 50 > "$WORK/o50.csv"
"$SALVO" --no-auth --url "$URL" --window 20/1s "$WORK/o50.csv" > "$WORK/outw" 2>/dev/null
check "--window run: exit 0" 0 $?
"$SALVO" report --window 20/1s --html "$WORK/w.html" "$WORK/outw" > /dev/null 2>&1
check "report --window: exit 0" 0 $?
check "report --window: the busiest 1 s holds the window's 20" '<p class="window" data-busiest="20" data-limit="20">' \
    "$(grep -o '<p class="window"[^>]*>' "$WORK/w.html")"
check_true "report --window: the limit drawn, labelled" grep -q '>--window 20/1s</text>' "$WORK/w.html"
# The bars are counted in bins of the window's PERIOD: a bar over the line
# is a period that held more than N (a 0.5 s bin of the 20 sent at once
# read 40/s against a line at 20/s).
check "report --window 20/1s: 1 s bins, the highest at the line" "1 20" \
    "$(grep -o '<svg [^>]*id="rate-1"[^>]*>' "$WORK/w.html" | sed -E 's/.*data-bin-s="([^"]*)".*data-peak="([^"]*)".*/\1 \2/')"
"$SALVO" report --window 5/0.25s --html "$WORK/w.html" "$WORK/outw" > /dev/null 2>&1
check "report --window 5/0.25s of that run: its busiest quarter second is over 5" 20 \
    "$(grep -o 'data-busiest="[0-9]*"' "$WORK/w.html" | tr -dc 0-9)"
# (how many of the first 20 share a quarter second is the machine's: a
# bin holds at most the busiest quarter, and the burst puts one at the line)
read -r bin peak < <(grep -o '<svg [^>]*id="rate-1"[^>]*>' "$WORK/w.html" | sed -E 's/.*data-bin-s="([^"]*)".*data-peak="([^"]*)".*/\1 \2/')
busiest=$(grep -o 'data-busiest="[0-9]*"' "$WORK/w.html" | tr -dc 0-9)
check "report --window 5/0.25s: 0.25 s bins" 0.25 "$bin"
check_true "report --window 5/0.25s: the highest bin ($peak/s) at or over the line, at most the busiest quarter ($busiest)" \
    awk -v p="$peak" -v b="$busiest" 'BEGIN { exit !(p >= 20 && p <= 4 * b) }'
"$SALVO" report --window 20 "$WORK/outw" > /dev/null 2> "$WORK/rep.err"
check "report --window 20: exit 2" 2 $?
check_true "report --window 20: names the flag" grep -q "^salvo report: --window '20'" "$WORK/rep.err"
stop_mock

# 8. A result file a hand or a torn disk changed: bytes that are not UTF-8
# reach neither the summary nor the page (each reads as U+FFFD), and a
# sent_at out of range (month 99) is no time, so no send span of 8000 years.
printf '{"run":"r\xff1","seq":1,"symbol":"AA\xc3","status":"rejected","attempts":1,"error":"bad \xff thing","latency_ms":3,"sent_at":"2026-01-01T00:00:00Z"}\n' > "$WORK/torn"
printf '{"run":"r\xff1","seq":2,"status":"rejected","attempts":1,"latency_ms":3,"sent_at":"9999-99-99T99:99:99Z","response":{"m":"\xff"}}\n' >> "$WORK/torn"
"$SALVO" report --html "$WORK/torn.html" "$WORK/torn" > "$WORK/torn.txt" 2>&1
check "torn file: exit 0, both lines read" "0 2" "$? $(grep -o '^salvo: [0-9]* orders:' "$WORK/torn.txt" | tr -dc 0-9)"
check_true "torn file: the summary is UTF-8" iconv -f UTF-8 -t UTF-8 "$WORK/torn.txt" -o /dev/null
check_true "torn file: the page is UTF-8" iconv -f UTF-8 -t UTF-8 "$WORK/torn.html" -o /dev/null
check_true "torn file: the bad bytes read as U+FFFD" grep -q "by error: 1 x bad $(printf '\xef\xbf\xbd') thing" "$WORK/torn.txt"
check "torn file: one send (the other's sent_at is no time), so no span" 0 "$(grep -c 'first to last send' "$WORK/torn.txt")"

# 9. The morning after, from result lines made here (run A killed, run B its
# --resume): first the date, the unknown orders to call the broker about,
# the notional, the counts by symbol and side; one final state per order,
# the later run's outcome winning, and the orders A cut short marked.
l() { # l RUN ID SYMBOL SIDE QTY PRICE STATUS [more JSON members]
    printf '{"seq":%s,"line":%s,"run":"%s","client_order_id":"%s","symbol":"%s","side":"%s","quantity":%s,"price":"%s","type":"LIMIT","status":"%s"%s}\n' \
        "${2#o}" "$((${2#o} + 1))" "$1" "$2" "$3" "$4" "$5" "$6" "$7" "${8:-}"
}
sent() { printf ',"http_status":%s,"attempts":1,"latency_ms":%s,"sent_at":"2026-11-27T01:00:0%s.000000Z"' "$1" "$2" "$3"; }
{
    l aaaa0001 o1 2330 BUY 10 100.5 accepted "$(sent 200 2 0),\"order_id\":\"B-1\""
    l aaaa0001 o2 2330 SELL 5 101 not_sent ',"error":"not sent: stopped by SIGTERM"'
    l aaaa0001 o3 2454 BUY 2 50.25 unknown "$(sent 500 3 1)"
    l aaaa0001 o4 2454 BUY 1 7 rejected "$(sent 422 1 1),\"error\":\"broker: rejected: <b>no</b>\""
    l aaaa0001 o5 2330 BUY 3 100 unknown "$(sent null 9 2),\"error\":\"timeout after sending\""
    l aaaa0001 o8 2454 SELL 1 10 failed "$(sent null 1 2),\"error\":\"Could not connect to server\""
} > "$WORK/a.ndjson"
{
    l bbbb0002 o1 2330 BUY 10 100.5 skipped ',"previous":"accepted"'
    l bbbb0002 o2 2330 SELL 5 101 accepted "$(sent 200 2 5),\"order_id\":\"B-2\""
    l bbbb0002 o3 2454 BUY 2 50.25 accepted "$(sent 200 2 5),\"previous\":\"unknown\",\"order_id\":\"B-3\""
    l bbbb0002 o4 2454 BUY 1 7 skipped ',"previous":"rejected"'
    l bbbb0002 o5 2330 BUY 3 100 not_sent ',"error":"not sent: stopped by SIGTERM"'
    l bbbb0002 o6 2330 SELL 4 99 accepted "$(sent 200 2 6),\"previous\":\"sent\",\"order_id\":\"B-6\""
    l bbbb0002 o8 2454 SELL 1 10 accepted "$(sent 200 2 6),\"order_id\":\"B-8\""
    l bbbb0002 o7 2330 SELL 1 0 invalid ',"error":"line 8: price \"0\" is not a positive decimal"'
} > "$WORK/b.ndjson"
TZ=Asia/Taipei "$SALVO" report --html "$WORK/ab.html" "$WORK/a.ndjson" "$WORK/b.ndjson" > "$WORK/ab.txt" 2> "$WORK/ab.err"
check "two files: exit 0, nothing on stderr" "0 " "$? $(cat "$WORK/ab.err")"
head_of() { grep '^salvo report: ' "$1"; }
check "two files: the report's own lines come first" "$(head_of "$WORK/ab.txt")" "$(head -n "$(head_of "$WORK/ab.txt" | wc -l)" "$WORK/ab.txt")"
check "two files: each run's summary follows, as the run printed it" 2 "$(grep -c '^salvo: run ' "$WORK/ab.txt")"
check_true "the date and time first, in TZ, with both runs" grep -qx \
    'salvo report: runs aaaa0001, bbbb0002: 8 orders, sent 2026-11-27 09:00:00.000 to 2026-11-27 09:00:06.000 (+0800)' "$WORK/ab.txt"
check_true "one final state per order, the later run's outcome winning; A's cut short marked" grep -qx \
    'salvo report: one final state per order (by client_order_id, the later run winning): 4 finished by a later run, 3 of them cut short by an earlier one' "$WORK/ab.txt"
check "the unknown orders first, as the call-the-broker list (a later not_sent does not settle o5)" \
    "salvo report: call the broker: 1 unknown order, which may be at the broker:
salvo report:   o5 (broker order id: none) 2330 BUY 3 @ 100, sent 2026-11-27 09:00:02.000, no HTTP status, run aaaa0001: timeout after sending" \
    "$(grep -A1 'call the broker' "$WORK/ab.txt")"
check_true "the notional of LIMIT orders: accepted against rejected (and unknown)" grep -qx \
    'salvo report: notional (price x quantity, LIMIT orders): accepted 2,016.50 (5 orders), rejected 7.00 (1), unknown 300.00 (1)' "$WORK/ab.txt"
check "counts by symbol and side" "salvo report: by symbol and side:
salvo report:   2330 BUY: 2 orders: 1 accepted, 1 unknown
salvo report:   2330 SELL: 3 orders: 2 accepted, 1 invalid
salvo report:   2454 BUY: 2 orders: 1 accepted, 1 rejected
salvo report:   2454 SELL: 1 order: 1 accepted" "$(sed -n '/by symbol and side/,/^salvo: /p' "$WORK/ab.txt" | grep '^salvo report:')"
# the same results in one file (a run and its resume appended) say the same
cat "$WORK/a.ndjson" "$WORK/b.ndjson" | TZ=Asia/Taipei "$SALVO" report - > "$WORK/ab1.txt" 2>&1
check "one file of both runs: the same report" "" "$(diff "$WORK/ab.txt" "$WORK/ab1.txt")"
TZ=UTC "$SALVO" report "$WORK/a.ndjson" > "$WORK/a.txt"
check_true "TZ=UTC: the time in UTC" grep -q 'sent 2026-11-27 01:00:00.000 to 2026-11-27 01:00:02.000 (+0000)$' "$WORK/a.txt"
check "one run: no line of final states" 0 "$(grep -c 'one final state' "$WORK/a.txt")"
"$SALVO" report "$WORK/a.ndjson" "$WORK/nope" > /dev/null 2>&1
check "report of a missing second file: exit 3" 3 $?
printf '{"run":"r1","client_order_id":"c\\u0001<x>","symbol":"S\xff\\n<b>","side":"BUY","quantity":1,"price":"1","status":"unknown","attempts":1,"latency_ms":1,"sent_at":"2026-01-01T00:00:00Z"}\n' > "$WORK/hostile"
"$SALVO" report "$WORK/hostile" > "$WORK/hostile.txt" 2>&1
check_true "a hostile id and symbol: the call list stays one UTF-8 line" iconv -f UTF-8 -t UTF-8 "$WORK/hostile.txt" -o /dev/null
check "a hostile id and symbol: control bytes as spaces, one line" 1 "$(grep -c "^salvo report:   c <x> .*S$(printf '\xef\xbf\xbd') <b> BUY" "$WORK/hostile.txt")"
# Whole option names only: getopt would take --rat for --rate.
"$SALVO" report --rat 100/s /dev/null > /dev/null 2> "$WORK/err"
check "report: a prefix of a flag: usage error" 2 $?
check_true "report: a prefix of a flag: names the flag it is near" grep -q "unknown option '--rat': did you mean --rate?" "$WORK/err"

finish
