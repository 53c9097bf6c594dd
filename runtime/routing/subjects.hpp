#pragma once
// The subjects of the contract, built in one place.

#include <string>
#include <string_view>

namespace agent_runtime::subjects {

/// `agent.to.<name>.>`: the agent's inbox.
inline std::string inbox(const std::string& name) {
  return "agent.to." + name + ".>";
}

/// `agent.broadcast.>`: every enabled agent receives it.
inline std::string broadcast() {
  return "agent.broadcast.>";
}

/// `agent.*.*.<id>.command.>`: commands addressed by reference.
inline std::string agent_ref(const std::string& id) {
  return "agent.*.*." + id + ".command.>";
}

/// The queue group an agent's subscriptions join, so that several runtimes
/// on one NATS deliver each message to one of them.
inline std::string queue_group(const std::string& prefix, const std::string& name) {
  return prefix + "." + name;
}

/// The last dot-separated token of `subject` (the kind of a request).
inline std::string_view last_token(std::string_view subject) {
  const auto dot = subject.rfind('.');
  return dot == std::string_view::npos ? subject : subject.substr(dot + 1);
}

} // namespace agent_runtime::subjects
