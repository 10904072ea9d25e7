#!/usr/bin/env bash
# --at: nothing leaves before TIME, the connections are warm by then, a
# signal while waiting sends nothing. Waits are for events (the process's
# signal mask, the broker's connection count), never for TIME itself
# except in the runs that fire.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck disable=SC2119 # start_mock takes optional mock flags
start_mock --latency 5ms
make_orders 20 > "$WORK/o20.csv"
conns() { stat_of connections; }
at_in() { date -d "+$1 sec" +%H:%M:%S.%N | cut -c1-12; } # local time, today
jqe() { jq -se "$1" "$2" > /dev/null; } # jqe FILTER FILE: true or not, quietly (a FAIL message still shows)
jqf() { jq -e "$1" "$2" > /dev/null; }  # the same on one document

past=$(date -d '-5 sec' +%H:%M:%S)
"$SALVO" --no-auth --url "$URL" --at "$past" "$WORK/o20.csv" > "$WORK/out" 2> "$WORK/err"
check "--at in the past: exit 2" 2 $?
check_true "--at in the past: says how long ago, and what to do" grep -q "ago (pass --at-late" "$WORK/err"
check "--at local: the instant it came to is said, in UTC" 1 \
    "$(grep -c -- "^salvo: --at $past is $(date -u -d "$past" +%Y-%m-%dT%H:%M:%S).000000Z (UTC)$" "$WORK/err")"
"$SALVO" --no-auth --url "$URL" --at "$(date -u -d '+25 hours' +%Y-%m-%dT%H:%M:%SZ)" "$WORK/o20.csv" > /dev/null 2> "$WORK/err"
check "--at more than 24 h ahead: exit 2" 2 $?
"$SALVO" --no-auth --url "$URL" --at 25:61 "$WORK/o20.csv" > /dev/null 2> "$WORK/err"
check "--at with a bad time: exit 2 naming the flag" "2 1" "$? $(grep -c -- "--at '25:61'" "$WORK/err")"
# Nothing is normalised: no such day, a local time the clocks skip or show
# twice (TZ picks the zone) is refused, naming the flag, the value and why.
refused_at() { # TIME WHY
    TZ=America/New_York "$SALVO" --no-auth --url "$URL" --at "$1" "$WORK/o20.csv" > /dev/null 2> "$WORK/err"
    check "--at $1 (New York): exit 2, the flag, the value and why" "2 1" "$? $(grep -c -- "--at '$1': $2" "$WORK/err")"
}
refused_at 2026-11-31T09:00 "no such day: 2026-11 has 30 days"
refused_at 2026-02-30T09:00 "no such day: 2026-02 has 28 days"
refused_at 2026-03-08T02:30 "the local clock skips that time"
refused_at 2026-11-01T01:30 ".*add the offset: -04:00 for the first, -05:00 for the second"
TZ=America/New_York "$SALVO" --no-auth --url "$URL" --at 2020-11-01T01:30-05:00 "$WORK/o20.csv" > /dev/null 2> "$WORK/err"
check "--at with an offset: the instant it came to is said, in UTC (then refused: past)" "2 1" \
    "$? $(grep -c -- "^salvo: --at 2020-11-01T01:30-05:00 is 2020-11-01T06:30:00.000000Z (UTC)$" "$WORK/err")"
"$SALVO" --no-auth --url "$URL" --warm 4 "$WORK/o20.csv" > /dev/null 2> "$WORK/err"
check "--warm without --at: exit 2" 2 $?
check "nothing was sent by any of those" 0 "$(stat_of received)"

"$SALVO" --no-auth --url "$URL" --at "$(date -d '-5 sec' +%H:%M:%S)" --at-late "$WORK/o20.csv" > "$WORK/out" 2>/dev/null
check "--at-late: fires at once, all accepted" "0 20" "$? $(jq -s 'map(select(.status == "accepted")) | length' "$WORK/out")"
check_true "--at-late: offsets are from TIME (positive)" jqe 'all(.[]; .at_offset_ms > 0)' "$WORK/out"

# A signal while waiting: exit at once, nothing sent, each order read not_sent.
curl -s -X POST "$BASE/reset" > /dev/null
c0=$(conns)
"$SALVO" --no-auth --url "$URL" --concurrency 4 --at "$(at_in 60)" --summary-json "$WORK/s.json" "$WORK/o20.csv" \
    > "$WORK/out" 2> "$WORK/err" &
pid=$!
warm_open() { [ "$(conns)" -ge $((c0 + 4)) ]; } # its 4 warm connections are up
wait_for 10 warm_open
kill -TERM $pid
wait $pid
check "SIGTERM while waiting for --at: exit 143" 143 $?
check "SIGTERM while waiting: no order reached the broker" 0 "$(stat_of received)"
check "SIGTERM while waiting: every order read is not_sent" "$(jq .orders "$WORK/s.json") not_sent" \
    "$(jq -rs '"\(length) \(map(.status) | unique | join(","))"' "$WORK/out")"

# Fire on warm connections: none opened after TIME, none sent before it.
c0=$(conns)
"$SALVO" --no-auth --url "$URL" --concurrency 4 --warm 4 --timings --at "$(at_in 2)" --summary-json "$WORK/s.json" \
    "$WORK/o20.csv" > "$WORK/out" 2> "$WORK/err"
check "--at: exit 0, all accepted" "0 20" "$? $(jq -s 'map(select(.status == "accepted")) | length' "$WORK/out")"
check_true "--at: no order left before TIME" jqe 'all(.[]; .at_offset_ms >= 0)' "$WORK/out"
check "--at: every order on a connection warmed before TIME" "reused" \
    "$(jq -rs 'map(.connection) | unique | join(",")' "$WORK/out")"
check "--at: salvo opened its 4 warm connections and no more" 4 $(( $(conns) - c0 - 1 ))
# 4 warm-ups, and 4 more when TIME was still over 1.3 s away after the first
# (a last re-warm 0.8 s before TIME): on a busy machine either may happen.
check "--at: the summary counts the warm-up (4 or 4 + a re-warm) and the reuse" "ok 20" \
    "$(jq -r '"\(if .at.warmed == 4 or .at.warmed == 8 then "ok" else .at.warmed end) \(.at.reused)"' "$WORK/s.json")"
check_true "--timings: each result has them" jqe 'all(.[]; .timings_ms.ttfb > 0)' "$WORK/out"
check_true "--timings: the summary has their percentiles" jqf '.timings_ms.ttfb.p99 >= .timings_ms.ttfb.p50' \
    "$WORK/s.json"
stop_mock

# A warm-up endpoint that never answers (a stalled clock): the warm-ups still out at TIME are
# abandoned, so the orders have every slot at TIME (they used to wait for the warm-ups' --timeout).
: "${FAULT_SERVER:?}"
"$FAULT_SERVER" stallget "$WORK/fport" "$WORK/flog" &
MOCK_PIDS+=($!)
wait_for 5 test -s "$WORK/fport" || { echo "FAIL: fault server did not start"; exit 1; }
make_orders 4 > "$WORK/o4.csv"
"$SALVO" --no-auth --url "http://127.0.0.1:$(cat "$WORK/fport")/orders" --concurrency 2 --warm 2 --timeout 5s \
    --at "$(at_in 2)" --summary-json "$WORK/s.json" "$WORK/o4.csv" > "$WORK/out" 2> "$WORK/err"
check "stalled warm-up: exit 0, all accepted" "0 4" "$? $(jq -s 'map(select(.status == "accepted")) | length' "$WORK/out")"
check "stalled warm-up: 2 warm-ups went out, then the orders" "GET GET POST POST POST POST" "$(cut -d' ' -f1 "$WORK/flog" | xargs)"
# A generous bound a busy 2-core machine meets (it was the warm-ups' 5 s --timeout).
check_true "stalled warm-up: the first order left within 300 ms of TIME, none before" \
    jqe 'map(.at_offset_ms) | min | . >= 0 and . < 300' "$WORK/out"
check "stalled warm-up: the summary counts them not back" "0 2" "$(jq -r '"\(.at.warmed) \(.at.warm_failed)"' "$WORK/s.json")"
finish
