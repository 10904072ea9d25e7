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
for f in include/salvo/salvo.h include/salvo/version.h bin/salvo bin/salvo-mock; do
    check_true "installed: $f" test -e "$PREFIX/$f"
done
check_true "installed: internal headers stay inside" test ! -e "$PREFIX/include/salvo/limit.h"
pc=$(find "$PREFIX" -name salvo.pc | head -1)
libdir=$(dirname "$(dirname "$pc")")
check_true "installed: libsalvo.a, libsalvo.so with a SONAME" test -e "$libdir/libsalvo.a" -a -L "$libdir/libsalvo.so"
check "SONAME" "libsalvo.so.0" "$(objdump -p "$libdir/libsalvo.so" | awk '/SONAME/ {print $2}')"
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
finish
