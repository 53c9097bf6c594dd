#pragma once
// One named spdlog logger per component, all writing to the same sink in the
// same format, so that the log reads as one story.

#include <memory>
#include <string>
#include <string_view>

#include <spdlog/logger.h>

namespace agent_runtime {

/// The longest message a log line keeps, in bytes.
constexpr std::size_t max_log_message = 4096;

/// The logger of `component` (bridge, supervisor, cluster, agent, provider,
/// config, runtime, nats, ...), created on first use.
std::shared_ptr<spdlog::logger> component_logger(const std::string& component);

/// What a log line shows of `text`: control characters escaped (`\n`,
/// `\x1b`), so that no input can start a line of its own or colour the
/// terminal, and at most `max` bytes of it, with a count of the rest. Every
/// component logger's message goes through it.
std::string one_line(std::string_view text, std::size_t max = max_log_message);

/// Sets the level of every component logger, present and future. Returns
/// false for a name spdlog does not know.
bool set_log_level(const std::string& level);

} // namespace agent_runtime
