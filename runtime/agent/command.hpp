#pragma once
// The commands of the contract, parsed from a request payload: a JSON object
// tagged by "type", or the bare text `ping`.

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "agent/model_config.hpp"

namespace agent_runtime {

/// `ping`: who are you.
struct ping_command {};

struct deploy_agent {
  std::string agent_id;
  std::string person_id;
  std::string name;
  std::string description;
};

struct configure_model {
  std::string agent_id;
  model_config config;
};

struct activate_agent {
  std::string agent_id;
};

struct suspend_agent {
  std::string agent_id;
  std::string reason;
};

struct decommission_agent {
  std::string agent_id;
  std::string reason;
};

/// One turn of conversation context.
struct context_message {
  std::string role;
  std::string content;
};

struct send_message {
  std::string agent_id;
  std::string message_id;
  std::string content;
  std::vector<context_message> context;
};

/// Any command an agent understands.
using command = std::variant<ping_command, deploy_agent, configure_model, activate_agent,
                             suspend_agent, decommission_agent, send_message>;

/// Why a payload is not a command, in words for the caller.
struct command_error {
  std::string message;
};

/// Parses `payload`. Unknown fields are ignored; a missing or mistyped field,
/// an unknown type, or text that is not JSON gives a `command_error`.
std::variant<command, command_error> parse_command(std::string_view payload);

/// The command's contract name ("ping", "DeployAgent", ...).
const char* command_name(const command& cmd);

/// The `agent_id` the command addresses; empty for ping.
const std::string& addressed_agent(const command& cmd);

} // namespace agent_runtime
