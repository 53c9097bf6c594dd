#include "events/agent_event.hpp"

#include <nlohmann/json.hpp>

namespace agent_runtime {

using nlohmann::json;

namespace {

template <class... Fs>
struct overloaded : Fs... {
  using Fs::operator()...;
};
template <class... Fs>
overloaded(Fs...) -> overloaded<Fs...>;

std::string text_of(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::size_t count_of(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_number_unsigned() ? it->get<std::size_t>() : 0;
}

template <class T>
void put_optional(json& out, const char* key, const std::optional<T>& value) {
  if (value)
    out[key] = *value;
}

template <class T>
std::optional<T> optional_of(const json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_number())
    return std::nullopt;
  return it->get<T>();
}

} // namespace

const char* event_type(const agent_event& event) {
  return std::visit(overloaded{
                      [](const agent_deployed&) { return "AgentDeployed"; },
                      [](const model_configured&) { return "ModelConfigured"; },
                      [](const agent_activated&) { return "AgentActivated"; },
                      [](const agent_suspended&) { return "AgentSuspended"; },
                      [](const agent_decommissioned&) { return "AgentDecommissioned"; },
                      [](const message_sent&) { return "MessageSent"; },
                      [](const response_chunk&) { return "ResponseChunk"; },
                      [](const response_completed&) { return "ResponseCompleted"; },
                      [](const response_failed&) { return "ResponseFailed"; },
                    },
                    event);
}

std::string event_suffix(const agent_event& event) {
  return std::visit(
    overloaded{
      [](const agent_deployed&) { return std::string("deployed"); },
      [](const model_configured&) { return std::string("model_configured"); },
      [](const agent_activated&) { return std::string("activated"); },
      [](const agent_suspended&) { return std::string("suspended"); },
      [](const agent_decommissioned&) { return std::string("decommissioned"); },
      [](const message_sent& e) { return "message." + e.message_id + ".sent"; },
      [](const response_chunk& e) {
        return "message." + e.message_id + ".chunk." + std::to_string(e.index);
      },
      [](const response_completed& e) { return "message." + e.message_id + ".completed"; },
      [](const response_failed& e) { return "message." + e.message_id + ".failed"; },
    },
    event);
}

json model_config_to_json(const model_config& config) {
  json out{{"provider", config.provider}, {"model_name", config.model_name}};
  if (!config.api_endpoint.empty())
    out["api_endpoint"] = config.api_endpoint;
  if (!config.api_key_env.empty())
    out["api_key_env"] = config.api_key_env;
  put_optional(out, "timeout_seconds", config.timeout_seconds);
  put_optional(out, "temperature", config.temperature);
  put_optional(out, "top_p", config.top_p);
  put_optional(out, "max_tokens", config.max_tokens);
  put_optional(out, "frequency_penalty", config.frequency_penalty);
  put_optional(out, "presence_penalty", config.presence_penalty);
  if (!config.stop_sequences.empty())
    out["stop_sequences"] = config.stop_sequences;
  put_optional(out, "system_prompt", config.system_prompt);
  return out;
}

model_config model_config_from_json(const json& object) {
  model_config config;
  if (!object.is_object())
    return config;
  if (object.contains("provider"))
    config.provider = text_of(object, "provider");
  config.model_name = text_of(object, "model_name");
  config.api_endpoint = text_of(object, "api_endpoint");
  config.api_key_env = text_of(object, "api_key_env");
  config.timeout_seconds = optional_of<double>(object, "timeout_seconds");
  config.temperature = optional_of<double>(object, "temperature");
  config.top_p = optional_of<double>(object, "top_p");
  config.max_tokens = optional_of<long>(object, "max_tokens");
  config.frequency_penalty = optional_of<double>(object, "frequency_penalty");
  config.presence_penalty = optional_of<double>(object, "presence_penalty");
  auto stops = object.find("stop_sequences");
  if (stops != object.end() && stops->is_array()) {
    for (const json& s : *stops) {
      if (s.is_string())
        config.stop_sequences.push_back(s.get<std::string>());
    }
  }
  auto prompt = object.find("system_prompt");
  if (prompt != object.end() && prompt->is_string())
    config.system_prompt = prompt->get<std::string>();
  return config;
}

json event_to_json(const agent_event& event) {
  json out = std::visit(
    overloaded{
      [](const agent_deployed& e) {
        return json{{"person_id", e.person_id}, {"name", e.name}, {"description", e.description}};
      },
      [](const model_configured& e) {
        return json{{"config", model_config_to_json(e.config)}};
      },
      [](const agent_activated&) { return json::object(); },
      [](const agent_suspended& e) {
        return json{{"reason", e.reason}};
      },
      [](const agent_decommissioned& e) {
        return json{{"reason", e.reason}};
      },
      [](const message_sent& e) {
        json context = json::array();
        for (const context_message& turn : e.context)
          context.push_back({{"role", turn.role}, {"content", turn.content}});
        return json{{"message_id", e.message_id}, {"content", e.content}, {"context", context}};
      },
      [](const response_chunk& e) {
        return json{{"message_id", e.message_id}, {"index", e.index}, {"content", e.text}};
      },
      [](const response_completed& e) {
        return json{{"message_id", e.message_id}, {"response", e.text}, {"chunks", e.chunks}};
      },
      [](const response_failed& e) {
        return json{{"message_id", e.message_id}, {"error", e.error}};
      },
    },
    event);
  // "type" first, for people reading the stream.
  json tagged{{"type", event_type(event)}};
  tagged.update(out);
  return tagged;
}

std::optional<agent_event> event_from_json(const json& object) {
  if (!object.is_object())
    return std::nullopt;
  const std::string type = text_of(object, "type");
  if (type == "AgentDeployed")
    return agent_deployed{text_of(object, "person_id"), text_of(object, "name"),
                          text_of(object, "description")};
  if (type == "ModelConfigured")
    return model_configured{model_config_from_json(object.value("config", json::object()))};
  if (type == "AgentActivated")
    return agent_activated{};
  if (type == "AgentSuspended")
    return agent_suspended{text_of(object, "reason")};
  if (type == "AgentDecommissioned")
    return agent_decommissioned{text_of(object, "reason")};
  if (type == "MessageSent") {
    message_sent sent{text_of(object, "message_id"), text_of(object, "content"), {}};
    auto context = object.find("context");
    if (context != object.end() && context->is_array()) {
      for (const json& turn : *context)
        sent.context.push_back({text_of(turn, "role"), text_of(turn, "content")});
    }
    return sent;
  }
  if (type == "ResponseChunk")
    return response_chunk{text_of(object, "message_id"), count_of(object, "index"),
                          text_of(object, "content")};
  if (type == "ResponseCompleted")
    return response_completed{text_of(object, "message_id"), text_of(object, "response"),
                              count_of(object, "chunks")};
  if (type == "ResponseFailed")
    return response_failed{text_of(object, "message_id"), text_of(object, "error")};
  return std::nullopt;
}

} // namespace agent_runtime
