#!/usr/bin/env bash
# Checks what deploy/ ships: the unit passes systemd-analyze verify, and
# install.sh lays out binaries, unit and config, keeping an operator's config
# on a second run.
#   unit_and_install.sh <source dir> <agent-runtime binary>
set -euo pipefail
src="$1"
binary="$2"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
passed=0

ok() { echo "ok - $1"; passed=$((passed + 1)); }
fail() { echo "not ok - $1"; echo "$passed passed, 1 failed"; exit 1; }

# systemd-analyze checks that ExecStart exists: point it at the build.
sed "s|ExecStart=/usr/local/bin/agent-runtime|ExecStart=$binary|" \
  "$src/deploy/agent-runtime.service" > "$work/agent-runtime.service"
if out=$(systemd-analyze verify "$work/agent-runtime.service" 2>&1) && [[ -z "$out" ]]; then
  ok "the unit passes systemd-analyze verify"
else
  echo "$out"
  fail "the unit passes systemd-analyze verify"
fi
grep -q '^Type=notify$' "$src/deploy/agent-runtime.service" && grep -q '^WatchdogSec=' \
  "$src/deploy/agent-runtime.service" && ok "the unit is Type=notify with a watchdog" \
  || fail "the unit is Type=notify with a watchdog"
grep -q '^Environment=GLIBC_TUNABLES=glibc.malloc.tcache_count=0$' \
  "$src/deploy/agent-runtime.service" \
  && ok "the unit runs the runtime with glibc's per-thread caches off" \
  || fail "the unit runs the runtime with glibc's per-thread caches off"

root="$work/root"
"$src/deploy/install.sh" --root "$root" --skip-build --no-systemctl >/dev/null
for f in usr/local/bin/agent-runtime usr/local/bin/agentctl etc/systemd/system/agent-runtime.service \
         etc/agent-runtime/clusters.yaml etc/agent-runtime/agents/sage.md etc/agent-runtime/environment \
         etc/agent-runtime/nats-server.conf etc/agent-runtime/nats-local.conf; do
  [[ -e "$root/$f" ]] || fail "install.sh installs $f"
done
ok "install.sh installs binaries, unit, config and environment file"

[[ "$(stat -c %a "$root/etc/agent-runtime/nats-local.conf")" == 640 ]] \
  && ok "nats-local.conf (password hashes) is not world-readable" \
  || fail "nats-local.conf (password hashes) is not world-readable"

# The installed nats-server config passes nats-server's own check, with the
# shipped placeholders as they are and with a JetStream folder of ours.
nats_server="${NATS_SERVER:-/usr/sbin/nats-server}"
if out=$("$nats_server" -t -c "$root/etc/agent-runtime/nats-server.conf" 2>&1); then
  ok "nats-server -t accepts the installed nats-server.conf"
else
  echo "$out"
  fail "nats-server -t accepts the installed nats-server.conf"
fi
grep -q 'deny = \["agent.admin.>"' "$root/etc/agent-runtime/nats-server.conf" \
  && ok "the client user may not publish on agent.admin.>" \
  || fail "the client user may not publish on agent.admin.>"

"$root/usr/local/bin/agent-runtime" --version | grep -q '^agent-runtime ' \
  && ok "the installed binary runs" || fail "the installed binary runs"

echo "# operator's change" >> "$root/etc/agent-runtime/clusters.yaml"
echo "# operator's change" >> "$root/etc/agent-runtime/nats-server.conf"
echo "# operator's hashes" >> "$root/etc/agent-runtime/nats-local.conf"
"$src/deploy/install.sh" --root "$root" --skip-build --no-systemctl >/dev/null
grep -q "operator's change" "$root/etc/agent-runtime/nats-server.conf" \
  && [[ -f "$root/etc/agent-runtime/nats-server.conf.dist" ]] \
  && grep -q "operator's hashes" "$root/etc/agent-runtime/nats-local.conf" \
  && ok "a second run keeps the operator's nats-server.conf and nats-local.conf" \
  || fail "a second run keeps the operator's nats-server.conf and nats-local.conf"
grep -q "operator's change" "$root/etc/agent-runtime/clusters.yaml" \
  && [[ -f "$root/etc/agent-runtime/clusters.yaml.dist" ]] \
  && ok "a second run keeps the operator's config and offers the new one as .dist" \
  || fail "a second run keeps the operator's config and offers the new one as .dist"

echo "$passed passed, 0 failed"
