#!/usr/bin/env bash
# The README's test command: installs dependencies, builds with AddressSanitizer and
# UndefinedBehaviorSanitizer (preset "ci"), checks formatting, and runs every test. Integration
# tests start their own throwaway PostgreSQL clusters on free ports and remove them afterwards.
#
#   deploy/local/test.sh            everything
#   deploy/local/test.sh -L unit    only tests with a label (unit, contract, integration)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"

deploy/local/install-deps.sh

echo "== format check (clang-format, .clang-format)"
git ls-files '*.cpp' '*.h' | xargs clang-format --dry-run --Werror

echo "== deployment files (promtool)"
promtool check config deploy/prometheus/prometheus.yml >/dev/null
promtool check rules deploy/prometheus/ducha-alerts.yml >/dev/null
echo "prometheus configuration and alert rules are valid"

echo "== configure and build (preset ci: ASan + UBSan)"
cmake --preset ci >/dev/null
cmake --build --preset ci -j "$(nproc)"

echo "== tests"
ctest --preset ci -j "$(nproc)" "$@"
