#include "admin/admin_request.hpp"

#include <array>
#include <cstdint>
#include <limits>
#include <utility>

#include <nlohmann/json.hpp>

namespace agent_runtime {
namespace {

using nlohmann::json;

constexpr std::array<std::pair<admin_verb, const char*>, 7> verb_names{{
  {admin_verb::status, "status"},
  {admin_verb::enable, "enable"},
  {admin_verb::disable, "disable"},
  {admin_verb::suspend, "suspend"},
  {admin_verb::resume, "resume"},
  {admin_verb::upgrade, "upgrade"},
  {admin_verb::rollback, "rollback"},
}};

/// Thrown while reading fields; caught at the top of parse_admin_request.
struct field_problem {
  std::string message;
};

/// Reads the fields of one request's object.
class fields {
public:
  explicit fields(const json& object) : object_(object) {}

  /// A string; when `required`, present and not blank.
  std::string text(const char* key, bool required) const {
    const json* value = find(key);
    if (!value) {
      if (required)
        throw field_problem{"missing field '" + std::string(key) + "'"};
      return {};
    }
    if (!value->is_string())
      fail(key, "must be a string");
    std::string result = value->get<std::string>();
    if (required && result.find_first_not_of(" \t\r\n") == std::string::npos)
      fail(key, "must not be empty");
    return result;
  }

  /// A whole number from 0 to `max`, or `fallback` when absent.
  std::uint64_t count(const char* key, std::uint64_t max, std::uint64_t fallback) const {
    const json* value = find(key);
    if (!value)
      return fallback;
    if (!value->is_number_integer())
      fail(key, "must be an integer");
    if (value->is_number_unsigned()) {
      const auto result = value->get<std::uint64_t>();
      if (result > max)
        fail(key, "must be at most " + std::to_string(max));
      return result;
    }
    const auto result = value->get<std::int64_t>();
    if (result < 0)
      fail(key, "must not be negative");
    if (static_cast<std::uint64_t>(result) > max)
      fail(key, "must be at most " + std::to_string(max));
    return static_cast<std::uint64_t>(result);
  }

  /// A duration in whole milliseconds from 0 to `max`, or `fallback`.
  std::chrono::milliseconds millis(const char* key, std::chrono::milliseconds max,
                                   std::chrono::milliseconds fallback) const {
    const auto ms = count(key, static_cast<std::uint64_t>(max.count()),
                          static_cast<std::uint64_t>(fallback.count()));
    return std::chrono::milliseconds(static_cast<std::chrono::milliseconds::rep>(ms));
  }

  /// A fraction from 0 to 1, or `fallback`.
  double fraction(const char* key, double fallback) const {
    const json* value = find(key);
    if (!value)
      return fallback;
    if (!value->is_number())
      fail(key, "must be a number");
    const auto result = value->get<double>();
    if (!(result >= 0.0 && result <= 1.0))
      fail(key, "must be from 0 to 1");
    return result;
  }

private:
  const json* find(const char* key) const {
    auto it = object_.find(key);
    return it == object_.end() || it->is_null() ? nullptr : &*it;
  }

  [[noreturn]] static void fail(const char* key, const std::string& why) {
    throw field_problem{"field '" + std::string(key) + "' " + why};
  }

  const json& object_;
};

admin_request read_request(admin_verb verb, const json& object) {
  const fields in(object);
  admin_request request;
  request.verb = verb;
  switch (verb) {
    case admin_verb::status:
      break;
    case admin_verb::enable:
    case admin_verb::disable:
      request.cluster = in.text("cluster", true);
      request.reason = in.text("reason", false);
      break;
    case admin_verb::suspend:
    case admin_verb::resume:
      request.agent = in.text("agent", true);
      request.reason = in.text("reason", false);
      break;
    case admin_verb::upgrade: {
      request.cluster = in.text("cluster", true);
      request.release = in.text("release", true);
      auto& up = request.upgrade;
      up.rollout = in.text("rollout", false);
      up.soak = in.millis("soak_ms", max_admin_soak, up.soak);
      auto& gate = up.thresholds;
      gate.max_error_rate = in.fraction("max_error_rate", gate.max_error_rate);
      gate.max_latency = in.millis("max_latency_ms", max_admin_soak, gate.max_latency);
      gate.max_restarts = static_cast<std::uint32_t>(
        in.count("max_restarts", std::numeric_limits<std::uint32_t>::max(), gate.max_restarts));
      gate.min_requests =
        in.count("min_requests", std::numeric_limits<std::uint64_t>::max(), gate.min_requests);
      break;
    }
    case admin_verb::rollback:
      request.cluster = in.text("cluster", true);
      break;
  }
  return request;
}

} // namespace

const char* admin_verb_name(admin_verb verb) {
  for (const auto& [v, name] : verb_names)
    if (v == verb)
      return name;
  return "?";
}

std::optional<admin_verb> admin_verb_named(std::string_view token) {
  for (const auto& [verb, name] : verb_names)
    if (token == name)
      return verb;
  return std::nullopt;
}

bool admin_verb_steers(admin_verb verb) {
  return verb != admin_verb::status;
}

std::variant<admin_request, admin_request_error> parse_admin_request(admin_verb verb,
                                                                     std::string_view payload) {
  const std::string name = admin_verb_name(verb);
  json object = json::object();
  if (payload.find_first_not_of(" \t\r\n") != std::string_view::npos) {
    try {
      object = json::parse(payload);
    } catch (const json::parse_error& e) {
      return admin_request_error{name + ": payload is not valid JSON (error at byte " +
                                 std::to_string(e.byte) + ")"};
    } catch (const json::out_of_range&) {
      return admin_request_error{name + ": payload is not valid JSON (a number out of range)"};
    }
    if (!object.is_object())
      return admin_request_error{name + ": payload must be a JSON object"};
  }
  try {
    return read_request(verb, object);
  } catch (const field_problem& problem) {
    return admin_request_error{name + ": " + problem.message};
  }
}

} // namespace agent_runtime
