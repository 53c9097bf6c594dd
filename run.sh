#!/usr/bin/env bash
# Quick start: installs what is missing, builds, and runs the whole fleet.
# With no NATS URL (--nats or NATS_URL) it starts its own nats-server on
# loopback. Extra arguments go to agent-runtime (try --help).
set -euo pipefail
cd "$(dirname "$0")"
tools/setup.sh
tools/build.sh
# glibc's allocator as the systemd unit runs it (docs/operations.md,
# "Memory"): per-thread caches off.
export GLIBC_TUNABLES="${GLIBC_TUNABLES:+$GLIBC_TUNABLES:}glibc.malloc.tcache_count=0"
exec build/runtime/agent-runtime "$@"
