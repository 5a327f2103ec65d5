#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz (preset "fuzz": clang-14, ASan + UBSan) and runs each
# for a bounded time. Fails when any target finds a crash, a leak, a timeout or an out-of-memory
# input; the input is left in build/fuzz/artifacts/<target>/ (reproduce: <fuzzer> <file>).
#
#   deploy/local/fuzz.sh            20 s per target
#   deploy/local/fuzz.sh 60         60 s per target (or FUZZ_SECONDS=60)
#
# Seeds (proto-schemas/golden/ and tests/fuzz/corpus/, made at build time) are only read; what
# each fuzzer discovers is kept in build/fuzz/corpus-work/<target>/ and reused by the next run.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"

seconds=${1:-${FUZZ_SECONDS:-20}}
targets=(fuzz_envelope fuzz_messages)
build=build/fuzz

echo "== configure and build (preset fuzz)"
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j "$(nproc)"

seeds=$build/tests/fuzz/seeds
dict=$build/tests/fuzz/fuzz.dict
failed=()
summary=()
for t in "${targets[@]}"; do
  work=$build/corpus-work/$t
  artifacts=$build/artifacts/$t
  log=$build/fuzz-$t.log
  mkdir -p "$work"
  rm -rf "$artifacts" && mkdir -p "$artifacts"
  echo "== $t: ${seconds} s"
  rc=0
  "$build/tests/fuzz/$t" -max_total_time="$seconds" -rss_limit_mb=2048 -max_len=4096 -timeout=10 \
    -dict="$dict" -artifact_prefix="$artifacts/" -print_final_stats=1 "$work" "$seeds" \
    >"$log" 2>&1 || rc=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  cov=$(grep -E '^#[0-9]+.*(DONE|pulse|NEW|REDUCE)' "$log" | tail -1 | grep -oE 'cov: [0-9]+' || true)
  findings=$(find "$artifacts" -type f | wc -l)
  line="$t: ${runs:-?} executions in ${seconds} s, ${cov:-cov: ?}, corpus $(find "$work" -type f | wc -l) files, findings $findings"
  summary+=("$line")
  if [ "$rc" -ne 0 ] || [ "$findings" -ne 0 ]; then
    failed+=("$t")
    grep -E 'ERROR|SUMMARY|invariant broken|Test unit written' "$log" | head -20 || true
    echo "   full log: $log"
  fi
done

echo "== summary"
printf '%s\n' "${summary[@]}"
if [ ${#failed[@]} -ne 0 ]; then
  echo "fuzz: FAILED: ${failed[*]}"
  exit 1
fi
echo "fuzz: no findings"
