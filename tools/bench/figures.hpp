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

/// One swap of a cluster under a steady load.
struct swap_round {
  /// The reply said the cluster swapped, and it then passed its soak.
  bool swapped = false;
  /// The runtime's `took_ms`: from the first agent handed over to the last.
  double took_ms = 0;
  /// The runtime's `max_pause_ms`: the longest an agent held requests.
  double max_pause_ms = 0;
  /// From sending the upgrade request until its reply: the swap window.
  double window_ms = 0;
  /// The worst round trip of a request in flight during the swap window.
  double worst_swap_ms = 0;
  /// The same for a window as long, just before, of the same load.
  double worst_calm_ms = 0;
  /// The calm window had to be shorter than the swap window.
  bool calm_window_short = false;
  std::size_t requests = 0;
  std::size_t requests_in_swap_window = 0;
  /// Requests no agent answered, in the whole round.
  std::size_t lost = 0;
  /// Error replies and second replies, in the whole round.
  std::size_t refused = 0;
  std::size_t duplicated = 0;
};

/// All swap rounds: medians, and the counts summed.
struct swap_figures {
  /// Median of the rounds, figure by figure; the counts are sums.
  swap_round median;
  /// Median of each round's worst_swap_ms - worst_calm_ms.
  double added_ms = 0;
  std::size_t rounds = 0;
  std::size_t swapped = 0;
  bool calm_window_short = false;
};

/// The `p`-th percentile (0..100) of `values`, nearest rank; 0 if empty.
double percentile(std::vector<double> values, double p);

/// The median of `values`; 0 if empty.
double median(std::vector<double> values);

/// The figure-by-figure median of `rounds`, and their lost requests summed.
service_figures summarize(const std::vector<service_round>& rounds);

/// The median of each swap figure over `rounds`, the counts summed.
swap_figures summarize(const std::vector<swap_round>& rounds);

/// The median of each layout figure over `rounds`; ready only if all were.
layout_figures summarize(const std::vector<layout_figures>& rounds);

} // namespace agent_runtime::bench
