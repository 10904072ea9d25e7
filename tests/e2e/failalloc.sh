#!/usr/bin/env bash
# Every allocation of salvo's own code fails in turn, in a whole run with a
# journal: salvo never crashes and never loses a result in silence. A run
# either ends as usual, or says what failed (exit 1 with each order's line,
# or exit 2/3 with a message on stderr); the journal never claims an
# outcome the output does not show.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
: "${SALVO_FAILALLOC:?}"
# shellcheck disable=SC2119 # start_mock takes optional mock flags; none here
start_mock
make_orders 20 > "$WORK/o20.csv"
run() { # N: run with allocation N failing
    rm -f "$WORK/j" "$WORK/s.json"
    SALVO_FAIL_ALLOC=$1 "$SALVO_FAILALLOC" --no-auth --url "$URL" --concurrency 4 --retries 0 \
        --journal "$WORK/j" --summary-json "$WORK/s.json" "$WORK/o20.csv" > "$WORK/out" 2> "$WORK/err"
}
SALVO_COUNT_ALLOC=1 run 0
total=$(sed -n 's/^failalloc: \([0-9]*\) allocations$/\1/p' "$WORK/err")
check_true "the counting allocator counts ($total allocations in a run)" test "${total:-0}" -gt 10
bad=0
for n in $(seq 1 "$total"); do
    curl -s -X POST "$BASE/reset" > /dev/null
    run "$n"
    code=$?
    lines=$(wc -l < "$WORK/out")
    why=""
    grep -qE 'AddressSanitizer|runtime error|LeakSanitizer' "$WORK/err" && why="a sanitizer report"
    case $code in
        0) [ "$lines" -eq 20 ] || why="exit 0 with $lines lines" ;;
        1|4) [ -s "$WORK/s.json" ] && [ "$lines" -ne "$(jq .orders "$WORK/s.json")" ] && why="exit $code, $lines lines for $(jq .orders "$WORK/s.json") orders"
           [ "$lines" -eq 20 ] || [ -s "$WORK/err" ] || why="exit $code, $lines lines, nothing said" ;;
        2|3) [ -s "$WORK/err" ] || why="exit $code with nothing said" ;;
        *) why="exit $code" ;;
    esac
    if [ -n "$why" ]; then
        bad=$((bad + 1))
        echo "allocation $n: $why"; tail -3 "$WORK/err"
    fi
done
check "every allocation failing in turn: no crash, no silent loss" 0 "$bad"
stop_mock

# The same through one --exec worker (a shell one: it answers every order
# accepted), under a time limit: a run that waits for ever fails too (an
# order line that could not be built took its worker out of service).
cat > "$WORK/worker.sh" <<'EOF'
read -r _
echo '{"protocol":1,"ready":true}'
while read -r line; do id=${line#*\"id\":}; echo "{\"id\":${id%%,*},\"status\":\"accepted\"}"; done
EOF
make_orders 5 > "$WORK/o5.csv"
run_exec() { # N: run with allocation N failing
    SALVO_FAIL_ALLOC=$1 timeout -s KILL 20 "$SALVO_FAILALLOC" --exec "sh $WORK/worker.sh" --workers 1 --retries 0 \
        "$WORK/o5.csv" > "$WORK/out" 2> "$WORK/err"
}
SALVO_COUNT_ALLOC=1 run_exec 0
check "--exec: a run with no allocation failing: exit 0, 5 lines" "0 5" "$? $(wc -l < "$WORK/out")"
total=$(sed -n 's/^failalloc: \([0-9]*\) allocations$/\1/p' "$WORK/err")
check_true "--exec: the counting allocator counts ($total allocations in a run)" test "${total:-0}" -gt 10
bad=0
for n in $(seq 1 "$total"); do
    run_exec "$n"
    code=$?
    lines=$(wc -l < "$WORK/out")
    why=""
    grep -qE 'AddressSanitizer|runtime error|LeakSanitizer' "$WORK/err" && why="a sanitizer report"
    case $code in
        0) [ "$lines" -eq 5 ] || why="exit 0 with $lines lines" ;;
        1|4) [ "$lines" -eq 5 ] || [ -s "$WORK/err" ] || why="exit $code, $lines lines, nothing said" ;;
        2|3) [ -s "$WORK/err" ] || why="exit $code with nothing said" ;;
        137) why="still running after 20 s (killed)" ;;
        *) why="exit $code" ;;
    esac
    if [ -n "$why" ]; then
        bad=$((bad + 1))
        echo "--exec, allocation $n: $why"; tail -3 "$WORK/err"
    fi
done
check "--exec: every allocation failing in turn: no crash, no hang, no silent loss" 0 "$bad"
finish
