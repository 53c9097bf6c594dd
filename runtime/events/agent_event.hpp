#pragma once
// The events of an agent's life and conversations, as product.md names them:
// what each carries, the `<event>` part of its subject, and its JSON. Free of
// actors and NATS.

#include <cstddef>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "agent/command.hpp"
#include "agent/model_config.hpp"

namespace agent_runtime {

/// `deployed`: DeployAgent was accepted.
struct agent_deployed {
  std::string person_id;
  std::string name;
  std::string description;
};

/// `model_configured`: ConfigureModel was accepted.
struct model_configured {
  model_config config;
};

/// `activated`: ActivateAgent was accepted.
struct agent_activated {};

/// `suspended`: SuspendAgent was accepted.
struct agent_suspended {
  std::string reason;
};

/// `decommissioned`: DecommissionAgent was accepted.
struct agent_decommissioned {
  std::string reason;
};

/// `message.<id>.sent`: a SendMessage reached the model.
struct message_sent {
  std::string message_id;
  std::string content;
  std::vector<context_message> context;
};

/// `message.<id>.chunk.<index>`: one piece of the answer, as it arrived.
struct response_chunk {
  std::string message_id;
  std::size_t index = 0;
  std::string text;
};

/// `message.<id>.completed`: the whole answer.
struct response_completed {
  std::string message_id;
  std::string text;
  std::size_t chunks = 0;
};

/// `message.<id>.failed`: the model request ended without an answer.
struct response_failed {
  std::string message_id;
  std::string error;
};

/// Any event of an agent.
using agent_event = std::variant<agent_deployed, model_configured, agent_activated, agent_suspended,
                                 agent_decommissioned, message_sent, response_chunk,
                                 response_completed, response_failed>;

/// The event's `type` in JSON ("AgentDeployed", ..., "ResponseFailed").
const char* event_type(const agent_event& event);

/// The `<event>` part of its subject ("deployed", "message.<id>.chunk.3", ...).
std::string event_suffix(const agent_event& event);

/// The event as JSON: `{"type": ..., fields...}`.
nlohmann::json event_to_json(const agent_event& event);

/// The event in `object`; nothing when it is not one this runtime knows.
std::optional<agent_event> event_from_json(const nlohmann::json& object);

/// A model config as JSON, in the shape of ConfigureModel's `config`.
nlohmann::json model_config_to_json(const model_config& config);

/// A model config read back from `model_config_to_json`; lenient: missing
/// fields keep their defaults.
model_config model_config_from_json(const nlohmann::json& object);

} // namespace agent_runtime
