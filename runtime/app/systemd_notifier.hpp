#pragma once
// Talks to systemd's notify socket (Type=notify): readiness, status lines,
// watchdog pings and the start of a stop. Does nothing outside systemd.

#include <chrono>
#include <optional>
#include <string>

namespace agent_runtime {

/// The service manager's view of the process.
class systemd_notifier {
public:
  /// Whether a notify socket was given (NOTIFY_SOCKET).
  bool enabled() const;

  /// The watchdog period systemd expects pings within, if it set one.
  std::optional<std::chrono::microseconds> watchdog_period() const;

  void ready(const std::string& status) const;
  void status(const std::string& status) const;
  void watchdog() const;
  void stopping(const std::string& status) const;
};

} // namespace agent_runtime
