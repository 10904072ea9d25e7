#!/bin/sh
# Compare a built libsalvo.so's ABI with the recorded one (abi/libsalvo.abi),
# as far as the public headers reach (libabigail: Debian's abigail-tools).
# Usage: scripts/abi-check.sh BUILD_DIR
#   exit 0: the same ABI, or only new functions (shown; recorded at the next
#           version bump, scripts/abi-update.sh)
#   exit 1: any other change: a field moved or a type resized, a function
#           removed or changed. A field appended to salvo_config_t or
#           salvo_result_t is one too (libabigail 2.2's suppressions cannot
#           tell an append from a move: a suppress_type naming the struct
#           hides both), though callers survive it (salvo/engine.h): read
#           the report, and if it is only that append, record it with
#           scripts/abi-update.sh in the same commit.
#   exit 77: no abidiff (or a library without debug info), outside CI
#           (SALVO_CI set: that is a failure)
# ABI_BASELINE=FILE compares with another baseline (tests/e2e/abi.sh).
set -u
build=${1:?usage: scripts/abi-check.sh BUILD_DIR}
root=$(cd "$(dirname "$0")/.." && pwd)
baseline=${ABI_BASELINE:-$root/abi/libsalvo.abi}
lib=$build/libsalvo.so

skip() {
    if [ -n "${SALVO_CI:-}" ]; then
        echo "abi-check: FAIL: $1 (CI must check the ABI)" >&2
        exit 1
    fi
    echo "abi-check: SKIP: $1" >&2
    exit 77
}
command -v abidiff >/dev/null 2>&1 || skip "abidiff not found (apt-get install abigail-tools)"
[ -e "$lib" ] || { echo "abi-check: no $lib" >&2; exit 1; }
# without DWARF abidiff sees symbols only, not the types (a Release build)
readelf -S "$lib" | grep -q '\.debug_info' || skip "$lib has no debug info (build with -g: Debug or RelWithDebInfo)"

# Any change left after the suppressions breaks a caller built against the
# baseline (abidiff says 4 for a changed type, 8 for a removed function);
# an added function does not (--no-added-syms), and is shown below.
diff_abi() {
    abidiff "$@" \
        --headers-dir2 "$root/include/salvo" --headers-dir2 "$build/include/salvo" "$baseline" "$lib"
}
diff_abi --no-added-syms > "$build/abidiff.txt" 2>&1
rc=$?
if [ $((rc & 3)) -ne 0 ]; then
    echo "abi-check: abidiff could not compare (exit $rc):" >&2
    cat "$build/abidiff.txt" >&2
    exit 1
fi
if [ $((rc & 12)) -ne 0 ]; then
    echo "abi-check: FAIL: libsalvo.so's ABI breaks callers built against $(basename "$baseline"):" >&2
    cat "$build/abidiff.txt" >&2
    echo "abi-check: undo the change, or (deliberately) bump the SONAME and record the new ABI: scripts/abi-update.sh" >&2
    exit 1
fi
if ! diff_abi > "$build/abidiff.txt" 2>&1; then
    echo "abi-check: compatible additions (record them at the next version bump: scripts/abi-update.sh):"
    cat "$build/abidiff.txt"
fi
echo "abi-check: OK: compatible with $(basename "$baseline")"
exit 0
