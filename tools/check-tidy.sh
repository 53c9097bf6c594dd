#!/usr/bin/env bash
# Fails when clang-tidy (.clang-tidy: bug-prone, performance and concurrency
# checks) finds anything in the project's sources. Needs a configured build
# (compile_commands.json), as tools/build.sh makes.
#
#   tools/check-tidy.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
[[ -f $build/compile_commands.json ]] || { echo "tidy: $build/compile_commands.json is missing; build first" >&2; exit 2; }
mapfile -t files < <(git ls-files 'runtime/*.cpp' 'tools/*.cpp' 'tests/*.cpp' | grep -v '^tests/fuzz/')
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if run-clang-tidy -quiet -p "$build" -j "$(nproc)" "${files[@]/#/$PWD/}" >"$log" 2>&1; then
  echo "tidy: ${#files[@]} files pass .clang-tidy"
else
  grep -E 'warning:|error:' -A3 "$log" | head -n 200 >&2
  echo "tidy: clang-tidy found the problems above" >&2
  exit 1
fi
