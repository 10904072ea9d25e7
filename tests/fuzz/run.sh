#!/usr/bin/env bash
# make fuzz: run each libFuzzer target for FUZZ_SECONDS on a temporary copy
# of its seed corpus (new inputs never land in the repo), at most FUZZ_JOBS
# at once. Prints executions and exec/s per target; on a crash, leak, UBSan
# report or broken invariant, prints the report, the reproducer's path and
# its bytes in hex, and exits 1.
# Usage: tests/fuzz/run.sh BUILD_DIR [target...]
set -uo pipefail
ulimit -c 0

build=${1:?usage: run.sh BUILD_DIR [target...]}
shift
seconds=${FUZZ_SECONDS:-60}
jobs=${FUZZ_JOBS:-2}
here=$(cd "$(dirname "$0")" && pwd)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(csv jsonl template classify journal args crypto report exec profile redact)

# Longest input per target: a few lines of orders, a template plus rows, one
# response body (salvo keeps at most 4096 bytes of it), a command line.
declare -A max_len=([csv]=4096 [jsonl]=4096 [template]=4096 [classify]=4200 [journal]=8192 [args]=1024 [crypto]=4096 [report]=8192 [exec]=4096 [profile]=8192 [redact]=4200)
# fuzz_args prints usage errors for nearly every input: close stdout and
# stderr (sanitizer reports still get through).
declare -A extra=([args]=-close_fd_mask=3)

# Not mktemp's default tmp.XXXXXX: a cleaner of /tmp/tmp.* on a shared
# machine once took the corpora away mid-run.
work=$(mktemp -d "${TMPDIR:-/tmp}/salvo-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
artifacts=$(cd "$build" && pwd)/fuzz-artifacts
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

run_one() {
    local t=$1
    local bin="$build/tests/fuzz/fuzz_$t"
    [ -x "$bin" ] || { echo "no $bin: build with SALVO_FUZZ=ON first" >"$work/$t.log"; echo 2 >"$work/$t.rc"; return; }
    rm -rf "${artifacts:?}/$t"
    mkdir -p "$work/$t" "$artifacts/$t"
    cp "$here/corpus/$t"/* "$work/$t/"
    # shellcheck disable=SC2086 # extra options are words
    "$bin" -max_total_time="$seconds" -max_len="${max_len[$t]}" -timeout=30 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$artifacts/$t/" ${extra[$t]:-} "$work/$t" >"$work/$t.log" 2>&1
    echo $? >"$work/$t.rc"
}

stat_of() { sed -n "s/^stat::$2: *//p" "$work/$1.log" | tail -1; }

report() {
    local t=$1 rc seeds units
    rc=$(cat "$work/$t.rc" 2>/dev/null) || rc="?"
    seeds=$(find "$here/corpus/$t" -type f | wc -l)
    units=$(find "$work/$t" -type f | wc -l)
    printf '%-14s %10s execs %8s exec/s  corpus %s -> %s  ' "fuzz_$t" "$(stat_of "$t" number_of_executed_units)" \
        "$(stat_of "$t" average_exec_per_sec)" "$seeds" "$units"
    if [ "$rc" = 0 ]; then
        echo ok
        return 0
    fi
    echo "FAILED (exit $rc)"
    [ "$rc" != "?" ] || echo "  no result: something removed $work during the run"
    sed -n '/ERROR: \|runtime error\|invariant failed\|no .*fuzz_/,/^SUMMARY/p' "$work/$t.log" | head -80
    local f
    for f in "$artifacts/$t"/*; do
        [ -f "$f" ] || continue
        echo "  reproducer: $f ($(wc -c <"$f") bytes); rerun: $build/tests/fuzz/fuzz_$t $f"
        od -An -tx1 -v "$f" | head -64 | sed 's/^/   /'
    done
    return 1
}

for t in "${targets[@]}"; do
    while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do
        wait -n
    done
    run_one "$t" &
done
wait

failed=0
for t in "${targets[@]}"; do
    report "$t" || failed=1
done
[ "$failed" -eq 0 ] || { echo "fuzz: a target failed; reproducers are under $artifacts"; exit 1; }
