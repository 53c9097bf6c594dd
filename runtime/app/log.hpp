#pragma once
// One named spdlog logger per component, all writing to the same sink in the
// same format, so that the log reads as one story.

#include <memory>
#include <string>

#include <spdlog/logger.h>

namespace agent_runtime {

/// The logger of `component` (bridge, supervisor, cluster, agent, provider,
/// config, runtime, nats, ...), created on first use.
std::shared_ptr<spdlog::logger> component_logger(const std::string& component);

/// Sets the level of every component logger, present and future. Returns
/// false for a name spdlog does not know.
bool set_log_level(const std::string& level);

} // namespace agent_runtime
