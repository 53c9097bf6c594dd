#pragma once
// `agentctl metrics`: asks every runtime on the NATS server for its
// $SRV.STATS (the NATS services convention) and prints the per-endpoint
// request and error counts and processing times.

#include <string>

struct __natsConnection;

namespace agentctl {

/// What `agentctl metrics` was asked for.
struct metrics_request {
  /// Only this instance (its service id); empty: every instance.
  std::string instance;
  /// Only this agent's endpoints; empty: all.
  std::string agent;
  /// How long to wait for the first answer.
  int timeout_ms = 5000;
  bool json_output = false;
};

/// Prints the stats; returns 0 when at least one runtime answered with
/// stats, 1 when none did (or an answer was not valid stats).
int print_metrics(__natsConnection* connection, const metrics_request& request);

} // namespace agentctl
