#include "agent/command.hpp"

#include <nlohmann/json.hpp>

#include "config/fleet_config.hpp"

namespace agent_runtime {
namespace {

using nlohmann::json;

/// Thrown while reading fields; caught at the top of parse_command.
struct field_problem {
  std::string message;
};

class reader {
public:
  explicit reader(const json& object, std::string prefix = {}) :
    object_(object), prefix_(std::move(prefix)) {}

  std::string text(const char* key, bool required = true, bool non_empty = false) const {
    const json* value = find(key, required);
    if (!value)
      return {};
    if (!value->is_string())
      fail(key, "must be a string");
    std::string result = value->get<std::string>();
    if (non_empty && result.find_first_not_of(" \t\r\n") == std::string::npos)
      fail(key, "must not be empty");
    return result;
  }

  std::string uuid(const char* key) const {
    std::string value = text(key);
    if (!is_uuid(value))
      fail(key, "must be a UUID, got '" + value + "'");
    return value;
  }

  std::optional<double> number(const char* key) const {
    const json* value = find(key, false);
    if (!value || value->is_null())
      return std::nullopt;
    if (!value->is_number())
      fail(key, "must be a number");
    return value->get<double>();
  }

  std::optional<long> integer(const char* key) const {
    const json* value = find(key, false);
    if (!value || value->is_null())
      return std::nullopt;
    if (!value->is_number_integer())
      fail(key, "must be an integer");
    return value->get<long>();
  }

  const json* list(const char* key, bool required) const {
    const json* value = find(key, required);
    if (value && !value->is_array())
      fail(key, "must be a list");
    return value;
  }

  const json& object(const char* key) const {
    const json* value = find(key, true);
    if (!value->is_object())
      fail(key, "must be an object");
    return *value;
  }

  [[noreturn]] void fail(const std::string& key, const std::string& why) const {
    throw field_problem{"field '" + prefix_ + key + "' " + why};
  }

private:
  const json* find(const char* key, bool required) const {
    auto it = object_.find(key);
    if (it == object_.end()) {
      if (required)
        throw field_problem{"missing field '" + prefix_ + key + "'"};
      return nullptr;
    }
    return &*it;
  }

  const json& object_;
  std::string prefix_;
};

model_config read_model_config(const json& object) {
  reader in(object, "config.");
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
  if (object.contains("system_prompt"))
    config.system_prompt = in.text("system_prompt", false);
  if (auto problem = validate(config))
    in.fail(problem->field, problem->message);
  return config;
}

std::vector<context_message> read_context(const reader& in) {
  std::vector<context_message> context;
  const json* list = in.list("context", false);
  if (!list)
    return context;
  for (std::size_t i = 0; i < list->size(); ++i) {
    const json& item = (*list)[i];
    const std::string where = "context[" + std::to_string(i) + "]";
    if (!item.is_object())
      in.fail(where, "must be an object with role and content");
    reader turn(item, where + ".");
    context_message message{turn.text("role"), turn.text("content")};
    if (message.role != "system" && message.role != "user" && message.role != "assistant")
      turn.fail("role", "must be system, user or assistant, got '" + message.role + "'");
    context.push_back(std::move(message));
  }
  return context;
}

command read_command(const std::string& type, const json& object) {
  reader in(object);
  if (type == "DeployAgent")
    return deploy_agent{in.uuid("agent_id"), in.uuid("person_id"), in.text("name", true, true),
                        in.text("description", false)};
  if (type == "ConfigureModel")
    return configure_model{in.uuid("agent_id"), read_model_config(in.object("config"))};
  if (type == "ActivateAgent")
    return activate_agent{in.uuid("agent_id")};
  if (type == "SuspendAgent")
    return suspend_agent{in.uuid("agent_id"), in.text("reason", true, true)};
  if (type == "DecommissionAgent")
    return decommission_agent{in.uuid("agent_id"), in.text("reason", false)};
  if (type == "SendMessage")
    return send_message{in.uuid("agent_id"), in.uuid("message_id"), in.text("content", true, true),
                        read_context(in)};
  throw field_problem{"unknown command type '" + type +
                      "' (expected DeployAgent, ConfigureModel, ActivateAgent, SuspendAgent, "
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
  try {
    object = json::parse(payload);
  } catch (const json::parse_error& e) {
    return command_error{"payload is not valid JSON (error at byte " + std::to_string(e.byte) +
                         ")"};
  } catch (const json::out_of_range&) {
    // A number beyond what a double holds (1e400) is not a parse error.
    return command_error{"payload is not valid JSON (a number out of range)"};
  }
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
