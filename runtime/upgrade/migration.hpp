#pragma once
// Carrying an agent's state from one version to the next: the OTP
// `code_change` idea. What an operator set at run time (ConfigureModel, a
// DeployAgent description) is kept; what still is the old definition's
// default becomes the new definition's; then the new version's plugin, if
// it has a `migrate` hook, converts the state or refuses it.

#include <string>

#include "agent/agent_core.hpp"
#include "config/fleet_config.hpp"

namespace agent_runtime {

class behaviour_plugin;

/// The state for the new version, or why it cannot take the old one.
struct migration_result {
  bool ok = true;
  std::string error;
  agent_snapshot state;
};

/// Migrates `state`, kept under `from`, to the definition `to` and the
/// behaviour `plugin` (may be null).
migration_result migrate_state(const agent_snapshot& state, const agent_definition& from,
                               const agent_definition& to, const behaviour_plugin* plugin);

/// The state as the JSON object a plugin's `migrate` hook sees.
std::string state_to_json(const agent_snapshot& state);

/// Applies the fields of `json` (a JSON object) to `state`; throws
/// std::invalid_argument when it is not an object or a field is malformed.
void apply_state_json(const std::string& json, agent_snapshot& state);

} // namespace agent_runtime
