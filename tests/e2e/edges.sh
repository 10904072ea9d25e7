#!/usr/bin/env bash
# The rough edges a new user hit (issue 15): what salvo says about an input
# it cannot read as orders, and what a result line carries.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
export SALVO_API_KEY=
shopt -s lastpipe # `printf ... | run` sets RC here
start_mock

run() { # run ARGS... < input: results in $WORK/out, stderr in $WORK/err, exit code in $RC
    "$SALVO" --url "$URL" --no-auth "$@" > "$WORK/out" 2> "$WORK/err"
    RC=$?
}

# A header salvo does not know is not read as an order, nor are the rows
# under it guessed positionally (sym,qty,px would swap price and quantity).
printf 'sym,qty,px\nAAPL,10,1.5\n' | run --side BUY
check "unknown header: exit 2" 2 "$RC"
check "unknown header: nothing sent" "0 0" "$(wc -l < "$WORK/out") $(stat_of received)"
check_true "unknown header: names what it saw" grep -q 'sym, qty, px' "$WORK/err"
check_true "unknown header: names what it expected" grep -q 'symbol, price, quantity (or qty), side, type' "$WORK/err"
check_true "unknown header: not 'side is missing'" bash -c "! grep -q 'side is missing' '$WORK/err'"
printf 'Ticker,Price,Quantity,Side\nAAPL,1.5,10,BUY\n' | run
check "header without symbol: exit 2" 2 "$RC"
check_true "header without symbol: says so" grep -q 'header without a symbol column' "$WORK/err"
check "header without symbol: nothing sent" 0 "$(stat_of received)"
printf 'W\xc3\xa4hrung,Preis\x01\n' | run
check_true "unknown header: UTF-8 kept, a control character shown as ?" grep -q 'it has Währung, Preis?;' "$WORK/err"
# The shape of a file a new user brings: another separator is named with
# the flag that reads it, header names are shown whole (they were cut at 24
# characters), no "0 orders" summary follows, and orders.jsonl is JSON Lines.
printf 'symbol;price;quantity;side\nAAPL;1.5;10;BUY\n' | run
check "semicolons: exit 2, the flag named, no summary" \
    "2 salvo: line 1 looks like a header separated by ';', not ',': give --delimiter ';'" "$RC $(cat "$WORK/err")"
printf 'symbol\tprice\tquantity\tside\nAAPL\t1.5\t10\tBUY\n' | run
check "tabs: the flag named" "salvo: line 1 looks like a header separated by '\\t', not ',': give --delimiter '\\t'" \
    "$(cat "$WORK/err")"
printf 'symbol\tprice\tquantity\tside\nTABS\t1.5\t10\tBUY\n' | run --delimiter '\t'
check "tabs: --delimiter '\\t' reads them" "0 accepted" "$RC $(jq -r .status "$WORK/out")"
printf 'Instrument_identifier_long,Preis\n' | run
check_true "unknown header: a long name shown whole" grep -q 'it has Instrument_identifier_long, Preis;' "$WORK/err"
printf '{"symbol":"JSONL","price":"1.5","quantity":10,"side":"BUY"}\n' > "$WORK/orders.jsonl"
run "$WORK/orders.jsonl"
check "orders.jsonl without --input-format: read as JSON Lines" "0 accepted" "$RC $(jq -r .status "$WORK/out")"
printf 'AAPL,1.5,10,BUY\n' | run
check "no header, data: sent" "0 accepted" "$RC $(jq -r .status "$WORK/out")"

# A row with more fields than the header is probably misaligned (an
# unquoted comma in a value): invalid, never sent, with its line.
printf 'symbol,price,quantity,side\nAAPL,1,234.50,10,BUY\nMSFT,2.5,3,SELL\n' | run
check "extra fields: exit 1" 1 "$RC"
check "extra fields: the row is invalid, the next sent" "invalid accepted" \
    "$(jq -rs 'sort_by(.line) | map(.status) | join(" ")' "$WORK/out")"
check "extra fields: the message" 'line 2: 5 fields where the header has 4 (a value with an unquoted ","?); not sent' \
    "$(jq -rs '.[] | select(.line == 2) | .error' "$WORK/out")"
check "extra fields: shows no misread field" null "$(jq -s '.[] | select(.line == 2) | .price' "$WORK/out")"
printf 'AAPL,1.5,10,BUY,LIMIT,x\n' | run --no-header
check "no header: at most 5 fields" 'line 1: 6 fields where salvo reads at most 5 without a header (symbol,price,quantity,side,type); not sent' \
    "$(jq -r .error "$WORK/out")"

# Nothing to send: said on stderr, exit 1 (a cron job must hear of it).
: | run
check "empty input: exit 1" 1 "$RC"
check_true "empty input: said" grep -q 'stdin holds no orders' "$WORK/err"
check "empty input: no results" 0 "$(wc -l < "$WORK/out")"
printf 'symbol,price,quantity,side\n' > "$WORK/header-only.csv"
run "$WORK/header-only.csv"
check "header only: exit 1" 1 "$RC"
check_true "header only: said" grep -q 'header-only.csv holds no orders' "$WORK/err"

# An invalid line keeps the fields that were valid: jq shows the symbol.
printf 'symbol,price,quantity,side\nAAPL,1.5,1.5,BUY\n' | run
check "invalid keeps symbol" "AAPL BUY" "$(jq -r '"\(.symbol) \(.side)"' "$WORK/out")"

# qty works in JSON Lines as in a CSV header.
printf '{"symbol":"J1","price":"10.5","qty":3,"side":"BUY"}\n' | run --input-format jsonl
check "jsonl qty" "accepted 3" "$(jq -r '"\(.status) \(.quantity)"' "$WORK/out")"

# --max-orders on a stream: the order over the cap is skipped, and the
# summary does not call it a resume.
printf 'symbol,price,quantity,side\nA,1,1,BUY\nB,1,1,BUY\nC,1,1,BUY\n' | run --max-orders 2
check "max-orders stdin: exit 1" 1 "$RC"
check "max-orders stdin: one skipped" 1 "$(jq -s '[.[] | select(.status == "skipped")] | length' "$WORK/out")"
check_true "max-orders stdin: no resume line" bash -c "! grep -q 'resume' '$WORK/err'"
printf 'symbol,price,quantity,side\nR1,1,1,BUY\nR2,1,1,BUY\n' > "$WORK/r.csv"
run --journal "$WORK/r.journal" "$WORK/r.csv"
run --journal "$WORK/r.journal" --resume --max-orders 5 "$WORK/r.csv"
check_true "a resume still says so" grep -q 'resume: 2 done earlier (skipped)' "$WORK/err"

# A profile read one way only: a key given twice (cJSON took the first URL,
# other readers the last) is refused, naming the file and the key.
printf '{"name":"t","url":"%s",\n "url":"https://elsewhere.example/orders"}\n' "$URL" > "$WORK/twice.json"
"$SALVO" --broker "$WORK/twice.json" --dry-run "$WORK/r.csv" > "$WORK/out" 2> "$WORK/err"
check "profile with a key twice: exit 2, nothing out" "2 0" "$? $(wc -l < "$WORK/out")"
check_true "profile with a key twice: names the file and the key" \
    grep -qF -- "--broker $WORK/twice.json: profile: \"url\" given twice" "$WORK/err"

printf 'symbol,price,quantity,side\nA,1,1,BUY\n' > "$WORK/one.csv"
# A long option by its whole name only: --rat is not taken for --rate
# (getopt would), and the nearest flag is named.
"$SALVO" --url "$URL" --no-auth --rat 10 "$WORK/one.csv" > "$WORK/out" 2> "$WORK/err"
check "--rat 10: exit 2, nothing out" "2 0" "$? $(wc -l < "$WORK/out")"
check "--rat 10: names the flag it is near" "salvo: unknown option '--rat': did you mean --rate? (see salvo --help)" \
    "$(cat "$WORK/err")"

# A wrong path at --url: before any order is taken, 404s in a row stop the
# run like 401s do, and say where to look (20 rows each got a 404).
make_orders 20 > "$WORK/o20.csv"
"$SALVO" --url "$BASE/wrong/path" --no-auth --concurrency 1 "$WORK/o20.csv" > "$WORK/out" 2> "$WORK/err"
check "404s at a wrong --url: 5 rejected, the rest not sent" "15 not_sent 5 rejected" \
    "$(jq -rs 'group_by(.status) | map("\(length) \(.[0].status)") | join(" ")' "$WORK/out")"
check_true "404s at a wrong --url: says check --url" grep -q 'HTTP 404 (check --url: is it the order endpoint?)' "$WORK/err"

# --give-up-after counts orders, not their retries: nobody listening, 2
# retries each, and the 5th order's first refusal ends the run.
closed=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$SALVO" --url "http://127.0.0.1:$closed/orders" --no-auth --retries 2 --retry-backoff 1ms --concurrency 1 \
    "$WORK/o20.csv" > "$WORK/out" 2> "$WORK/err"
check "give up after 5 orders, retries apart: 5 failed, 15 not sent" "5 failed 15 not_sent" \
    "$(jq -rs 'group_by(.status) | map("\(length) \(.[0].status)") | join(" ")' "$WORK/out")"

# A --summary-json in a directory that does not exist says so (it said "is
# not a directory").
"$SALVO" --url "$URL" --no-auth --summary-json "$WORK/no/such/s.json" "$WORK/one.csv" > "$WORK/out" 2> "$WORK/err"
check "--summary-json in a missing directory: exit 3, what is missing" \
    "3 salvo: --summary-json $WORK/no/such/s.json: cannot be created: $WORK/no/such: No such file or directory" \
    "$? $(cat "$WORK/err")"

# Too few open files is said as that, naming the knob that needs them
# (--workers under --exec); a low soft limit under a higher hard one is
# raised, not a failure.
(ulimit -n 8; "$SALVO" --url "$URL" --no-auth "$WORK/one.csv" > "$WORK/out" 2> "$WORK/err")
check "ulimit -n 8: exit 2" 2 $?
check_true "ulimit -n 8: says open files and how to raise them" grep -q "open files.*ulimit -n" "$WORK/err"
check_true "ulimit -n 8: not 'out of memory'" bash -c "! grep -q 'out of memory' '$WORK/err'"
(ulimit -n 20; "$SALVO" --exec 'cat' "$WORK/one.csv" > "$WORK/out" 2> "$WORK/err")
check "ulimit -n 20, --exec: exit 2" 2 $?
check_true "ulimit -n 20, --exec: names --workers 8, the knob that was in play" grep -q -- "--workers 8 needs" "$WORK/err"
check_true "ulimit -n 20, --exec: not a --concurrency never given" bash -c "! grep -q -- '--concurrency' '$WORK/err'"
if [ "$(ulimit -Hn)" = unlimited ] || [ "$(ulimit -Hn)" -ge 200 ]; then
    (ulimit -Sn 8; "$SALVO" --url "$URL" --no-auth --id-prefix ulim "$WORK/one.csv" > "$WORK/out" 2> "$WORK/err")
    check "ulimit -Sn 8 (the hard limit higher): raised, sent" "0 accepted" "$? $(jq -r .status "$WORK/out")"
fi

stop_mock

# A URL column whose value is "." or ".." would change the path (libcurl,
# or else the broker, drops it with the segment before: /v3/accounts/../orders
# is /v3/orders). The row is refused, in a dry run too; the mock takes orders
# only at the one path an honest value gives.
start_mock --orders-path /v3/accounts/A1/orders
printf 'symbol,price,quantity,side,account_id\nS1,1.5,1,BUY,A1\nS2,1.5,1,BUY,..\nS3,1.5,1,BUY,.\n' > "$WORK/dots.csv"
for mode in send dry; do
    extra=()
    [ $mode = dry ] && extra=(--dry-run)
    "$SALVO" --url "$BASE/v3/accounts/{{account_id}}/orders" --no-auth "${extra[@]}" "$WORK/dots.csv" > "$WORK/out" 2> "$WORK/err"
    RC=$?
    check "dot segment ($mode): exit 1" 1 "$RC"
    check "dot segment ($mode): only the honest row goes" "$([ $mode = dry ] && echo dry_run || echo accepted) invalid invalid" \
        "$(jq -rs 'sort_by(.line) | map(.status) | join(" ")' "$WORK/out")"
    check "dot segment ($mode): the message names the line and the column" \
        'line 3: column account_id value ".." would change the URL'"'"'s path (a "." or ".." segment); not sent' \
        "$(jq -rs '.[] | select(.line == 3) | .error' "$WORK/out")"
done
check "dot segment: the broker got the honest row only, at its path" "1 1" "$(stat_of received) $(curl -s "$BASE/v3/accounts/A1/orders" | wc -l)"
# The template's own dot segment goes as written (CURLOPT_PATH_AS_IS): the
# request line on the wire is the path the dry run shows (and a profile signs).
head -2 "$WORK/dots.csv" > "$WORK/dot1.csv"
"$SALVO" --url "$BASE/v3/x/../accounts/{{account_id}}/orders" --no-auth --dry-run "$WORK/dot1.csv" 2>/dev/null |
    jq -r .request.url | sed "s|^$BASE||" > "$WORK/dry_path"
"$SALVO" --url "$BASE/v3/x/../accounts/{{account_id}}/orders" --no-auth --trace "$WORK/dot.trace" "$WORK/dot1.csv" >/dev/null 2>&1
check "a literal dot segment: the dry run shows it" /v3/x/../accounts/A1/orders "$(cat "$WORK/dry_path")"
check "a literal dot segment: libcurl sends what the dry run shows" "POST $(cat "$WORK/dry_path") HTTP/1.1" \
    "$(grep -o 'POST .*' "$WORK/dot.trace")"
# The same in a URL with no column, which salvo parses once for every order
# (CURLOPT_CURLU), where libcurl's own parse no longer applies PATH_AS_IS.
"$SALVO" --url "$BASE/v3/x/../orders" --no-auth --trace "$WORK/dot2.trace" "$WORK/dot1.csv" >/dev/null 2>&1
check "a literal dot segment in a URL parsed once: sent as written" "POST /v3/x/../orders HTTP/1.1" \
    "$(grep -o 'POST .*' "$WORK/dot2.trace")"
stop_mock

# An order id "." or ".." in a --reconcile-url path looks up another path
# (/orders/.. is /): its 404 says nothing of the order, which stays unknown.
start_mock --drop-rate 1 --seed 1
printf 'symbol,price,quantity,side,client_order_id\nS1,1.5,1,BUY,..\nS2,1.5,1,BUY,.\nS3,1.5,1,BUY,ok-1\n' |
    "$SALVO" --url "$URL" --no-auth --retries 0 --reconcile-url "$BASE/orders/{{client_order_id}}" - > "$WORK/out" 2>/dev/null
check "dot id: the broker has every order" 3 "$(curl -s "$URL" | wc -l)"
check "dot id: a lookup elsewhere is no 'no'" "unknown unknown accepted" "$(jq -rs 'sort_by(.line) | map(.status) | join(" ")' "$WORK/out")"
stop_mock

# A TLS failure says why, in libcurl's words (CURLOPT_ERRORBUFFER).
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$WORK/key.pem" -out "$WORK/cert.pem" -days 1 \
    -subj /CN=localhost >/dev/null 2>&1
openssl req -new -newkey rsa:2048 -nodes -keyout "$WORK/old.key" -subj /CN=localhost -out "$WORK/old.csr" >/dev/null 2>&1
openssl x509 -req -in "$WORK/old.csr" -signkey "$WORK/old.key" -days -1 -out "$WORK/old.pem" >/dev/null 2>&1
tls_error() { # tls_error HOST [salvo flags]: the one result's error
    local host=$1; shift
    printf 'symbol,price,quantity,side\nA,1,1,BUY\n' |
        "$SALVO" --url "https://$host:$PORT/orders" --no-auth "$@" 2>/dev/null | jq -r .error
}
start_mock --tls-cert "$WORK/cert.pem" --tls-key "$WORK/key.pem"
check "tls: self-signed" "SSL certificate problem: self-signed certificate" "$(tls_error localhost)"
# libcurl 8 says "hostname" where 7.88 said "host name" (a -DSALVO_ALLOW_CURL7 build).
check "tls: wrong host" "SSL: certificate subject name 'localhost' does not match target hostname '127.0.0.1'" \
    "$(tls_error 127.0.0.1 --cacert "$WORK/cert.pem" | sed 's/target host name/target hostname/')"
stop_mock
start_mock --tls-cert "$WORK/old.pem" --tls-key "$WORK/old.key"
check "tls: expired" "SSL certificate problem: certificate has expired" "$(tls_error localhost --cacert "$WORK/old.pem")"
stop_mock
finish
