#include "service_rounds.hpp"

#include <algorithm>
#include <chrono>
#include <iostream>

namespace agent_runtime::bench {
namespace {

using clock_type = std::chrono::steady_clock;

/// Round trips of one responder, microseconds, and the requests lost.
struct latency_samples {
  std::vector<double> micros;
  std::size_t lost = 0;

  void add(std::optional<double> took) {
    if (took)
      micros.push_back(*took);
    else
      ++lost;
  }

  void fill(service_round& round) const {
    round.p50_us = percentile(micros, 50);
    round.p99_us = percentile(micros, 99);
    round.p999_us = percentile(micros, 99.9);
    round.lost += lost;
  }
};

/// Requests one at a time, alternating between `a` and `b`; bounded in
/// time as well as in count, for a machine that has stalled.
void measure_latency(service_under_test& a, service_under_test& b, std::size_t count,
                     const std::string& payload, service_round& a_round, service_round& b_round) {
  const auto deadline = clock_type::now() + std::chrono::seconds(60);
  latency_samples a_samples;
  latency_samples b_samples;
  a_samples.micros.reserve(count);
  b_samples.micros.reserve(count);
  for (std::size_t i = 0; i < count && clock_type::now() < deadline; ++i) {
    a_samples.add(a.time_request(i, payload));
    b_samples.add(b.time_request(i, payload));
  }
  a_samples.fill(a_round);
  b_samples.fill(b_round);
}

/// Warms caches, connections and allocators; not counted.
void warm_up(service_under_test& a, service_under_test& b, const bench_options& options,
             const std::string& payload) {
  service_round ignored_a;
  service_round ignored_b;
  const std::size_t count = std::clamp<std::size_t>(options.requests / 10, 10, 1000);
  measure_latency(a, b, count, payload, ignored_a, ignored_b);
}

} // namespace

paired_rounds run_rounds(service_under_test& bare, service_under_test& runtime,
                         const bench_options& options) {
  const std::string payload(options.payload_size, 'x');
  warm_up(bare, runtime, options, payload);
  paired_rounds rounds;
  for (std::size_t round = 0; round < options.rounds; ++round) {
    service_round& b = rounds.bare.emplace_back();
    service_round& r = rounds.runtime.emplace_back();
    measure_latency(bare, runtime, options.requests, payload, b, r);
    if (round % 2 == 0) {
      bare.measure_throughput(options, payload, b);
      runtime.measure_throughput(options, payload, r);
    } else {
      runtime.measure_throughput(options, payload, r);
      bare.measure_throughput(options, payload, b);
    }
    std::cerr << "bench: round " << round + 1 << " of " << options.rounds << " done\n";
  }
  return rounds;
}

} // namespace agent_runtime::bench
