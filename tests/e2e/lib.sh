# shellcheck shell=bash
# shellcheck disable=SC2034 # URL, PORT, ... are for the scripts that source this
# Shared helpers for the end-to-end tests: start salvo-mock on a free
# loopback port, assert, and clean up. Sourced by each test script.
set -u
ulimit -c 0 # no core dumps on the disk
: "${SALVO:?}" "${SALVO_MOCK:?}"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/salvo-e2e.XXXXXX") # not tmp.*: see tests/fuzz/run.sh
MOCK_PIDS=()
PASSED=0
FAILED=0
# Every sanitized process a test starts (salvo, salvo-mock, a test's own
# build) writes its reports to $WORK/san.PID, and exits 86, a status no salvo
# outcome has: finish() fails on any report, whatever the checks said.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}log_path=$WORK/san:exitcode=86"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}log_path=$WORK/san:exitcode=86:print_stacktrace=1:halt_on_error=1"
cleanup() {
    for p in "${MOCK_PIDS[@]}"; do kill "$p" 2>/dev/null; done
    wait 2>/dev/null
    if [ -n "${KEEP_WORK:-}" ]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

# start_mock [flags...]: sets PORT and URL (the orders endpoint), on a free
# port or on MOCK_PORT (a mock restarted where the last one was: a journal
# ties its orders to the origin).
STARTS=0 # numbers the port files: a name reused ($RANDOM did repeat) is read at once, the old port in it
start_mock() {
    STARTS=$((STARTS + 1))
    local pf="$WORK/port.$STARTS"
    "$SALVO_MOCK" --listen "127.0.0.1:${MOCK_PORT:-0}" --port-file "$pf" "$@" >"$WORK/mock.out" 2>"$WORK/mock.err" &
    MOCK_PIDS+=($!)
    MOCK_PID=$!
    for _ in $(seq 200); do [ -s "$pf" ] && break; sleep 0.05; done
    if [ ! -s "$pf" ]; then # loudly: every check after this would fail for the wrong reason
        echo "FAIL: salvo-mock $* did not start:"; cat "$WORK/mock.err"
        exit 1
    fi
    PORT=$(cat "$pf")
    BASE="http://127.0.0.1:$PORT"
    URL="$BASE/orders"
}
stop_mock() { kill "$MOCK_PID" 2>/dev/null; wait "$MOCK_PID" 2>/dev/null; }
stat_of() { curl -s -m 5 "$BASE/stats" "${@:2}" | jq -r ".$1"; }
# wait_for SECONDS COMMAND...: poll until COMMAND succeeds (every 20 ms).
# Tests wait for events this way, never for a time a busy machine may miss.
# A wait that times out is a failure, named, and returns 1.
wait_for() {
    local secs=$1 tries=$(($1 * 50)); shift
    while [ "$tries" -gt 0 ]; do "$@" && return 0; sleep 0.02; tries=$((tries - 1)); done
    FAILED=$((FAILED + 1))
    echo "FAIL: waited ${secs}s for: $*"
    return 1
}
received_at_least() { [ "$(stat_of received 2>/dev/null || echo 0)" -ge "$1" ] 2>/dev/null; }

check() { # check NAME EXPECTED ACTUAL
    if [ "$2" = "$3" ]; then
        PASSED=$((PASSED + 1))
    else
        FAILED=$((FAILED + 1))
        echo "FAIL: $1: expected [$2], got [$3]"
    fi
}
check_true() { # check_true NAME COMMAND...
    local name=$1; shift
    if "$@"; then PASSED=$((PASSED + 1)); else FAILED=$((FAILED + 1)); echo "FAIL: $name"; fi
}
# check_same NAME EXPECTED ACTUAL: two texts (lists of ids, ...) equal, and
# the expected one not empty; on a difference, the head of the diff.
check_same() {
    if [ -z "$2" ]; then
        FAILED=$((FAILED + 1)); echo "FAIL: $1: nothing to compare (the expected side is empty)"
    elif [ "$2" = "$3" ]; then
        PASSED=$((PASSED + 1))
    else
        FAILED=$((FAILED + 1)); echo "FAIL: $1:"; diff <(printf '%s\n' "$2") <(printf '%s\n' "$3") | head -6
    fi
}
# check_nonempty NAME VALUE: a comparison of two empty things proves
# nothing; call this before one whose sides could both be empty.
check_nonempty() {
    if [ -n "$2" ]; then PASSED=$((PASSED + 1)); else FAILED=$((FAILED + 1)); echo "FAIL: $1: empty"; fi
}
# Sanitizer reports of every process this script started, the mocks
# stopped first so that theirs (leaks at exit) are written too.
check_sanitizer_reports() {
    local p f n=0
    for p in "${MOCK_PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
    for f in "$WORK"/san.*; do
        [ -e "$f" ] || continue
        n=$((n + 1))
        FAILED=$((FAILED + 1))
        echo "FAIL: a sanitizer report ($f)"
        [ "$n" -le 3 ] && head -30 "$f"
    done
}
finish() {
    check_sanitizer_reports
    echo "$PASSED passed, $FAILED failed"
    [ "$FAILED" -eq 0 ]
}
# The most RFC 3339 timestamps (one a line, as salvo's sent_at) in any
# second-long window.
busiest_second() {
    python3 -c '
import sys, datetime, bisect
t = sorted(datetime.datetime.fromisoformat(l.strip().replace("Z", "+00:00")).timestamp()
           for l in open(sys.argv[1]) if l.strip())
print(max((bisect.bisect_left(t, x + 1.0) - i for i, x in enumerate(t)), default=0))' "$1"
}
make_orders() { # make_orders N [side] > file
    awk -v n="$1" -v side="${2:-BUY}" 'BEGIN { print "symbol,price,quantity,side"; for (i = 1; i <= n; i++) printf "S%d,%d.5,%d,%s\n", i, 100 + i % 50, 1 + i % 9, side }'
}
