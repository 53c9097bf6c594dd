#pragma once
// The swap of one cluster under load: a runtime of its own, a steady load
// over every agent, and per round an upgrade of the cluster to a release of
// a new version, asked for on the admin subject like an operator would.

#include <string>
#include <vector>

#include "bench_options.hpp"
#include "config/fleet_config.hpp"
#include "figures.hpp"
#include "service_under_test.hpp"

namespace agent_runtime::bench {

/// Starts agent-runtime on `fleet` (`runtime_command` given the NATS URL),
/// then for each of `options.rounds` rounds writes a release of a new
/// version of `options.swap_cluster` into `scratch`, swaps the cluster to it
/// under the paced load over `subjects`, and waits for its soak to pass.
/// Throws std::runtime_error when the runtime does not start.
std::vector<swap_round> run_swap_rounds(const bench_options& options, const fleet_config& fleet,
                                        const std::string& scratch,
                                        const std::vector<std::string>& subjects,
                                        const command_for_url& runtime_command);

} // namespace agent_runtime::bench
