#include "app/log.hpp"

#include <algorithm>
#include <mutex>

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace agent_runtime {
namespace {

std::mutex& registry_mutex() {
  static std::mutex m;
  return m;
}

/// A byte `one_line` escapes: C0 controls and DEL.
bool is_control(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u < 0x20 || u == 0x7f;
}

constexpr const char* log_pattern = "%Y-%m-%d %H:%M:%S.%e %^%-5l%$ %-10n %v";

/// The pattern's format, with the message made `one_line` first: what a
/// client sent (an agent id, a cluster name) often ends up in a message.
class one_line_formatter final : public spdlog::formatter {
public:
  one_line_formatter() : inner_(std::make_unique<spdlog::pattern_formatter>(log_pattern)) {}

  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    const std::string_view payload(msg.payload.data(), msg.payload.size());
    if (!needs_rewrite(payload))
      return inner_->format(msg, dest);
    const std::string safe = one_line(payload);
    spdlog::details::log_msg copy = msg;
    copy.payload = spdlog::string_view_t(safe.data(), safe.size());
    inner_->format(copy, dest);
    // The sink colours the level by the range set on the message it holds.
    msg.color_range_start = copy.color_range_start;
    msg.color_range_end = copy.color_range_end;
  }

  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<one_line_formatter>();
  }

private:
  static bool needs_rewrite(std::string_view text) {
    if (text.size() > max_log_message)
      return true;
    return std::any_of(text.begin(), text.end(), is_control);
  }

  std::unique_ptr<spdlog::pattern_formatter> inner_;
};

spdlog::sink_ptr shared_sink() {
  static spdlog::sink_ptr sink = [] {
    auto s = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
    s->set_formatter(std::make_unique<one_line_formatter>());
    return s;
  }();
  return sink;
}

spdlog::level::level_enum& current_level() {
  static spdlog::level::level_enum level = spdlog::level::info;
  return level;
}

} // namespace

std::string one_line(std::string_view text, std::size_t max) {
  std::string out;
  const std::string_view kept = text.substr(0, std::min(text.size(), max));
  out.reserve(kept.size() + 16);
  for (const char c : kept) {
    if (c == '\n')
      out += "\\n";
    else if (c == '\r')
      out += "\\r";
    else if (c == '\t')
      out += "\\t";
    else if (is_control(c))
      out += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
    else
      out += c;
  }
  if (kept.size() < text.size())
    out += fmt::format("... ({} bytes more)", text.size() - kept.size());
  return out;
}

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
