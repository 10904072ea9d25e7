#!/bin/sh
# Install the Debian packages salvo needs to build and test, and only those
# that are missing: a machine that has them all runs no apt at all.
# clang and libclang-rt-14-dev (libFuzzer, Debian 12's clang 14) are for
# make fuzz and CI's clang build; shellcheck for CI; python3 and
# python3-cryptography for the broker emulator (tests/broker_emu.py: Coinbase's
# ES256 JWTs).
# Usage: scripts/install-deps.sh [extra-package ...]
set -eu

# python3 runs the --exec bridges (examples/bridges) over the stand-in SDKs in
# tests/e2e/exec.sh; standard library only.
# groff-base and man-db render the manuals in tests/e2e/docs.sh.
# nginx (Debian 12: ssl + http_v2 built in) only for tests/e2e/nginx_h2.sh, which
# starts its own from a temporary config; the system service is never used.
# chromium (headless) only for tests/e2e/report_browser.sh: salvo report --html.
PKGS="build-essential cmake pkg-config
libcurl4-openssl-dev libuv1-dev libcjson-dev libcmocka-dev libh2o-dev libssl-dev
jq curl openssl groff-base man-db
nginx clang libclang-rt-14-dev shellcheck chromium
python3 python3-cryptography"

missing=""
for p in $PKGS "$@"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing="$missing $p"
    fi
done

[ -z "$missing" ] && exit 0

echo "install-deps: installing:$missing" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || {
        echo "install-deps: need root or sudo to install:$missing" >&2
        exit 1
    }
    SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
