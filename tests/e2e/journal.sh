#!/usr/bin/env bash
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
finish
