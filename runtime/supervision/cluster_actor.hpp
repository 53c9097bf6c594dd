#pragma once

#include <caf/event_based_actor.hpp>
#include <caf/response_promise.hpp>
#include <caf/stateful_actor.hpp>

#include "config/fleet_config.hpp"
#include "supervision/fleet_services.hpp"

namespace agent_runtime {

/// A cluster actor's state: its agents' actors and the stop in progress.
struct cluster_actor_state {
  cluster_spec spec;
  fleet_services services;
  /// Agent name by actor address, for the down handler.
  std::map<caf::actor_addr, std::string> agents;
  bool stopping = false;
  caf::response_promise stopped;
  static inline const char* name = "cluster";
};

/// Starts and watches the agents of one cluster, and points the route table
/// at them. Answers `ready_atom` with its agent count, and `shutdown_atom`
/// once every agent has finished its queue and stopped.
caf::behavior cluster_actor(caf::stateful_actor<cluster_actor_state>* self, cluster_spec spec,
                            fleet_services services);

} // namespace agent_runtime
