#!/usr/bin/env bash
# scripts/abi-check.sh on the built libsalvo.so: it matches abi/libsalvo.abi,
# and the check does fail on a real break. The breaks are made in copies of
# the baseline (as if the library had been built from a changed header):
# two fields of salvo_config_t swapped must fail; a new function must pass.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
: "${BUILD_DIR:?}" "${SOURCE_DIR:?}"
CHECK="$SOURCE_DIR/scripts/abi-check.sh"
BASE="$SOURCE_DIR/abi/libsalvo.abi"

"$CHECK" "$BUILD_DIR" > "$WORK/check.out" 2>&1
rc=$?
if [ $rc -eq 77 ]; then
    cat "$WORK/check.out"
    exit 77
fi
check "libsalvo.so's ABI is abi/libsalvo.abi's (scripts/abi-check.sh)" 0 $rc
[ $rc -eq 0 ] || cat "$WORK/check.out"

# the baseline's salvo_config with url and method in each other's place
awk '/<class-decl name=.salvo_config. / {in_c = 1}
     in_c && /layout-offset-in-bits=\04764\047/ {sub(/\04764\047/, "\047128\047"); print; next}
     in_c && /layout-offset-in-bits=\047128\047/ {sub(/\047128\047/, "\04764\047")}
     in_c && /<\/class-decl>/ {in_c = 0}
     {print}' "$BASE" > "$WORK/swapped.abi"
check "the doctored baseline differs in two lines" 4 "$(diff "$BASE" "$WORK/swapped.abi" | grep -c '^[<>]')"
ABI_BASELINE="$WORK/swapped.abi" "$CHECK" "$BUILD_DIR" > "$WORK/swapped.out" 2>&1
check "two fields of salvo_config_t moved: the check fails" 1 $?
check_true "... naming the field" grep -q "'const char\* url' offset changed" "$WORK/swapped.out"

# the baseline without salvo_stats_mean_ms: a function this library added
sed '/^ *<function-decl name=.salvo_stats_mean_ms/,/<\/function-decl>/d' "$BASE" | grep -v "salvo_stats_mean_ms" \
    > "$WORK/added.abi"
ABI_BASELINE="$WORK/added.abi" "$CHECK" "$BUILD_DIR" > "$WORK/added.out" 2>&1
check "a function added: the check passes" 0 $?
check_true "... and says what was added" grep -q "salvo_stats_mean_ms" "$WORK/added.out"
finish
