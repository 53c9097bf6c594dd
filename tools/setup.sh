#!/usr/bin/env bash
# Installs what agent-runtime needs to build, run and test on Debian 12.
# Safe to run again: it only asks apt for packages that are missing.
# With --tests it also installs the JavaScript test client's packages from
# tests/js/package-lock.json.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential cmake pkg-config git
  libcaf-dev libnats-dev nats-server
  libboost-dev libboost-system-dev libssl-dev
  libspdlog-dev libfmt-dev libyaml-cpp-dev nlohmann-json3-dev
  libcli11-dev libsystemd-dev doctest-dev
  clang-format nodejs npm rapidjson-dev
  prometheus-cpp-dev
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    # node and npm may come from outside Debian's packages; a working one will do
    if [[ "$p" == nodejs ]] && command -v node >/dev/null; then continue; fi
    if [[ "$p" == npm ]] && command -v npm >/dev/null; then continue; fi
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=()
  if [[ $(id -u) -ne 0 ]]; then sudo_cmd=(sudo); fi
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi

# What only the test command needs: systemd-analyze checks the unit file;
# clang with its sanitizer and libFuzzer runtimes and clang-tidy check the code.
if [[ "${1:-}" == --tests ]]; then
  test_missing=()
  command -v systemd-analyze >/dev/null || test_missing+=(systemd)
  for p in clang clang-tidy libclang-rt-14-dev; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
      test_missing+=("$p")
  done
  if ((${#test_missing[@]})); then
    echo "setup: installing for the tests: ${test_missing[*]}"
    sudo_cmd=()
    if [[ $(id -u) -ne 0 ]]; then sudo_cmd=(sudo); fi
    "${sudo_cmd[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends \
      "${test_missing[@]}" >/dev/null
  fi
fi

if [[ "${1:-}" == --tests && ! -d tests/js/node_modules/nats ]]; then
  echo "setup: installing the JavaScript test client (npm ci)"
  npm ci --prefix tests/js --no-audit --no-fund --loglevel=error
fi
