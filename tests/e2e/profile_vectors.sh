#!/usr/bin/env bash
# The brokers' own published signature examples, reproduced through the
# bundled profiles in a dry run with --clock (a fixed signing clock), and
# --clock refused wherever a request would really go.
#   Binance: binance-spot-api-docs rest-api.md, "SIGNED Endpoint Examples
#     for POST /api/v3/order" (HMAC-SHA256 keys).
#   Kraken: docs.kraken.com/api/docs/guides/spot-rest-auth, "Examples".
# Secrets come from the environment, never argv.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
ulimit -c 0

BINANCE_KEY=vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A
BINANCE_SECRET=NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j
BINANCE_SIG=c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71
KRAKEN_SECRET=kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg==
KRAKEN_KEY="k$(head -c 24 /dev/urandom | base64 | tr -d '/+=\n')"
KRAKEN_SIG=4/dpxb3iT4tp/ZCVEwSnEsLxx0bqyhLpdfOpc6fn7OR8+UClSV5n9E6aSS8MPtnRfp32bAb0nmbRn6H8ndwLUQ==
export BINANCE_API_KEY=$BINANCE_KEY BINANCE_API_SECRET=$BINANCE_SECRET
export KRAKEN_API_KEY=$KRAKEN_KEY KRAKEN_API_SECRET=$KRAKEN_SECRET
no_secret() { # no_secret FILE: none of the keys or secrets above is in it
    local s
    for s in "$BINANCE_KEY" "$BINANCE_SECRET" "$KRAKEN_KEY" "$KRAKEN_SECRET"; do
        if grep -qF -- "$s" "$1"; then echo "  a secret is in $1"; return 1; fi
    done
}

# ---- Binance: the example's parameters, in its order (the bundled body
# adds newClientOrderId and newOrderRespType, which the example has not) ----
printf 'symbol,price,quantity,side,type\nLTCBTC,0.1,1,BUY,LIMIT\n' > "$WORK/binance.csv"
printf '%s' '{"symbol":"{{symbol}}","side":"{{side}}","type":"{{type}}","timeInForce":"GTC",' \
    '"quantity":"{{quantity}}","price":"{{price}}"}' > "$WORK/binance.json"
"$SALVO" --broker binance --dry-run --clock 1499827319559 --body-template "$WORK/binance.json" \
    "$WORK/binance.csv" > "$WORK/b.out" 2> "$WORK/b.err"
check "binance --clock dry run: exit 0" 0 $?
check "binance: the body Binance's example sends, its signature last" \
    "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559&signature=$BINANCE_SIG" \
    "$(jq -r .request.body "$WORK/b.out")"
check "binance: the signature shown" "$BINANCE_SIG" "$(jq -r .request.signature "$WORK/b.out")"
check "binance: the key still ***" "X-MBX-APIKEY: ***" "$(jq -r '.request.headers[0]' "$WORK/b.out")"
check_true "binance: no secret in stdout or stderr" no_secret "$WORK/b.out"
check_true "binance: no secret in stderr" no_secret "$WORK/b.err"

# without --clock the dry run signs at the real time and shows no signature
"$SALVO" --broker binance --dry-run --body-template "$WORK/binance.json" "$WORK/binance.csv" > "$WORK/b2.out" 2>/dev/null
check "binance, no --clock: the signature parameter is ***" "signature=%2A%2A%2A" \
    "$(jq -r '.request.body | split("&") | last' "$WORK/b2.out")"
check "binance, no --clock: no signature field" null "$(jq -r .request.signature "$WORK/b2.out")"

# ---- Kraken: its example's order; the profile puts the nonce first ----
printf 'symbol,price,quantity,side,type\nXBTUSD,37500,1.25,BUY,LIMIT\n' > "$WORK/kraken.csv"
printf '%s' '{"ordertype":"{{type_lower}}","pair":"{{symbol}}","price":"{{price}}","type":"{{side_lower}}",' \
    '"volume":"{{quantity}}"}' > "$WORK/kraken.json"
"$SALVO" --broker kraken --dry-run --clock 1616492376594 --body-template "$WORK/kraken.json" \
    "$WORK/kraken.csv" > "$WORK/k.out" 2> "$WORK/k.err"
check "kraken --clock dry run: exit 0" 0 $?
check "kraken: the example's POST data, nonce first" \
    "nonce=1616492376594&ordertype=limit&pair=XBTUSD&price=37500&type=buy&volume=1.25" \
    "$(jq -r .request.body "$WORK/k.out")"
check "kraken: the example's API-Sign" "$KRAKEN_SIG" "$(jq -r .request.signature "$WORK/k.out")"
check "kraken: the key still ***" "API-Key: ***" "$(jq -r '.request.headers[0]' "$WORK/k.out")"
check_true "kraken: no secret in stdout" no_secret "$WORK/k.out"
check_true "kraken: no secret in stderr" no_secret "$WORK/k.err"
# --check-profile is a dry run too
"$SALVO" --broker kraken --check-profile --clock 1616492376594 --body-template "$WORK/kraken.json" \
    "$WORK/kraken.csv" > "$WORK/kc.out" 2> "$WORK/kc.err"
check "kraken --check-profile --clock: exit 0" 0 $?
check_true "kraken --check-profile --clock: the example's API-Sign" grep -qF -- "$KRAKEN_SIG" "$WORK/kc.out"

# ---- A JWT names the key in its claims: on a fixed clock it stays *** ----
COINBASE_API_KEY="organizations/o1/apiKeys/k$(head -c 12 /dev/urandom | base64 | tr -d '/+=\n')"
COINBASE_API_SECRET=$(openssl ecparam -name prime256v1 -genkey -noout 2>/dev/null)
export COINBASE_API_KEY COINBASE_API_SECRET
"$SALVO" --broker coinbase --dry-run --clock 1700000000000 "$WORK/binance.csv" > "$WORK/c.out" 2> /dev/null
check "coinbase --clock dry run: exit 0" 0 $?
check "coinbase: the JWT stays ***" "Authorization: ***" \
    "$(jq -r '.request.headers[] | select(startswith("Authorization"))' "$WORK/c.out")"
check "coinbase: no signature field" null "$(jq -r .request.signature "$WORK/c.out")"
not_in() { ! grep -qF -- "$1" "$2"; }
check_true "coinbase: the key's name is not in stdout" not_in "$COINBASE_API_KEY" "$WORK/c.out"

# ---- --clock where a request would go: refused, nothing sent ----
# shellcheck disable=SC2119 # start_mock takes optional mock flags; none here
start_mock
"$SALVO" --broker binance --url "$URL" --clock 1499827319559 "$WORK/binance.csv" > "$WORK/r.out" 2> "$WORK/r.err"
check "--clock on a real send: exit 2" 2 $?
check_true "--clock on a real send: says it is for --dry-run" grep -q -- "--clock.*--dry-run" "$WORK/r.err"
"$SALVO" --url "$URL" --no-auth --dry-run --clock 1499827319559 "$WORK/binance.csv" > "$WORK/r.out" 2> "$WORK/r.err"
check "--clock without --broker: exit 2" 2 $?
check_true "--clock without --broker: says so" grep -q -- "--clock.*--broker" "$WORK/r.err"
for bad in abc 0 -5 1.5 99999999999999999999; do
    "$SALVO" --broker binance --dry-run --clock "$bad" "$WORK/binance.csv" > "$WORK/r.out" 2> "$WORK/r.err"
    check "--clock $bad: exit 2" 2 $?
done
check "nothing sent" 0 "$(stat_of received)"

finish
