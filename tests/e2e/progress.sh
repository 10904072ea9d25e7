#!/usr/bin/env bash
# The live progress line, through a real pseudo-terminal (script(1)): it
# appears, updates, and is erased before the summary, at the end and after
# a signal; with stderr on a file, or --quiet, or TERM=dumb, or the results
# on the terminal, no control character is written anywhere.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
export SALVO_API_KEY=
command -v script >/dev/null || { echo "FAIL: script(1) not found (util-linux)"; exit 1; }
start_mock --latency 100ms
make_orders 40 > "$WORK/o40.csv"
ESC=$'\033'
CR=$'\r'

# on_pty OUT COMMAND: run COMMAND in a 200-column pseudo-terminal, its
# terminal output (stdout and stderr) into OUT.
on_pty() {
    local out=$1; shift
    curl -s -X POST "$BASE/reset" > /dev/null # the same orders again are new to the mock
    TERM=${PTY_TERM:-xterm} script -q -e -c "stty cols 200; $*" /dev/null < /dev/null > "$out"
}

# 40 orders at 20/s against 100 ms answers: two seconds, eight ticks.
on_pty "$WORK/pty" "'$SALVO' --url '$URL' --no-auth --rate 20/s --concurrency 4 '$WORK/o40.csv' > '$WORK/out'"
check "pty: exit 0" 0 $?
check "pty: every result on stdout" 40 "$(wc -l < "$WORK/out")"
check "pty: stdout has no control characters" 0 "$(grep -c "[$ESC$CR]" "$WORK/out")"
# Frames are separated by \r; each ends with erase-to-end-of-line.
tr '\r' '\n' < "$WORK/pty" | grep -a '^salvo: [0-9]*/40 done' | sed "s/$ESC\[K\$//" | sort -u > "$WORK/frames"
check_true "pty: at least two distinct frames ($(wc -l < "$WORK/frames"))" test "$(wc -l < "$WORK/frames")" -ge 2
check_true "pty: a frame shows in flight, counts, rate and latency" \
    grep -qE '^salvo: [0-9]+/40 done \([0-9]+%\)(, ETA [0-9]+s)? \| [0-9]+ in flight \| ok [0-9]+ rej 0 unk 0 \| [0-9.]+/s of 20/s \| p50/p99 [0-9.]+/[0-9.]+ ms$' "$WORK/frames"
# After the last erase: the summary and nothing of the line.
after=$(awk -v RS="$ESC\\\\[K" 'END { print }' "$WORK/pty")
check_true "pty: erased before the summary" grep -q 'salvo: 40 orders: 40 accepted' <<< "$after"
check_true "pty: nothing of the line after the erase" bash -c "! grep -q 'done (' <<< \"\$1\"" _ "$after"
check_true "pty: the erase is \\r ESC[K, then the summary" grep -qF "${CR}${ESC}[Ksalvo: run " "$WORK/pty"

# A signal in the middle: the line is gone before anything else is said.
rm -f "$WORK/pid"
on_pty "$WORK/pty" "'$SALVO' --url '$URL' --no-auth --rate 20/s '$WORK/o40.csv' > '$WORK/out' & echo \$! > '$WORK/pid'; wait" &
SCRIPT_PID=$!
five_out() { [ -s "$WORK/pid" ] && [ "$(wc -l < "$WORK/out" 2>/dev/null || echo 0)" -ge 5 ]; }
wait_for 20 five_out
kill -INT "$(cat "$WORK/pid")"
wait "$SCRIPT_PID"
after=$(awk -v RS="$ESC\\\\[K" 'END { print }' "$WORK/pty")
check_true "signal: frames were drawn" grep -q 'done (' "$WORK/pty"
check_true "signal: the summary comes after the erase" grep -q 'salvo: 40 orders:' <<< "$after"
check_true "signal: nothing of the line after the erase" bash -c "! grep -q 'done (' <<< \"\$1\"" _ "$after"

# No terminal, no line: stderr to a file (the terminal is not involved).
curl -s -X POST "$BASE/reset" > /dev/null
"$SALVO" --url "$URL" --no-auth --rate 200/s "$WORK/o40.csv" > "$WORK/out" 2> "$WORK/err"
check "file: exit 0" 0 $?
check "file: no ESC or CR in stderr or stdout" 0 "$(cat "$WORK/err" "$WORK/out" | grep -c "[$ESC$CR]")"
check_true "file: the summary is there" grep -q '40 orders: 40 accepted' "$WORK/err"
# Through the pty but with stderr to a file: still nothing.
on_pty "$WORK/pty" "'$SALVO' --url '$URL' --no-auth --rate 200/s '$WORK/o40.csv' > '$WORK/out' 2> '$WORK/err'"
check "pty, stderr to a file: no ESC or CR" 0 "$(cat "$WORK/err" "$WORK/out" "$WORK/pty" | grep -c "[$ESC$CR]")"
# --quiet, TERM=dumb, and results on the terminal: no line.
on_pty "$WORK/pty" "'$SALVO' --url '$URL' --no-auth --quiet --rate 40/s '$WORK/o40.csv' > '$WORK/out'"
check "--quiet: no ESC" 0 "$(grep -c "$ESC" "$WORK/pty")"
check_true "--quiet: the summary stays" grep -q '40 orders: 40 accepted' "$WORK/pty"
PTY_TERM=dumb on_pty "$WORK/pty" "'$SALVO' --url '$URL' --no-auth --rate 40/s '$WORK/o40.csv' > '$WORK/out'"
check "TERM=dumb: no ESC" 0 "$(grep -c "$ESC" "$WORK/pty")"
on_pty "$WORK/pty" "'$SALVO' --url '$URL' --no-auth --rate 40/s '$WORK/o40.csv'"
check "results on the terminal: no ESC" 0 "$(grep -c "$ESC" "$WORK/pty")"
check "results on the terminal: all there" 40 "$(grep -ac '"status":"accepted"' "$WORK/pty")"
# Orders typed on the terminal (script feeds its stdin to the pty; ^D ends
# them): no line over what the person types.
curl -s -X POST "$BASE/reset" > /dev/null
(sed 1d "$WORK/o40.csv"; printf '\004') > "$WORK/typed"
TERM=xterm timeout 60 script -q -e -c "stty cols 200; '$SALVO' --url '$URL' --no-auth --no-header --rate 40/s > '$WORK/out'" \
    /dev/null < "$WORK/typed" > "$WORK/pty"
check "typed input: all sent" 40 "$(grep -c '"status":"accepted"' "$WORK/out")"
check "typed input: no ESC" 0 "$(grep -c "$ESC" "$WORK/pty")"
finish
