#!/usr/bin/env bash
# salvo against a real nginx over TLS + HTTP/2 (issue 10 item 10), and over
# HTTP/1.1. nginx's `return` answers an order from its HEADERS alone and then
# resets the stream with NO_ERROR (RFC 9113 8.1); keepalive_requests makes it
# send GOAWAY every N requests. Neither may cost an order, with many streams
# on a connection (salvo's default on libcurl 8, issue 20) at concurrency 64
# and 128. NGINX_H2_STREAMS=S runs with --h2-streams S instead of the default
# (on libcurl 7.88, S > 1 loses answers: this test fails).
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
ulimit -c 0
NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
[ -x "$NGINX" ] || { echo "FAIL: nginx not found (scripts/install-deps.sh installs it)"; exit 1; }
N=${NGINX_H2_ORDERS:-3000}
# The default streams per connection of the libcurl salvo runs on (salvo
# --version), or NGINX_H2_STREAMS.
STREAMS=$("$SALVO" --version | sed -n 's/^HTTP\/2: \([0-9]*\) streams\{0,1\} per connection.*/\1/p')
STREAM_FLAGS=()
if [ -n "${NGINX_H2_STREAMS:-}" ]; then
    STREAMS=$NGINX_H2_STREAMS
    STREAM_FLAGS=(--h2-streams "$STREAMS")
fi
echo "HTTP/2 streams per connection: $STREAMS ($("$SALVO" --version | sed -n 2p))"
check_true "salvo --version says the streams per connection" test -n "$STREAMS"

openssl req -x509 -newkey rsa:2048 -nodes -keyout "$WORK/key.pem" -out "$WORK/cert.pem" -days 1 -subj /CN=localhost >/dev/null 2>&1

# Two worker processes, as a broker's nginx would have: libcurl 7.88 lost
# answers on shared connections against two workers and not against one
# (their frames come in other orders). The workers run as this user (root:
# root), every path in $WORK.
# PORT: TLS + h2, default keepalive_requests (1000); PORT+1: plain HTTP/1.1;
# PORT+2: TLS + h2 with keepalive_requests 100, a GOAWAY every 100 orders.
write_conf() {
    mkdir -p "$WORK/nginx"
    cat > "$WORK/nginx/nginx.conf" <<EOF
daemon off;
worker_processes 2;
$([ "$(id -u)" -eq 0 ] && echo 'user root;')
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 1024; }
http {
    client_body_temp_path $WORK/nginx/body;
    proxy_temp_path $WORK/nginx/proxy;
    fastcgi_temp_path $WORK/nginx/fastcgi;
    uwsgi_temp_path $WORK/nginx/uwsgi;
    scgi_temp_path $WORK/nginx/scgi;
    log_format orders '\$server_port \$server_protocol \$request_method \$http_idempotency_key \$connection';
    access_log $WORK/nginx/access.log orders;
    ssl_certificate $WORK/cert.pem;
    ssl_certificate_key $WORK/key.pem;
    server {
        listen 127.0.0.1:$1 ssl http2;
        listen 127.0.0.1:$(($1 + 1));
        location /orders { return 200 '{"status":"accepted"}'; }
    }
    server {
        listen 127.0.0.1:$(($1 + 2)) ssl http2;
        keepalive_requests 100;
        location /orders { return 200 '{"status":"accepted"}'; }
    }
}
EOF
}

# Free loopback ports: try a few at random until nginx binds them.
start_nginx() {
    for _ in $(seq 20); do
        NPORT=$((20000 + RANDOM % 40000))
        write_conf "$NPORT"
        "$NGINX" -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -e "$WORK/nginx/error.log" 2>>"$WORK/nginx/start.err" &
        NGINX_PID=$!
        for _ in $(seq 50); do
            kill -0 "$NGINX_PID" 2>/dev/null || break
            curl -sk -o /dev/null "https://127.0.0.1:$((NPORT + 2))/" && return 0
            sleep 0.1
        done
        kill "$NGINX_PID" 2>/dev/null
        wait "$NGINX_PID" 2>/dev/null
    done
    echo "FAIL: nginx did not start:"; cat "$WORK/nginx/error.log" "$WORK/nginx/start.err"
    exit 1
}
stop_nginx() { kill "$NGINX_PID" 2>/dev/null; wait "$NGINX_PID" 2>/dev/null; }
trap 'stop_nginx; cleanup' EXIT

start_nginx
check "nginx speaks h2" "2 200" "$(curl -sk --http2 -o /dev/null -w '%{http_version} %{http_code}' -d x "https://127.0.0.1:$NPORT/orders")"
: > "$WORK/nginx/access.log"
: > "$WORK/nginx/error.log" # the port hunt's bind() errors

make_orders "$N" > "$WORK/orders.csv"

# run NAME PORT COUNT URL-SCHEME PROTOCOL CONCURRENCY SALVO-FLAGS...: every
# order one line, all accepted, and nginx processed each exactly once in the
# expected protocol.
run() {
    local name=$1 port=$2 n=$3 scheme=$4 proto=$5 conc=$6
    shift 6
    head -$((n + 1)) "$WORK/orders.csv" > "$WORK/in.csv"
    "$SALVO" --no-auth --url "$scheme://127.0.0.1:$port/orders" --concurrency "$conc" --id-prefix "$name" "$@" \
        "$WORK/in.csv" > "$WORK/$name.out" 2> "$WORK/$name.err"
    check "$name: exit" 0 $?
    check "$name: one line per order" "$n $n" "$(jq -s '[length, ([.[].seq] | unique | length)] | join(" ")' -r "$WORK/$name.out")"
    check "$name: no unknown" 0 "$(jq -s '[.[] | select(.status == "unknown")] | length' "$WORK/$name.out")"
    check "$name: all accepted" "$n" "$(jq -s '[.[] | select(.status == "accepted")] | length' "$WORK/$name.out")"
    # nginx logs each request it processed. Every order reached it; one it
    # processed twice must say so: libcurl resent it (transport_resent).
    awk -v p="$port" -v pr="$proto" -v id="$name-" '$1 == p && $2 == pr && index($4, id) == 1 { print $4 }' \
        "$WORK/nginx/access.log" | sort > "$WORK/$name.seen"
    check "$name: nginx processed every order, over $proto" "$n" "$(uniq "$WORK/$name.seen" | wc -l)"
    jq -r 'select(.transport_resent == true) | .client_order_id' "$WORK/$name.out" | sort > "$WORK/$name.resent"
    check "$name: orders nginx processed twice are marked transport_resent" "" \
        "$(uniq -d "$WORK/$name.seen" | comm -23 - "$WORK/$name.resent" | tr '\n' ' ')"
    CONNS=$(awk -v p="$port" -v id="$name-" '$1 == p && index($4, id) == 1 { print $5 }' "$WORK/nginx/access.log" |
        sort -u | wc -l)
    echo "$name: $(wc -l < "$WORK/$name.seen") requests processed for $n orders on $CONNS connections," \
        "$(uniq -d "$WORK/$name.seen" | wc -l) twice, $(wc -l < "$WORK/$name.resent") marked transport_resent"
    local lost
    lost=$(jq -rs '[.[] | select(.status != "accepted") | .attempt_statuses[-1]] | group_by(.) | map("\(.[0]) x\(length)") | join(", ")' "$WORK/$name.out")
    [ -n "$lost" ] && echo "$name: not accepted: $lost"
}

# HTTP/2 with nginx's defaults: a GOAWAY every 1,000 orders, and a
# RST_STREAM(NO_ERROR) after nearly every answer.
run h2 "$NPORT" "$N" https HTTP/2.0 64 --http2 --insecure "${STREAM_FLAGS[@]}"
# A GOAWAY every 100 orders: the streams a connection had open past its
# 100th are refused, for libcurl to resend on another, with the same pooled
# easy handles. At 128 in flight more than one connection's 100 requests.
# nginx sends its GOAWAY before the 100th answer: with one stream per
# connection nothing is refused, so a refused stream proves streams shared
# a connection (given orders enough for connections to reach 100).
for c in 64 128; do
    run "h2ka100c$c" "$((NPORT + 2))" "$N" https HTTP/2.0 "$c" --http2 --insecure "${STREAM_FLAGS[@]}"
    if [ "$STREAMS" -gt 1 ] && [ "$N" -ge 2000 ]; then
        check_true "h2ka100c$c: streams shared connections (refused ones resent)" test -s "$WORK/h2ka100c$c.resent"
    fi
done
# HTTP/1.1: keepalive_requests ends each connection with Connection: close.
run h1 "$((NPORT + 1))" "$N" http HTTP/1.1 64

# --at: the open's 64 orders spread over the 64 warm connections (one stream
# each by default), not stacked on the first: libcurl fills the first
# connection it finds up to its streams. libcurl's trace says each time it
# puts a transfer on a connection already in use ("Multiplexed connection
# found"): 63 times with 100 streams a connection, never with one.
head -65 "$WORK/orders.csv" > "$WORK/at.csv"
"$SALVO" --no-auth --url "https://127.0.0.1:$NPORT/orders" --http2 --insecure --concurrency 64 --id-prefix h2at \
    --trace "$WORK/h2at.trace" --at "$(date -d '+2 sec' +%H:%M:%S.%N | cut -c1-12)" "$WORK/at.csv" \
    > "$WORK/h2at.out" 2> "$WORK/h2at.err"
check "h2at: exit" 0 $?
# (Each order's request line is in the trace; how many went on a warm
# connection depends on how many warm-ups were back by TIME on a busy machine.)
check_true "h2at: libcurl traced the open's 64 orders" test "$(grep -c '> POST /orders HTTP/2' "$WORK/h2at.trace")" -ge 64
check "h2at: no order of the open stacked on a warm connection in use" 0 \
    "$(grep -c 'Multiplexed connection found' "$WORK/h2at.trace")"

grep -E '\[(alert|crit|emerg)\]' "$WORK/nginx/error.log" && FAILED=$((FAILED + 1))
finish
