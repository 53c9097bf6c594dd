#!/usr/bin/env bash
# Fails when a C++ source does not match .clang-format; tools/format.sh fixes it.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files '*.cpp' '*.hpp')
if clang-format --dry-run --Werror "${files[@]}"; then
  echo "format: ${#files[@]} files match .clang-format"
else
  echo "format: run tools/format.sh to fix the files above" >&2
  exit 1
fi
