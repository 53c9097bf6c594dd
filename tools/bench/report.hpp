#pragma once
// The bench's printout: the machine, the settings, and the figures of the
// runtime against the bare responder and against a process per agent, each
// with its target from issue 7 and whether it was met.

#include <ostream>
#include <string>

#include "bench_options.hpp"
#include "figures.hpp"

namespace agent_runtime::bench {

/// Cores, CPU model and load average: where the figures come from.
std::string describe_machine();

/// The load average now (1, 5 and 15 minutes), from /proc/loadavg.
std::string load_average();

/// What was run, and how.
void print_settings(std::ostream& out, const bench_options& options, std::size_t agents);

/// The runtime against the bare responder.
void print_services(std::ostream& out, const bench_options& options, const service_figures& bare,
                    const service_figures& runtime);

/// One process for the fleet against one process per agent.
void print_layouts(std::ostream& out, const layout_figures& one, const layout_figures& many);

/// The swap of `options.swap_cluster` (`agents` agents) under load: its
/// time, and the worst request during it against an equal calm window.
void print_swap(std::ostream& out, const bench_options& options, std::size_t agents,
                const swap_figures& swap);

} // namespace agent_runtime::bench
