#!/usr/bin/env bash
# The test command: installs what is missing, builds, checks the layout of the
# sources and runs clang-tidy on them, runs every test (unit, integration
# against a real nats-server, the official JavaScript NATS client, the bench's
# and the soak's short runs), then builds everything again under ASan and
# UBSan and runs the tests and the fuzz targets there (docs/hardening.md).
set -euo pipefail
cd "$(dirname "$0")"
tools/setup.sh --tests
tools/build.sh
tools/check-format.sh
tools/check-tidy.sh
(cd build && ctest --output-on-failure --timeout 300 -j2)
tools/sanitize.sh
