#pragma once
// An agent's lifecycle: deployed, configured, active, suspended,
// decommissioned; and which command may move it where.

#include <string>

namespace agent_runtime {

/// Where an agent is in its lifecycle.
enum class lifecycle { deployed, configured, active, suspended, decommissioned };

/// What a command asks of the lifecycle.
enum class lifecycle_event { deploy, configure, activate, suspend, decommission, send_message };

/// The outcome of applying an event: the next state, or why it is refused.
struct lifecycle_step {
  bool allowed = false;
  lifecycle next = lifecycle::deployed;
  std::string refusal;
};

/// Applies `event` to an agent in state `from`.
lifecycle_step apply(lifecycle from, lifecycle_event event);

/// The state's name as clients see it ("active", ...).
const char* to_string(lifecycle state);

} // namespace agent_runtime
