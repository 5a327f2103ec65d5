#!/usr/bin/env bash
# run-dispatch-bench.sh: builds the release preset (if needed) and runs bench/dispatch_bench
# against a throwaway PostgreSQL cluster made for this run and removed at exit, even on failure.
#
#   bench/run-dispatch-bench.sh [dispatch_bench options: --clients N --warmup S --duration S
#                                --pgbench-seconds S --replay-events N (0 = no replay)]
#
# DUCHA_DISPATCH_BENCH_SECONDS=S shortens the end-to-end window (60 s by default);
# DUCHA_REPLAY_EVENTS=N sets the replay's size (1,000,000 by default). Options win over both.
# DUCHA_BENCH_BUILD_DIR=DIR uses an already configured build directory instead of build/release
# (it must be an optimised build: RelWithDebInfo, sanitizers off).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
pg="$root/deploy/local/pg.sh"
targets=(ducha-intake ducha-dispatch dispatch_bench)

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
  echo "run-dispatch-bench.sh: $build is not an optimised build without sanitizers" >&2
  exit 2
fi

work=$(mktemp -d /tmp/ducha-dispatch-bench-XXXXXX)
cleanup() {
  local rc=$?
  local f
  for f in "$work"/*.pid; do
    [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null || true
  done
  "$pg" destroy "$work/pg" >/dev/null 2>&1 || true
  for f in "$work"/*.log; do
    [ -f "$f" ] && cp "$f" "$build/bench/dispatch-bench-last-$(basename "$f")"
  done
  if [ "$rc" -ne 0 ]; then
    for f in "$work"/*.log; do
      [ -f "$f" ] || continue
      echo "run-dispatch-bench.sh: failed ($rc); the last lines of $(basename "$f"):" >&2
      tail -n 20 "$f" >&2
    done
  fi
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$pg" init "$work/pg" "$("$pg" freeport)" >/dev/null
"$pg" start "$work/pg" >/dev/null

"$build/bench/dispatch_bench" \
  --pg-dir "$work/pg" \
  --intake "$build/services/intake/ducha-intake" \
  --dispatch "$build/services/dispatch/ducha-dispatch" \
  --campaign "$root/deploy/campaigns/hebei-2017-2018" \
  --work "$work" \
  "$@"
