#pragma once
// The figures the bench reports, and the statistics that make them.

#include <cstddef>
#include <vector>

namespace agent_runtime::bench {

/// What one round measured of one responder (the runtime or the bare one).
struct service_round {
  double p50_us = 0;
  double p99_us = 0;
  double p999_us = 0;
  double requests_per_second = 0;
  /// CPU time of the responder's process per request answered.
  double cpu_us_per_request = 0;
  /// CPU time of its nats-server per request answered.
  double server_cpu_us_per_request = 0;
  /// CPU time of the bench's own process (the client) per request answered.
  double client_cpu_us_per_request = 0;
  /// Requests that got no reply, in either measurement.
  std::size_t lost = 0;
};

/// One responder over all rounds: medians, and its memory at the end.
struct service_figures {
  /// Median of the rounds, figure by figure.
  service_round median;
  std::size_t rounds = 0;
  std::size_t lost = 0;
  std::size_t rss_kib_at_start = 0;
  std::size_t rss_kib_at_end = 0;
  std::size_t peak_rss_kib = 0;
  int threads = 0;
  double ready_ms = 0;
};

/// The fleet started one way (one process, or one per agent).
struct layout_figures {
  std::size_t processes = 0;
  /// From the first process started until every agent answered a ping.
  double ready_ms = 0;
  bool ready = false;
  /// Sums over the processes, once every agent answered.
  std::size_t rss_kib = 0;
  std::size_t pss_kib = 0;
};

/// The `p`-th percentile (0..100) of `values`, nearest rank; 0 if empty.
double percentile(std::vector<double> values, double p);

/// The median of `values`; 0 if empty.
double median(std::vector<double> values);

/// The figure-by-figure median of `rounds`, and their lost requests summed.
service_figures summarize(const std::vector<service_round>& rounds);

/// The median of each layout figure over `rounds`; ready only if all were.
layout_figures summarize(const std::vector<layout_figures>& rounds);

} // namespace agent_runtime::bench
