#!/usr/bin/env bash
# Installs every build and run dependency of ducha from Debian 12's packages. Idempotent: packages
# already present are left alone, and apt is not touched at all when nothing is missing.
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build pkg-config python3 clang-format
  # clang-14 with libFuzzer (libclang_rt.fuzzer ships in libclang-rt-14-dev, only a Recommends
  # of clang-14), for deploy/local/fuzz.sh
  clang-14 libclang-rt-14-dev
  # the five libraries (Debian 12 versions: libpqxx 6.4, cppzmq 4.9, msgpack-cxx 4.1, spdlog 1.10, gtest 1.12)
  libzmq3-dev cppzmq-dev libmsgpack-cxx-dev libpqxx-dev libspdlog-dev libgtest-dev libgmock-dev
  # supporting libraries: CURVE (libsodium), campaign files (nlohmann-json), HTTP (cpp-httplib)
  libsodium-dev nlohmann-json3-dev libcpp-httplib-dev libssl-dev
  # PostgreSQL 15 server and client tools (initdb, pg_ctl, pgbench)
  postgresql-15 postgresql-client-15
  # process tools used by the runner and the system tests
  procps iproute2 util-linux
  # promtool, to validate deploy/prometheus/ in the tests
  prometheus
  # the bulletin: SMTP (libcurl), its chart and PDF (cairo, pango, a CJK font); its tests read the
  # PDF back with pdftotext (poppler-utils) and receive the mail with Debian's aiosmtpd
  libcurl4-openssl-dev libcairo2-dev libpango1.0-dev fonts-noto-cjk poppler-utils python3-aiosmtpd
  # the gateway's system test drives the Open311 API with the real curl
  curl
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "install-deps: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
# Debian's postgresql package creates and starts a default cluster; ducha never uses it (it runs
# its own throwaway clusters), so stop it to keep the machine quiet and port 5432 free.
if command -v pg_lsclusters >/dev/null && pg_lsclusters -h 2>/dev/null | grep -q online; then
  $sudo pg_ctlcluster 15 main stop || true
fi
# Likewise the prometheus package starts a server we only need promtool from.
if pgrep -x prometheus >/dev/null 2>&1; then
  ($sudo systemctl stop prometheus 2>/dev/null || $sudo pkill -x prometheus) || true
fi
echo "install-deps: done"
