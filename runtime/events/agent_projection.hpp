#pragma once
// An agent's state folded from its events, and the snapshot record that
// spares a start from reading every event since the first. Free of actors
// and NATS.

#include <cstdint>
#include <optional>
#include <string>

#include "agent/agent_core.hpp"
#include "config/fleet_config.hpp"
#include "events/agent_event.hpp"

namespace agent_runtime {

/// The state of an agent that has no events yet: its definition's.
agent_snapshot initial_state(const agent_definition& definition);

/// Applies one recorded event to `state`. A recorded event is a fact: it is
/// applied as it is, not checked against the lifecycle again. Conversation
/// events change no state.
void fold(agent_snapshot& state, const agent_event& event);

/// A snapshot as kept on the stream: the state after event `sequence`.
struct stored_snapshot {
  std::string aggregate_id;
  std::uint64_t sequence = 0;
  agent_snapshot state;
  std::string timestamp;
};

/// The snapshot as JSON: `{aggregate_id, sequence, snapshot: {...}, timestamp}`.
std::string snapshot_to_json(const stored_snapshot& snapshot);

/// The snapshot in `text`; nothing when it is not one.
std::optional<stored_snapshot> snapshot_from_json(const std::string& text);

} // namespace agent_runtime
