#!/usr/bin/env bash
# Builds agent-runtime and installs it as a systemd service. Run it again to
# upgrade: the binaries and the unit are replaced; a config the operator has
# is kept, and the shipped one is put beside it as *.dist to compare.
#
#   deploy/install.sh [--root DIR] [--skip-build] [--no-systemctl]
#
# --root installs under DIR instead of / (for packaging and tests).
set -euo pipefail
cd "$(dirname "$0")/.."

root=""
build=1
systemctl_calls=1
while (($#)); do
  case "$1" in
    --root) root="$2"; shift 2 ;;
    --skip-build) build=0; shift ;;
    --no-systemctl) systemctl_calls=0; shift ;;
    *) echo "install: unknown option $1" >&2; exit 2 ;;
  esac
done

if ((build)); then
  tools/setup.sh
  tools/build.sh
fi
for binary in build/runtime/agent-runtime build/tools/agentctl/agentctl; do
  [[ -x "$binary" ]] || { echo "install: $binary is missing; build first" >&2; exit 1; }
done

bin="$root/usr/local/bin"
etc="$root/etc/agent-runtime"
unit_dir="$root/etc/systemd/system"
doc="$root/usr/local/share/doc/agent-runtime"
install -d "$bin" "$etc" "$unit_dir" "$doc"

install -m 0755 build/runtime/agent-runtime build/tools/agentctl/agentctl "$bin/"
install -m 0644 deploy/agent-runtime.service "$unit_dir/agent-runtime.service"
install -m 0644 docs/operations.md "$doc/operations.md"

# The config: installed when absent, else offered beside the operator's.
if [[ -f "$etc/clusters.yaml" ]]; then
  install -m 0644 clusters.yaml "$etc/clusters.yaml.dist"
  rm -rf "$etc/agents.dist" && cp -r agents "$etc/agents.dist"
  echo "install: kept $etc/clusters.yaml; the shipped config is in clusters.yaml.dist and agents.dist/"
else
  install -m 0644 clusters.yaml "$etc/clusters.yaml"
  rm -rf "$etc/agents" && cp -r agents "$etc/agents"
fi
[[ -f "$etc/environment" ]] || install -m 0640 deploy/environment.example "$etc/environment"

# The nats-server configuration (users and permissions) is kept like the
# fleet's; nats-local.conf (password hashes, JetStream folder) is only ever
# created, from the example, whose placeholders let nobody in.
if [[ -f "$etc/nats-server.conf" ]] && ! cmp -s deploy/nats-server.conf "$etc/nats-server.conf"; then
  install -m 0644 deploy/nats-server.conf "$etc/nats-server.conf.dist"
  echo "install: kept $etc/nats-server.conf; the shipped one is nats-server.conf.dist"
else
  install -m 0644 deploy/nats-server.conf "$etc/nats-server.conf"
fi
if [[ ! -f "$etc/nats-local.conf" ]]; then
  install -m 0640 deploy/nats-local.conf.example "$etc/nats-local.conf"
  echo "install: put the NATS users' password hashes in $etc/nats-local.conf" \
    "(docs/operations.md, 'Who may do what')"
fi

if [[ -z "$root" ]]; then
  if ! id agent-runtime >/dev/null 2>&1; then
    useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin \
      agent-runtime
  fi
  chgrp agent-runtime "$etc/environment"
  # nats-server (Debian runs it as user nats) reads the hashes and owns the
  # JetStream folder.
  if getent group nats >/dev/null; then
    chgrp nats "$etc/nats-local.conf"
    install -d -o nats -g nats -m 0750 /var/lib/nats/agent-runtime
  fi
fi

if ((systemctl_calls)) && [[ -z "$root" ]] && command -v systemctl >/dev/null \
   && [[ -d /run/systemd/system ]]; then
  systemctl daemon-reload
  if systemctl is-active --quiet agent-runtime; then
    systemctl restart agent-runtime
    echo "install: agent-runtime restarted with the new version"
  else
    echo "install: start it with: systemctl enable --now agent-runtime"
  fi
fi
echo "install: done ($bin/agent-runtime, $unit_dir/agent-runtime.service, $etc)"
