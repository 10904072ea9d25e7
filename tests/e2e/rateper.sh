#!/usr/bin/env bash
# --rate-per (issue 23): the broker (salvo-mock --record, arrival times)
# never sees more than N orders of one symbol in any PERIOD, while the
# other symbols flow past a held one; every order has one result; and
# memory stays bounded however many distinct symbols the input has.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

# The most arrivals of one value (the record's fields, joined) in any
# trailing PERIOD: "VALUE COUNT", the busiest value first.
busiest_per() { # busiest_per RECORD PERIOD_S FIELD[,FIELD]
    python3 -c '
import sys, json, bisect, collections
period = float(sys.argv[2]); fields = sys.argv[3].split(",")
by = collections.defaultdict(list)
for l in open(sys.argv[1]):
    o = json.loads(l); by["+".join(o[f] for f in fields)].append(o["arrival_ns"] / 1e9)
best = max(((max(bisect.bisect_left(t, x + period) - i for i, x in enumerate(t)), k)
            for k, t in ((k, sorted(v)) for k, v in by.items())), default=(0, ""))
print(best[1], best[0])' "$@"
}

# 1. Three hot symbols, 20 orders each, among 120 cold ones, 5/1s each.
python3 -c '
print("symbol,price,quantity,side")
cold = 0
for i in range(180):
    if i % 3 == 0: print("HOT%d,10.5,1,BUY" % (i // 3 % 3))
    else: cold += 1; print("COLD%d,10.5,1,BUY" % cold)' > "$WORK/in.csv"
start_mock --record "$WORK/rec" --latency 20ms
"$SALVO" --url "$URL" --no-auth --rate-per symbol=5/1s --concurrency 16 "$WORK/in.csv" > "$WORK/out" 2> "$WORK/err"
check "exit 0" 0 "$?"
wait_for 5 test "$(wc -l < "$WORK/rec")" -ge 180
check "one result per order" 180 "$(wc -l < "$WORK/out")"
check "each order once" 180 "$(jq -r .client_order_id "$WORK/out" | sort -u | wc -l)"
check "all accepted" 180 "$(jq -r 'select(.status == "accepted")' "$WORK/out" | jq -s length)"
check "the broker saw each once" 180 "$(jq -r .client_order_id "$WORK/rec" | sort -u | wc -l)"
read -r value most <<<"$(busiest_per "$WORK/rec" 1.0 symbol)"
echo "busiest symbol in any 1 s: $value $most (limit 5)"
check_nonempty "busiest symbol" "$value"
check_true "no symbol over 5 in any second ($value: $most)" test "$most" -le 5
# the limit was reached (5 at once, unless a loaded machine spread them)
check_true "a hot symbol was held at its limit ($most in a second)" test "$most" -ge 3
# The cold symbols did not wait behind the hot ones: every one of them had
# arrived before any hot symbol's sixth order (which waits a second).
check_true "cold symbols flow past held ones" python3 -c '
import sys, json
rec = [json.loads(l) for l in open(sys.argv[1])]
cold = max(o["arrival_ns"] for o in rec if o["symbol"].startswith("COLD"))
hot = sorted(o["arrival_ns"] for o in rec if o["symbol"] == "HOT0")
sys.exit(0 if len(hot) == 20 and cold < hot[5] else 1)' "$WORK/rec"
# 20 of one symbol at 5/1s: at least three seconds waited, and the rest of
# the run no longer than that (the cold ones took no turn of their own)
wall=$(grep -o 'wall time [0-9.]*' "$WORK/err" | grep -o '[0-9.]*$')
check_true "held symbols wait their periods (wall ${wall}s)" python3 -c "import sys; sys.exit(0 if 3.0 <= $wall < 12 else 1)"

# 2. symbol+side: each side of a symbol is a value of its own.
python3 -c '
print("symbol,price,quantity,side")
for i in range(24): print("PAIR,10.5,1,%s" % ("BUY" if i % 2 else "SELL"))' > "$WORK/pair.csv"
: > "$WORK/rec"
"$SALVO" --url "$URL" --no-auth --rate-per symbol+side=4/1s "$WORK/pair.csv" > "$WORK/out" 2> "$WORK/err"
check "symbol+side: exit 0" 0 "$?"
wait_for 5 test "$(wc -l < "$WORK/rec")" -ge 24
check "symbol+side: one result per order" 24 "$(jq -r .client_order_id "$WORK/out" | sort -u | wc -l)"
read -r value most <<<"$(busiest_per "$WORK/rec" 1.0 symbol,side)"
check_true "no symbol+side over 4 in any second ($value: $most)" test "$most" -le 4
read -r value most <<<"$(busiest_per "$WORK/rec" 1.0 symbol)"
echo "busiest symbol+side in any 1 s: $most of the symbol (limit 4 a side)"
check_true "both sides go together: over 4 of the symbol in a second ($most)" test "$most" -gt 4

# 3. Memory: 40 000 orders over 40 000 distinct symbols against 40 000 over
# 40 (each order's content distinct in both, so that only the symbols
# differ). Kept windows are capped (4096 values at N 50, about 0.6 KB
# each), and an evicted one is reused: the peak resident size grows by the
# cap's worth at most (2.5 MB), not by a window per symbol (36 000 more
# windows would be over 20 MB more).
stop_mock
start_mock
orders() { # orders N_SYMBOLS: 40 000 orders, symbols of one length
    awk -v k="$1" 'BEGIN { print "symbol,price,quantity,side"; for (i = 0; i < 40000; i++) printf "S%06d,10.5,%d,BUY\n", i % k, i + 1 }'
}
orders 40000 > "$WORK/many.csv"
orders 40 > "$WORK/few.csv"
peak_kb() { # peak_kb INPUT: salvo's peak resident set, KB
    /usr/bin/time -f %M -o "$WORK/time" "$SALVO" --url "$URL" --no-auth --rate-per symbol=50/20ms --concurrency 64 \
        "$1" > "$WORK/out" 2> "$WORK/err" || echo "salvo exited $? on $1" >&2
    check "$(basename "$1"): one result per order" 40000 "$(wc -l < "$WORK/out")"
    tail -1 "$WORK/time"
}
few=$(peak_kb "$WORK/few.csv")
many=$(peak_kb "$WORK/many.csv")
echo "peak RSS: 40 symbols ${few} KB, 40000 symbols ${many} KB"
check_nonempty "peak RSS measured" "$few$many"
check_true "memory bounded with 40000 distinct symbols (+$((many - few)) KB)" test $((many - few)) -lt 8192

finish
