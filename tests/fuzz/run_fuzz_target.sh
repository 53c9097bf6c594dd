#!/usr/bin/env bash
# Runs one fuzz target for a few seconds: first every seed and regression
# input of its corpus, then new inputs. New inputs go to a scratch folder,
# never into the repo. Fails on any finding.
#
#   run_fuzz_target.sh TARGET CORPUS SECONDS
set -euo pipefail
target=$1 corpus=$2 seconds=$3
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cd "$scratch"
"$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
  "$scratch" "$corpus" 2>&1 | tail -n 25
exit "${PIPESTATUS[0]}"
