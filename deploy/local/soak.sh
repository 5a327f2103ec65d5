#!/usr/bin/env bash
# soak.sh: the fleet (intake, dispatch, tracking, review) under a steady load for MINUTES
# (default 30) at RATE reports per second (default 100), on an optimised build, with a throwaway
# PostgreSQL made by the test support (removed at exit). Every 30 s it prints each service's
# resident memory and the stream lags, then judges: memory flat and no growth in lag.
#
#   deploy/local/soak.sh [MINUTES] [RATE]
#
# DUCHA_SOAK_BUILD_DIR=DIR uses an already configured optimised build instead of build/release.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
minutes=${1:-30}
rate=${2:-100}
if [ -n "${DUCHA_SOAK_BUILD_DIR:-}" ]; then
  build=$(realpath "$DUCHA_SOAK_BUILD_DIR")
else
  build="$root/build/release"
  [ -f "$build/CMakeCache.txt" ] || cmake --preset release >/dev/null
fi
if grep -q '^DUCHA_SANITIZE:BOOL=ON' "$build/CMakeCache.txt"; then
  echo "soak.sh: $build is a sanitizer build; memory figures would be meaningless" >&2
  exit 2
fi
cmake --build "$build" --target fleet_soak >/dev/null
DUCHA_SOURCE_DIR="$root" DUCHA_BUILD_DIR="$build" "$build/tests/system/fleet_soak" "$minutes" "$rate"
