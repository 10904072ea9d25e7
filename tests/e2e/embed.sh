#!/usr/bin/env bash
# Install libsalvo into a fresh prefix and build examples/embed against it,
# the two ways users do: pkg-config, and CMake's find_package.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
: "${BUILD_DIR:?}" "${EXAMPLES:?}"
ulimit -c 0
PREFIX="$WORK/prefix"
cmake --install "$BUILD_DIR" --prefix "$PREFIX" > "$WORK/install.log" 2>&1
check "cmake --install into a fresh prefix" 0 $?
for f in include/salvo/salvo.h include/salvo/version.h bin/salvo bin/salvo-mock \
    share/man/man3/salvo_engine.3 share/man/man3/salvo_config.3 share/man/man3/salvo_profile.3 \
    share/man/man3/salvo_journal.3; do
    check_true "installed: $f" test -e "$PREFIX/$f"
done
# the public headers, exactly: include/salvo/ of the sources (src/include/salvo/ is private)
check_same "installed headers = include/salvo/ (and version.h)" \
    "$(cd "$EXAMPLES/../include/salvo" && printf '%s\n' ./*.h ./version.h | sed 's|^\./||' | sort)" \
    "$(cd "$PREFIX/include/salvo" && printf '%s\n' ./* | sed 's|^\./||' | sort)"
check_true "installed: private headers stay inside" test ! -e "$PREFIX/include/salvo/hist.h" \
    -a ! -e "$PREFIX/include/salvo/order.h" -a ! -e "$PREFIX/include/salvo/stats.h"
# each public header stands alone: complete or opaque types, nothing private
for h in "$PREFIX"/include/salvo/*.h; do
    # shellcheck disable=SC2046 # pkg-config's words are separate flags
    echo "#include <salvo/$(basename "$h")>" | "${CC:-cc}" -fsyntax-only -Wall -Werror -x c - \
        $(PKG_CONFIG_PATH="$(dirname "$(find "$PREFIX" -name salvo.pc | head -1)")" pkg-config --cflags salvo) \
        2> "$WORK/h.log"
    check "$(basename "$h") compiles on its own" "" "$(cat "$WORK/h.log")"
done
pc=$(find "$PREFIX" -name salvo.pc | head -1)
libdir=$(dirname "$(dirname "$pc")")
check_true "installed: libsalvo.a, libsalvo.so with a SONAME" test -e "$libdir/libsalvo.a" -a -L "$libdir/libsalvo.so"
check "SONAME" "libsalvo.so.0.3" "$(objdump -p "$libdir/libsalvo.so" | awk '/SONAME/ {print $2}')"
# The library's face: libsalvo.so exports exactly the functions its installed
# headers mark SALVO_EXTERN (hidden visibility and cmake/libsalvo.vers), each
# under the version node SALVO_0.
nm -D --defined-only "$libdir/libsalvo.so" | awk '$2 == "T" {print $3}' | sort -u > "$WORK/exported"
grep -ho 'SALVO_EXTERN[^(]*(' "$PREFIX"/include/salvo/*.h | grep -o 'salvo_[a-z0-9_]*($' | tr -d '(' | sort -u \
    > "$WORK/declared"
check_true "headers declare SALVO_EXTERN functions" test "$(wc -l < "$WORK/declared")" -gt 50
check_same "exported symbols = the headers' SALVO_EXTERN functions" "$(sed 's/$/@@SALVO_0/' "$WORK/declared")" \
    "$(cat "$WORK/exported")"
check "installed salvo --version" "salvo $(PKG_CONFIG_PATH="$libdir/pkgconfig" pkg-config --modversion salvo)" \
    "$(LD_LIBRARY_PATH="$libdir" "$PREFIX/bin/salvo" --version | head -1 | cut -d' ' -f1-2)"

san=()
if [ -n "${SANITIZE:-}" ]; then
    san=(-fsanitize="$SANITIZE" -fno-sanitize-recover=all)
    # gcc's UBSan writes to UBSAN_OPTIONS' log_path only when linked in
    # statically, as the project builds it (CMakeLists.txt)
    if [[ $SANITIZE == *undefined* ]] && ! "${CC:-cc}" -dM -E - < /dev/null | grep -q __clang__; then
        san+=(-static-libubsan)
    fi
fi
# shellcheck disable=SC2046 # pkg-config's words are separate flags
"${CC:-cc}" "${san[@]}" -Wall -Wextra -Werror -o "$WORK/embed" "$EXAMPLES/embed/embed.c" \
    $(PKG_CONFIG_PATH="$libdir/pkgconfig" pkg-config --cflags --libs salvo) 2> "$WORK/cc.log"
check "embed.c builds with pkg-config --cflags --libs salvo" 0 $?
cat "$WORK/cc.log"

cmake -S "$EXAMPLES/embed" -B "$WORK/eb" -DCMAKE_PREFIX_PATH="$PREFIX" -DCMAKE_C_COMPILER="${CC:-cc}" \
    -DCMAKE_C_FLAGS="${san[*]}" -DCMAKE_EXE_LINKER_FLAGS="${san[*]}" > "$WORK/cmake.log" 2>&1 &&
    cmake --build "$WORK/eb" >> "$WORK/cmake.log" 2>&1
check "embed builds with find_package(salvo)" 0 $?

# shellcheck disable=SC2119 # start_mock takes optional mock flags; none here
start_mock
make_orders 20 > "$WORK/o20.csv"
LD_LIBRARY_PATH="$libdir" "$WORK/embed" "$URL" "$WORK/o20.csv" > "$WORK/out" 2> "$WORK/err"
check "embed (pkg-config): exit 0" 0 $?
check "embed (pkg-config): each order accepted, once" "20 20" "$(grep -c ' accepted$' "$WORK/out") $(stat_of orders)"
LD_LIBRARY_PATH="$libdir" "$WORK/eb/embed" "$URL" "$WORK/o20.csv" > "$WORK/out2" 2>&1
check "embed (find_package): the same orders again are duplicates" 20 "$(grep -c ' duplicate$' "$WORK/out2")"
stop_mock

# From a bundled profile (examples/embed: salvo_config_apply_profile), against
# the broker emulator's Alpaca: its body, headers and answers.
if [ -n "${BROKER_EMU:-}" ]; then
    export ALPACA_API_KEY=kEmbed123 ALPACA_API_SECRET=sEmbed456 # the emulator checks them too
    mkfifo "$WORK/emu.fifo"
    "${PYTHON3:-python3}" "$BROKER_EMU" > "$WORK/emu.fifo" 2> "$WORK/emu.err" &
    MOCK_PIDS+=($!)
    EPORT=""
    read -r -t 30 EPORT < "$WORK/emu.fifo" || true
    check_true "the broker emulator started" test -n "$EPORT"
    printf 'symbol,price,quantity,side\nAAPL,190.5,1,BUY\nMSFT,410,2,SELL\nAAPL,191,3,BUY\n' > "$WORK/a.csv"
    LD_LIBRARY_PATH="$libdir" "$WORK/embed" "http://127.0.0.1:$EPORT/v2/orders" "$WORK/a.csv" "$EXAMPLES/brokers/alpaca.json" \
        > "$WORK/out3" 2> "$WORK/err3"
    check "embed with alpaca.json: exit 0" 0 $?
    check "embed with alpaca.json: each order accepted" 3 "$(grep -c ' accepted$' "$WORK/out3")"
    cat "$WORK/err3"
    (unset ALPACA_API_KEY; LD_LIBRARY_PATH="$libdir" "$WORK/embed" "http://127.0.0.1:$EPORT/v2/orders" \
        "$WORK/a.csv" "$EXAMPLES/brokers/alpaca.json" > /dev/null 2> "$WORK/err4")
    check "embed with alpaca.json, no secrets: exit 2, the variable named" "2 1" \
        "$? $(grep -c 'ALPACA_API_KEY' "$WORK/err4")"
else
    echo "SKIP: embed with a profile (no BROKER_EMU: python3 missing)"
fi
finish
