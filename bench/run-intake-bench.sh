#!/usr/bin/env bash
# run-intake-bench.sh: builds the release preset (if needed) and runs bench/intake_bench against
# a throwaway PostgreSQL cluster made for this run and removed at exit, even on failure.
#
#   bench/run-intake-bench.sh [intake_bench options: --clients N --warmup S --duration S
#                              --paced S --pgbench-seconds S --profile S (0 = off)]
#
# DUCHA_BENCH_BUILD_DIR=DIR uses an already configured build directory instead of build/release
# (it must be an optimised build: RelWithDebInfo, sanitizers off).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
pg="$root/deploy/local/pg.sh"

if [ -n "${DUCHA_BENCH_BUILD_DIR:-}" ]; then
  build=$(realpath "$DUCHA_BENCH_BUILD_DIR")
  cmake --build "$build" --target ducha-intake intake_bench
else
  build="$root/build/release"
  cd "$root"
  [ -f "$build/CMakeCache.txt" ] || cmake --preset release
  cmake --build --preset release --target ducha-intake intake_bench
fi
if grep -q '^DUCHA_SANITIZE:BOOL=ON' "$build/CMakeCache.txt" ||
   ! grep -Eq '^CMAKE_BUILD_TYPE:STRING=(Release|RelWithDebInfo)$' "$build/CMakeCache.txt"; then
  echo "run-intake-bench.sh: $build is not an optimised build without sanitizers" >&2
  exit 2
fi

work=$(mktemp -d /tmp/ducha-intake-bench-XXXXXX)
cleanup() {
  local rc=$?
  if [ -f "$work/intake.pid" ]; then kill "$(cat "$work/intake.pid")" 2>/dev/null || true; fi
  "$pg" destroy "$work/pg" >/dev/null 2>&1 || true
  if [ -f "$work/intake.log" ]; then cp "$work/intake.log" "$build/bench/intake-bench-last.log"; fi
  if [ "$rc" -ne 0 ] && [ -f "$work/intake.log" ]; then
    echo "run-intake-bench.sh: failed ($rc); the last lines of the ducha-intake log:" >&2
    tail -n 20 "$work/intake.log" >&2
  fi
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$pg" init "$work/pg" "$("$pg" freeport)" >/dev/null
"$pg" start "$work/pg" >/dev/null

"$build/bench/intake_bench" \
  --pg-dir "$work/pg" \
  --intake "$build/services/intake/ducha-intake" \
  --campaign "$root/deploy/campaigns/hebei-2017-2018" \
  --work "$work" \
  "$@"
