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
