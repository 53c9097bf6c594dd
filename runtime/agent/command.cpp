#include "agent/command.hpp"

#include <nlohmann/json.hpp>

#include "config/fleet_config.hpp"
#include "config/json_fields.hpp"

namespace agent_runtime {
namespace {

using nlohmann::json;

/// A UUID string field.
std::string uuid(const json_fields& in, const char* key) {
  std::string value = in.text(key);
  if (!is_uuid(value))
    in.fail(key, "must be a UUID, got " + echoed(value));
  return value;
}

model_config read_model_config(const json& object) {
  const json_fields in(object, "config.");
  model_config config;
  config.provider = in.text("provider");
  config.model_name = in.text("model_name", true, true);
  config.api_endpoint = in.text("api_endpoint", false);
  config.api_key_env = in.text("api_key_env", false);
  config.timeout_seconds = in.number("timeout_seconds");
  config.temperature = in.number("temperature");
  config.top_p = in.number("top_p");
  config.max_tokens = in.integer("max_tokens");
  config.frequency_penalty = in.number("frequency_penalty");
  config.presence_penalty = in.number("presence_penalty");
  if (const json* stops = in.list("stop_sequences", false)) {
    for (const json& s : *stops) {
      if (!s.is_string())
        in.fail("stop_sequences", "must be a list of strings");
      config.stop_sequences.push_back(s.get<std::string>());
    }
  }
  // Absent (or null) keeps the prompt there was; "" sets none.
  if (auto prompt = object.find("system_prompt"); prompt != object.end() && !prompt->is_null())
    config.system_prompt = in.text("system_prompt", false);
  if (auto problem = validate(config))
    in.fail(problem->field, problem->message);
  return config;
}

std::vector<context_message> read_context(const json_fields& in) {
  std::vector<context_message> context;
  const json* list = in.list("context", false);
  if (!list)
    return context;
  for (std::size_t i = 0; i < list->size(); ++i) {
    const json& item = (*list)[i];
    const std::string where = "context[" + std::to_string(i) + "]";
    if (!item.is_object())
      in.fail(where, "must be an object with role and content");
    const json_fields turn(item, where + ".");
    context_message message{turn.text("role"), turn.text("content")};
    if (message.role != "system" && message.role != "user" && message.role != "assistant")
      turn.fail("role", "must be system, user or assistant, got " + echoed(message.role));
    context.push_back(std::move(message));
  }
  return context;
}

command read_command(const std::string& type, const json& object) {
  const json_fields in(object);
  if (type == "DeployAgent")
    return deploy_agent{uuid(in, "agent_id"), uuid(in, "person_id"), in.text("name", true, true),
                        in.text("description", false)};
  if (type == "ConfigureModel")
    return configure_model{uuid(in, "agent_id"), read_model_config(in.object("config"))};
  if (type == "ActivateAgent")
    return activate_agent{uuid(in, "agent_id")};
  if (type == "SuspendAgent")
    return suspend_agent{uuid(in, "agent_id"), in.text("reason", true, true)};
  if (type == "DecommissionAgent")
    return decommission_agent{uuid(in, "agent_id"), in.text("reason", false)};
  if (type == "SendMessage")
    return send_message{uuid(in, "agent_id"), uuid(in, "message_id"),
                        in.text("content", true, true), read_context(in)};
  throw field_problem{"unknown command type " + echoed(type) +
                      " (expected DeployAgent, ConfigureModel, ActivateAgent, SuspendAgent, "
                      "DecommissionAgent or SendMessage)"};
}

bool is_ping(std::string_view payload) {
  const auto first = payload.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos)
    return false;
  const auto last = payload.find_last_not_of(" \t\r\n");
  return payload.substr(first, last - first + 1) == "ping";
}

} // namespace

std::variant<command, command_error> parse_command(std::string_view payload) {
  if (is_ping(payload))
    return command{ping_command{}};
  if (payload.find_first_not_of(" \t\r\n") == std::string_view::npos)
    return command_error{"empty payload: expected a JSON command or ping"};

  json object;
  if (auto problem = parse_json(payload, object))
    return command_error{*problem};
  if (!object.is_object())
    return command_error{"payload must be a JSON object with a \"type\" field"};
  auto type = object.find("type");
  if (type == object.end())
    return command_error{"missing field 'type'"};
  if (!type->is_string())
    return command_error{"field 'type' must be a string"};

  try {
    return read_command(type->get<std::string>(), object);
  } catch (const field_problem& problem) {
    if (problem.message.rfind("unknown command type", 0) == 0)
      return command_error{problem.message};
    return command_error{type->get<std::string>() + ": " + problem.message};
  }
}

const char* command_name(const command& cmd) {
  static const char* names[] = {"ping",          "DeployAgent",  "ConfigureModel",
                                "ActivateAgent", "SuspendAgent", "DecommissionAgent",
                                "SendMessage"};
  return names[cmd.index()];
}

const std::string& addressed_agent(const command& cmd) {
  static const std::string none;
  return std::visit(
    [](const auto& c) -> const std::string& {
      if constexpr (std::is_same_v<std::decay_t<decltype(c)>, ping_command>)
        return none;
      else
        return c.agent_id;
    },
    cmd);
}

} // namespace agent_runtime
