#!/usr/bin/env bash
# The manuals and the bash completion: salvo --help and salvo(1) never
# disagree (every flag --help lists has an entry under OPTIONS, every entry
# there is a flag --help lists and the command takes, every flag in the
# command's option table is in --help); the same for salvo-mock. The pages
# render without a warning, cmake --install puts them and the completion
# where man and bash look, and the completion completes.
#
# A new flag needs only its --help line and its .TP entry in docs/man.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
: "${BUILD_DIR:?}" "${SOURCE_DIR:?}"

# The flags --help lists, as the completion reads them (one extractor).
# shellcheck source=/dev/null
. "$BUILD_DIR/completions/salvo"
help_flags() { _salvo_flags "$1" | tr ' ' '\n' | grep . | sort -u; }
# The flags of the .TP entries under OPTIONS (up to the next .SH).
man_flags() {
    awk '/^\.SH OPTIONS/ { on = 1; next } /^\.SH/ { on = 0 } on && tp { print } { tp = on && /^\.TP/ }' "$1" |
        sed 's/\\-/-/g' | grep -oE -- '(^|[ "])--?[A-Za-z0-9][a-z0-9-]*' | sed 's/^[ "]//' | sort -u
}
# The long options in the command's option table(s): getopt's struct option
# rows (salvo-mock, salvo report) or salvo's tool_flags.c rows (KIND("name", ...).
table_flags() {
    { grep -ohE '\{"[a-z0-9][a-z0-9-]*", [0-2], 0,' "$@"
      grep -ohE '^ *(BOOL|STRING|URL|UINT|DURATION|OWN)\("[a-z0-9][a-z0-9-]*"' "$@"; } |
        sed -E 's/^[^"]*"([^"]*)".*/--\1/' | sort -u
}

# The README's quick start as a new user pastes it: the set-up line apart
# (this is the build), build/ being this build tree, a free port for 8080,
# and not the last line against the real broker (it would send to Alpaca).
python3 - "$SOURCE_DIR/README.md" "$WORK" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
quick = text[text.index("## Quick start"):]
quick = quick[:quick.index("\n## ", 5)]
for i, block in enumerate(re.findall(r"```sh\n(.*?)```", quick, re.S)):
    open("%s/quick%d.sh" % (sys.argv[2], i + 1), "w").write(block)
PY
check_true "README: the quick start has its two blocks" test -s "$WORK/quick1.sh" -a -s "$WORK/quick2.sh"
qport=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$WORK/quick/build"
ln -s "$SOURCE_DIR/examples" "$WORK/quick/examples"
ln -s "$SALVO" "$WORK/quick/build/salvo"
ln -s "$SALVO_MOCK" "$WORK/quick/build/salvo-mock"
grep -v '^make ' "$WORK/quick1.sh" | sed "s/8080/$qport/g" > "$WORK/quick/q1.sh"
(cd "$WORK/quick" && timeout 60 bash -e q1.sh > q1.out 2> q1.err)
check "README quick start: runs" 0 $?
check "README quick start: every order accepted" 10 \
    "$(jq -s 'map(select(.status == "accepted")) | length' "$WORK/quick/results.ndjson")"
check "README quick start: jq shows them" 10 "$(grep -c '"status":"accepted"' "$WORK/quick/q1.out")"
sed -e 's/=\.\.\./=quick-start-test/g' -e '$d' "$WORK/quick2.sh" > "$WORK/quick/q2.sh"
check_true "README quick start: the real broker's run is the last line left out" \
    grep -q -- '--journal today.journal' <(tail -1 "$WORK/quick2.sh")
(cd "$WORK/quick" && timeout 60 bash -e q2.sh > q2.out 2> q2.err)
check "README quick start: --check-profile with the profile's variables set" 0 $?
# shellcheck disable=SC2016 # the $ is salvo's, in its words
check_true "README quick start: --check-profile says where the key comes from" \
    grep -qF 'its key comes from $ALPACA_API_KEY (set)' "$WORK/quick/q2.err"

for cmd in salvo salvo-mock; do
    bin=$SALVO
    srcs=()
    for f in "$SOURCE_DIR"/src/tool/*.c; do # salvo report's flags are its own (below)
        [ "$f" = "$SOURCE_DIR/src/tool/tool_report_main.c" ] || srcs+=("$f")
    done
    if [ "$cmd" = salvo-mock ]; then bin=$SALVO_MOCK; srcs=("$SOURCE_DIR"/mock/*.c); fi
    page=$BUILD_DIR/man/$cmd.1
    help_flags "$bin" > "$WORK/help.$cmd"
    man_flags "$page" > "$WORK/man.$cmd"
    table_flags "${srcs[@]}" > "$WORK/table.$cmd"
    check_true "$cmd: --help lists flags ($(wc -l < "$WORK/help.$cmd"))" test "$(wc -l < "$WORK/help.$cmd")" -gt 10
    check_true "$cmd: the option table is read ($(wc -l < "$WORK/table.$cmd"))" test "$(wc -l < "$WORK/table.$cmd")" -gt 10
    check "$cmd: in --help but not in $cmd(1) / in $cmd(1) but not in --help" "" \
        "$(diff "$WORK/help.$cmd" "$WORK/man.$cmd" | grep '^[<>]' | tr '\n' ' ')"
    check "$cmd: in the option table but not in --help" "" \
        "$(comm -23 "$WORK/table.$cmd" "$WORK/help.$cmd" | tr '\n' ' ')"
    unknown=""
    while read -r f; do # each flag of the page is one the command takes
        if timeout 10 "$bin" "$f" < /dev/null 2>&1 >/dev/null | grep -qiE 'unknown|unrecognized'; then
            unknown="$unknown $f"
        fi
    done < "$WORK/man.$cmd"
    check "$cmd: flags of $cmd(1) the command does not take" "" "$unknown"
    # Renders without a warning, by groff and by man.
    check "$cmd: groff -ww warnings" "" "$(groff -man -Tutf8 -ww -z "$page" 2>&1)"
    check "$cmd: man --warnings" "" "$(MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null)"
    check_true "$cmd: the page names its version" grep -q "$("$bin" --version | awk 'NR == 1 { print $2 }')" "$page"
done

# salvo report: its option table, its --help and salvo(1)'s REPORT section agree.
report_help=$(_salvo_flags "$SALVO" report | tr ' ' '\n' | grep . | sort -u | tr '\n' ' ')
check "salvo report: its option table is its --help" "$(table_flags "$SOURCE_DIR/src/tool/tool_report_main.c" | tr '\n' ' ')" \
    "${report_help/-h /}"
report_man=$(awk '/^\.SH REPORT/ { on = 1; next } /^\.SH/ { on = 0 } on && tp { print } { tp = on && /^\.TP/ }' \
    "$BUILD_DIR/man/salvo.1" | sed 's/\\-/-/g' | grep -oE -- '--[a-z0-9-]+' | sort -u | tr '\n' ' ')
report_help=${report_help/-h /}
check "salvo report: salvo(1) has each of its flags" "${report_help/--help /}" "$report_man"

# Installed where man and bash-completion look.
cmake --install "$BUILD_DIR" --prefix "$WORK/prefix" > "$WORK/install.log" 2>&1
check "cmake --install" 0 $?
for cmd in salvo salvo-mock; do
    check "$cmd(1) installed" "$WORK/prefix/share/man/man1/$cmd.1" "$(man -M "$WORK/prefix/share/man" -w "$cmd" 2>&1)"
    check_true "$cmd completion installed" test -s "$WORK/prefix/share/bash-completion/completions/$cmd"
done
# What the installed page and completion name is under the prefix given at
# install time, and there (they named the configured /usr/local before).
sed 's/\\-/-/g' "$WORK/prefix/share/man/man1/salvo.1" "$WORK/prefix/share/bash-completion/completions/salvo" |
    grep -oE '/[^ "(),;]*/share/[^ "(),;]*' | sed 's/[.]$//' | sort -u > "$WORK/named"
check_true "installed salvo(1) and completion name files ($(wc -l < "$WORK/named"))" test "$(wc -l < "$WORK/named")" -ge 4
check "installed salvo(1) and completion: every path named is under the prefix" "" \
    "$(grep -v "^$WORK/prefix/" "$WORK/named" | tr '\n' ' ')"
missing=""
while read -r f; do [ -e "$f" ] || missing="$missing $f"; done < "$WORK/named"
check "installed salvo(1) and completion: every path named was installed" "" "$missing"

# The installed completion, in a bash that has nothing else loaded.
mkdir -p "$WORK/cwd/examples/brokers"
touch "$WORK/cwd/examples/brokers/zeta-desk.json"
complete_words() { # complete_words WORD... : what <TAB> after the last word offers
    (cd "$WORK/cwd" && PATH="$(dirname "$SALVO"):$(dirname "$SALVO_MOCK"):$PATH" bash --norc --noprofile -c '
        . "$1"; shift
        COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
        complete -p "$1" > /dev/null || exit 1
        _salvo; [ ${#COMPREPLY[@]} -eq 0 ] || printf "%s\n" "${COMPREPLY[@]}"' _ "$WORK/prefix/share/bash-completion/completions/salvo" "$@" |
        sort | tr '\n' ' ')
}
check "complete salvo --ra" "--rate --rate-per " "$(complete_words salvo --ra)"
check "complete salvo rep" "report " "$(complete_words salvo rep)"
check "complete salvo report --" "--help --html --rate --window " "$(complete_words salvo report --)"
check "complete salvo --retry-" "--retry-ambiguous --retry-backoff --retry-max-backoff " "$(complete_words salvo --retry-)"
check "complete salvo -q" "-q " "$(complete_words salvo -q)"
check "complete salvo --forc (from --help: no list to keep)" "--force " "$(complete_words salvo --forc)"
check "complete salvo -o r --app" "--append " "$(complete_words salvo -o r --app)"
check "complete salvo --broker z (./examples/brokers)" "zeta-desk " "$(complete_words salvo --broker z)"
check "complete salvo --broker b (the installed profiles)" "binance binance-ed25519 bitget bybit " \
    "$(complete_words salvo --broker b)"
check "complete salvo --broker ./ (a file: readline's)" "" "$(complete_words salvo --broker ./)"
rm -r "$WORK/cwd/examples/brokers"; cp -r "$SOURCE_DIR/examples/brokers" "$WORK/cwd/examples/brokers"
check "complete salvo --broker okx (the bundled profiles)" "okx okx-demo " "$(complete_words salvo --broker okx)"
check "complete salvo --side" "BUY SELL " "$(complete_words salvo --side '')"
check "complete salvo --input-format" "csv jsonl " "$(complete_words salvo --url x --input-format '')"
check "complete salvo --rate (a value: no guess)" "" "$(complete_words salvo --rate '')"
check "complete salvo --rate-per (its columns)" "side= symbol+side= symbol= type= " "$(complete_words salvo --rate-per '')"
check "complete salvo --rate-per sy" "symbol+side= symbol= " "$(complete_words salvo --rate-per sy)"
check "complete salvo-mock --tls" "--tls-cert --tls-key " "$(complete_words salvo-mock --tls)"
finish
