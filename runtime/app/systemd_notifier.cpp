#include "app/systemd_notifier.hpp"

#include <cstdlib>

#include <systemd/sd-daemon.h>

namespace agent_runtime {

bool systemd_notifier::enabled() const {
  const char* socket = std::getenv("NOTIFY_SOCKET");
  return socket && *socket;
}

std::optional<std::chrono::microseconds> systemd_notifier::watchdog_period() const {
  uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0)
    return std::nullopt;
  return std::chrono::microseconds(usec);
}

void systemd_notifier::ready(const std::string& status) const {
  sd_notify(0, ("READY=1\nSTATUS=" + status).c_str());
}

void systemd_notifier::status(const std::string& status) const {
  sd_notify(0, ("STATUS=" + status).c_str());
}

void systemd_notifier::watchdog() const {
  sd_notify(0, "WATCHDOG=1");
}

void systemd_notifier::stopping(const std::string& status) const {
  sd_notify(0, ("STOPPING=1\nSTATUS=" + status).c_str());
}

} // namespace agent_runtime
