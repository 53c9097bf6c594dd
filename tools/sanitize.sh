#!/usr/bin/env bash
# Builds everything with clang under AddressSanitizer and
# UndefinedBehaviorSanitizer, with the fuzz targets, into build-asan/, and
# runs the unit and integration tests and a short run of each fuzz target
# there. ThreadSanitizer and longer fuzz runs: docs/hardening.md.
#
#   tools/sanitize.sh [extra ctest arguments]
set -euo pipefail
cd "$(dirname "$0")/.."
dir=build-asan
if [[ ! -f $dir/CMakeCache.txt ]]; then
  CXX=clang++ cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DAGENT_RUNTIME_SANITIZE=address,undefined -DAGENT_RUNTIME_FUZZ=ON >/dev/null
fi
cmake --build "$dir" -j "$(nproc)" -- --no-print-directory

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1"
export LSAN_OPTIONS="suppressions=$PWD/tools/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
cd "$dir"
# The bench measures speed, which means nothing under the sanitizers.
ctest --output-on-failure --timeout 600 -j2 -E '^bench:' "$@"
