#!/usr/bin/env bash
# The test command: installs what is missing, builds, checks the layout of the
# sources, and runs every test (unit, integration against a real nats-server,
# and the official JavaScript NATS client).
set -euo pipefail
cd "$(dirname "$0")"
tools/setup.sh --tests
tools/build.sh
tools/check-format.sh
cd build
ctest --output-on-failure --timeout 300 -j2
