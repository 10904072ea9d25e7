#!/usr/bin/env bash
# Secrets and mistakes caught before the first order leaves: every refusal
# here must come with nothing sent (the mock's /stats) and no file harmed.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
: "${EXAMPLES:?}"
ulimit -c 0
unset SALVO_API_KEY
received() { stat_of received; }

start_mock
make_orders 5 > "$WORK/o5.csv"
sum_before=$(md5sum < "$WORK/o5.csv")

# ---- The output is the input: refused, the input untouched ----
"$SALVO" --url "$URL" --no-auth -o "$WORK/o5.csv" "$WORK/o5.csv" > /dev/null 2> "$WORK/err"
check "-o same as input: exit 2" 2 $?
check_true "-o same as input: names the flag" grep -q -- "-o $WORK/o5.csv" "$WORK/err"
check "-o same as input: the input is untouched" "$sum_before" "$(md5sum < "$WORK/o5.csv")"
ln "$WORK/o5.csv" "$WORK/hardlink.csv"
"$SALVO" --url "$URL" --no-auth --trace "$WORK/hardlink.csv" "$WORK/o5.csv" > /dev/null 2> "$WORK/err"
check "--trace same file as input (a hard link): exit 2" 2 $?
check_true "--trace same as input: names the flag" grep -q -- "--trace" "$WORK/err"
check "--trace same as input: the input is untouched" "$sum_before" "$(md5sum < "$WORK/o5.csv")"
# shellcheck disable=SC2094 # reading and writing the same file is exactly what must be refused
"$SALVO" --url "$URL" --no-auth --summary-json "$WORK/o5.csv" - < "$WORK/o5.csv" > /dev/null 2> "$WORK/err"
check "--summary-json same as stdin's file: exit 2" 2 $?

# ---- -o onto a file that holds something: refused unless --force (overwrite)
# or --append (add after it); an empty file or stdout needs neither (issue 22) ----
printf '{"seq":1,"status":"accepted","note":"yesterday"}\n' > "$WORK/kept.ndjson"
cp "$WORK/kept.ndjson" "$WORK/kept.orig"
"$SALVO" --url "$URL" --no-auth -o "$WORK/kept.ndjson" "$WORK/o5.csv" > "$WORK/out" 2> "$WORK/err"
check "-o onto a non-empty file: exit 2, naming it and both flags" \
    "2 salvo: -o $WORK/kept.ndjson is not empty (49 bytes): --force to overwrite it, --append to add to it; nothing was sent (see salvo --help)" \
    "$? $(cat "$WORK/err")"
check_true "-o onto a non-empty file: its bytes are unchanged" cmp "$WORK/kept.ndjson" "$WORK/kept.orig"
check "-o onto a non-empty file: nothing on stdout" 0 "$(wc -l < "$WORK/out")"
"$SALVO" --url "$URL" --no-auth --force --append -o "$WORK/kept.ndjson" "$WORK/o5.csv" > /dev/null 2> "$WORK/err"
check "--force with --append: exit 2" 2 $?
check_true "--force with --append: says they contradict" grep -q -- '--force and --append contradict each other' "$WORK/err"
"$SALVO" --url "$URL" --no-auth --append "$WORK/o5.csv" > /dev/null 2> "$WORK/err"
check "--append without -o: exit 2" 2 $?
check_true "--append without -o: says it needs one" grep -q -- '--append needs -o FILE' "$WORK/err"
check_true "the refusals left the file as it was" cmp "$WORK/kept.ndjson" "$WORK/kept.orig"
"$SALVO" --url "$URL" --no-auth --dry-run --append -o "$WORK/kept.ndjson" "$WORK/o5.csv" > /dev/null 2>&1
check "--append: exit 0" 0 $?
check "--append: the old line kept first, the run's 5 after it" "yesterday 6" \
    "$(head -1 "$WORK/kept.ndjson" | jq -r .note) $(wc -l < "$WORK/kept.ndjson")"
"$SALVO" --url "$URL" --no-auth --dry-run --force -o "$WORK/kept.ndjson" "$WORK/o5.csv" > /dev/null 2>&1
check "--force: exit 0, the file holds this run's 5 lines alone" "0 5 0" \
    "$? $(wc -l < "$WORK/kept.ndjson") $(grep -c yesterday "$WORK/kept.ndjson")"
: > "$WORK/empty.ndjson"
"$SALVO" --url "$URL" --no-auth --dry-run -o "$WORK/empty.ndjson" "$WORK/o5.csv" > /dev/null 2>&1
check "-o onto an empty file: written" "0 5" "$? $(wc -l < "$WORK/empty.ndjson")"
(cd "$WORK" && "$SALVO" --url "$URL" --no-auth --dry-run -o - "$WORK/o5.csv" > "$WORK/dash.out" 2>/dev/null)
check "-o -: stdout, no file named -" "0 5 no" "$? $(wc -l < "$WORK/dash.out") $(test -e "$WORK/-" && echo yes || echo no)"
check "nothing sent after the refusals" 0 "$(received)"

# ---- Malformed URLs, missing CA, unwritable summary: nothing sent ----
"$SALVO" --url "http://[::1/orders" --no-auth "$WORK/o5.csv" > "$WORK/out" 2> "$WORK/err"
check "malformed --url: exit 2" 2 $?
check_true "malformed --url: names the flag" grep -q -- "--url 'http://\[::1/orders'" "$WORK/err"
"$SALVO" --url "$URL" --no-auth --reconcile-url "http://[::1/orders/{{client_order_id}}" "$WORK/o5.csv" > "$WORK/out" 2> "$WORK/err"
check "malformed --reconcile-url: exit 2" 2 $?
check_true "malformed --reconcile-url: names the flag" grep -q -- "--reconcile-url" "$WORK/err"
"$SALVO" --url "$URL" --no-auth --cacert "$WORK/nope.pem" "$WORK/o5.csv" > "$WORK/out" 2> "$WORK/err"
check "missing --cacert: exit 2" 2 $?
check_true "missing --cacert: names the flag" grep -q -- "--cacert $WORK/nope.pem" "$WORK/err"
"$SALVO" --url "$URL" --no-auth --cacert "$WORK" "$WORK/o5.csv" > "$WORK/out" 2> "$WORK/err"
check "--cacert a directory: exit 2" 2 $?
"$SALVO" --url "$URL" --no-auth --summary-json "$WORK/no/such/dir/sum.json" "$WORK/o5.csv" > "$WORK/out" 2> "$WORK/err"
check "unwritable --summary-json: exit 3" 3 $?
check_true "unwritable --summary-json: names the flag" grep -q -- "--summary-json $WORK/no/such/dir/sum.json" "$WORK/err"
check "nothing sent after the bad configurations" "0 0" "$(received) $(wc -l < "$WORK/out")"

# ---- No key: refused unless --no-auth says the broker needs none ----
"$SALVO" --url "$URL" "$WORK/o5.csv" > "$WORK/out" 2> "$WORK/err"
check "no key: exit 2" 2 $?
check_true "no key: says how to give one" grep -q 'SALVO_API_KEY.*--api-key-file.*--header-env.*--no-auth' "$WORK/err"
SALVO_API_KEY='' "$SALVO" --url "$URL" "$WORK/o5.csv" > /dev/null 2>&1
check "an empty SALVO_API_KEY is no key: exit 2" 2 $?
check "nothing sent without a key" 0 "$(received)"
"$SALVO" --url "$URL" --no-auth "$WORK/o5.csv" > "$WORK/out" 2>/dev/null
check "--no-auth: sent" "0 5" "$? $(received)"
printf 'k\n' > "$WORK/key"
"$SALVO" --url "$URL" --no-auth --api-key-file "$WORK/key" "$WORK/o5.csv" > /dev/null 2> "$WORK/err"
check "--no-auth with --api-key-file: exit 2" 2 $?

# ---- Key files ----
head -c 5000 /dev/zero | tr '\0' k > "$WORK/bigkey"
"$SALVO" --url "$URL" --api-key-file "$WORK/bigkey" "$WORK/o5.csv" > /dev/null 2> "$WORK/err"
check "a key file over 4,095 bytes: exit 2" 2 $?
check_true "a key file over 4,095 bytes: says so" grep -q -- "--api-key-file $WORK/bigkey: .*4095 bytes" "$WORK/err"
printf '\nkey\n' > "$WORK/blankkey"
"$SALVO" --url "$URL" --api-key-file "$WORK/blankkey" "$WORK/o5.csv" > /dev/null 2> "$WORK/err"
check "a blank first line: exit 2" 2 $?
check_true "a blank first line: says so" grep -q "the first line is blank" "$WORK/err"
"$SALVO" --url "$URL" --api-key-file "$WORK" "$WORK/o5.csv" > /dev/null 2> "$WORK/err"
check "a directory as key file: exit 2" 2 $?
check_true "a directory as key file: says so" grep -q "is a directory" "$WORK/err"
check "nothing sent with a bad key file" 5 "$(received)"
stop_mock
SALVO_MOCK_API_KEY=b0m-key start_mock
printf '\xef\xbb\xbfb0m-key\r\n' > "$WORK/bomkey"
"$SALVO" --url "$URL" --api-key-file "$WORK/bomkey" "$WORK/o5.csv" > /dev/null 2>&1
check "a key file with a BOM and CRLF: authorised" "0 5" "$? $(stat_of accepted -H 'Authorization: Bearer b0m-key')"
stop_mock

# ---- Secret header names: refused in argv, new patterns included ----
for h in "X-API-KEY: a" "api-key: a" "CB-ACCESS-SIGN: a" "kc-api-passphrase: a" "OK-ACCESS-KEY: a" "X-BAPI-API-KEY: a" "ACCESS-TOKEN: a"; do
    "$SALVO" --url "http://127.0.0.1:9/orders" --no-auth -H "$h" "$WORK/o5.csv" > /dev/null 2> "$WORK/err"
    check "-H '$h' refused" 2 $?
done
"$SALVO" --url "http://127.0.0.1:9/orders" --no-auth --idempotency-header "$(printf 'X%.0s' $(seq 65))" "$WORK/o5.csv" > /dev/null 2>&1
check "--idempotency-header over 64 characters: exit 2" 2 $?
"$SALVO" --url "http://127.0.0.1:9/orders" --no-auth --idempotency-header "Idem(Key)" "$WORK/o5.csv" > /dev/null 2>&1
check "--idempotency-header not a token: exit 2" 2 $?

# ---- HTTP/2 over TLS: the trace holds no secret, whatever the kind of line ----
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$WORK/key.pem" -out "$WORK/cert.pem" -days 1 -subj /CN=localhost >/dev/null 2>&1
KEY=tr4ce-K3Y-$RANDOM
SECRET=apca-S3CR3T-$RANDOM
SALVO_MOCK_API_KEY=$KEY start_mock --tls-cert "$WORK/cert.pem" --tls-key "$WORK/key.pem"
SALVO_API_KEY=$KEY APCA_SECRET=$SECRET "$SALVO" --url "https://127.0.0.1:$PORT/orders" --http2 --insecure \
    --header-env APCA-API-SECRET-KEY=APCA_SECRET --trace "$WORK/trace" "$WORK/o5.csv" > "$WORK/out" 2>/dev/null
check "h2: all accepted" "0 5" "$? $(curl -sk "https://127.0.0.1:$PORT/stats" -H "Authorization: Bearer $KEY" | jq .accepted)"
check_true "h2: the trace is HTTP/2" grep -qi 'HTTP/2' "$WORK/trace"
check "h2: the API key is nowhere in the trace" 0 "$(grep -c -- "$KEY" "$WORK/trace")"
check "h2: the --header-env value is nowhere in the trace" 0 "$(grep -c -- "$SECRET" "$WORK/trace")"
check_true "h2: the authorization header name is shown" grep -qi 'authorization: \*\*\*' "$WORK/trace"
check_true "h2: the APCA header name is shown" grep -qi 'apca-api-secret-key: \*\*\*' "$WORK/trace"
check_true "h2: libcurl's HTTP/2 header lines are there, redacted" \
    grep -Eqi '(h2h3|\[HTTP/2\] \[[0-9]+\]) \[authorization: \*\*\*\]' "$WORK/trace"
check_true "--help names --no-auth" bash -c "'$SALVO' --help | grep -q -- '--no-auth '"
stop_mock

# ---- A broker that echoes the request: no held secret, in any form salvo
# writes it (raw, %XX with %20 or +, JSON-escaped), leaves the process ----
: "${FAULT_SERVER:?}"
start_fault() { # MODE: sets FURL
    STARTS=$((STARTS + 1)) # a new name each time: see start_mock
    local pf="$WORK/fport.$STARTS"
    "$FAULT_SERVER" "$1" "$pf" "$WORK/flog.$STARTS" &
    MOCK_PIDS+=($!)
    FPID=$!
    wait_for 5 test -s "$pf" || { echo "FAIL: fault server did not start"; exit 1; }
    FURL="http://127.0.0.1:$(cat "$pf")/orders"
}
stop_fault() { kill "$FPID" 2>/dev/null; wait "$FPID" 2>/dev/null; }
# Each secret holds a marker (letters and digits: the same in every
# encoding) and the characters encodings change: / + = space and a quote.
MK=$RANDOM$RANDOM
ECHO_KEY="KEYmark$MK/K+E=Y x\"q"
ECHO_PASS="PPmark$MK pa/ss+="
ECHO_SECRET="SECmark$MK"
BEARER_KEY="BRmark$MK/K+E=Y"
HDR_SECRET="HEmark$MK/h+e="
pct() { jq -rn --arg s "$1" '$s | @uri'; }      # %20 for a space, %XX in upper case
pct_plus() { pct "$1" | sed 's/%20/+/g'; }      # a form's + for a space
json_esc() { jq -n --arg s "$1" '$s' | sed 's/^"//; s/"$//'; }
FORMS=()
for s in "$ECHO_KEY" "$ECHO_PASS" "$ECHO_SECRET" "$BEARER_KEY" "$HDR_SECRET"; do
    FORMS+=("$s" "$(pct "$s")" "$(pct_plus "$s")" "$(json_esc "$s")")
done
FORMS+=("mark$MK")
leaks_in() { # leaks_in FILE...: the forms of the secrets found in them, one a line
    local f s
    for f in "$@"; do
        for s in "${FORMS[@]}"; do
            grep -qF -- "$s" "$f" && echo "$f: $s"
        done
    done
    return 0
}
cat > "$WORK/echo.json" <<'JSON'
{
  "name": "echo-query",
  "url": "http://127.0.0.1:9/orders",
  "encoding": "query",
  "body": {"symbol": "{{symbol}}", "side": "{{side}}", "quantity": "{{quantity}}", "price": "{{price}}",
           "newClientOrderId": "{{client_order_id}}"},
  "headers": ["X-MBX-APIKEY: {{key}}", "X-Pass: {{passphrase}}"],
  "secrets": {"key": "ECHO_KEY", "secret": "ECHO_SECRET", "passphrase": "ECHO_PASS"},
  "sign": {"params": {"apiKey": "{{key}}", "passphrase": "{{passphrase}}", "timestamp": "{{timestamp_ms}}"},
           "algo": "hmac-sha256", "secret_encoding": "raw", "string": "{{query}}{{body}}", "output": "hex",
           "param": "signature"},
  "result": {"error": ["/msg", "/code"]}
}
JSON
make_orders 3 > "$WORK/o3.csv"
start_fault echo401
ECHO_KEY=$ECHO_KEY ECHO_PASS=$ECHO_PASS ECHO_SECRET=$ECHO_SECRET "$SALVO" --broker "$WORK/echo.json" --url "$FURL" \
    --trace "$WORK/e.trace" --journal "$WORK/e.journal" --summary-json "$WORK/e.sum" "$WORK/o3.csv" \
    > "$WORK/e.out" 2> "$WORK/e.err"
check "echo, query-signed: exit 1 (rejected)" 1 $?
check "echo, query-signed: 3 rejected" 3 "$(jq -r 'select(.status == "rejected") | .seq' "$WORK/e.out" | wc -l)"
check_true "echo, query-signed: the echoed request is in the result" grep -q 'apiKey=\*\*\*' "$WORK/e.out"
check_true "echo, query-signed: the echoed header is in the result, blanked" grep -q 'X-MBX-APIKEY: \*\*\*' "$WORK/e.out"
check_true "echo, query-signed: the summary's error is blanked" grep -q 'apiKey=\*\*\*' "$WORK/e.sum"
check_true "echo, query-signed: the trace's query is blanked" grep -q '> POST /orders?.*apiKey=\*\*\*&passphrase=\*\*\*&' "$WORK/e.trace"
"$SALVO" report --html "$WORK/e.html" "$WORK/e.out" > "$WORK/e.report" 2>&1
check "echo, query-signed: salvo report: exit 0" 0 $?
check_true "echo, query-signed: the report shows the error, blanked" grep -q 'apiKey=\*\*\*' "$WORK/e.report"
check "echo, query-signed: no secret in any form in stdout, stderr, trace, journal, summary, report" "" \
    "$(leaks_in "$WORK/e.out" "$WORK/e.err" "$WORK/e.trace" "$WORK/e.journal" "$WORK/e.sum" "$WORK/e.report" "$WORK/e.html")"

# the API key and a --header-env value, echoed as headers
SALVO_API_KEY=$BEARER_KEY HDR=$HDR_SECRET "$SALVO" --url "$FURL" --header-env X-Desk-Token=HDR \
    --trace "$WORK/b.trace" --journal "$WORK/b.journal" --summary-json "$WORK/b.sum" "$WORK/o3.csv" \
    > "$WORK/b.out" 2> "$WORK/b.err"
check "echo, bearer: exit 1 (rejected)" 1 $?
check_true "echo, bearer: the echoed Authorization is blanked" grep -q 'Authorization: \*\*\*' "$WORK/b.out"
check_true "echo, bearer: the echoed --header-env header is blanked" grep -q 'X-Desk-Token: \*\*\*' "$WORK/b.out"
"$SALVO" report --html "$WORK/b.html" "$WORK/b.out" > "$WORK/b.report" 2>&1
check "echo, bearer: no secret in any form in stdout, stderr, trace, journal, summary, report" "" \
    "$(leaks_in "$WORK/b.out" "$WORK/b.err" "$WORK/b.trace" "$WORK/b.journal" "$WORK/b.sum" "$WORK/b.report" "$WORK/b.html")"
# ---- A line break in a profile's header or in a secret: refused when the
# profile is loaded (exit 2, naming it), not found order by order at send ----
jq '.headers += ["X-Desk: a\r\nX-Evil: 1"]' "$WORK/echo.json" > "$WORK/crlf.json"
sent_before=$(wc -l < "$WORK/flog.$STARTS")
for mode in --check-profile --dry-run ""; do
    ECHO_KEY=key-$MK ECHO_PASS=pass-$MK ECHO_SECRET=sec-$MK "$SALVO" --broker "$WORK/crlf.json" --url "$FURL" $mode "$WORK/o3.csv" \
        > /dev/null 2> "$WORK/err"
    check "a header with CR/LF in the profile, ${mode:-a run}: exit 2" 2 $?
    check_true "a header with CR/LF in the profile, ${mode:-a run}: names it" grep -q 'X-Desk.*line break' "$WORK/err"
done
for var in ECHO_KEY ECHO_PASS; do
    for mode in --check-profile --dry-run ""; do
        env ECHO_KEY=key-$MK ECHO_PASS=pass-$MK ECHO_SECRET=sec-$MK "$var=v$MK"$'\r\nX-Evil: 1' "$SALVO" --broker "$WORK/echo.json" \
            --url "$FURL" $mode "$WORK/o3.csv" > "$WORK/out" 2> "$WORK/err"
        check "\$$var with CR/LF, ${mode:-a run}: exit 2" 2 $?
        check_true "\$$var with CR/LF, ${mode:-a run}: names the variable" grep -q "$var.*line break" "$WORK/err"
        check "\$$var with CR/LF, ${mode:-a run}: no result, the value not shown" "0 0" \
            "$(wc -l < "$WORK/out") $(grep -c "v$MK" "$WORK/err")"
    done
done
check "nothing sent with a line break in a header or a secret" "$sent_before" "$(wc -l < "$WORK/flog.$STARTS")"
stop_fault
finish
