#!/usr/bin/env bash
# salvo-mock end to end, driven by curl and jq.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
ORDER='{"symbol":"2330","price":"590","quantity":20,"side":"BUY","type":"LIMIT"}'
post() { curl -s -o "$WORK/body" -w '%{http_code}' -H 'Content-Type: application/json' "$@"; }

start_mock --seed 1
check "health" 200 "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/health")"
check "accepted" 200 "$(post -d "$ORDER" "$URL")"
check "accepted body" accepted "$(jq -r .status "$WORK/body")"
check "idempotency by body id" 200 "$(post -d '{"symbol":"A","price":1,"quantity":1,"side":"SELL","type":"LIMIT","client_order_id":"c1"}' "$URL")"
check "duplicate id" 409 "$(post -d '{"symbol":"A","price":1,"quantity":1,"side":"SELL","type":"LIMIT","client_order_id":"c1"}' "$URL")"
check "duplicate names first order" "$(curl -s "$BASE/orders/c1" | jq -r .order_id)" "$(jq -r .order_id "$WORK/body")"
check "idempotency header" 200 "$(post -H 'Idempotency-Key: k9' -d "$ORDER" "$URL")"
check "idempotency header dup" 409 "$(post -H 'Idempotency-Key: k9' -d "$ORDER" "$URL")"
check "bad field" 400 "$(post -d '{"symbol":"A","price":1,"quantity":1.5,"side":"BUY","type":"LIMIT"}' "$URL")"
check "bad field named" "quantity: must be a positive integer" "$(jq -r .error "$WORK/body")"
check "market with price" 400 "$(post -d '{"symbol":"A","price":1,"quantity":1,"side":"BUY","type":"MARKET"}' "$URL")"
check "truncated json" 400 "$(post -d '{"symbol":"A",' "$URL")"
check "lookup 404" 404 "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/orders/nope")"
check "stats accepted" 3 "$(stat_of accepted)"
check "stats duplicates" 2 "$(stat_of duplicates)"
check "stats bad_request" 3 "$(stat_of bad_request)"
check "GET /orders lists accepted" 3 "$(curl -s "$URL" | jq -s length)"
check "http2 prior knowledge" 2 "$(curl -s --http2-prior-knowledge -o /dev/null -w '%{http_version}' "$BASE/health")"
check "h2c order" 200 "$(post --http2-prior-knowledge -d '{"symbol":"H2","price":"1","quantity":1,"side":"BUY","type":"LIMIT"}' "$URL")"
check "reset" 200 "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$BASE/reset")"
check "reset clears" 0 "$(stat_of received)"
# Garbage and oversized requests: an error or a closed connection, never a crash.
head -c 10485760 /dev/zero | tr '\0' 'x' > "$WORK/big"
code=$(curl -s -m 10 -o /dev/null -w '%{http_code}' --data-binary @"$WORK/big" "$URL")
check_true "10 MB body refused ($code)" test "$code" = 413 -o "$code" = 000
printf 'POST /orders HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"a"' | timeout 3 bash -c "cat > /dev/tcp/127.0.0.1/$PORT" 2>/dev/null
head -c 20000 /dev/urandom | timeout 3 bash -c "cat > /dev/tcp/127.0.0.1/$PORT" 2>/dev/null
# A few thousand random bodies, many per connection, then the server still answers.
head -c 600000 /dev/urandom | base64 -w 150 | head -3000 |
    awk -v u="$URL" '{ printf "url = \"%s\"\ndata-binary = \"%s\"\noutput = /dev/null\nnext\n", u, $0 }' > "$WORK/fuzz.cfg"
timeout 60 curl -s -m 5 -K "$WORK/fuzz.cfg" >/dev/null 2>&1
check "alive after fuzz" 200 "$(curl -s -m 5 -o /dev/null -w '%{http_code}' "$BASE/health")"
check_true "fuzz bodies counted as bad requests" test "$(stat_of bad_request)" -ge 3000
stop_mock

# Faults: with a seed, each fraction is what it says (1000 orders).
fault_run() {
    for i in $(seq 1000); do
        printf 'url = "%s"\ndata-binary = "{\\"symbol\\":\\"F%d\\",\\"price\\":\\"1\\",\\"quantity\\":1,\\"side\\":\\"BUY\\",\\"type\\":\\"LIMIT\\",\\"client_order_id\\":\\"f%d\\"}"\noutput = /dev/null\nwrite-out = "%%{http_code}\\n"\nnext\n' "$URL" "$i" "$i"
    done > "$WORK/faults.cfg"
    timeout 120 curl -s -m 5 -K "$WORK/faults.cfg" 2>/dev/null
}
start_mock --seed 7 --reject-rate 0.1 --error-rate 0.1 --drop-rate 0.05
fault_run > "$WORK/codes"
rej=$(grep -c '^422$' "$WORK/codes"); err=$(grep -c '^500$' "$WORK/codes"); drop=$(grep -cE "^(000|409)$" "$WORK/codes") # curl resends on a dropped reused connection: the copy gets 409
check "one answer per order" 1000 "$(wc -l < "$WORK/codes")"
check_true "reject-rate ~10% ($rej)" test "$rej" -ge 70 -a "$rej" -le 130
check_true "error-rate ~10% ($err)" test "$err" -ge 70 -a "$err" -le 130
check_true "drop-rate ~5% ($drop)" test "$drop" -ge 25 -a "$drop" -le 75
check "stats rejected = 422s" "$rej" "$(stat_of rejected)"
check "stats errors = 500s" "$err" "$(stat_of errors)"
check "stats dropped = closed" "$drop" "$(stat_of dropped)"
check "record holds accepted + errored + dropped" "$(( 1000 - rej ))" "$(curl -s "$URL" | jq -s length)"
check "errored orders recorded" "$err" "$(curl -s "$URL" | jq -s '[.[] | select(.answer == "error")] | length')"
stop_mock
# The same seed gives the same faults.
start_mock --seed 7 --reject-rate 0.1 --error-rate 0.1 --drop-rate 0.05
fault_run > "$WORK/codes2"
check "seeded faults reproduce" "$(md5sum < "$WORK/codes")" "$(md5sum < "$WORK/codes2")"
stop_mock

# Stall: no answer until the client gives up.
start_mock --stall-rate 1
code=$(curl -s -o /dev/null -w '%{http_code}' -m 1 -d "$ORDER" "$URL")
check "stall times out" 000 "$code"
check "stall counted" 1 "$(stat_of stalled)"
stop_mock

# Latency: held on a timer, not blocking the loop. Ten requests at once from
# one curl: a loop that blocked would answer the last after 10 x 200 ms, so
# each answer within 2 s says they were held side by side (curl's own
# times: a busy machine's slow process starts are not counted).
start_mock --latency 200ms
urls=()
for _ in $(seq 10); do urls+=(-o /dev/null "$URL"); done
curl -s -m 5 --parallel --parallel-immediate --parallel-max 10 -w '%{http_code} %{time_total}\n' -d "$ORDER" \
    "${urls[@]}" > "$WORK/times"
check "latency 200ms, concurrent: ten answers" 10 "$(grep -c '^200 ' "$WORK/times")"
# shellcheck disable=SC2016 # awk's own $2
check_true "latency 200ms, concurrent: each held >= 0.2 s and < 2 s ($(cut -d' ' -f2 "$WORK/times" | tr '\n' ' '))" \
    awk '$2 < 0.2 || $2 >= 2 { bad = 1 } END { exit bad || NR != 10 }' "$WORK/times"
stop_mock

# Rate limit: 429 with Retry-After beyond N in the trailing second. One
# curl sends the 8 on one connection, well inside a second even on a busy
# machine (eight curl processes were not).
start_mock --rate-limit 5/s
urls=()
for _ in $(seq 8); do urls+=(-o /dev/null "$URL"); done
curl -s -D - -d "$ORDER" "${urls[@]}" > "$WORK/hdrs"
check "429s" 3 "$(grep -c '^HTTP/1.1 429' "$WORK/hdrs")"
check_true "Retry-After on 429" grep -qi '^retry-after: [0-9]' "$WORK/hdrs"
check "stats rate_limited" 3 "$(stat_of rate_limited)"
stop_mock

# Auth.
SALVO_MOCK_API_KEY=sekrit start_mock
check "no key" 401 "$(post -d "$ORDER" "$URL")"
check "wrong key" 401 "$(post -H 'Authorization: Bearer nope' -d "$ORDER" "$URL")"
check "right key" 200 "$(post -H 'Authorization: Bearer sekrit' -d "$ORDER" "$URL")"
stop_mock

# --record, and TLS + HTTP/2 with a certificate made now.
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$WORK/key.pem" -out "$WORK/cert.pem" -days 1 -subj /CN=localhost >/dev/null 2>&1
start_mock --tls-cert "$WORK/cert.pem" --tls-key "$WORK/key.pem" --record "$WORK/rec.ndjson"
check "tls + h2" "2 200" "$(curl -sk --http2 -o /dev/null -w '%{http_version} %{http_code}' -d "$ORDER" "https://127.0.0.1:$PORT/orders")"
stop_mock
check "record file" 1 "$(jq -s length "$WORK/rec.ndjson")"
check_true "stats on stderr at stop" grep -q '"accepted":1' "$WORK/mock.err"
# Whole option names only: getopt would take --port-fil for --port-file.
"$SALVO_MOCK" --port-fil "$WORK/pf" > /dev/null 2> "$WORK/err" &
pid=$!
wait_for 20 test -s "$WORK/err" || kill "$pid"
wait "$pid"
check "a prefix of a flag: usage error" 2 $?
check_true "a prefix of a flag: names the flag it is near" grep -q "unknown option '--port-fil': did you mean --port-file?" "$WORK/err"

finish
