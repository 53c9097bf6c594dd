#pragma once

#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include "agent/agent_core.hpp"
#include "routing/agent_load.hpp"
#include "supervision/fleet_services.hpp"
#include "upgrade/agent_code.hpp"

namespace agent_runtime {

/// An agent actor's state: the agent itself and its requests in flight.
struct agent_actor_state {
  std::unique_ptr<agent_core> core;
  fleet_services services;
  /// Shared with the bridge, which admits requests against it.
  std::shared_ptr<agent_load> load;
  /// Told when a request fails inside the agent.
  caf::actor cluster;
  /// Model requests started and not yet answered.
  std::size_t in_flight = 0;
  bool stopping = false;
  /// Set when retiring: who gets the state once the queue is done.
  caf::actor successor;
  /// The agent's events; null when the fleet keeps none.
  std::shared_ptr<agent_journal> journal;
  /// The version's behaviour and counters.
  agent_code code;
  /// When the actor was spawned: a successor's pause ends at the handover.
  std::chrono::steady_clock::time_point spawned;
  static inline const char* name = "agent";
};

/// How an agent actor begins.
enum class agent_start {
  /// With the state of its definition.
  fresh,
  /// Holding every message until a predecessor hands over its state
  /// (`handover_atom`): a restart or a swap that loses and reorders nothing.
  await_handover,
};

/// The actor that serves one agent: one message at a time, in arrival order.
/// It stops on `shutdown_atom`, and hands its state to a successor on
/// `retire_atom`, once everything queued before and every model request in
/// flight is answered. A successor of a swap migrates the state it takes
/// over (`code.migrate_from`) and tells its cluster (`swapped_atom`) how long
/// its agent paused.
caf::behavior agent_actor(caf::stateful_actor<agent_actor_state>* self, agent_definition definition,
                          fleet_services services, std::shared_ptr<agent_load> load,
                          caf::actor cluster, agent_start start, agent_code code = {});

} // namespace agent_runtime
