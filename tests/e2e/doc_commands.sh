#!/usr/bin/env bash
# Every salvo and salvo-mock command the README and the man pages show
# runs, as written, against salvo-mock: a flag renamed, a file moved or an
# example that cannot work fails here, not in a reader's terminal. What a
# test machine cannot do as written is changed in the open, by rules
# below: a broker's URL is salvo-mock's, --at is two seconds from now, a
# real broker (--broker NAME without --check-profile) gets --dry-run and
# stand-in secrets, a mock that would run until killed is killed once it
# listens. Each command must exit 0 and print no usage error.
# shellcheck disable=SC2119 # start_mock takes flags; these mocks need none
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
: "${SOURCE_DIR:?}"

python3 - "$SOURCE_DIR/README.md" "$SOURCE_DIR/docs/man/salvo.1.in" "$SOURCE_DIR/docs/man/salvo-mock.1.in" \
    > "$WORK/commands" <<'PY'
import re, sys
def groff(s):
    return s.replace('\\-', '-').replace('\\e', '\\').replace("\\(aq", "'").replace('\\(dq', '"')
def joined(block):  # a line continued with a backslash is one command
    out, cur = [], ''
    for l in block.split('\n'):
        if l.rstrip().endswith('\\'):
            cur += l.rstrip()[:-1] + ' '
            continue
        out.append(cur + l)
        cur = ''
    return out
cmds = []  # (where, block, line): a block's commands share a directory and a mock
for i, (lang, b) in enumerate(re.findall(r"```([a-z]*)\n(.*?)```", open(sys.argv[1]).read(), re.S)):
    if lang == '':  # each block says what it holds, so no command block escapes this test
        print('README.md\tuntagged\t' + b.split('\n')[0])
    if lang in ('sh', 'bash'):  # commands; not C, JSON, a file tree
        cmds += [('README.md', 'r%d' % i, l) for l in joined(b)]
for page in sys.argv[2:]:
    for i, b in enumerate(re.findall(r"^\.EX\n(.*?)^\.EE", open(page).read(), re.S | re.M)):
        name = page.split('/')[-1].replace('.in', '')  # a page's examples go on from each other
        cmds += [(name, name, l) for l in joined(groff(b))]
for src, block, l in cmds:
    s = re.sub(r'\s+#.*$', '', l).strip()
    s = re.sub(r'\s+', ' ', s)
    if re.search(r'(^|[\s(;])(exec )?(build/)?salvo(-mock)?\s', s) and not s.startswith('salvo:'):
        print(src + '\t' + block + '\t' + s)
PY
check "README.md: every code block names its language (\`\`\`sh, \`\`\`json, ...)" "" \
    "$(awk -F'\t' '$2 == "untagged" { print $3 }' "$WORK/commands")"
sed -i '/\tuntagged\t/d' "$WORK/commands"
check_true "commands found in README.md, salvo(1) and salvo-mock(1) ($(wc -l < "$WORK/commands"))" \
    test "$(cut -f1 "$WORK/commands" | sort -u | wc -l)" -eq 3

# The sandbox: the commands' programs on PATH, the files they name, a HOME
# with a key file, and every bundled profile's secret variables set. Each
# block starts from a copy of it, with a mock of its own.
base=$WORK/base
mkdir -p "$base/bin" "$base/build" "$WORK/home"
for p in salvo:"$SALVO" salvo-mock:"$SALVO_MOCK"; do
    ln -s "${p#*:}" "$base/bin/${p%%:*}"
    ln -s "${p#*:}" "$base/build/${p%%:*}"
done
ln -s "$SOURCE_DIR/examples" "$base/examples"
for f in orders.csv today.csv; do cp "$SOURCE_DIR/examples/orders.csv" "$base/$f"; done
echo doc-test-key > "$WORK/home/.broker-key"
touch "$WORK/home/cert.pfx"
# the bridges' logins, for the stand-in SDKs (tests/standin)
export FUBON_ID=A123456789 FUBON_PASSWORD=pw FUBON_CERT_PATH="$WORK/home/cert.pfx" FUBON_CERT_PASSWORD=cpw
for v in $(jq -r '.secrets // {} | .[]' "$SOURCE_DIR"/examples/brokers/*.json | sort -u); do export "$v=doc-test-$v"; done
export PATH="$base/bin:$PATH" HOME="$WORK/home" URL SALVO_API_KEY=doc-test-key day=2026-01-02
export PYTHONPATH="$SOURCE_DIR/tests/standin" PYTHONDONTWRITEBYTECODE=1 # the bridges' SDKs, stood in
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
fixed_port=$(free_port)

# results.ndjson: what the report examples read, from a run of the examples' orders
start_mock
"$SALVO" --url "$URL" --no-auth "$base/orders.csv" > "$base/results.ndjson" 2> "$WORK/seed.err"
check "a results file for the report examples" 10 "$(jq -s 'map(select(.status == "accepted")) | length' "$base/results.ndjson")"
# r1.ndjson and r2.ndjson: a run cut short and its --resume
head -4 "$base/results.ndjson" > "$base/r1.ndjson"
cp "$base/results.ndjson" "$base/r2.ndjson"

n=0
last=
while IFS=$'\t' read -r src block cmd; do
    n=$((n + 1))
    if [ "$block" != "$last" ]; then
        last=$block
        box=$WORK/$block
        cp -a "$base" "$box"
        stop_mock
        start_mock
    fi
    # shellcheck disable=SC2153 # BASE: start_mock sets it
    run=$(printf '%s' "$cmd" | sed -E \
        -e "s#https://broker(\\.example)?/api/orders#$URL#g" \
        -e "s#https://broker(\\.example)?/api/clock#$BASE/stats#g" \
        -e "s#127\\.0\\.0\\.1:8080#127.0.0.1:$fixed_port#g" \
        -e "s#--at [0-9:.]+#--at $(date -d '+2 sec' +%H:%M:%S.%3N)#" \
        -e 's#^exec ##')
    case "$run" in
    *--broker*--check-profile* | *--check-profile*--broker*) ;;
    *--broker*) run="$run --dry-run" ;;
    esac
    mock_bg=0 # the command is salvo-mock (not salvo --broker salvo-mock)
    case "${run%% *}" in
    *salvo-mock) case "$run" in *"&") mock_bg=1; run="${run%&}" ;; *) mock_bg=1 ;; esac ;;
    esac
    if [ "$mock_bg" = 1 ]; then # runs until killed: started, seen listening, stopped
        case "$run" in *--port-file*) ;; *) run="$run --port-file mock.port.$n" ;; esac
        case "$run" in *--listen*) ;; *) run="$run --listen 127.0.0.1:0" ;; esac
        (cd "$box" && rm -f port p "mock.port.$n" && exec bash -c "exec $run" > "$WORK/out.$n" 2> "$WORK/err.$n") &
        pid=$!
        MOCK_PIDS+=("$pid")
        wait_for 20 bash -c "cd '$box' && ls port p mock.port.$n 2>/dev/null | xargs -r cat | grep -q ." &&
            check "$src: $cmd: listens" "" ""
        continue
    fi
    (cd "$box" && timeout 60 bash -c "$run" > "$WORK/out.$n" 2> "$WORK/err.$n" < /dev/null)
    rc=$?
    check "$src: $cmd: exit status (stderr: $(head -c 300 "$WORK/err.$n" | tr '\n' ' '))" 0 "$rc"
done < "$WORK/commands"
finish
