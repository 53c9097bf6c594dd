#pragma once

#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include "agent/agent_core.hpp"
#include "supervision/fleet_services.hpp"

namespace agent_runtime {

/// An agent actor's state: the agent itself and its requests in flight.
struct agent_actor_state {
  std::unique_ptr<agent_core> core;
  fleet_services services;
  /// Model requests started and not yet answered.
  std::size_t in_flight = 0;
  bool stopping = false;
  static inline const char* name = "agent";
};

/// The actor that serves one agent: one message at a time, in arrival order.
/// It stops on `shutdown_atom` once everything queued before it and every
/// model request in flight is answered.
caf::behavior agent_actor(caf::stateful_actor<agent_actor_state>* self, agent_definition definition,
                          fleet_services services);

} // namespace agent_runtime
