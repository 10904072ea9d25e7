#!/bin/sh
# Install the Debian packages salvo needs, and only those that are missing:
# a machine that has them all runs no apt at all.
# Usage: scripts/install-deps.sh [--build] [extra-package ...]
#   --build: what building salvo and running make demo need (make, make demo,
#            make install); without it, also every tool the tests use (make
#            test, make fuzz, CI).
# SALVO_DEPS_DRY_RUN=1: say what it would change and run, change nothing.
set -eu

# To build: the libraries, and jq for make demo's summary of the results.
BUILD_PKGS="build-essential cmake pkg-config
libuv1-dev libcjson-dev libh2o-dev libssl-dev jq"
# To test, beside those: cmocka for the unit tests; openssl for test
# certificates; groff-base and man-db render the manuals in tests/e2e/docs.sh;
# nginx (Debian 12: ssl + http_v2 built in) only for tests/e2e/nginx_h2.sh,
# which starts its own from a temporary config (the system service is never
# used); chromium (headless) for tests/e2e/report_browser.sh; clang and
# libclang-rt-14-dev (libFuzzer, Debian 12's clang 14) for make fuzz and
# CI's clang build; shellcheck for CI; python3 runs the --exec bridges over
# the stand-in SDKs (tests/e2e/exec.sh) and, with python3-cryptography, the
# broker emulator (tests/broker_emu.py: Coinbase's ES256 JWTs); abigail-tools
# (abidw, abidiff) compares libsalvo.so's ABI with abi/libsalvo.abi
# (scripts/abi-check.sh).
TEST_PKGS="libcmocka-dev openssl groff-base man-db
nginx clang libclang-rt-14-dev shellcheck chromium
python3 python3-cryptography abigail-tools"

PKGS="$BUILD_PKGS $TEST_PKGS"
if [ "${1:-}" = --build ]; then
    PKGS=$BUILD_PKGS
    shift
fi

# libcurl 8 (CMakeLists.txt: libcurl 7's HTTP/2 loses answers on shared
# connections). Debian 12 ships 7.88; its bookworm-backports carries 8.x,
# the same libcurl.so.4, every dependency from bookworm itself. curl (the
# command, for the tests) goes along: it needs the libcurl4 of its version.
CURL_PKGS="curl libcurl4 libcurl4-openssl-dev"
BACKPORTS_LIST=/etc/apt/sources.list.d/bookworm-backports.sources

# deb822, as Debian 12's own /etc/apt/sources.list.d/debian.sources
backports_entry() {
    printf '%s\n' 'Types: deb' 'URIs: http://deb.debian.org/debian' 'Suites: bookworm-backports' \
        'Components: main' 'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg'
}

installed_version() {
    dpkg-query -W -f='${Status} ${Version}\n' "$1" 2>/dev/null | sed -n 's/^install ok installed //p'
}

missing=""
for p in $PKGS "$@"; do
    [ -n "$(installed_version "$p")" ] || missing="$missing $p"
done
curl_old=""
for p in $CURL_PKGS; do
    v=$(installed_version "$p")
    if [ -z "$v" ] || ! dpkg --compare-versions "$v" ge 8~; then
        curl_old="$curl_old $p"
    fi
done

[ -z "$missing$curl_old" ] && exit 0

SUDO=""
if [ -n "${SALVO_DEPS_DRY_RUN:-}" ]; then
    SUDO="echo would run:"
elif [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || {
        echo "install-deps: need root or sudo to install:$missing$curl_old" >&2
        exit 1
    }
    SUDO="sudo"
fi

codename=$(sed -n 's/^VERSION_CODENAME=//p' /etc/os-release 2>/dev/null | tr -d '"')
curl_install=""
if [ -n "$curl_old" ] && [ "$codename" = bookworm ]; then
    # The suite named per package, not apt-get -t: -t would take every
    # dependency it can from backports too (e2fsprogs, libcom-err2 and more).
    for p in $CURL_PKGS; do curl_install="$curl_install $p/bookworm-backports"; done
    if ! grep -rqsE '^[^#]*bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
        echo "install-deps: adding bookworm-backports ($BACKPORTS_LIST) for libcurl 8" >&2
        if [ -n "${SALVO_DEPS_DRY_RUN:-}" ]; then
            echo "would write $BACKPORTS_LIST:"
            backports_entry
        else
            backports_entry | $SUDO tee "$BACKPORTS_LIST" >/dev/null
        fi
    fi
else
    curl_install=$curl_old # a newer Debian's own libcurl is 8 already
fi

echo "install-deps: installing:$missing$curl_install" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing $curl_install
