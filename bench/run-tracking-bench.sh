#!/usr/bin/env bash
# run-tracking-bench.sh: builds the release preset (if needed) and runs bench/tracking_bench
# against a throwaway PostgreSQL cluster made for this run and removed at exit, even on failure.
#
#   bench/run-tracking-bench.sh [tracking_bench options: --problems N --load-batch N
#                                --chunks N,N,... --jump-days N --clients N --warmup S
#                                --duration S --pgbench-seconds S]
#
# DUCHA_TRACKING_BENCH_PROBLEMS=N sets the ledger's size (1,000,000 by default);
# DUCHA_TRACKING_BENCH_SECONDS=S the bodies' measured window (20 s by default). Options win over
# both. DUCHA_BENCH_BUILD_DIR=DIR uses an already configured build directory instead of
# build/release (it must be an optimised build: RelWithDebInfo, sanitizers off).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
pg="$root/deploy/local/pg.sh"
targets=(tracking_bench)

if [ -n "${DUCHA_BENCH_BUILD_DIR:-}" ]; then
  build=$(realpath "$DUCHA_BENCH_BUILD_DIR")
  cmake --build "$build" --target "${targets[@]}"
else
  build="$root/build/release"
  cd "$root"
  [ -f "$build/CMakeCache.txt" ] || cmake --preset release
  cmake --build --preset release --target "${targets[@]}"
fi
if grep -q '^DUCHA_SANITIZE:BOOL=ON' "$build/CMakeCache.txt" ||
   ! grep -Eq '^CMAKE_BUILD_TYPE:STRING=(Release|RelWithDebInfo)$' "$build/CMakeCache.txt"; then
  echo "run-tracking-bench.sh: $build is not an optimised build without sanitizers" >&2
  exit 2
fi

work=$(mktemp -d /tmp/ducha-tracking-bench-XXXXXX)
cleanup() {
  local rc=$?
  "$pg" destroy "$work/pg" >/dev/null 2>&1 || true
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$pg" init "$work/pg" "$("$pg" freeport)" >/dev/null
"$pg" start "$work/pg" >/dev/null

"$build/bench/tracking_bench" \
  --pg-dir "$work/pg" \
  --campaign "$root/deploy/campaigns/hebei-2017-2018" \
  --work "$work" \
  "$@"
