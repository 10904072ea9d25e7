#!/usr/bin/env bash
# --exec: orders through SDK worker processes. The bridges in
# examples/bridges run as they are, over the stand-in SDKs in tests/standin
# (sleep, reject, raise, hang, crash by symbol; a shared order book for
# lookups). Every order is accounted for whatever a worker does; a worker
# that cannot start sends nothing. Waits are for events (the journal, the
# book), never for a guessed time.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
: "${EXAMPLES:?}"
command -v python3 >/dev/null || { echo "FAIL: python3 is needed (scripts/install-deps.sh)"; exit 1; }
STANDIN="$(cd "$(dirname "$0")/../standin" && pwd)"
# The bridges are run from a copy in WORK: pgrep -f "$WORK" finds this test's workers and no one else's.
cp -r "$EXAMPLES/bridges" "$WORK/bridges"
export PYTHONPATH="$STANDIN" STANDIN_RECORD="$WORK/book" PYTHONDONTWRITEBYTECODE=1 # no __pycache__ in the source tree
export FUBON_ID=A123456789 FUBON_PASSWORD=pw FUBON_CERT_PATH="$WORK/cert.pfx" FUBON_CERT_PASSWORD=cpw
export SHIOAJI_API_KEY=key SHIOAJI_SECRET_KEY=secret SHIOAJI_CA_PATH="$WORK/ca.pfx" SHIOAJI_CA_PASSWORD=cpw \
    SHIOAJI_PERSON_ID=A123456789
FUBON="python3 $WORK/bridges/fubon_neo_bridge.py"
SHIOAJI="python3 $WORK/bridges/shioaji_bridge.py"
workers_left() { pgrep -f "$WORK/" >/dev/null; }
status_of() { jq -r --arg s "$1" 'select(.symbol == $s) | .status' "$2"; }
count() { jq -s "map(select($1)) | length" "$2"; }
jqe() { jq -se "$1" "$2" > /dev/null; } # jqe FILTER FILE: true or not, quietly
booked() { if [ -f "$WORK/book" ]; then wc -l < "$WORK/book"; else echo 0; fi; }
orders() { # orders SYMBOL... > file
    echo "symbol,price,quantity,side"
    for s in "$@"; do echo "$s,10.5,1000,BUY"; done
}

# Usage: what only HTTP has is refused; the workers bound the concurrency.
orders 2330 > "$WORK/one.csv"
"$SALVO" --exec "$FUBON" --url http://127.0.0.1:1/ "$WORK/one.csv" > /dev/null 2> "$WORK/err"
check "--exec with --url: exit 2 naming it" "2 1" "$? $(grep -c -- "--url is for HTTP brokers" "$WORK/err")"
"$SALVO" --exec "$FUBON" --workers 2 --concurrency 5 "$WORK/one.csv" > /dev/null 2> "$WORK/err"
check "--concurrency over --workers: exit 2" "2 1" "$? $(grep -c "more than --workers 2" "$WORK/err")"
"$SALVO" --no-auth --url http://127.0.0.1:1/ --workers 2 "$WORK/one.csv" > /dev/null 2> "$WORK/err"
check "--workers without --exec: exit 2" 2 $?

# The Fubon Neo bridge: accepted, rejected, the broker's rate limit (failed, not placed), an SDK
# call that raised after the order left (unknown); stderr marked with the worker number.
orders 2330 2317 REJECT1 BUSY1 RAISE1 2881 2882 2883 > "$WORK/mix.csv"
STANDIN_CALL_MS=20 "$SALVO" --exec "$FUBON" --workers 3 --retries 0 --summary-json "$WORK/s.json" "$WORK/mix.csv" \
    > "$WORK/out" 2> "$WORK/err"
check "fubon: exit 4 (an order unknown among them)" 4 $?
check "fubon: each order has its outcome" "accepted accepted rejected failed unknown accepted" \
    "$(for s in 2330 2317 REJECT1 BUSY1 RAISE1 2881; do status_of $s "$WORK/out"; done | xargs)"
check "fubon: one line per order, the summary agrees" "8 8" "$(jq -s length "$WORK/out") $(jq .orders "$WORK/s.json")"
check_true "fubon: the broker's order number is in the result and its response" \
    jqe 'map(select(.status == "accepted")) | all((.order_id | startswith("P")) and .response.order_id == .order_id)' "$WORK/out"
check_true "fubon: the reject says why" grep -q '股票代號錯誤' "$WORK/out"
check_true "fubon: results name their worker" jqe 'all(.[]; .worker >= 1 and .worker <= 3)' "$WORK/out"
check_true "fubon: each worker's stderr is marked with its number" grep -q '^\[worker 3\] worker 3 logged in' "$WORK/err"
check "fubon: the book holds what reached the broker (all but the rate-limited one)" 7 "$(booked)"
check "fubon: no HTTP status breakdown (a worker's answer has none; it read \"no answer x5\")" "0 {}" \
    "$(grep -c 'by HTTP status' "$WORK/err") $(jq -c .http_status "$WORK/s.json")"
check_true "fubon: the workers are gone after the run" test -z "$(pgrep -f "$WORK/")"

# A worker killed mid-order (SIGKILL inside the SDK call): that order is unknown, never a "no";
# the worker is restarted and the run goes on; no order reaches the broker twice.
rm -f "$WORK/book"
orders $(seq 3001 3009) CRASH1 $(seq 3010 3019) > "$WORK/crash.csv"
STANDIN_CALL_MS=10 "$SALVO" --exec "$FUBON" --workers 3 --journal "$WORK/j1" "$WORK/crash.csv" > "$WORK/out" 2> "$WORK/err"
check "crash: exit 4 (an order unknown)" 4 $?
check "crash: that order is unknown, saying the worker was killed" "unknown 1" \
    "$(status_of CRASH1 "$WORK/out") $(jq -r 'select(.symbol == "CRASH1") | .error' "$WORK/out" | grep -c "killed by signal 9")"
check "crash: every other order accepted" 19 "$(count '.status == "accepted"' "$WORK/out")"
check_true "crash: salvo said which worker died holding which order" \
    grep -q "worker [123] was killed by signal 9; its order $(jq -r 'select(.symbol == "CRASH1") | .client_order_id' "$WORK/out")" \
    "$WORK/err"
check_true "crash: salvo said it restarts the worker" grep -q "worker [123] restarting in 100 ms" "$WORK/err"
check_true "crash: the summary counts the restart" grep -q "^salvo: --exec: workers restarted 1 time, 0 given up$" "$WORK/err"
check "crash: every order reached the broker once" "20 20" \
    "$(jq -s 'map(.tag) | unique | length' "$WORK/book") $(booked)"
# resume: the crashed order is held (it may be at the broker); --exec-lookup asks the bridge, which finds it.
"$SALVO" --exec "$FUBON" --workers 2 --journal "$WORK/j1" --resume "$WORK/crash.csv" > "$WORK/out" 2> "$WORK/err"
check "resume: the unknown order is held, not sent again" "4 unknown 19 20" \
    "$? $(status_of CRASH1 "$WORK/out") $(count '.status == "skipped"' "$WORK/out") $(booked)"
check_true "resume: it points at --exec-lookup" grep -q "see --exec-lookup" "$WORK/out"
"$SALVO" --exec "$FUBON" --workers 2 --journal "$WORK/j1" --resume --exec-lookup "$WORK/crash.csv" > "$WORK/out" 2> "$WORK/err"
check "resume --exec-lookup: found at the broker, accepted (reconciled), nothing sent" "0 accepted true 20" \
    "$? $(status_of CRASH1 "$WORK/out") $(jq -r 'select(.symbol == "CRASH1") | .reconciled' "$WORK/out") $(booked)"

# A hung SDK call: --timeout ends it (unknown); the worker is killed and restarted.
rm -f "$WORK/book"
orders 4001 HANG1 4002 4003 > "$WORK/hang.csv"
"$SALVO" --exec "$FUBON" --workers 2 --timeout 2s "$WORK/hang.csv" > "$WORK/out" 2> "$WORK/err"
check "hang: exit 4, that order unknown after --timeout" "4 unknown timeout" \
    "$? $(status_of HANG1 "$WORK/out") $(jq -r 'select(.symbol == "HANG1") | .attempt_statuses[0]' "$WORK/out")"
check "hang: the others accepted" 3 "$(count '.status == "accepted"' "$WORK/out")"
check_true "hang: the hung worker was killed (none left)" test -z "$(pgrep -f "$WORK/")"

# Garbage: a worker that answers with something that is not the protocol. Its order is unknown.
cat > "$WORK/garbage.py" <<'EOF'
import sys
sys.stdin.readline()
print('{"protocol":1,"ready":true}', flush=True)
for line in sys.stdin:
    print("Traceback? no: just some text", flush=True)
EOF
orders 5001 5002 > "$WORK/two.csv"
"$SALVO" --exec "python3 $WORK/garbage.py" --workers 1 --retries 0 "$WORK/two.csv" > "$WORK/out" 2> "$WORK/err"
check "garbage: exit 4, both orders unknown" "4 2" "$? $(count '.status == "unknown" and (.error | test("not a protocol answer"))' "$WORK/out")"
check_true "garbage: the worker was restarted" grep -q "ready again" "$WORK/err"

# A worker whose stdin is closed before a byte of the line reached it: the line goes to another
# worker; nothing is lost or reported for it. (Worker 1's first incarnation closes its stdin.)
cat > "$WORK/deaf.py" <<'EOF'
import json, os, sys, time
sys.stdin.readline()
marker = os.path.join(os.environ["WORKDIR"], "deaf.once")
if os.environ["SALVO_WORKER"] == "1" and not os.path.exists(marker):
    open(marker, "w").close()
    os.close(0)  # before saying it is ready: the first line for it finds no reader
    print('{"protocol":1,"ready":true}', flush=True)
    time.sleep(2)
    sys.exit(0)
print('{"protocol":1,"ready":true}', flush=True)
for line in sys.stdin:
    print(json.dumps({"id": json.loads(line)["id"], "status": "accepted"}), flush=True)
EOF
orders 7001 7002 7003 7004 > "$WORK/four.csv"
WORKDIR="$WORK" "$SALVO" --exec "python3 $WORK/deaf.py" --workers 2 --retries 0 "$WORK/four.csv" > "$WORK/out" 2> "$WORK/err"
check "a worker with its stdin closed: every order still accepted, once" "0 4 4" \
    "$? $(count '.status == "accepted"' "$WORK/out") $(jq -s 'map(.attempts) | add' "$WORK/out")"
check_true "a worker with its stdin closed: salvo said so" grep -q "did not take a line" "$WORK/err"

# A worker that answers before salvo has finished writing its line (it reads the first 40 bytes,
# answers, then reads the rest): each line is 300 KB, past the pipe's buffer, so its write is still
# pending when the answer comes. The next line waits for that write (it used to reuse the buffer and
# the request under libuv: SEGV, one result for 6 orders). The worker checks each line it read whole.
cat > "$WORK/early.py" <<'EOF'
import json, os, re, sys
inp = sys.stdin.buffer
inp.readline()
print('{"protocol":1,"ready":true}', flush=True)
seen = open(os.path.join(os.environ["WORKDIR"], "early.seen"), "a")
while True:
    head = inp.read(40)
    if not head:
        break
    wanted = int(re.search(rb'"id":(\d+)', head).group(1))
    print(json.dumps({"id": wanted, "status": "accepted"}), flush=True)
    line = json.loads(head + inp.readline())
    print("whole" if line["id"] == wanted and len(line["body"]["pad4"]) == 60000 else "torn", file=seen, flush=True)
EOF
{
    echo "symbol,price,quantity,side,pad"
    pad=$(printf '%060000d' 0)
    for i in 1 2 3 4 5 6; do echo "E$i,10.5,1,BUY,$pad"; done
} > "$WORK/wide.csv"
echo '{"symbol":"{{symbol}}","side":"{{side}}","quantity":"{{quantity:number}}","price":"{{price}}","pad0":"{{pad}}",
"pad1":"{{pad}}","pad2":"{{pad}}","pad3":"{{pad}}","pad4":"{{pad}}"}' > "$WORK/wide.json"
WORKDIR="$WORK" "$SALVO" --exec "python3 $WORK/early.py" --workers 1 --journal "$WORK/jw" \
    --body-template "$WORK/wide.json" "$WORK/wide.csv" > "$WORK/out" 2> "$WORK/err"
check "an answer before the line was written: exit 0, 6 orders accepted once each" "0 6 6" \
    "$? $(count '.status == "accepted"' "$WORK/out") $(jq -s 'map(.attempts) | add' "$WORK/out")"
check "an answer before the line was written: the worker read 6 whole lines" 6 \
    "$(grep -c '^whole$' "$WORK/early.seen" 2>/dev/null)"
check_true "an answer before the line was written: no memory error" \
    test -z "$(grep -E 'AddressSanitizer|runtime error' "$WORK/err")"

# One that answers early and then stops reading: its answer stands; --timeout ends the wait for
# the rest of its line (killed, restarted), and the next order goes to the next incarnation.
cat > "$WORK/early_stuck.py" <<'EOF'
import json, re, sys, time
inp = sys.stdin.buffer
inp.readline()
print('{"protocol":1,"ready":true}', flush=True)
head = inp.read(40)
print(json.dumps({"id": int(re.search(rb'"id":(\d+)', head).group(1)), "status": "accepted"}), flush=True)
time.sleep(3)
EOF
head -3 "$WORK/wide.csv" > "$WORK/wide2.csv"
"$SALVO" --exec "python3 $WORK/early_stuck.py" --workers 1 --timeout 1s --body-template "$WORK/wide.json" \
    "$WORK/wide2.csv" > "$WORK/out" 2> "$WORK/err"
check "an early answer, then the rest of the line never read: both orders accepted" "0 2" \
    "$? $(count '.status == "accepted"' "$WORK/out")"
check_true "an early answer, then the rest never read: the worker was killed after --timeout" \
    grep -q "worker 1 answered, but did not read the rest of its line in time" "$WORK/err"

# Every worker given up (its restarts never start: 8 in a row, about 11 s of backoff): the order it
# held is unknown, the one waiting for a worker failed (it reached none), every later one not_sent,
# and the run ends with each order accounted for (it used to stall with orders unreported).
cat > "$WORK/flaky.py" <<'EOF'
import os, sys
marker = os.path.join(os.environ["WORKDIR"], "flaky.once")
if os.path.exists(marker):
    sys.exit(1)
open(marker, "w").close()
sys.stdin.readline()
print('{"protocol":1,"ready":true}', flush=True)
sys.stdin.readline()
sys.exit(3)
EOF
orders 8001 8002 8003 8004 8005 > "$WORK/five.csv"
WORKDIR="$WORK" "$SALVO" --exec "python3 $WORK/flaky.py" --workers 1 --summary-json "$WORK/s.json" "$WORK/five.csv" \
    > "$WORK/out" 2> "$WORK/err"
check "every worker given up: exit 4, unknown, failed, not_sent x3, the summary agrees" "4 unknown failed 3 5" \
    "$? $(status_of 8001 "$WORK/out") $(status_of 8002 "$WORK/out") $(count '.status == "not_sent"' "$WORK/out") $(jq .orders "$WORK/s.json")"
check_true "every worker given up: salvo said so" grep -q "given up after 8 starts" "$WORK/err"
check "every worker given up: --summary-json counts 7 restarts (after the 8th start, none) and 1 given up" "7 1" \
    "$(jq -r '"\(.workers.restarts) \(.workers.given_up)"' "$WORK/s.json")"
# The same with --exec-lookup: the lookup of the order the worker died with waits for a worker that
# is then given up. It asked no one, so the order stays unknown (it used to read "failed,
# reconciled: the broker has no order with this id", of an order that may be at the broker).
rm -f "$WORK/flaky.once"
orders 8101 8102 8103 > "$WORK/three.csv"
WORKDIR="$WORK" "$SALVO" --exec "python3 $WORK/flaky.py" --workers 1 --exec-lookup "$WORK/three.csv" \
    > "$WORK/out" 2> "$WORK/err"
check "every worker given up, its lookup waiting: exit 4, the order unknown, not reconciled, the rest not_sent" \
    "4 unknown false 2" \
    "$? $(status_of 8101 "$WORK/out") $(jq -r 'select(.symbol == "8101") | .reconciled == true' "$WORK/out") $(count '.status == "not_sent"' "$WORK/out")"
check_true "every worker given up, its lookup waiting: the error says the lookup found no worker" \
    jqe 'map(select(.symbol == "8101"))[0].error | test("lookup.*every worker failed to start again")' "$WORK/out"

# A dry run: no worker starts; each result shows the command, the body and the
# exact protocol line a worker would read.
rm -f "$WORK/book"
"$SALVO" --exec "$FUBON" --workers 3 --dry-run "$WORK/two.csv" > "$WORK/out" 2> "$WORK/err"
check "dry run: exit 0, nothing reached the broker, no worker ran" "0 0 0" "$? $(booked) $(grep -c 'worker' "$WORK/err")"
check "dry run: the protocol line is an order with the result's id and the body shown" "order true true 2" \
    "$(jq -r '.request.line.op' "$WORK/out" | sort -u) $(jq -s 'all(.request.line.client_order_id == .client_order_id)' "$WORK/out") \
$(jq -s 'all(.request.line.body == .request.body)' "$WORK/out") $(count '.status == "dry_run"' "$WORK/out")"

# A worker that cannot start: exit 2 before anything is sent, every order not_sent.
rm -f "$WORK/book"
STANDIN_LOGIN_FAIL=1 "$SALVO" --exec "$FUBON" --workers 3 "$WORK/crash.csv" > "$WORK/out" 2> "$WORK/err"
check "login refused: exit 2, nothing reached the broker" "2 0" "$? $(booked)"
check "login refused: every order not_sent" 20 "$(count '.status == "not_sent"' "$WORK/out")"
check_true "login refused: the message names the worker and the reason" grep -q "could not start: .*login refused" "$WORK/err"
"$SALVO" --exec "$WORK/no-such-bridge" --workers 2 "$WORK/two.csv" > /dev/null 2> "$WORK/err"
check "a command that is not there: exit 2" 2 $?
cat > "$WORK/v2.py" <<'EOF'
import sys
sys.stdin.readline()
print('{"protocol":2,"ready":true}', flush=True)
sys.stdin.readline()
EOF
"$SALVO" --exec "python3 $WORK/v2.py" --workers 1 "$WORK/two.csv" > /dev/null 2> "$WORK/err"
check "a worker speaking another protocol: exit 2 saying so" "2 1" "$? $(grep -m1 -c "speaks protocol 2; this salvo speaks 1" "$WORK/err")"
cat > "$WORK/mute.py" <<'EOF'
import sys, time
sys.stdin.readline()
time.sleep(60)
EOF
"$SALVO" --exec "python3 $WORK/mute.py" --workers 1 --exec-start-timeout 500ms "$WORK/two.csv" > /dev/null 2> "$WORK/err"
check "no handshake within --exec-start-timeout: exit 2" "2 1" "$? $(grep -m1 -c "gave no handshake" "$WORK/err")"
check_true "the silent worker was killed" test -z "$(pgrep -f "$WORK/mute.py")"

# SIGTERM: answers in flight are waited for, the rest not_sent, then the workers' stdin closes
# and they are reaped. The journal says when the first orders are out.
rm -f "$WORK/book" "$WORK/j2"
orders $(seq 6001 6010) > "$WORK/ten.csv"
STANDIN_CALL_MS=700 "$SALVO" --exec "$FUBON" --workers 2 --journal "$WORK/j2" "$WORK/ten.csv" > "$WORK/out" 2> "$WORK/err" &
pid=$!
wait_for 12 grep -q '"sent"' "$WORK/j2"
kill -TERM $pid
wait $pid
check "SIGTERM: exit 143" 143 $?
sent=$(grep -c '"sent"' "$WORK/j2")
check "SIGTERM: every order sent was answered accepted, the rest not_sent" "$sent $((10 - sent))" \
    "$(count '.status == "accepted"' "$WORK/out") $(count '.status == "not_sent"' "$WORK/out")"
check "SIGTERM: the broker holds exactly the orders sent" "$sent" "$(booked)"
check_true "SIGTERM: the workers were reaped" test -z "$(pgrep -f "$WORK/")"

# A second SIGTERM stops the wait: the orders out are unknown at once ("no answer waited for");
# the workers finish their call, find their stdin closed and are reaped.
rm -f "$WORK/j3"
STANDIN_CALL_MS=1500 "$SALVO" --exec "$FUBON" --workers 2 --journal "$WORK/j3" "$WORK/ten.csv" > "$WORK/out" 2> "$WORK/err" &
pid=$!
wait_for 12 grep -q '"sent"' "$WORK/j3"
kill -TERM $pid
wait_for 4 grep -q '"not_sent"' "$WORK/out" # the first was heard
kill -TERM $pid
wait $pid
check "second SIGTERM: exit 143, the orders out unknown, the rest not_sent" "143 2 8" \
    "$? $(count '.status == "unknown" and (.error | test("no answer waited for"))' "$WORK/out") $(count '.status == "not_sent"' "$WORK/out")"
# No answer came: no latency (it read 0.000), and two sends a few us apart are a burst, not a rate
# (it read 750000/s).
check "second SIGTERM: the unanswered orders have no latency" "null null" \
    "$(jq -r 'select(.status == "unknown") | .latency_ms' "$WORK/out" | xargs)"
check "second SIGTERM: the summary shows no latency and no send rate" "0 0" \
    "$(grep -c '^salvo: latency' "$WORK/err") $(grep -c 'send rate' "$WORK/err")"
check_true "second SIGTERM: the workers were reaped" test -z "$(pgrep -f "$WORK/")"

# The Shioaji bridge: the SDK prints on stdout (as the real one does at login); that goes to
# stderr, never into the protocol. An unknown stock is rejected before the SDK call.
rm -f "$WORK/book"
orders 2330 NOSUCH1 REJECT2 CRASH2 2884 > "$WORK/sj.csv"
"$SALVO" --exec "$SHIOAJI" --workers 2 --exec-lookup "$WORK/sj.csv" > "$WORK/out" 2> "$WORK/err"
check "shioaji: each order has its outcome" "accepted rejected rejected accepted accepted" \
    "$(for s in 2330 NOSUCH1 REJECT2 CRASH2 2884; do status_of $s "$WORK/out"; done | xargs)"
check "shioaji: the crashed order was looked up and found" "true died" \
    "$(jq -r 'select(.symbol == "CRASH2") | "\(.reconciled) \(.attempt_statuses[0])"' "$WORK/out")"
check_true "shioaji: the SDK's own stdout went to stderr, marked" grep -q '^\[worker [12]\] Response Code: 0' "$WORK/err"

# The template bridge starts, and says plainly that place() is not written yet (unknown, not a "no").
"$SALVO" --exec "python3 $WORK/bridges/template_bridge.py" --workers 1 --retries 0 "$WORK/one.csv" > "$WORK/out" 2>/dev/null
check "template: an unwritten place() is unknown (exit 4)" "4 unknown" "$? $(status_of 2330 "$WORK/out")"
workers_left && echo "note: workers still running: $(pgrep -af "$WORK/")"
finish
