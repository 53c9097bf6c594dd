#include "admin/admin_request.hpp"

#include <array>
#include <cstdint>
#include <limits>
#include <utility>

#include <nlohmann/json.hpp>

#include "config/json_fields.hpp"

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

admin_request read_request(admin_verb verb, const json& object) {
  const json_fields in(object);
  admin_request request;
  request.verb = verb;
  switch (verb) {
    case admin_verb::status:
      break;
    case admin_verb::enable:
    case admin_verb::disable:
      request.cluster = in.text("cluster", true, true);
      request.reason = in.text("reason", false);
      break;
    case admin_verb::suspend:
    case admin_verb::resume:
      request.agent = in.text("agent", true, true);
      request.reason = in.text("reason", false);
      break;
    case admin_verb::upgrade: {
      request.cluster = in.text("cluster", true, true);
      request.release = in.text("release", true, true);
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
      request.cluster = in.text("cluster", true, true);
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
    if (auto problem = parse_json(payload, object))
      return admin_request_error{name + ": " + *problem};
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
