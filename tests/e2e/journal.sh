#!/usr/bin/env bash
# shellcheck disable=SC2119 # every start_mock here takes the mock's defaults
# The journal is the run's truth for --resume: it is tied to where its
# orders went, and a file that is not a journal is never taken for one
# (nor cut, nor written to).
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
export SALVO_API_KEY=
make_orders 20 > "$WORK/o20.csv"
start_mock

# ---- A file that is not a journal: refused, its bytes untouched ----
# refused_untouched NAME: --resume on $WORK/$NAME (made by the caller) exits
# 2 saying "is this a journal?", sends nothing, and leaves every byte.
refused_untouched() {
    local f="$WORK/$1"
    cp "$f" "$f.orig"
    curl -s -m 5 -X POST "$BASE/reset" > /dev/null
    "$SALVO" --url "$URL" --no-auth --journal "$f" --resume "$WORK/o20.csv" > "$WORK/out" 2> "$WORK/err"
    check "not a journal ($1): exit 2" 2 $?
    check_true "not a journal ($1): the copy to compare is not empty" test -s "$f.orig"
    check_true "not a journal ($1): its bytes are unchanged" cmp "$f" "$f.orig"
    check_true "not a journal ($1): says so" grep -q 'line 1 is not a salvo journal record (is this a journal?); nothing was sent' "$WORK/err"
    check "not a journal ($1): nothing sent" "0 0" "$(wc -l < "$WORK/out") $(stat_of received)"
}
printf '{"config":"precious"}' > "$WORK/one.json"        # one line, no newline: not a torn journal line
refused_untouched one.json
printf 'just some notes' > "$WORK/notes.txt"
refused_untouched notes.txt
printf '{"salvo_journal":1,"id_prefix":"s1"' > "$WORK/torn_header" # a header cut mid-write is no journal either
refused_untouched torn_header
printf '{"a":1}\n{"b":2' > "$WORK/two.json"
refused_untouched two.json

stop_mock

# ---- A journal is tied to where its orders went ----
# Broker A takes half the orders, then the run dies; a resume against
# broker B (or another profile, or without --sandbox) would skip, as done,
# orders B never had. It is refused, naming both; nothing goes to B.
start_mock
A_BASE=$BASE A_URL=$URL
start_mock
B_BASE=$BASE B_URL=$URL
head -11 "$WORK/o20.csv" > "$WORK/o10.csv"
"$SALVO" --url "$A_URL" --no-auth --journal "$WORK/j" "$WORK/o10.csv" > /dev/null 2>&1
check "destination: the first run's journal" 10 "$(grep -c '"status":"accepted"' "$WORK/j")"
cp "$WORK/j" "$WORK/j.orig"
"$SALVO" --url "$B_URL" --no-auth --journal "$WORK/j" --resume "$WORK/o20.csv" > "$WORK/out" 2> "$WORK/err"
check "another endpoint: exit 2" 2 $?
check "another endpoint: nothing sent to it" "0 0" "$(wc -l < "$WORK/out") $(BASE=$B_BASE stat_of received)"
check_true "another endpoint: the journal is unchanged" cmp "$WORK/j" "$WORK/j.orig"
check_true "another endpoint: names both" grep -qF "its orders went to $A_BASE (no profile), this run sends to $B_BASE (no profile)" "$WORK/err"
# the same origin however the URL is spelled: the resume finishes the run
"$SALVO" --url "${A_URL/127.0.0.1/127.0.0.1}?x=1" --no-auth --journal "$WORK/j" --resume "$WORK/o20.csv" > "$WORK/out" 2> "$WORK/err"
check "same endpoint: exit 0" 0 $?
check "same endpoint: 10 skipped, 10 sent" "10 10" \
    "$(jq -s '[.[] | select(.status == "skipped")] | length' "$WORK/out") $(jq -s '[.[] | select(.status == "accepted")] | length' "$WORK/out")"
check "same endpoint: the broker has each order once" 20 "$(BASE=$A_BASE stat_of received)"

# A profile, and its sandbox: the name and the flag count, even on one host.
prof() { # prof FILE NAME: a profile for the mock at B, url and sandbox_url alike
    printf '{"name":"%s","url":"%s","sandbox_url":"%s","body":{"symbol":"{{symbol}}","price":"{{price}}",
      "quantity":"{{quantity:number}}","side":"{{side}}","type":"{{type}}","client_order_id":"{{client_order_id}}"}}\n' \
        "$2" "$B_URL" "$B_URL" > "$1"
}
prof "$WORK/p1.json" mocky
prof "$WORK/p2.json" other
curl -s -m 5 -X POST "$B_BASE/reset" > /dev/null
"$SALVO" --broker "$WORK/p1.json" --sandbox --no-auth --journal "$WORK/jp" "$WORK/o10.csv" > /dev/null 2>&1
check "profile: the first run" 10 "$(BASE=$B_BASE stat_of received)"
"$SALVO" --broker "$WORK/p1.json" --no-auth --journal "$WORK/jp" --resume "$WORK/o20.csv" > "$WORK/out" 2> "$WORK/err"
check "without --sandbox: exit 2" 2 $?
check_true "without --sandbox: names both" \
    grep -qF "its orders went to $B_BASE (profile mocky, --sandbox), this run sends to $B_BASE (profile mocky)" "$WORK/err"
"$SALVO" --broker "$WORK/p2.json" --sandbox --no-auth --journal "$WORK/jp" --resume "$WORK/o20.csv" > "$WORK/out" 2> "$WORK/err"
check "another profile: exit 2" 2 $?
check_true "another profile: names both" \
    grep -qF "its orders went to $B_BASE (profile mocky, --sandbox), this run sends to $B_BASE (profile other, --sandbox)" "$WORK/err"
"$SALVO" --url "$B_URL" --no-auth --journal "$WORK/jp" --resume "$WORK/o20.csv" > "$WORK/out" 2> "$WORK/err"
check "no profile: exit 2" 2 $?
check "profile: nothing sent by the refused resumes" 10 "$(BASE=$B_BASE stat_of received)"
"$SALVO" --broker "$WORK/p1.json" --sandbox --no-auth --journal "$WORK/jp" --resume "$WORK/o20.csv" > "$WORK/out" 2> "$WORK/err"
check "the same profile and sandbox: exit 0, 10 more sent" "0 20" "$? $(BASE=$B_BASE stat_of received)"

# A journal from before salvo recorded the destination: refused unless the
# user says its orders went where this run sends (--resume-old-journal).
grep -v salvo_journal "$WORK/j.orig" > "$WORK/body"
printf '{"salvo_journal":1,"id_prefix":"%s","input":"o10.csv","started":"2026-01-01T00:00:00Z"}\n' \
    "$(head -1 "$WORK/j.orig" | jq -r .id_prefix)" > "$WORK/jold"
cat "$WORK/body" >> "$WORK/jold"
cp "$WORK/jold" "$WORK/jold.orig"
curl -s -m 5 -X POST "$B_BASE/reset" > /dev/null
"$SALVO" --url "$B_URL" --no-auth --journal "$WORK/jold" --resume "$WORK/o20.csv" > "$WORK/out" 2> "$WORK/err"
check "old journal: exit 2" 2 $?
check "old journal: nothing sent" 0 "$(BASE=$B_BASE stat_of received)"
check_true "old journal: unchanged" cmp "$WORK/jold" "$WORK/jold.orig"
check_true "old journal: says why and what to do" grep -qF 'does not say where its orders went' "$WORK/err"
check_true "old journal: names the flag" grep -qF -- '--resume-old-journal' "$WORK/err"
"$SALVO" --url "$A_URL" --no-auth --journal "$WORK/jold" --resume --resume-old-journal "$WORK/o20.csv" > "$WORK/out" 2> "$WORK/err"
check "old journal, --resume-old-journal: exit 0, 10 skipped" "0 10" \
    "$? $(jq -s '[.[] | select(.status == "skipped")] | length' "$WORK/out")"
check "old journal, taken up: its new header names the destination" "$A_BASE" "$(grep salvo_journal "$WORK/jold" | tail -1 | jq -r .endpoint)"
"$SALVO" --url "$B_URL" --no-auth --journal "$WORK/jold" --resume "$WORK/o20.csv" > "$WORK/out" 2> "$WORK/err"
check "old journal, taken up: then tied to it" 2 $?
# the override is for old journals only: it does not send a marked one elsewhere
"$SALVO" --url "$B_URL" --no-auth --journal "$WORK/j" --resume --resume-old-journal "$WORK/o20.csv" > "$WORK/out" 2> "$WORK/err"
check "--resume-old-journal on a marked journal elsewhere: exit 2" 2 $?
check "nothing sent to B by any refused resume" 0 "$(BASE=$B_BASE stat_of received)"

# ---- --resume onto the same -o: the first run's lines are kept, the
# resume's added after them (issue 22); --force still overwrites. (A new
# --id-prefix: broker A already holds o20's orders under the default one.) ----
"$SALVO" --url "$A_URL" --no-auth --id-prefix r22 --journal "$WORK/jr" -o "$WORK/r.ndjson" "$WORK/o10.csv" 2> /dev/null
check "-o, first run: exit 0, 10 lines" "0 10" "$? $(wc -l < "$WORK/r.ndjson")"
cp "$WORK/r.ndjson" "$WORK/r.first"
"$SALVO" --url "$A_URL" --no-auth --id-prefix r22 --journal "$WORK/jr" --resume -o "$WORK/r.ndjson" "$WORK/o20.csv" 2> "$WORK/err"
check "--resume onto the same -o: exit 0" 0 $?
check_true "--resume onto the same -o: the first run's lines kept as they were" \
    cmp "$WORK/r.first" <(head -10 "$WORK/r.ndjson")
check "--resume onto the same -o: 10 skipped, 10 accepted after them, two runs" "10 skipped 10 accepted 2" \
    "$(tail -n +11 "$WORK/r.ndjson" | jq -rs 'group_by(.status) | map("\(length) \(.[0].status)") | sort | reverse | join(" ")') \
$(jq -rs 'map(.run) | unique | length' "$WORK/r.ndjson")"
check_true "--resume onto the same -o: says so" grep -qF -- "-o $WORK/r.ndjson: --resume adds" "$WORK/err"
"$SALVO" --url "$A_URL" --no-auth --id-prefix r22 --journal "$WORK/jr" --resume --force -o "$WORK/r.ndjson" "$WORK/o20.csv" 2> /dev/null
check "--resume --force: overwritten, 20 skipped" "0 20" "$? $(jq -s 'map(select(.status == "skipped")) | length' "$WORK/r.ndjson")"

# Secrets never reach the journal: a URL's user:password is no part of the origin.
"$SALVO" --url "http://user:pw-secret-9@${A_URL#http://}" --no-auth --journal "$WORK/ju" "$WORK/o10.csv" > /dev/null 2>&1
check "a URL's password is not in the journal" 0 "$(grep -c 'pw-secret-9' "$WORK/ju")"
check "its origin is" "$A_BASE" "$(head -1 "$WORK/ju" | jq -r .endpoint)"
finish
