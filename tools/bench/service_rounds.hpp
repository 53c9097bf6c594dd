#pragma once
// The order of the measurements: on a shared machine the load changes while
// the bench runs, so the bare responder and the runtime take turns, request
// by request for latency and first-come alternating for throughput.

#include <string>
#include <vector>

#include "bench_options.hpp"
#include "figures.hpp"
#include "service_under_test.hpp"

namespace agent_runtime::bench {

/// The rounds of the two responders, in the same order.
struct paired_rounds {
  std::vector<service_round> bare;
  std::vector<service_round> runtime;
};

/// Runs `options.rounds` rounds; each times `options.requests` requests one
/// at a time per responder, the two alternating request by request, then
/// measures each one's throughput, who goes first alternating by round.
paired_rounds run_rounds(service_under_test& bare, service_under_test& runtime,
                         const bench_options& options);

} // namespace agent_runtime::bench
