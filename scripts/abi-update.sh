#!/bin/sh
# Record libsalvo.so's ABI as the baseline scripts/abi-check.sh compares
# with (abi/libsalvo.abi). Deliberately: at a version bump (the baseline is
# what callers built against the released library rely on), or in the
# commit that appends a field to salvo_config_t or salvo_result_t (which
# scripts/abi-check.sh cannot tell from a move: read its report first).
# An incompatible change also needs the SONAME bumped (the major version in
# CMakeLists.txt's project()); compatible additions only the new record.
# Usage: scripts/abi-update.sh BUILD_DIR   (a build with debug info: Debug or RelWithDebInfo)
set -eu
build=${1:?usage: scripts/abi-update.sh BUILD_DIR}
root=$(cd "$(dirname "$0")/.." && pwd)
command -v abidw >/dev/null 2>&1 || { echo "abi-update: abidw not found (apt-get install abigail-tools)" >&2; exit 1; }
abidw --headers-dir "$root/include/salvo" --headers-dir "$build/include/salvo" --drop-private-types \
    --no-corpus-path --short-locs --out-file "$root/abi/libsalvo.abi" "$build/libsalvo.so"
echo "abi-update: wrote abi/libsalvo.abi; commit it with the version bump"
