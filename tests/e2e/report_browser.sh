#!/usr/bin/env bash
# salvo report --html in a real browser: headless Debian chromium loads the
# page from file://, and its DOM must hold the charts with the counts of
# the results; a screenshot is kept in $ARTIFACTS (the build tree). Then a
# 100,000-order report (synthetic results, made here) must be written and
# rendered within loose time and size limits. Exit 77 (skipped) only when
# chromium is not installed: scripts/install-deps.sh installs it.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
: "${ARTIFACTS:?}"
CHROMIUM=${CHROMIUM:-$(command -v chromium || true)}
if [ -z "$CHROMIUM" ]; then
    echo "SKIP: chromium is not installed (scripts/install-deps.sh installs it)"
    exit 77
fi
mkdir -p "$ARTIFACTS"

# chromium as this machine needs it: no sandbox (root), no GPU, nothing
# reaching out to the network, a fresh profile each time.
browse() { # browse ARGS... : chromium headless on a page; its stdout is ours
    local profile
    profile=$(mktemp -d "$WORK/chromium.XXXXXX")
    timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --user-data-dir="$profile" "$@" 2> "$WORK/chromium.err"
    local rc=$?
    rm -rf "$profile"
    return $rc
}
attr() { # attr FILE ELEMENT-ID NAME: an attribute of the element with that id
    grep -o "<[a-z]* [^>]*id=\"$2\"[^>]*>" "$1" | head -1 | grep -o " $3=\"[^\"]*\"" | cut -d'"' -f2
}
now() { date +%s.%N; }

# ---- a real run: every kind of outcome ----
start_mock --reject-rate 0.15 --error-rate 0.05 --latency 2ms --jitter 2ms --seed 5
{ make_orders 300; echo "BAD,abc,1,BUY"; } > "$WORK/o.csv"
"$SALVO" --no-auth --url "$URL" --rate 1000/s --retries 0 "$WORK/o.csv" > "$WORK/out" 2> "$WORK/err"
stop_mock
TZ=UTC "$SALVO" report --rate 1000/s --html "$WORK/r.html" "$WORK/out" > /dev/null
check "report --html: exit 0" 0 $?
browse --dump-dom "file://$WORK/r.html" > "$WORK/dom.html"
check "chromium renders the page (exit 0)" 0 $?
check_true "the DOM is the page, parsed" grep -q '<h1>salvo report: ' "$WORK/dom.html"
for id in latency-histogram-1 timeline-1 rate-1 not-accepted counts-1 call-broker notional by-symbol when; do
    check "the DOM has #$id" 1 "$(grep -c "id=\"$id\"" "$WORK/dom.html")"
done
total=$(wc -l < "$WORK/out")
sent=$(jq -s 'map(select(.attempts > 0)) | length' "$WORK/out")
not_acc=$(jq -s 'map(select(.status != "accepted" and .status != "duplicate")) | length' "$WORK/out")
sent_not_acc=$(jq -s 'map(select(.attempts > 0 and .status != "accepted" and .status != "duplicate")) | length' "$WORK/out")
check "timeline: every order counted" "$total" "$(attr "$WORK/dom.html" timeline-1 data-orders)"
check "timeline: every sent order" "$sent" "$(attr "$WORK/dom.html" timeline-1 data-sent)"
check "timeline: the orders not accepted" "$sent_not_acc" "$(attr "$WORK/dom.html" timeline-1 data-non-accepted)"
for st in accepted rejected unknown; do
    check "timeline: the $st dots count the $st orders" \
        "$(jq -s --arg s "$st" 'map(select(.status == $s and .attempts > 0)) | length' "$WORK/out")" \
        "$(grep -o "<path class=\"pts st-$st\"[^>]*>" "$WORK/dom.html" | grep -o 'data-orders="[0-9]*"' | cut -d'"' -f2)"
done
check "histogram: its bars hold every sent order" "$sent" \
    "$(grep -o '<rect class="bar"[^>]*>' "$WORK/dom.html" | grep -o 'data-count="[0-9]*"' | cut -d'"' -f2 | awk '{ s += $1 } END { print s }')"
check "rate chart: the limit is drawn" "1000 1" \
    "$(attr "$WORK/dom.html" rate-1 data-limit) $(grep -c '<line class="limit"' "$WORK/dom.html")"
check "table: one row per order not accepted" "$not_acc $not_acc" \
    "$(attr "$WORK/dom.html" not-accepted data-rows) $(sed -n '/id="not-accepted"/,/<\/table>/p' "$WORK/dom.html" | grep -o '<tr data-status="[a-z_]*">' | wc -l)"
# The morning after, first on the page: when, whom to call, how much, what.
rows_of() { sed -n "/<table [^>]*id=\"$2\"/,/<\/table>/p" "$1" | grep -o '<tr data-[^>]*>'; }
check "first: the date and time of the first send (TZ=UTC)" \
    "Sent <b>$(jq -r 'select(.sent_at) | .sent_at' "$WORK/out" | sort | head -1 | sed -E 's/T/ /; s/([0-9]{3})[0-9]{3}Z/\1/')</b>" \
    "$(grep -o 'id="when"[^>]*>Sent <b>[^<]*</b>' "$WORK/dom.html" | sed 's/^[^>]*>//')"
check_true "the call-the-broker table comes before the charts and the other tables" \
    awk '/id="call-broker"/ { c = NR } /id="notional"|id="by-symbol"|id="not-accepted"|id="latency-histogram-1"/ && !f { f = NR } END { exit !(c && c < f) }' "$WORK/dom.html"
unknowns=$(jq -r 'select(.status == "unknown") | .client_order_id' "$WORK/out" | sort)
check_true "there are unknown orders to call the broker about" test -n "$unknowns"
check "call the broker: every unknown order, by client order id" "$unknowns" \
    "$(sed -n '/id="call-broker"/,/<\/table>/p' "$WORK/dom.html" | grep -o '<tr data-status="unknown"><td>[^<]*' | sed 's/.*<td>//' | sort)"
check "notional: accepted, price x quantity" \
    "$(jq -r 'select(.status == "accepted") | "\(.price) \(.quantity)"' "$WORK/out" | awk '{ s += $1 * $2 } END { printf "%.2f", s }' | sed -E ':a; s/^([0-9]+)([0-9]{3})/\1,\2/; ta')" \
    "$(rows_of "$WORK/dom.html" notional | grep 'data-status="accepted"' | grep -o 'data-notional="[^"]*"' | cut -d'"' -f2)"
pairs=$(jq -r '"\(.symbol)\t\(.side)"' "$WORK/out" | sort -u | wc -l)
check "by symbol and side: each pair counted, the first 200 shown" "$pairs $((pairs < 200 ? pairs : 200))" \
    "$(attr "$WORK/dom.html" by-symbol data-total) $(rows_of "$WORK/dom.html" by-symbol | wc -l)"
check "by symbol and side: S1 BUY's orders" "$(jq -r 'select(.symbol == "S1") | .status' "$WORK/out" | wc -l)" \
    "$(grep -o '<tr data-orders="[0-9]*"><td>S1</td><td>BUY</td>' "$WORK/dom.html" | cut -d'"' -f2)"
check "not accepted: sorted by status (unknown, rejected, failed, not_sent, skipped, invalid)" \
    "$(rows_of "$WORK/dom.html" not-accepted | grep -o 'data-status="[a-z_]*"' | uniq | cut -d'"' -f2 | tr '\n' ' ')" "unknown rejected invalid "
check "no cell says null; an absent HTTP status is a dash" "0 1" \
    "$(grep -c '<td>null</td>' "$WORK/dom.html") $(rows_of "$WORK/dom.html" not-accepted | grep -c 'invalid')"
check_true "the invalid row's HTTP cell is a dash" grep -q 'st-invalid"></i>invalid</td><td>—</td>' "$WORK/dom.html"
check "counts table: the total" "$total" "$(sed -n '/id="counts-1"/,/<\/table>/p' "$WORK/dom.html" | grep -o 'data-total="[0-9]*"' | head -1 | cut -d'"' -f2)"
check "no script ran or was asked for" 0 "$(grep -ci '<script' "$WORK/dom.html")"
# Layout, measured by chromium itself: a copy of the page with a probe
# script (the page has none) writes what overlaps into the DOM it dumps.
probe() { # probe PAGE OUT: the page with the probe, loaded; its DOM to OUT
    { cat "$1"; cat <<'JS'
<script>
(() => {
  const hit = (a, b) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
  const out = {labels: 0, overlaps: []};
  for (const svg of document.querySelectorAll('svg.latency-histogram')) {
    const labels = [...svg.querySelectorAll('text')].filter(t => /^p(50|99) /.test(t.textContent));
    out.labels += labels.length;
    labels.forEach((t, i) => {
      const tb = t.getBBox();
      for (const r of svg.querySelectorAll('rect.bar'))
        if (hit(tb, r.getBBox())) out.overlaps.push(svg.id + ': ' + t.textContent + ' on a bar');
      labels.slice(i + 1).forEach(u => { if (hit(tb, u.getBBox())) out.overlaps.push(svg.id + ': ' + t.textContent + ' on ' + u.textContent); });
      if (tb.x + tb.width > svg.viewBox.baseVal.width) out.overlaps.push(svg.id + ': ' + t.textContent + ' past the edge');
    });
  }
  out.empty = [...document.querySelectorAll('table')].filter(t => t.rows.length < 2).map(t => t.id || 'a table');
  document.body.setAttribute('data-probe', JSON.stringify(out));
})();
</script>
JS
    } > "$WORK/probe.html"
    browse --dump-dom "file://$WORK/probe.html" > "$2"
}
probed() { grep -o "data-probe=\"[^\"]*\"" "$1" | cut -d'"' -f2 | sed 's/&quot;/"/g' | jq -r "$2"; }
probe "$WORK/r.html" "$WORK/probe.dom"
check "histogram: the p50 and p99 labels are drawn" 2 "$(probed "$WORK/probe.dom" .labels)"
check "histogram: no label over a bar, another label or the edge" "" "$(probed "$WORK/probe.dom" '.overlaps[]')"
check "no table without rows" "" "$(probed "$WORK/probe.dom" '.empty[]')"
browse --window-size=1100,2200 --screenshot="$ARTIFACTS/report.png" "file://$WORK/r.html" > /dev/null
check_true "a screenshot is kept: $ARTIFACTS/report.png" test "$(stat -c %s "$ARTIFACTS/report.png" 2>/dev/null || echo 0)" -gt 20000

# ---- a run stopped by SIGTERM, then its --resume, given together: one
# final state per order, the ones the first run cut short marked ----
start_mock --latency 300ms --seed 7
make_orders 60 > "$WORK/o60.csv"
"$SALVO" --no-auth --url "$URL" --rate 40/s --concurrency 8 --journal "$WORK/j" --drain-timeout 100ms \
    "$WORK/o60.csv" > "$WORK/k1" 2> /dev/null &
pid=$!
wait_for 20 received_at_least 10
kill -TERM "$pid"
wait "$pid"
"$SALVO" --no-auth --url "$URL" --journal "$WORK/j" --resume --resend-unknown "$WORK/o60.csv" > "$WORK/k2" 2> /dev/null
check "the resume finishes the run (exit 0)" 0 $?
stop_mock
cut1=$(jq -r 'select(.status == "not_sent" or .status == "unknown") | .client_order_id' "$WORK/k1" | sort)
check_true "the first run was cut short ($(echo "$cut1" | wc -w) orders not sent or unknown)" test -n "$cut1"
"$SALVO" report --html "$WORK/k.html" "$WORK/k1" "$WORK/k2" > "$WORK/k.txt"
check "report of both: exit 0" 0 $?
browse --dump-dom "file://$WORK/k.html" > "$WORK/k.dom"
check "both: one final state per order" "60 2" "$(attr "$WORK/k.dom" totals data-orders) $(attr "$WORK/k.dom" totals data-runs)"
check "both: nothing left to call the broker about" 0 "$(attr "$WORK/k.dom" call-broker data-rows)"
check "both: every order accepted in the end (a resent unknown: duplicate), so no table of the others" \
    '<p id="not-accepted" data-rows="0">' "$(grep -o '<[a-z]* id="not-accepted"[^>]*>' "$WORK/k.dom")"
check "both: the orders the first run cut short are marked, by client order id" "$cut1" \
    "$(sed -n '/id="finished-later"/,/<\/table>/p' "$WORK/k.dom" | grep '<tr data-[^>]*data-earlier="\(not_sent\|unknown\)" data-cut="1"' | grep -o '^<tr[^>]*><td>[^<]*' | sed 's/.*<td>//' | sort)"
check_true "both: the text says so too" grep -q "^salvo report: one final state per order (by client_order_id, the later run winning): [0-9]* finished by a later run, $(echo "$cut1" | wc -w) of them cut short" "$WORK/k.txt"
browse --window-size=1100,1600 --screenshot="$ARTIFACTS/report-resume.png" "file://$WORK/k.html" > /dev/null
check_true "a screenshot is kept: $ARTIFACTS/report-resume.png" test -s "$ARTIFACTS/report-resume.png"

# ---- 100,000 orders: a 1 s stall, outliers, 2.5% not accepted ----
awk -v n=100000 'BEGIN {
    srand(42)
    for (i = 1; i <= n; i++) {
        t = (i - 1) / 10000.0; if (t >= 4) t += 1           # 10,000/s, a 1 s stall at 4 s
        us = int(t * 1000000); s = int(us / 1000000)
        ts = sprintf("2026-11-27T09:%02d:%02d.%06dZ", int(s / 60), s % 60, us % 1000000)
        lat = exp(log(2) + 0.5 * (rand() + rand() + rand() - 1.5)); if (i % 997 == 0) lat *= 40
        r = rand(); st = "accepted"; http = 200; tail = ",\"response\":{\"order_id\":\"B-" i "\"}"
        if (r < 0.015) { st = "rejected"; http = 422; tail = ",\"response\":{\"error\":\"<b>no</b> & \\\"buying\\\" power\"}" }
        else if (r < 0.020) { st = "unknown"; http = 500; tail = "" }
        else if (r < 0.025) { st = "failed"; http = "null"; tail = ",\"error\":\"Could not connect to server\"" }
        printf "{\"seq\":%d,\"line\":%d,\"run\":\"synth\",\"client_order_id\":\"s-%d\",\"symbol\":\"S%d\",\"side\":\"BUY\",\"quantity\":1,\"price\":\"%d.5\",\"status\":\"%s\",\"http_status\":%s,\"attempts\":1,\"latency_ms\":%.3f,\"sent_at\":\"%s\"%s}\n", i, i + 1, i, i, 100 + i % 50, st, http, lat, ts, tail
    }
}' > "$WORK/big.ndjson"
big_not_acc=$(grep -vc '"status":"accepted"' "$WORK/big.ndjson")
t0=$(now)
"$SALVO" report --rate 10000/s --html "$WORK/big.html" "$WORK/big.ndjson" > /dev/null
check "100k: report --html exit 0" 0 $?
t1=$(now)
browse --dump-dom "file://$WORK/big.html" > "$WORK/big.dom"
check "100k: chromium renders it (exit 0)" 0 $?
t2=$(now)
browse --window-size=1100,1800 --screenshot="$ARTIFACTS/report-100k.png" "file://$WORK/big.html" > /dev/null
size=$(stat -c %s "$WORK/big.html")
write_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
render_s=$(awk -v a="$t1" -v b="$t2" 'BEGIN { printf "%.2f", b - a }')
echo "100k orders: report --html ${write_s} s, page ${size} bytes, chromium load + DOM ${render_s} s"
# Loose: a Debug ASan build on a busy 2-core machine (measured ~1 s and ~1.5 s)
check_true "100k: the page is written in under 30 s (${write_s} s)" awk -v s="$write_s" 'BEGIN { exit !(s < 30) }'
check_true "100k: chromium renders it in under 60 s (${render_s} s)" awk -v s="$render_s" 'BEGIN { exit !(s < 60) }'
check_true "100k: the page is under 5 MB ($size bytes)" test "$size" -lt 5000000
check "100k: every order counted" 100000 "$(attr "$WORK/big.dom" timeline-1 data-orders)"
check "100k: every order not accepted counted" "$big_not_acc" "$(attr "$WORK/big.dom" timeline-1 data-non-accepted)"
marks=$(grep -o '<desc data-marks="[0-9]*"' "$WORK/big.dom" | cut -d'"' -f2)
check_true "100k: dots decimated ($marks for 100,000 orders)" test "${marks:-0}" -lt 60000
for st in rejected unknown failed; do # each drawn: a dot at least, outliers above the crowd
    check_true "100k: the $st orders have dots" test "$(grep -o "<path class=\"pts st-$st\"[^>]*>" "$WORK/big.dom" |
        grep -o 'data-marks="[0-9]*"' | cut -d'"' -f2)" -gt 0
done
probe "$WORK/big.html" "$WORK/big.probe"
check "100k: no histogram label over a bar, another label or the edge" "2 " \
    "$(probed "$WORK/big.probe" .labels) $(probed "$WORK/big.probe" '.overlaps[]')"
check "100k: the table shows 1,000 rows and counts the rest" "1000 $big_not_acc" \
    "$(attr "$WORK/big.dom" not-accepted data-rows) $(attr "$WORK/big.dom" not-accepted data-total)"
check_true "100k: a screenshot is kept" test -s "$ARTIFACTS/report-100k.png"
finish
