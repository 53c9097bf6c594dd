#pragma once

#include <chrono>
#include <cstddef>
#include <string>

namespace agent_runtime::bench {

/// What the bench measures and how hard; set from the command line.
struct bench_options {
  /// How long each throughput measurement keeps requests in flight.
  std::chrono::milliseconds duration{5000};
  /// Requests in flight during the throughput measurement.
  std::size_t concurrency = 1024;
  /// Bytes in each request's payload.
  std::size_t payload_size = 64;
  /// Requests timed one at a time per round, for latency.
  std::size_t requests = 20000;
  /// Rounds per responder (medians are reported) and start-ups per layout.
  std::size_t rounds = 3;
  /// Tiny counts: checks that the harness works, measures nothing useful.
  bool quick = false;
  /// The agent-runtime program to start.
  std::string runtime_binary;
  /// The fleet's clusters.yaml.
  std::string config;
  /// The runtime's --log-level (info is what production runs).
  std::string log_level = "info";
  /// Skip the comparison of one process with a process per agent.
  bool skip_layouts = false;
  /// The cluster swapped under load, once per round.
  std::string swap_cluster = "conceptual-analysis";
  /// Requests a second, round robin over every agent, during the swap rounds.
  double swap_load_per_second = 2000;
  /// Load before each swap: the calm window is taken from it.
  std::chrono::milliseconds swap_lead{2000};
  /// The health gate's soak after each swap.
  std::chrono::milliseconds swap_soak{500};
};

/// `options` with the tiny counts of --quick.
inline bench_options quick_options(bench_options options) {
  options.duration = std::chrono::milliseconds(300);
  options.concurrency = 64;
  options.requests = 200;
  options.rounds = 1;
  options.swap_load_per_second = 500;
  options.swap_lead = std::chrono::milliseconds(400);
  options.swap_soak = std::chrono::milliseconds(100);
  return options;
}

} // namespace agent_runtime::bench
