#include "app/log.hpp"

#include <mutex>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace agent_runtime {
namespace {

std::mutex& registry_mutex() {
  static std::mutex m;
  return m;
}

spdlog::sink_ptr shared_sink() {
  static spdlog::sink_ptr sink = [] {
    auto s = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
    s->set_pattern("%Y-%m-%d %H:%M:%S.%e %^%-5l%$ %-10n %v");
    return s;
  }();
  return sink;
}

spdlog::level::level_enum& current_level() {
  static spdlog::level::level_enum level = spdlog::level::info;
  return level;
}

} // namespace

std::shared_ptr<spdlog::logger> component_logger(const std::string& component) {
  std::lock_guard<std::mutex> guard(registry_mutex());
  if (auto existing = spdlog::get(component))
    return existing;
  auto created = std::make_shared<spdlog::logger>(component, shared_sink());
  created->set_level(current_level());
  created->flush_on(spdlog::level::warn);
  spdlog::register_logger(created);
  return created;
}

bool set_log_level(const std::string& level) {
  const auto parsed = spdlog::level::from_str(level);
  if (parsed == spdlog::level::off && level != "off")
    return false;
  std::lock_guard<std::mutex> guard(registry_mutex());
  current_level() = parsed;
  spdlog::set_level(parsed);
  return true;
}

} // namespace agent_runtime
