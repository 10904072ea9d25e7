#!/usr/bin/env bash
# Every row is accounted for (issue 19): a run that stops early still gives
# each row of a file its line, a stream says how far it was read, a full
# disk says how many lines it lost, and salvo report never takes an error
# for the end of its input.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
export SALVO_API_KEY=

lines_of() { wc -l < "$1" | tr -d ' '; }
# distinct input lines with a result, and the rows of a CSV file (header excluded)
result_rows() { jq -s 'map(.line) | unique | length' "$1"; }
status_count() { jq -s --arg s "$2" 'map(select(.status == $s)) | length' "$1"; }
counts_sum() { jq '[.counts[]] | add' "$1"; }

# ---- a run that stops early: the rest of a file still gets its lines ----
# A wrong key, --give-up-after 5, 200 rows (one invalid, late in the file):
# the run gives up after five 401s, yet every row has exactly one line.
start_mock --api-key right
make_orders 200 | awk 'NR == 151 { $0 = "BAD,1.5,1.5,BUY" } { print }' > "$WORK/o200.csv"
SALVO_API_KEY=wrong "$SALVO" --url "$URL" --give-up-after 5 --concurrency 2 --journal "$WORK/j1" \
    --summary-json "$WORK/s1.json" "$WORK/o200.csv" > "$WORK/out1" 2> "$WORK/err1"
check "give up: exit 1" 1 $?
check "give up: one line per row of the file" "200 200" "$(lines_of "$WORK/out1") $(result_rows "$WORK/out1")"
check "give up: the summary counts every row" "200 200" "$(jq .orders "$WORK/s1.json") $(counts_sum "$WORK/s1.json")"
check_true "give up: the summary line says 200 orders" grep -q '^salvo: 200 orders:' "$WORK/err1"
check "give up: the invalid row keeps its own status and reason" \
    'invalid line 151: quantity "1.5" is not a positive integer' \
    "$(jq -r 'select(.line == 151) | "\(.status) \(.error)"' "$WORK/out1")"
rejected=$(status_count "$WORK/out1" rejected)
not_sent=$(status_count "$WORK/out1" not_sent)
check "give up: rejected + not_sent + the invalid row are all 200" 200 $((rejected + not_sent + 1))
check_true "give up: the rows never read before say why they were not sent" \
    jq -se 'map(select(.line > 100 and .status == "not_sent")) | length > 0 and all(.error | test("gave up"))' \
    "$WORK/out1" >/dev/null
check "give up: the file was read to its end" true "$(jq .input.read_to_end "$WORK/s1.json")"
# The rows not sent have no journal record; --resume with the right key sends them.
SALVO_API_KEY=right "$SALVO" --url "$URL" --resume --journal "$WORK/j1" "$WORK/o200.csv" > "$WORK/out1r" 2> "$WORK/err1r"
check "give up, then --resume: every row not sent is sent and accepted" "$not_sent $not_sent" \
    "$(status_count "$WORK/out1r" accepted) $(stat_of accepted -H 'Authorization: Bearer right')"
check "give up, then --resume: the rejected ones are skipped, one line per row" "$rejected 200" \
    "$(status_count "$WORK/out1r" skipped) $(lines_of "$WORK/out1r")"
stop_mock

# --resume after a kill -9, stopped again at once: an order the earlier run
# sent (no outcome) may be at the broker, so it is unknown, never not_sent,
# whether it was queued when the run stopped (rows 10, 11) or read after
# (rows 250, 251).
make_orders 300 > "$WORK/o300.csv"
sed -n '1p;11,12p;251,252p' "$WORK/o300.csv" > "$WORK/o4.csv"
start_mock --latency 5s
"$SALVO" --url "$URL" --no-auth --concurrency 4 --id-prefix kk --journal "$WORK/j2" "$WORK/o4.csv" \
    > /dev/null 2>&1 &
pid=$!
check_true "sent earlier: the broker has the four orders" wait_for 30 received_at_least 4
kill -KILL $pid
wait $pid 2>/dev/null
stop_mock
MOCK_PORT=$PORT start_mock --api-key right
SALVO_API_KEY=wrong "$SALVO" --url "$URL" --resume --resend-unknown --journal "$WORK/j2" --give-up-after 1 \
    --concurrency 1 "$WORK/o300.csv" > "$WORK/out7" 2> "$WORK/err7"
check "sent earlier, stopped: exit 4" 4 $?
check "sent earlier, stopped: one line per row" 300 "$(lines_of "$WORK/out7")"
check "sent earlier, stopped: the four sent earlier are unknown (previous: sent)" "11 12 251 252" \
    "$(jq -r 'select(.status == "unknown" and .previous == "sent") | .line' "$WORK/out7" | sort -n | xargs)"
check "sent earlier, stopped: no other unknown" 4 "$(status_count "$WORK/out7" unknown)"
check_true "sent earlier, stopped: the summary holds four, sends none again" \
    grep -q 'resume: 0 done earlier (skipped), 4 sent earlier without an outcome and held as unknown, 0 of those sent again' \
    "$WORK/err7"
stop_mock

# SIGTERM on a file: the orders out are answered, every other row is not_sent.
start_mock --latency 300ms
make_orders 100 > "$WORK/o100.csv"
"$SALVO" --url "$URL" --no-auth --concurrency 4 --summary-json "$WORK/s2.json" "$WORK/o100.csv" \
    > "$WORK/out2" 2> "$WORK/err2" &
pid=$!
check_true "SIGTERM: the broker has the first orders" wait_for 30 received_at_least 4
kill -TERM $pid
wait $pid
check "SIGTERM on a file: exit 143" 143 $?
check "SIGTERM on a file: one line per row" "100 100" "$(lines_of "$WORK/out2") $(result_rows "$WORK/out2")"
check "SIGTERM on a file: the summary counts every row" "100 100" \
    "$(jq .orders "$WORK/s2.json") $(counts_sum "$WORK/s2.json")"
check "SIGTERM on a file: accepted are the broker's, the rest not_sent" "$(stat_of received) $((100 - $(stat_of received)))" \
    "$(status_count "$WORK/out2" accepted) $(status_count "$WORK/out2" not_sent)"
stop_mock

# SIGTERM on a stream that stays open: it cannot be read to its end; the
# summary and --summary-json say how far it was.
start_mock --latency 300ms
make_orders 20 > "$WORK/o20.csv"
mkfifo "$WORK/fifo"
"$SALVO" --url "$URL" --no-auth --concurrency 4 --summary-json "$WORK/s3.json" - < "$WORK/fifo" \
    > "$WORK/out3" 2> "$WORK/err3" &
pid=$!
exec 3> "$WORK/fifo"
cat "$WORK/o20.csv" >&3
check_true "SIGTERM on a stream: the broker has the first orders" wait_for 30 received_at_least 4
kill -TERM $pid
wait $pid
check "SIGTERM on a stream: exit 143" 143 $?
exec 3>&-
check "SIGTERM on a stream: one line per row read" 20 "$(lines_of "$WORK/out3")"
check "SIGTERM on a stream: --summary-json says it was not read past line 21" "false 21" \
    "$(jq -r '"\(.input.read_to_end) \(.input.last_line)"' "$WORK/s3.json")"
check_true "SIGTERM on a stream: the summary says it was not read past line 21" \
    grep -q '^salvo: the input was not read past line 21' "$WORK/err3"
stop_mock

# Two signals during a long file: the second is heard at once (in-flight
# orders unknown); the file is read to its end, or the summary says where
# it stopped; either way the lines match what it says.
start_mock --latency 5s
make_orders 200000 > "$WORK/o200k.csv"
"$SALVO" --url "$URL" --no-auth --concurrency 2 --summary-json "$WORK/s4.json" "$WORK/o200k.csv" \
    > "$WORK/out4" 2> "$WORK/err4" &
pid=$!
check_true "two signals: the broker has the first orders" wait_for 30 received_at_least 2
kill -TERM $pid
# a second signal sent before the first is taken would merge with it
check_true "two signals: the first one was taken" wait_for 30 grep -q not_sent "$WORK/out4"
kill -TERM $pid
wait $pid
check "two signals: exit 143" 143 $?
check "two signals: the orders out are unknown" 2 "$(status_count "$WORK/out4" unknown)"
if [ "$(jq .input.read_to_end "$WORK/s4.json")" = true ]; then
    check "two signals, read to the end: one line per row" 200000 "$(lines_of "$WORK/out4")"
else
    last=$(jq '.input.last_line // 0' "$WORK/s4.json")
    check "two signals, stopped reading: one line per row up to the line said" "$((last - 1))" "$(lines_of "$WORK/out4")"
    check_true "two signals, stopped reading: the summary says where" \
        grep -q "^salvo: the input was not read past line $last" "$WORK/err4"
fi
check "two signals: the summary counts every line" "$(lines_of "$WORK/out4")" "$(counts_sum "$WORK/s4.json")"
stop_mock

# ---- -o on a full filesystem: every line lost is counted, none is cut ----
# A 64 KiB tmpfs fills after a hundred lines or so; salvo stops, says how
# many results it could not write, and that is exactly how many are missing.
start_mock
make_orders 1000 > "$WORK/o1000.csv"
mkdir "$WORK/full"
if mount -t tmpfs -o size=64k tmpfs "$WORK/full" 2> "$WORK/mount.err"; then
    trap 'umount "$WORK/full" 2>/dev/null; cleanup' EXIT
    "$SALVO" --url "$URL" --no-auth --summary-json "$WORK/s5.json" -o "$WORK/full/out" "$WORK/o1000.csv" 2> "$WORK/err5"
    check "full disk: exit 3" 3 $?
    written=$(lines_of "$WORK/full/out")
    check_true "full disk: some lines were written before it filled ($written)" test "$written" -gt 0
    check "full disk: the summary still counts every order" 1000 "$(jq .orders "$WORK/s5.json")"
    check "full disk: the count said is the lines missing" \
        "salvo: $((1000 - written)) results could not be written" \
        "$(grep '^salvo: [0-9]* results could not be written' "$WORK/err5")"
    check "full disk: the file ends with a whole line" 0a "$(tail -c 1 "$WORK/full/out" | od -An -tx1 | tr -d ' ')"
    check "full disk: every line in the file is a result" "$written" "$(jq -c .status "$WORK/full/out" 2>&1 | wc -l)"
    umount "$WORK/full"
else
    echo "SKIP: full disk: cannot mount a tmpfs here ($(cat "$WORK/mount.err")); the /dev/full check below still runs"
fi
# /dev/full: no line can be written; every one is counted lost.
"$SALVO" --url "$URL" --no-auth -o /dev/full "$WORK/o20.csv" 2> "$WORK/err6"
check "/dev/full: exit 3" 3 $?
check "/dev/full: all 20 results counted as not written" "salvo: 20 results could not be written" \
    "$(grep '^salvo: [0-9]* results could not be written' "$WORK/err6")"
stop_mock

# ---- salvo report: memory running out is an error, never the end of the input ----
# A 64 MiB line between two results, through a pipe (nothing on disk), with
# allocations capped below it: ASan's cap in a sanitized build (its warning
# goes to a log of its own, which must hold nothing else), ulimit -v otherwise.
two_results() { jq -c . "$WORK/out1" | head -2; }
big_middle() { two_results | head -1; head -c 64M /dev/zero | tr '\0' x; echo; two_results | tail -1; }
if ASAN_OPTIONS=help=1 "$SALVO" --version 2>&1 | grep -q allocator_may_return_null; then
    # clang's runtime reads log_path from UBSAN_OPTIONS after ASAN_OPTIONS: both name the log.
    big_middle | ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}max_allocation_size_mb=32:allocator_may_return_null=1:log_path=$WORK/oom-asan" \
        UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}log_path=$WORK/oom-asan" \
        "$SALVO" report - > "$WORK/out8" 2> "$WORK/err8"
    rc=$?
    # gcc's build links UBSan statically: its copy of the sanitizers' printer
    # writes ASan's allocation warning to stderr, not to log_path.
    sed -i '/^==[0-9]*==WARNING: AddressSanitizer failed to allocate/d' "$WORK/err8"
    check "report, out of memory: the sanitizer said nothing but the refused allocation" "" \
        "$(cat "$WORK"/oom-asan* 2>/dev/null | grep -v 'failed to allocate' | grep .)"
else
    big_middle | (ulimit -v 60000; "$SALVO" report - > "$WORK/out8" 2> "$WORK/err8")
    rc=$?
fi
check "report, out of memory: exit 3" 3 "$rc"
check "report, out of memory: says so" "salvo report: reading stdin: Cannot allocate memory" "$(cat "$WORK/err8")"
check "report, out of memory: no summary of half the input" "" "$(cat "$WORK/out8")"

finish
