#pragma once
// The two ways to run the fleet that the bench compares: one process hosting
// every agent, and one process per agent (the old fleet's way).

#include <string>
#include <vector>

#include "config/fleet_config.hpp"
#include "figures.hpp"

namespace agent_runtime::bench {

class bench_client;

/// Writes one clusters.yaml per agent of `fleet` into `dir`, each naming the
/// agent's definition by its absolute path; returns them in roster order.
std::vector<std::string> write_one_agent_configs(const fleet_config& fleet, const std::string& dir);

/// Starts every command of `commands` at once, waits until every subject of
/// `subjects` answers through `client`, sums the processes' memory and
/// stops them all. Process logs go to `log_dir`.
layout_figures start_layout(const std::vector<std::vector<std::string>>& commands,
                            const std::string& log_dir, bench_client& client,
                            const std::vector<std::string>& subjects);

} // namespace agent_runtime::bench
